"""Exports with their anchors, and the operations side of verification: /metrics (last run, open
findings by severity, anchor lag, JSON-RPC errors) and the page labels of every check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from anchoring.audit import audit_export
from anchoring.audit_source import HttpSource
from anchoring.services import AnchoringDatabase, export_anchor_objects
from api.i18n import LANGUAGES, keys, text, translations
from node.chain.anvil import AnvilProcess, free_port
from node.chain.config import ChainTable
from node.chain.rpc import RpcClient
from node.domain.calendar import kyrgyz_calendar
from node.domain.entries import VERIFICATION_KINDS
from node.domain.verification import ChainOutcome, Severity
from node.errors import ChainError
from node.ledger.export import export_ledger
from node.verification.findings import Check
from tests.api.conftest import ApiEnv
from tests.api.test_bundle_route import Anchored, _anchored
from tests.support.scenario import NOW, signer
from tests.unit.domain.lifecycle_samples import emission_filing
from tests.verification.support import verifier


@pytest.fixture(scope="module")
def anvil() -> Iterator[AnvilProcess]:
    """A real anvil (automine) for this module's tests."""
    process = AnvilProcess.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def anchored(anvil: AnvilProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anchored]:
    """The populated API register, its first checkpoint anchored, a later one not."""
    for world in _anchored(anvil, tmp_path_factory.mktemp("export-anchor"), publish=True):
        world.env.ledger.file_application(emission_filing(issuer=world.env.code))
        world.env.ledger.cut_checkpoint()
        yield world


def _value(text: str, name: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[1])


def _lines(body: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in body.splitlines()]


def test_exported_checkpoints_carry_their_anchor(anchored: Anchored, tmp_path: Path) -> None:
    """docs/export-format.md: `anchor` per checkpoint, null when that size is not anchored;
    the API serves exactly what `tamga export` writes."""
    env = anchored.env
    response = env.client.get("/v1/export/checkpoints", headers=env.auth("auditor"))
    assert response.status_code == 200
    lines = _lines(response.text)
    assert len(lines) == 2
    first, second = lines
    anchor = first["anchor"]
    assert isinstance(anchor, dict)
    assert set(anchor) == {
        "chain_id",
        "contract",
        "tx_hash",
        "block_number",
        "block_hash",
        "anchored_at",
    }
    assert anchor["contract"] == anchored.contract and anchor["chain_id"] == 31337
    receipt = anchored.chain.rpc("eth_getTransactionReceipt", [anchor["tx_hash"]])
    assert (int(receipt["blockNumber"], 16), receipt["blockHash"]) == (
        anchor["block_number"],
        anchor["block_hash"],
    )
    assert second["anchor"] is None  # cut after the anchor: not anchored yet
    anchors = export_anchor_objects(AnchoringDatabase(ledger=env.ledger), settings=env.settings)
    export_ledger(env.ledger.store, tmp_path, anchors=anchors)
    written = _lines((tmp_path / "checkpoints.jsonl").read_text(encoding="utf-8"))
    assert written == lines


def test_tamga_audit_checks_the_api_exports_anchor_claims(anchored: Anchored) -> None:
    env = anchored.env
    token = env.tokens["auditor"]
    source = HttpSource("http://testserver/", client=env.client, token=token)
    try:
        report = audit_export(
            source,
            chain=anchored.audit_chain(),
            calendar=kyrgyz_calendar(),
            signers=[signer().address],
        )
    finally:
        env.client.headers.pop("Authorization", None)
    assert report.ok, [f.line() for f in report.findings]
    tallies = {t.check.value: t for t in report.tallies}
    # the anchored checkpoint's claim and its root on chain, and the Anchored event
    assert tallies["anchor"].checked >= 2
    assert report.facts["anchored_checkpoints"] == 1


def test_metrics_report_anchor_lag_and_rpc_errors(anchored: Anchored) -> None:
    env = anchored.env
    client = RpcClient([anchored.url], chain_id=31337, timeout=5)
    with pytest.raises(ChainError):
        client.call("eth_noSuchMethod")  # a JSON-RPC error answer
    dead = RpcClient([f"http://127.0.0.1:{free_port()}"], timeout=1)
    with pytest.raises(ChainError):
        dead.call("eth_chainId")  # nothing listens: unusable
    text = env.client.get("/metrics").text
    size = env.client.get("/v1/log").json()["tree_size"]
    anchored_size = env.ledger.checkpoints()[0].size
    assert f"tamga_anchor_size {anchored_size}.0" in text
    assert f"tamga_anchor_lag_entries {size - anchored_size}.0" in text
    assert "tamga_anchor_age_seconds" in text
    host = client.url
    assert f'tamga_rpc_errors_total{{endpoint="{host}",kind="error_answer"}}' in text
    assert f'tamga_rpc_errors_total{{endpoint="{dead.url}",kind="unusable"}} 1.0' in text


def test_metrics_report_the_last_verification_and_open_findings(env: ApiEnv) -> None:
    text = env.client.get("/metrics").text
    assert 'tamga_verification_open_findings{severity="warning"} 0.0' in text
    assert "tamga_verification_last_run_timestamp_seconds" not in text  # never verified
    # a real run with a chain table that knows no chain: every emission gets chain.unknown
    report = verifier(env.ledger, None, table=ChainTable(builtin=False)).run()
    flagged = {key for key, f in report.findings() if f.check == Check.CHAIN_UNKNOWN.value}
    assert len(flagged) == len(report.results) == 3
    text = env.client.get("/metrics").text
    assert 'tamga_verification_open_findings{severity="warning"} 3.0' in text
    assert 'tamga_verification_open_findings{severity="critical"} 0.0' in text
    assert "tamga_verification_emissions_with_findings 3.0" in text
    assert _value(text, "tamga_verification_last_run_timestamp_seconds") == NOW.timestamp()
    assert _value(text, "tamga_verification_last_run_age_seconds") == 0.0


def test_every_verification_label_is_translated() -> None:
    """Entry kinds, checks, outcomes and severities have a label in ky, ru and en."""
    wanted = (
        {f"event.{kind}" for kind in VERIFICATION_KINDS}
        | {f"check.{check.value}" for check in Check}
        | {f"outcome.{outcome.value}" for outcome in ChainOutcome}
        | {f"severity.{severity.value}" for severity in Severity}
    )
    assert wanted <= keys(), sorted(wanted - keys())
    for key in wanted:
        ky, ru, en = translations(key)
        assert ky and ru and en and len({ky, ru, en}) >= 2, key
        assert all(text(key, lang) != key for lang in LANGUAGES)
