"""The committed contract artifacts are what the pinned compiler builds from the current sources."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.contracts.toolchain import ROOT, load_script

pytestmark = pytest.mark.npm

compile_contracts = load_script("compile_contracts")
NAMES = sorted(compile_contracts.CONTRACTS)


@pytest.fixture(scope="module")
def fresh(node_toolchain: Path) -> dict[str, dict[str, Any]]:
    """Every artifact, compiled now through scripts/solc with py-solc-x."""
    artifacts: dict[str, dict[str, Any]] = compile_contracts.build_artifacts()
    return artifacts


def _committed(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(compile_contracts.artifact_path(name).read_text("utf-8"))
    return data


@pytest.mark.parametrize("name", NAMES)
def test_committed_artifact_matches_recompilation(
    fresh: dict[str, dict[str, Any]], name: str
) -> None:
    committed = compile_contracts.artifact_path(name).read_text(encoding="utf-8")
    assert committed == compile_contracts.render(fresh[name]), (
        f"anchoring/artifacts/{name}.json is stale: run scripts/compile_contracts.py"
    )


def test_check_mode_reports_a_stale_artifact(
    fresh: dict[str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --check compares against the files in ARTIFACT_DIR; point it at edited copies.
    for name in NAMES:
        artifact = dict(fresh[name])
        if name == "RegistryAnchor":
            artifact["deployedBytecode"] = artifact["deployedBytecode"][:-2] + "00"
        (tmp_path / f"{name}.json").write_text(compile_contracts.render(artifact), "utf-8")
    monkeypatch.setattr(
        compile_contracts, "artifact_path", lambda name, root=ROOT: tmp_path / f"{name}.json"
    )
    monkeypatch.setattr(compile_contracts, "build_artifacts", lambda root=ROOT: fresh)
    assert compile_contracts.main(["--check"]) == 1
    (tmp_path / "RegistryAnchor.json").write_text(
        compile_contracts.render(fresh["RegistryAnchor"]), "utf-8"
    )
    assert compile_contracts.main(["--check"]) == 0


@pytest.mark.parametrize("name", NAMES)
def test_artifact_records_the_pinned_compiler(name: str) -> None:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    pinned = package["dependencies"]["solc"]
    assert pinned == lock["packages"]["node_modules/solc"]["version"]
    compiler = _committed(name)["compiler"]
    assert compiler["name"] == "solc"
    assert compiler["version"].startswith(f"{pinned}+commit.")


@pytest.mark.parametrize("name", NAMES)
def test_artifact_settings_are_foundry_settings(name: str) -> None:
    with (ROOT / "foundry.toml").open("rb") as handle:
        profile = tomllib.load(handle)["profile"]["default"]
    settings = _committed(name)["compiler"]["settings"]
    assert settings["optimizer"] == {
        "enabled": profile["optimizer"],
        "runs": profile["optimizer_runs"],
    }
    assert settings["evmVersion"] == profile["evm_version"]
    assert settings["remappings"] == profile["remappings"]
    assert settings["metadata"]["bytecodeHash"] == profile["bytecode_hash"]
    assert profile["solc"] == "scripts/solc"
    assert profile["offline"] is True


@pytest.mark.parametrize("name", NAMES)
def test_artifact_source_hashes(name: str) -> None:
    artifact = _committed(name)
    source = ROOT / artifact["sourcePath"]
    assert artifact["sourceSha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert artifact["sources"][artifact["sourcePath"]] == artifact["sourceSha256"]
    for unit, digest in artifact["sources"].items():
        assert hashlib.sha256((ROOT / unit).read_bytes()).hexdigest() == digest, unit


def _signatures(abi: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {
        f"{item['name']}({','.join(i['type'] for i in item['inputs'])})": item
        for item in abi
        if item["type"] == kind
    }


ANCHOR = "anchor(uint64,bytes32,bytes32,uint64,bytes27,bytes,bytes32[])"


def test_registry_anchor_abi_is_the_issue_surface() -> None:
    abi = _committed("RegistryAnchor")["abi"]
    functions = _signatures(abi, "function")
    anchor = functions[ANCHOR]
    assert anchor["stateMutability"] == "nonpayable"
    assert anchor["outputs"] == []
    assert [i["name"] for i in anchor["inputs"]] == [
        "treeSize",
        "logRoot",
        "stateRoot",
        "stateSize",
        "time",
        "signature",
        "consistencyProof",
    ]
    constructor = next(item for item in abi if item["type"] == "constructor")
    assert [(i["name"], i["type"]) for i in constructor["inputs"]] == [
        ("admin", "address"),
        ("anchorer", "address"),
        ("checkpointSigner", "address"),
        ("origin_", "string"),
    ]
    assert functions["setCheckpointSigner(address,bool)"]["stateMutability"] == "nonpayable"
    assert functions["isCheckpointSigner(address)"]["stateMutability"] == "view"
    assert [o["type"] for o in functions["origin()"]["outputs"]] == ["string"]
    body = functions["checkpointBody(uint64,bytes32,bytes32,uint64,bytes27)"]
    assert [o["type"] for o in body["outputs"]] == ["bytes"]
    latest = functions["latest()"]
    assert [(o["name"], o["type"]) for o in latest["outputs"]] == [
        ("treeSize", "uint64"),
        ("logRoot", "bytes32"),
        ("stateRoot", "bytes32"),
        ("anchoredAt", "uint64"),
    ]
    root_at = functions["rootAt(uint64)"]
    assert [(o["name"], o["type"]) for o in root_at["outputs"]] == [
        ("logRoot", "bytes32"),
        ("stateRoot", "bytes32"),
    ]
    verify = functions["verifyInclusion(uint64,uint64,bytes32,bytes32[])"]
    assert verify["stateMutability"] == "view"
    assert [o["type"] for o in verify["outputs"]] == ["bool"]
    for name in (
        "grantRole(bytes32,address)",
        "revokeRole(bytes32,address)",
        "pause()",
        "unpause()",
        "ANCHOR_ROLE()",
        "PAUSER_ROLE()",
    ):
        assert name in functions, name

    event = _signatures(abi, "event")["Anchored(uint64,bytes32,bytes32,uint64)"]
    assert [(i["name"], i["indexed"]) for i in event["inputs"]] == [
        ("treeSize", True),
        ("logRoot", False),
        ("stateRoot", False),
        ("anchoredAt", False),
    ]
    errors = _signatures(abi, "error")
    for name in (
        "AccessControlUnauthorizedAccount(address,bytes32)",
        "EnforcedPause()",
        "TreeSizeNotLarger(uint64,uint64)",
        "InvalidProofLength(uint256,uint256)",
        "OldRootMismatch(bytes32,bytes32)",
        "NewRootMismatch(bytes32,bytes32)",
        "IndexOutOfRange(uint256,uint256)",
        "NotAnchored(uint64)",
        "ZeroLogRoot()",
        "InvalidCheckpointSignature()",
        "UnknownCheckpointSigner(address)",
        "InvalidOrigin(uint256)",
        "ZeroAddress()",
    ):
        assert name in errors, name
    signer_set = _signatures(abi, "event")["CheckpointSignerSet(address,bool)"]
    assert [(i["name"], i["indexed"]) for i in signer_set["inputs"]] == [
        ("signer", True),
        ("allowed", False),
    ]


def test_event_only_anchor_has_the_same_anchor_and_event() -> None:
    registry = _committed("RegistryAnchor")["abi"]
    floor = _committed("EventOnlyAnchor")["abi"]
    assert ANCHOR in _signatures(floor, "function")
    event = "Anchored(uint64,bytes32,bytes32,uint64)"
    assert _signatures(floor, "event")[event] == _signatures(registry, "event")[event]
