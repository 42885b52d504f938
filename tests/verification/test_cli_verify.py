"""`tamga verify …` through the real CLI: run (table and JSON), findings, the wallet-proof
round trip (statement → signature → prove), filing a source, the chain table, errors."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account.messages import encode_typed_data
from typer.testing import CliRunner, Result

from node.cli import CliOverrides, app
from node.clock import FixedClock
from node.ledger.service import Ledger
from node.settings import Settings
from tests.verification.support import NOW, TestChain, register_token

Invoke = Callable[..., Result]


@pytest.fixture
def tamga(
    tmp_path: Path, chain: TestChain, monkeypatch: pytest.MonkeyPatch
) -> tuple[Invoke, Settings]:
    for name in list(os.environ):
        if name.startswith("TAMGA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TAMGA_DATA_DIR", str(tmp_path / "data"))
    local = [{"name": "tamga-local", "chain_id": 31337, "rpc_urls": [chain.url]}]
    monkeypatch.setenv("TAMGA_CHAINS", json.dumps(local))
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(
            app, list(args), obj=CliOverrides(clock=FixedClock(NOW)), env={"COLUMNS": "200"}
        )

    assert invoke("init").exit_code == 0
    return invoke, Settings()


def _register(settings: Settings, **kwargs: object) -> str:
    ledger = Ledger.open(settings, clock=FixedClock(NOW))
    try:
        return register_token(ledger, **kwargs)  # type: ignore[arg-type]
    finally:
        ledger.close()


def test_verify_all_prints_the_summary_and_records_entries(
    tamga: tuple[Invoke, Settings], chain: TestChain
) -> None:
    invoke, settings = tamga
    owner = chain.account(70)
    key = _register(settings, contract=owner.address, wallet=owner.address)
    ton = _register(settings, contract="EQCiO1R0", wallet="EQCqZuTa", blockchain="ton")
    result = invoke("verify", "--all")
    assert result.exit_code == 0, result.output
    for text in (key, ton, "code.missing", "chain.unsupported", "unsupported chain", "critical"):
        assert text in result.stdout, text
    assert "2 emissions, 2 open findings" in result.stdout
    assert "not checked: 1 on ton (unsupported chain)" in result.stdout
    polygon = _register(
        settings, contract=owner.address, wallet=owner.address, blockchain="polygon"
    )
    unread = invoke("verify", polygon)
    row = next(line for line in unread.stdout.splitlines() if polygon in line)
    assert "no endpoint" in row and "not checked" in row and " ok " not in row
    as_json = json.loads(invoke("verify", key, "--json").stdout)
    (emission,) = as_json["emissions"]
    assert emission["outcome"] == "checked" and emission["block"]["chain_id"] == "31337"
    assert [f["id"] for f in emission["findings"]] == ["code.missing"]
    assert emission["opened"] == []  # already open: not recorded again
    findings = json.loads(invoke("verify", "findings", key, "--json").stdout)
    kinds = [e["kind"] for e in findings["entries"]]
    assert kinds == ["verification.observed", "verification.finding", "verification.observed"]
    assert findings["verification"]["open_findings"][0]["id"] == "code.missing"
    shown = invoke("verify", "findings", key)
    assert shown.exit_code == 0 and "code.missing" in shown.stdout
    # --fail-on: a scheduler or CI acts on open findings (code.missing is critical)
    assert invoke("verify", key, "--fail-on", "critical").exit_code == 4
    assert invoke("verify", key, "--fail-on", "warning", "--json").exit_code == 4
    assert invoke("verify", polygon, "--fail-on", "info").exit_code == 0  # nothing open there
    assert invoke("verify", key, "--fail-on", "bad").exit_code == 2  # not a severity


def test_verify_errors(tamga: tuple[Invoke, Settings]) -> None:
    invoke, _ = tamga
    both = invoke("verify", "KG0201A0011", "--all")
    assert both.exit_code == 1 and "not both" in both.stderr
    neither = invoke("verify", "run")
    assert neither.exit_code == 1
    unknown = invoke("verify", "KG0201A0099")
    assert unknown.exit_code == 5 and "not found" in unknown.stderr
    helped = invoke("verify")
    assert "findings" in helped.output and "prove" in helped.output


def test_statement_sign_prove_round_trip(tamga: tuple[Invoke, Settings], chain: TestChain) -> None:
    invoke, settings = tamga
    issuer = chain.account(71)
    token = chain.token(issuer)
    key = _register(settings, contract=token, wallet=issuer.address, until="registered")
    args = ("--nonce", "3", "--expiry", "2026-12-31T00:00:00Z")
    printed = invoke("verify", "statement", key, *args)
    assert printed.exit_code == 0, printed.output
    typed = json.loads(printed.stdout)
    assert typed["message"]["wallet"] == issuer.address and typed["domain"]["chainId"] == 31337
    signature = issuer.sign_message(encode_typed_data(full_message=typed)).signature.hex()
    proved = invoke("verify", "prove", key, "--signature", "0x" + signature, *args)
    assert proved.exit_code == 0, proved.output
    assert "wallet proof accepted" in proved.stdout
    again = invoke("verify", "prove", key, "--signature", "0x" + signature, *args)
    assert again.exit_code == 3 and "proof-replay" in again.stderr
    forged = invoke(
        "verify", "prove", key, "--signature", "0x" + "11" * 65, "--nonce", "4", *args[2:]
    )
    assert forged.exit_code == 4


def test_source_filing_and_chains(
    tamga: tuple[Invoke, Settings], chain: TestChain, tmp_path: Path
) -> None:
    invoke, settings = tamga
    owner = chain.account(72)
    key = _register(settings, contract=owner.address, wallet=owner.address, until="registered")
    source = tmp_path / "input.json"
    source.write_text(
        json.dumps({"language": "Solidity", "sources": {"A.sol": {"content": "contract A {}"}}})
    )
    filed = invoke(
        "verify", "source", key, str(source), "--compiler", "0.8.28", "--contract", "A.sol:A"
    )
    assert filed.exit_code == 0, filed.output
    bad = invoke("verify", "source", key, str(source), "--compiler", "0.8.28", "--contract", "A")
    assert bad.exit_code == 3 and "source-contract" in bad.stderr
    chains = json.loads(invoke("verify", "chains", "--json").stdout)
    local = next(c for c in chains if c["name"] == "tamga-local")
    assert local["chain_id"] == 31337 and local["endpoints"] == [chain.url]
    assert next(c for c in chains if c["name"] == "ethereum")["endpoints"] == []
