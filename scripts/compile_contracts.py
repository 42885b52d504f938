"""Compile the contracts with the pinned solc and write their artifacts (<Contract>.json).

One compiler for everything: the exact `solc` version pinned in package.json (solc-js, a wasm
build of the real compiler) behind scripts/solc, which answers like a native solc. forge uses the
same wrapper (foundry.toml `solc = "scripts/solc"`), and the settings here are read from
foundry.toml, so the artifacts hold the bytecode forge tests.

Each artifact: {contract, sourcePath, compiler: {name, version, settings}, abi, bytecode,
deployedBytecode, sourceSha256, sources}. ``sourceSha256`` is the SHA-256 of the contract's own
source file; ``sources`` the SHA-256 of every source unit it was compiled from.

Usage: python scripts/compile_contracts.py [--check]
(--check: exit 1 when a committed artifact differs from a fresh compilation).
Needs Node.js and `npm ci` (node_modules/solc).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import solcx
from solcx.exceptions import SolcError
from solcx.wrapper import get_version_str_from_solc_binary

ROOT = Path(__file__).resolve().parents[1]
SOLC = ROOT / "scripts" / "solc"
ARTIFACT_DIR = ROOT / "anchoring" / "artifacts"
CONTRACTS = {
    "RegistryAnchor": "contracts/src/RegistryAnchor.sol",
    "EventOnlyAnchor": "contracts/src/bench/EventOnlyAnchor.sol",
    # Test, benchmark and demo contracts of on-chain verification (node/chain/artifacts/).
    "TestToken": "contracts/src/testing/TestToken.sol",
    "RoleToken": "contracts/src/testing/RoleToken.sol",
    "ProxiedToken": "contracts/src/testing/ProxiedToken.sol",
    "ProxiedTokenV2": "contracts/src/testing/ProxiedToken.sol",
    "TokenProxy": "contracts/src/testing/TokenProxy.sol",
    "SmartWallet": "contracts/src/testing/SmartWallet.sol",
    "Multicall3": "contracts/src/testing/Multicall3.sol",
}
TESTING_SOURCES = "contracts/src/testing/"
"""Contracts under this directory get their artifacts in node/chain/artifacts/ (the node deploys
them on local chains: tests, benchmark, demo); the anchor contracts in anchoring/artifacts/."""
OUTPUTS = [
    "abi",
    "evm.bytecode.object",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.immutableReferences",
    "metadata",
]


class CompileError(RuntimeError):
    """The contracts could not be compiled as pinned (missing toolchain, version, errors)."""


def pinned_solc_version(root: Path = ROOT) -> str:
    """The exact solc version pinned in package.json (e.g. "0.8.37").

    Raises:
        CompileError: package.json has no exact `solc` dependency.
    """
    package = json.loads((root / "package.json").read_text(encoding="utf-8"))
    version = {**package.get("devDependencies", {}), **package.get("dependencies", {})}.get("solc")
    if not isinstance(version, str) or not version[:1].isdigit():
        raise CompileError(f"package.json must pin an exact solc version, found {version!r}")
    return version


def compiler_settings(root: Path = ROOT) -> dict[str, Any]:
    """The solc standard-JSON settings of foundry.toml's default profile (no outputSelection).

    Raises:
        CompileError: foundry.toml lacks a setting the artifacts depend on.
    """
    with (root / "foundry.toml").open("rb") as handle:
        profile = tomllib.load(handle)["profile"]["default"]
    try:
        settings: dict[str, Any] = {
            "evmVersion": profile["evm_version"],
            "optimizer": {"enabled": profile["optimizer"], "runs": profile["optimizer_runs"]},
            "metadata": {
                "bytecodeHash": profile["bytecode_hash"],
                "appendCBOR": profile["cbor_metadata"],
            },
            "remappings": list(profile["remappings"]),
        }
    except KeyError as exc:
        raise CompileError(f"foundry.toml [profile.default] has no {exc.args[0]}") from exc
    if profile.get("via_ir", False):
        settings["viaIR"] = True
    return settings


def compiler_version(solc: Path = SOLC) -> str:
    """The full version the wrapper reports, e.g. "0.8.37+commit.f401782d".

    Raises:
        CompileError: the wrapper cannot run (no Node.js, or `npm ci` not run).
    """
    try:
        return get_version_str_from_solc_binary(solc)
    except (OSError, subprocess.SubprocessError, SolcError) as exc:
        raise CompileError(f"cannot run {solc} (Node.js and `npm ci` needed): {exc}") from exc


def build_artifacts(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """Compile every contract in CONTRACTS; return the artifacts by contract name.

    Raises:
        CompileError: the toolchain is missing, the wrapper's solc is not the pinned version, or
            the compiler reports an error.
    """
    version = compiler_version(root / "scripts" / "solc")
    pinned = pinned_solc_version(root)
    if not version.startswith(pinned + "+"):
        raise CompileError(f"scripts/solc is solc {version}, package.json pins {pinned}")
    settings = compiler_settings(root)
    sources = {
        path: {"content": (root / path).read_text(encoding="utf-8")} for path in CONTRACTS.values()
    }
    standard_input = {
        "language": "Solidity",
        "sources": sources,
        "settings": {**settings, "outputSelection": {"*": {"*": OUTPUTS}}},
    }
    try:
        output = solcx.compile_standard(
            standard_input,
            solc_binary=root / "scripts" / "solc",
            base_path=str(root),
            allow_paths=[str(root)],
        )
    except SolcError as exc:
        raise CompileError(f"solc failed:\n{exc}") from exc

    artifacts: dict[str, dict[str, Any]] = {}
    for name, path in CONTRACTS.items():
        compiled = output["contracts"][path][name]
        metadata = json.loads(compiled["metadata"])
        artifacts[name] = {
            "contract": name,
            "sourcePath": path,
            "compiler": {"name": "solc", "version": version, "settings": settings},
            "abi": compiled["abi"],
            "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            **({} if path.startswith(TESTING_SOURCES) else _immutables(compiled)),
            "sourceSha256": _sha256(root / path),
            "sources": {unit: _sha256(root / unit) for unit in sorted(metadata["sources"])},
        }
    return artifacts


def _immutables(compiled: dict[str, Any]) -> dict[str, Any]:
    """``{"immutableReferences": [[start, length], ...]}``: where the runtime code holds
    immutables (zero in ``deployedBytecode``, set at deployment), sorted; nothing when the
    contract has none. Only for the anchoring artifacts (whose code is checked on chain)."""
    references = compiled["evm"]["deployedBytecode"].get("immutableReferences") or {}
    ranges = sorted(
        [int(r["start"]), int(r["length"])] for refs in references.values() for r in refs
    )
    return {"immutableReferences": ranges} if ranges else {}


def render(artifact: dict[str, Any]) -> str:
    """The artifact's file text (stable: two-space indent, trailing newline)."""
    return json.dumps(artifact, indent=2, ensure_ascii=False) + "\n"


def artifact_path(name: str, root: Path = ROOT) -> Path:
    """Where the artifact of contract ``name`` is committed."""
    if CONTRACTS[name].startswith(TESTING_SOURCES):
        return root / "node" / "chain" / "artifacts" / f"{name}.json"
    return root / "anchoring" / "artifacts" / f"{name}.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with --check compare) the artifacts; return the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    try:
        artifacts = build_artifacts()
    except CompileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stale = []
    for name, artifact in artifacts.items():
        path = artifact_path(name)
        text = render(artifact)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} (solc {artifact['compiler']['version']})")
    if stale:
        print(f"stale artifacts (run {Path(__file__).name}): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
