"""Contract matches filing: the filed solc standard-JSON input is compiled with the declared
version (solc-js from npm, offline) and compared with the code on chain — exact (with the
metadata hash), partial (without it), mismatch; unknown versions and failed compiles are
findings. Two compiler versions are covered: the pinned 0.8.37 and 0.8.28."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from node.chain import dev
from node.domain.entries import VerificationObserved
from node.errors import RuleViolation
from node.ledger.service import Ledger
from node.verification.source import (
    Compiler,
    Compilers,
    SourceChecker,
    compare,
    compiled_contract,
    default_node_modules,
    file_source,
    parse_source_filing,
    strip_metadata,
)
from node.verification.store import VerificationStore
from tests.verification.support import ROOT, TestChain, finding_ids, register_token, verifier

TOKEN = "contracts/src/testing/TestToken.sol:TestToken"
COUNTER = """// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.20;

contract Counter {
    uint256 public immutable start;
    uint256 public count;

    constructor(uint256 start_) {
        start = start_;
    }

    function bump() external {
        count += 1;
    }
}
"""


class CachedCompilers(Compilers):
    """The real compilers, each input compiled once per test session (they take seconds)."""

    def compile(self, compiler: Compiler, standard_json: str) -> tuple[str, dict[str, Any]]:
        return _compile(compiler, standard_json)


@cache
def _compile(compiler: Compiler, standard_json: str) -> tuple[str, dict[str, Any]]:
    return Compilers().compile(compiler, standard_json)


COMPILERS = CachedCompilers(node_modules=default_node_modules())


def _artifact_input(name: str, *, edit: str = "") -> str:
    """The standard JSON the committed artifact was built from (its own sources, inline)."""
    artifact = json.loads((ROOT / "node" / "chain" / "artifacts" / f"{name}.json").read_text())
    sources = {
        unit: {"content": (ROOT / unit).read_text(encoding="utf-8")} for unit in artifact["sources"]
    }
    if edit:
        path = artifact["sourcePath"]
        sources[path] = {"content": sources[path]["content"] + edit}
    settings = dict(artifact["compiler"]["settings"])
    return json.dumps({"language": "Solidity", "sources": sources, "settings": settings})


def _counter_input() -> str:
    return json.dumps(
        {
            "language": "Solidity",
            "sources": {"Counter.sol": {"content": COUNTER}},
            "settings": {
                "optimizer": {"enabled": True, "runs": 200},
                "outputSelection": {"*": {"*": ["evm.bytecode.object"]}},
            },
        }
    )


def _file(ledger: Ledger, key: str, text: str, *, compiler: str, contract: str) -> None:
    filing = parse_source_filing(text, compiler=compiler, contract=contract)
    file_source(ledger, VerificationStore(ledger.store.engine), key, filing)


def _run(ledger: Ledger, chain: TestChain) -> Any:
    run = verifier(ledger, chain.client)
    run.sources = SourceChecker(run.store, COMPILERS)
    return run.run()


def _match(ledger: Ledger, key: str) -> str | None:
    observed = [e for _, e in ledger.history(key) if isinstance(e, VerificationObserved)]
    return observed[-1].readings.source_match


def test_the_filed_source_matches_exactly(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(60)
    token = chain.token(owner)
    key = register_token(ledger, contract=token, wallet=owner.address, until="registered")
    _file(ledger, key, _artifact_input("TestToken"), compiler="0.8.37", contract=TOKEN)
    state = ledger.emission(key).verification
    assert state is not None and state.source is not None and state.source.compiler == "0.8.37"
    report = _run(ledger, chain)
    assert finding_ids(report, key) == set()
    assert _match(ledger, key) == "exact"


def test_an_edited_comment_is_a_partial_match(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(61)
    token = chain.token(owner)
    key = register_token(ledger, contract=token, wallet=owner.address, until="registered")
    edited = _artifact_input("TestToken", edit="\n// a comment changes only the metadata\n")
    _file(ledger, key, edited, compiler="0.8.37+commit.f401782d", contract=TOKEN)
    assert finding_ids(_run(ledger, chain), key) == {"source.partial-match"}
    assert _match(ledger, key) == "partial"


def test_another_contract_does_not_match(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(62)
    roles = chain.deploy(owner, "RoleToken", "Ala-Too Real Estate Token", "ATRE", owner.address)
    key = register_token(ledger, contract=roles, wallet=owner.address, until="registered")
    _file(ledger, key, _artifact_input("TestToken"), compiler="0.8.37", contract=TOKEN)
    assert "source.mismatch" in finding_ids(_run(ledger, chain), key)
    assert _match(ledger, key) == "none"


def test_a_proxy_matches_through_its_implementation(chain: TestChain, ledger: Ledger) -> None:
    owner = chain.account(63)
    impl = chain.deploy(owner, "ProxiedToken")
    init = dev.encode_call("initialize(string,string,address)", "A", "ATRE", owner.address)
    proxy = chain.deploy(owner, "TokenProxy", impl, init)
    key = register_token(ledger, contract=proxy, wallet=owner.address, until="registered")
    contract = "contracts/src/testing/ProxiedToken.sol:ProxiedToken"
    _file(ledger, key, _artifact_input("ProxiedToken"), compiler="0.8.37", contract=contract)
    assert "source.mismatch" not in finding_ids(_run(ledger, chain), key)
    assert _match(ledger, key) == "exact"


@pytest.mark.parametrize("version", ["0.8.28", "0.8.37"])
def test_two_compiler_versions(chain: TestChain, ledger: Ledger, version: str) -> None:
    compiler = COMPILERS.find(version)
    assert compiler is not None and compiler.kind == "solc-js"
    full, output = COMPILERS.compile(compiler, _counter_input())
    assert full.startswith(version + "+commit.")
    creation = bytes.fromhex(
        output["contracts"]["Counter.sol"]["Counter"]["evm"]["bytecode"]["object"]
    )
    owner = chain.account(64)
    mined = dev.send_transaction(
        chain.client, owner, to=None, data=creation + (42).to_bytes(32, "big")
    )
    assert mined.contract_address is not None
    key = register_token(
        ledger, contract=mined.contract_address, wallet=owner.address, until="registered"
    )
    _file(ledger, key, _counter_input(), compiler=version, contract="Counter.sol:Counter")
    other = "0.8.37" if version == "0.8.28" else "0.8.28"
    second = register_token(
        ledger, contract=mined.contract_address, wallet=owner.address, until="registered"
    )
    _file(ledger, second, _counter_input(), compiler=other, contract="Counter.sol:Counter")
    report = _run(ledger, chain)
    found = finding_ids(report, key)
    assert not {"source.mismatch", "source.partial-match"} & found  # exact: immutable masked
    assert _match(ledger, key) == "exact"
    assert _match(ledger, second) in ("partial", "none")  # the metadata names the compiler


def test_unknown_compilers_and_failed_compiles_are_findings(
    chain: TestChain, ledger: Ledger
) -> None:
    owner = chain.account(65)
    token = chain.token(owner)
    first = register_token(ledger, contract=token, wallet=owner.address, until="registered")
    second = register_token(ledger, contract=token, wallet=owner.address, until="registered")
    _file(ledger, first, _counter_input(), compiler="0.4.26", contract="Counter.sol:Counter")
    broken = _counter_input().replace("count += 1;", "count += ;")
    _file(ledger, second, broken, compiler="0.8.28", contract="Counter.sol:Counter")
    report = _run(ledger, chain)
    assert finding_ids(report, first) == {"source.compiler-unavailable"}
    assert finding_ids(report, second) == {"source.compile-failed"}
    (result,) = [r for r in report.results if r.key == second]
    assert "ParserError" in result.findings[0].observed or "Expected" in result.findings[0].observed


def test_filings_are_checked_and_canonical() -> None:
    text = _counter_input()
    filing = parse_source_filing(text, compiler="0.8.28", contract="Counter.sol:Counter")
    again = parse_source_filing(
        json.dumps(json.loads(text), indent=4), compiler="0.8.28", contract="Counter.sol:Counter"
    )
    assert (
        filing.sha256 == again.sha256 == hashlib.sha256(filing.standard_json.encode()).hexdigest()
    )
    cases = [
        ("{", "0.8.28", "Counter.sol:Counter", "standard_json"),
        ('{"language": "Vyper", "sources": {}}', "0.8.28", "a:B", "standard_json"),
        (text, "latest", "Counter.sol:Counter", "compiler"),
        (text, "0.8.28", "Counter", "contract"),
        (text, "0.8.28", "Other.sol:Counter", "contract"),
    ]
    for body, compiler, contract, field in cases:
        with pytest.raises(RuleViolation) as caught:
            parse_source_filing(body, compiler=compiler, contract=contract)
        assert caught.value.field == field
        assert caught.value.paragraph == "Reg. §5.5, §9.4"


def test_metadata_stripping_and_masks() -> None:
    code = (
        bytes.fromhex("6080604052")
        + bytes.fromhex("a2646970667358221220")
        + bytes(32)
        + bytes.fromhex("64736f6c6343000825")
        + (51).to_bytes(2, "big")
    )
    assert strip_metadata(code) == bytes.fromhex("6080604052")
    assert strip_metadata(b"\x00\x01") is None
    output = {
        "contracts": {
            "A.sol": {
                "A": {
                    "evm": {
                        "deployedBytecode": {
                            "object": "6001" + "00" * 32 + "6002",
                            "immutableReferences": {"3": [{"start": 2, "length": 32}]},
                        }
                    }
                }
            }
        }
    }
    compiled = compiled_contract("0.8.28+commit.7893614a", output, "A.sol:A")
    deployed = bytes.fromhex("6001" + "ab" * 32 + "6002")
    assert compare(compiled, deployed) == "exact"
    assert compare(compiled, deployed[:-1] + b"\x03") == "none"


def test_compilers_found_offline() -> None:
    found = Compilers(node_modules=default_node_modules()).available()
    assert {"0.8.37", "0.8.28"} <= set(found)
    assert all(c.kind == "solc-js" for v, c in found.items() if v in ("0.8.37", "0.8.28"))
    nowhere = Compilers(node_modules=[Path("/nonexistent")]).available()
    assert all(c.kind == "native" for c in nowhere.values())  # no solc-js outside node_modules
    assert Compilers(node_modules=default_node_modules()).find("not-a-version") is None
