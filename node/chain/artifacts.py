"""The one loader of committed contract artifacts (ABI, creation and runtime bytecode, compiler).

Nothing compiles a contract at run time: `scripts/compile_contracts.py` writes the files — the
anchor contract's under ``anchoring/artifacts/`` (read through anchoring/artifacts.py), the test
and demo contracts' (tokens, Multicall3) under ``node/chain/artifacts/`` — and a test checks them
against a fresh compile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from node.errors import ConfigError


@dataclass(frozen=True)
class ContractArtifact:
    """One compiled contract: its ABI, creation and runtime bytecode, and the compiler version."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes
    deployed_bytecode: bytes
    compiler_version: str
    immutable_ranges: tuple[tuple[int, int], ...] = ()
    """(start, length) of every immutable in the runtime code: zero in ``deployed_bytecode``,
    written by the constructor (RegistryAnchor: the log's origin)."""

    def constructor_types(self) -> list[str]:
        """The ABI types of the constructor's parameters."""
        for item in self.abi:
            if item.get("type") == "constructor":
                return [_abi_type(i) for i in item.get("inputs", [])]
        return []

    def abi_list(self) -> list[dict[str, Any]]:
        """The ABI as the list web3 expects."""
        return list(self.abi)

    def runtime_matches(self, code: bytes) -> bool:
        """Whether ``code`` (read from the chain) is this artifact's runtime bytecode, the
        immutables' bytes left out of the comparison (they differ per deployment)."""
        if len(code) != len(self.deployed_bytecode):
            return False
        return self.masked(code) == self.masked(self.deployed_bytecode)

    def masked(self, code: bytes) -> bytes:
        """``code`` with the bytes of every immutable set to zero."""
        out = bytearray(code)
        for start, length in self.immutable_ranges:
            out[start : start + length] = bytes(length)
        return bytes(out)


def _abi_type(item: dict[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){kind[5:]}"
    return kind


@cache
def read_artifact(package: str, directory: str, name: str) -> ContractArtifact:
    """Read ``<directory>/<name>.json`` of the installed package ``package``.

    Raises:
        ConfigError: there is no such artifact or it is malformed.
    """
    try:
        text = resources.files(package).joinpath(directory, f"{name}.json").read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"contract artifact {name!r} is missing: {exc}") from exc
    return parse_artifact(text, name=name)


def parse_artifact(text: str, *, name: str) -> ContractArtifact:
    """Parse an artifact file written by `scripts/compile_contracts.py`.

    Raises:
        ConfigError: the text is not such an artifact.
    """
    try:
        data = json.loads(text)
        bytecode = bytes.fromhex(str(data["bytecode"]).removeprefix("0x"))
        deployed = bytes.fromhex(str(data["deployedBytecode"]).removeprefix("0x"))
        abi = tuple(data["abi"])
        version = str(data["compiler"]["version"])
        ranges = tuple(
            (int(start), int(length)) for start, length in data.get("immutableReferences", [])
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"contract artifact {name!r} is malformed: {exc}") from exc
    return ContractArtifact(
        name=name,
        abi=abi,
        bytecode=bytecode,
        deployed_bytecode=deployed,
        compiler_version=version,
        immutable_ranges=ranges,
    )
