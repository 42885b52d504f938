"""scripts/solc answers like native solc, so forge and py-solc-x share the pinned solc-js."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from solcx.wrapper import VERSION_REGEX

from tests.contracts.toolchain import ROOT

pytestmark = pytest.mark.npm


def _run(
    solc: Path, *args: str, stdin: str = "", cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(solc), *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120
    )


def _standard_json(sources: dict[str, Any], outputs: list[str]) -> str:
    return json.dumps(
        {
            "language": "Solidity",
            "sources": sources,
            "settings": {"outputSelection": {"*": {"*": outputs, "": ["ast"]}}},
        }
    )


def test_version_reads_like_native_solc(node_toolchain: Path) -> None:
    result = _run(node_toolchain, "--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "solc, the solidity compiler commandline interface"
    pinned = json.loads((ROOT / "package.json").read_text("utf-8"))["dependencies"]["solc"]
    assert re.fullmatch(
        rf"Version: {re.escape(pinned)}\+commit\.[0-9a-f]{{8}}\.Linux\.g\+\+", lines[1]
    )
    match = re.search(VERSION_REGEX, result.stdout)
    assert match is not None and match.group(1) == pinned


def test_unknown_option_fails_like_native_solc(node_toolchain: Path) -> None:
    result = _run(node_toolchain, "--bin", "x.sol")
    assert result.returncode == 1
    assert result.stderr.startswith("unrecognised option '--bin'")


def test_imports_resolve_under_base_and_include_paths(node_toolchain: Path, tmp_path: Path) -> None:
    (tmp_path / "base" / "lib").mkdir(parents=True)
    (tmp_path / "extra").mkdir()
    (tmp_path / "base" / "lib" / "A.sol").write_text(
        'pragma solidity 0.8.37;\nimport "B.sol";\ncontract A is B {}\n', "utf-8"
    )
    (tmp_path / "extra" / "B.sol").write_text("pragma solidity 0.8.37;\ncontract B {}\n", "utf-8")
    stdin = _standard_json({"lib/A.sol": {"urls": ["lib/A.sol"]}}, ["abi"])
    result = _run(
        node_toolchain,
        "--standard-json",
        "--base-path",
        str(tmp_path / "base"),
        "--include-path",
        str(tmp_path / "extra"),
        stdin=stdin,
    )
    assert result.returncode == 0
    output = json.loads(result.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"], output
    assert set(output["contracts"]) == {"lib/A.sol", "B.sol"}


def test_imports_outside_allowed_paths_are_refused(node_toolchain: Path, tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    secret = tmp_path / "outside.sol"
    secret.write_text("pragma solidity 0.8.37;\ncontract Outside {}\n", "utf-8")
    source = f'pragma solidity 0.8.37;\nimport "{secret}";\ncontract A {{}}\n'
    stdin = _standard_json({"A.sol": {"content": source}}, ["abi"])
    result = _run(
        node_toolchain, "--standard-json", "--base-path", str(tmp_path / "base"), stdin=stdin
    )
    assert result.returncode == 0  # native solc also reports errors inside the JSON
    messages = [e["message"] for e in json.loads(result.stdout)["errors"]]
    assert any("File outside of allowed directories" in m for m in messages), messages

    allowed = _run(
        node_toolchain,
        "--standard-json",
        "--base-path",
        str(tmp_path / "base"),
        "--allow-paths",
        str(tmp_path),
        stdin=stdin,
    )
    assert "contracts" in json.loads(allowed.stdout)


def test_missing_import_is_reported(node_toolchain: Path, tmp_path: Path) -> None:
    source = 'pragma solidity 0.8.37;\nimport "nowhere/Missing.sol";\ncontract A {}\n'
    stdin = _standard_json({"A.sol": {"content": source}}, ["abi"])
    result = _run(node_toolchain, "--standard-json", "--base-path", str(tmp_path), stdin=stdin)
    messages = [e["message"] for e in json.loads(result.stdout)["errors"]]
    assert any("File not found: nowhere/Missing.sol" in m for m in messages), messages


def test_large_output_is_not_cut(node_toolchain: Path) -> None:
    # Node cuts piped stdout at 64 KiB if the process exits right after writing.
    path = "contracts/src/RegistryAnchor.sol"
    stdin = json.dumps(
        {
            "language": "Solidity",
            "sources": {path: {"content": (ROOT / path).read_text("utf-8")}},
            "settings": {
                "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
                "outputSelection": {"*": {"*": ["abi", "evm.assembly"], "": ["ast"]}},
            },
        }
    )
    result = _run(node_toolchain, "--standard-json", "--base-path", str(ROOT), stdin=stdin)
    assert result.returncode == 0
    assert len(result.stdout) > 256 * 1024
    output = json.loads(result.stdout)
    assert "RegistryAnchor" in output["contracts"][path]
