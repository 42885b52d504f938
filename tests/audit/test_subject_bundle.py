"""Bundles of the Law's other registers: a miner's certificate and a licence, proven in the one
anchored checkpoint, audited from the bundle and the chain alone; "was X licensed on D for S?"
answered by the auditor's own replay (Law art. 14, 30.6); an emission placed through a licensed
exchange carries the licence its replay needs (Reg. §22)."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from audit_world import anchor_checkpoints, deploy
from typer.testing import CliRunner
from web3 import Web3

from anchoring.audit import audit_export
from anchoring.audit_bundle import CoverageQuestion, SubjectView, audit_bundle
from anchoring.audit_chain import AnchorReader
from anchoring.audit_report import AuditReport, Check
from anchoring.audit_source import DirectorySource
from anchoring.bundle import build_bundle
from anchoring.bundle_format import (
    Bundle,
    SubjectBundle,
    bundle_bytes,
    bundle_url,
    parse_bundle,
    parse_bundle_url,
)
from anchoring.extract_service import make_extract
from node.chain.anvil import AnvilProcess
from node.cli import app as cli_app
from node.domain.calendar import WorkingCalendar
from node.domain.entries import MinerFiling, VaspApplicationData, VaspService
from node.domain.filings import vasp_event_entry
from node.domain.miners import MinerState
from node.domain.vasps import LicenceState
from node.ledger.export import export_ledger
from node.ledger.service import Ledger
from node.ledger.store import SqlLedgerStore
from node.merkle.hasher import hash_leaf
from tests.support.scenario import NOW, open_ledger, signer
from tests.unit.domain.lifecycle_samples import (
    STARTED_ON,
    at,
    emission_filing,
    happy_path,
    issuer_filing,
)
from tests.unit.domain.test_miners import filing as miner_filing
from tests.unit.domain.test_vasps import DECISION, application

S = VaspService
GRANTED = date(2026, 4, 1)
SUSPENDED, LIFTED = date(2026, 6, 1), date(2026, 6, 15)
RESTRICTED = date(2026, 9, 1)
REVOKED = date(2026, 10, 15)


@dataclass(frozen=True)
class SubjectWorld:
    """A ledger with a miner, a licence (granted, restricted, revoked) and an emission placed
    through the licensed exchange, checkpointed and anchored on a real anvil."""

    db: Path
    rpc_url: str
    contract: str
    certificate: str
    licence: str
    regno: str
    anchors: dict[int, dict[str, Any]]

    def open(self) -> Ledger:
        return open_ledger(f"sqlite:///{self.db}")

    def chain(self) -> AnchorReader:
        return AnchorReader(self.rpc_url, self.contract)


def _decision(on: date) -> dict[str, Any]:
    return {**DECISION, "date": on}


def _licence_event(ledger: Ledger, number: str, kind: str, on: date, **data: Any) -> None:
    entry = vasp_event_entry(
        f"vasp.{kind}", licence=number, data=data, recorded_at=at(on), effective_on=on
    )
    ledger.append([entry])


@pytest.fixture(scope="module")
def sworld(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SubjectWorld]:
    anvil = AnvilProcess.start()
    try:
        directory = tmp_path_factory.mktemp("subject-world")
        db = directory / "ledger.sqlite"
        ledger = open_ledger(f"sqlite:///{db}")
        try:
            built = _build(ledger, db=db, rpc_url=anvil.url)
        finally:
            ledger.close()  # the database file is complete once closed (tests copy it)
        yield built
    finally:
        anvil.stop()


def _build(ledger: Ledger, *, db: Path, rpc_url: str) -> SubjectWorld:
    licence, _ = ledger.apply_for_licence(
        VaspApplicationData.model_validate(
            application(
                state_duty_document={
                    "type": "payment_document",
                    "number": "PP-7",
                    "date": date(2026, 3, 2),
                    "issued_by": "Optima Bank",
                },
                services=["buy_sell", "issuance", "exchange"],
            )
        ),
        owners=[{"name": "Hidden Owner Aibek", "role": "founder", "identifier": "ID-SECRET-1"}],
        minimum_charter_capital_som=Decimal("50000000"),
        effective_on=date(2026, 3, 2),
    )
    _licence_event(ledger, licence, "licence_granted", GRANTED, basis=_decision(GRANTED))
    certificate, _ = ledger.register_miner(
        MinerFiling.model_validate(
            miner_filing(
                fee_document={
                    "type": "payment_document",
                    "number": "PP-8",
                    "date": date(2026, 3, 2),
                    "issued_by": "Optima Bank",
                }
            )
        ),
        effective_on=date(2026, 3, 3),
    )
    ledger.cut_checkpoint()
    code, _ = ledger.register_issuer(issuer_filing(), effective_on=date(2026, 2, 2))
    app, _ = ledger.file_application(emission_filing(issuer=code))
    key = app
    for kind, on, data in happy_path()[:5]:
        payload = {k: v for k, v in data.items() if k != "regno"}
        if kind == "placement_started":
            payload = {"venue": f"Tunduk Exchange ({licence})"}
        if kind == "placement_ended":  # the exchange suspended for two weeks meanwhile
            _licence_event(
                ledger,
                licence,
                "measure_applied",
                SUSPENDED,
                measure="suspension",
                reason="inspection",
                basis=_decision(SUSPENDED),
            )
            _licence_event(
                ledger,
                licence,
                "measure_lifted",
                LIFTED,
                measure="suspension",
                basis=_decision(LIFTED),
            )
        ledger.record_event(kind=f"emission.{kind}", emission=key, data=payload, effective_on=on)
        key = ledger.emission(app).regno or app
    _licence_event(
        ledger,
        licence,
        "measure_applied",
        RESTRICTED,
        measure="restriction",
        reason="AML findings",
        services=["exchange"],
        basis=_decision(RESTRICTED),
    )
    _licence_event(
        ledger,
        licence,
        "licence_revoked",
        REVOKED,
        ground="31.1.1",
        basis=_decision(REVOKED),
    )
    ledger.cut_checkpoint()
    w3 = Web3(Web3.HTTPProvider(rpc_url))
    contract = deploy(w3, sender=w3.eth.accounts[0])
    anchors = anchor_checkpoints(w3, contract, ledger)
    return SubjectWorld(
        db=db,
        rpc_url=rpc_url,
        contract=contract,
        certificate=certificate,
        licence=licence,
        regno=key,
        anchors=anchors,
    )


@pytest.fixture
def ledger(sworld: SubjectWorld) -> Iterator[Ledger]:
    book = sworld.open()
    try:
        yield book
    finally:
        book.close()


def _audit(
    sworld: SubjectWorld,
    data: bytes,
    calendar: WorkingCalendar,
    *,
    question: CoverageQuestion | None = None,
    key: str | None = None,
) -> Any:
    return audit_bundle(
        data,
        chain=sworld.chain(),
        calendar=calendar,
        signers=[signer().address],
        expected_key=key,
        question=question,
    )


def test_a_licence_bundle_answers_by_date_and_service_from_the_chain_alone(
    sworld: SubjectWorld, ledger: Ledger, calendar: WorkingCalendar
) -> None:
    bundle = build_bundle(ledger, sworld.licence, chain=sworld.chain())
    assert isinstance(bundle, SubjectBundle)
    assert (bundle.register, bundle.subject, bundle.key) == ("vasp", sworld.licence, sworld.licence)
    # only the licence's own entries: no emission, issuer or miner entry is needed to replay it
    kinds = [json.loads(base64.b64decode(e.leaf))["kind"] for e in bundle.entries]
    assert kinds == [
        "vasp.applied",
        "vasp.licence_granted",
        "vasp.measure_applied",
        "vasp.measure_lifted",
        "vasp.measure_applied",
        "vasp.licence_revoked",
    ]
    data = bundle_bytes(bundle)
    assert b"Hidden Owner" not in data and b"ID-SECRET" not in data  # Law art. 29.2 item 2

    def ask(service: VaspService, on: date) -> dict[str, Any]:
        audit = _audit(
            sworld,
            data,
            calendar,
            question=CoverageQuestion(service=service, on=on),
            key=sworld.licence,
        )
        assert audit.report.ok, [f.line() for f in audit.report.findings]
        answer: dict[str, Any] = audit.report.facts["covered"]
        return answer

    assert ask(S.BUY_SELL, date(2026, 5, 15))["answer"] is True
    assert ask(S.BUY_SELL, date(2026, 6, 10))["answer"] is False  # suspended (art. 32.3)
    assert ask(S.BUY_SELL, LIFTED)["answer"] is True
    assert ask(S.BUY_SELL, date(2026, 3, 31))["answer"] is False  # before the grant
    assert ask(S.EXCHANGE, date(2026, 8, 31))["answer"] is True
    assert ask(S.EXCHANGE, date(2026, 9, 1))["answer"] is False  # restricted (art. 32.3)
    assert ask(S.BUY_SELL, date(2026, 9, 1))["answer"] is True
    assert ask(S.BUY_SELL, REVOKED)["answer"] is False  # revoked (art. 31)
    assert ask(S.CUSTODY, date(2026, 5, 15))["answer"] is False  # never applied for
    answer = ask(S.BUY_SELL, date(2026, 5, 15))
    assert answer["status"] == "revoked" and answer["checkpoint"] == bundle.checkpoint.tree_size


def test_a_tampered_licence_history_fails_the_state_proof(
    sworld: SubjectWorld, ledger: Ledger, calendar: WorkingCalendar
) -> None:
    bundle = build_bundle(ledger, sworld.licence, chain=sworld.chain())
    value = json.loads(bundle_bytes(bundle))
    value["entries"] = value["entries"][:-1]  # hide the revocation
    audit = _audit(
        sworld,
        json.dumps(value).encode(),
        calendar,
        question=CoverageQuestion(service=S.BUY_SELL, on=REVOKED),
    )
    assert not audit.report.ok
    failed = {f.check for f in audit.report.findings}
    assert Check.STATE_PROOF in failed
    # the proven record itself rewritten to "licensed": its proof no longer reaches the root
    value = json.loads(bundle_bytes(bundle))
    value["state_proof"]["state"]["status"] = "licensed"
    audit = _audit(sworld, json.dumps(value).encode(), calendar)
    assert Check.STATE_PROOF in {f.check for f in audit.report.findings}


def test_a_bundle_relabelled_as_another_register_or_subject_is_caught(
    sworld: SubjectWorld, ledger: Ledger, calendar: WorkingCalendar
) -> None:
    bundle = build_bundle(ledger, sworld.licence, chain=sworld.chain())
    value = json.loads(bundle_bytes(bundle))
    value["register"] = "miner"
    audit = _audit(sworld, json.dumps(value).encode(), calendar)
    assert not audit.report.ok
    assert any("do not describe" in f.message for f in audit.report.findings)
    audit = _audit(sworld, bundle_bytes(bundle), calendar, key=sworld.certificate)
    assert any("another licence" in f.message for f in audit.report.findings)


def test_a_miner_bundle_verifies_and_cannot_answer_for_a_licence(
    sworld: SubjectWorld, ledger: Ledger, calendar: WorkingCalendar
) -> None:
    bundle = build_bundle(ledger, sworld.certificate, chain=sworld.chain())
    assert isinstance(bundle, SubjectBundle) and bundle.register == "miner"
    audit = _audit(sworld, bundle_bytes(bundle), calendar, key=sworld.certificate)
    assert audit.report.ok, [f.line() for f in audit.report.findings]
    assert isinstance(audit.view, SubjectView) and isinstance(audit.view.subject, MinerState)
    assert audit.view.subject.certificate == sworld.certificate
    asked = _audit(
        sworld,
        bundle_bytes(bundle),
        calendar,
        question=CoverageQuestion(service=S.BUY_SELL, on=date(2026, 5, 1)),
    )
    assert not asked.report.ok
    assert any("only a licence's bundle" in f.message for f in asked.report.findings)


def test_an_emission_placed_through_a_licensed_exchange_carries_the_licence(
    sworld: SubjectWorld, ledger: Ledger, calendar: WorkingCalendar
) -> None:
    bundle = build_bundle(ledger, sworld.regno, chain=sworld.chain())
    assert isinstance(bundle, Bundle)
    kinds = [json.loads(base64.b64decode(e.leaf))["kind"] for e in bundle.entries]
    # the licence as far as the emission reads it (Reg. §22): up to the results report, which
    # records the suspension during placement; not its measures after the report
    assert kinds.count("vasp.applied") == 1 and kinds.count("vasp.licence_granted") == 1
    assert kinds.count("vasp.measure_applied") == 1 and kinds.count("vasp.measure_lifted") == 1
    assert "vasp.licence_revoked" not in kinds and "miner.registered" not in kinds
    audit = _audit(sworld, bundle_bytes(bundle), calendar, key=sworld.regno)
    assert audit.report.ok, [f.line() for f in audit.report.findings]
    assert audit.view is not None and audit.view.emission.placement_started_on == STARTED_ON
    lapses = [(v.licence, v.start, v.end) for v in audit.view.emission.venue_lapses]
    assert lapses == [(sworld.licence, SUSPENDED, date(2026, 6, 14))]


def test_subject_bundle_round_trips_and_urls_name_its_register(
    sworld: SubjectWorld, ledger: Ledger
) -> None:
    for key, path in ((sworld.licence, "licences"), (sworld.certificate, "miners")):
        bundle = build_bundle(ledger, key, chain=sworld.chain())
        data = bundle_bytes(bundle)
        assert parse_bundle(data) == bundle
        url = bundle_url("https://tamga.example", bundle, sha256="ab" * 32)
        assert f"/v1/{path}/{key}/bundle?" in url
        assert parse_bundle_url(url) == (key, "ab" * 32)


def test_extracts_of_a_licence_and_a_certificate_print_the_qr_of_their_bundle(
    sworld: SubjectWorld, ledger: Ledger, calendar: WorkingCalendar, tmp_path: Path
) -> None:
    for key, words in (
        (sworld.licence, ("Tunduk Exchange", "revoked", "Law art. 30.6")),
        (sworld.certificate, ("Law art. 14", "unlimited")),
    ):
        extract = make_extract(
            ledger,
            key,
            chain=sworld.chain(),
            base_url="https://tamga.example",
            printed_at=NOW,
            calendar=calendar,
        )
        pdf = tmp_path / f"{key}.pdf"
        pdf.write_bytes(extract.pdf)
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        for word in words:
            assert word in text, (key, word)
        assert "Hidden Owner" not in text
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / key)],
            check=True,
        )
        scanned = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(tmp_path / f"{key}.png")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert scanned == extract.url
        assert parse_bundle_url(scanned) == (key, extract.sha256)


def test_cli_audits_a_licence_bundle_and_answers_the_question(
    sworld: SubjectWorld, ledger: Ledger, tmp_path: Path
) -> None:
    path = tmp_path / "licence.bundle.json"
    path.write_bytes(bundle_bytes(build_bundle(ledger, sworld.licence, chain=sworld.chain())))
    runner = CliRunner()
    args = [
        "audit",
        "bundle",
        str(path),
        "--rpc",
        sworld.rpc_url,
        "--contract",
        sworld.contract,
        "--json",
    ]
    result = runner.invoke(cli_app, [*args, "--service", "buy_sell", "--on", "2026-05-15"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["facts"]["covered"]["answer"] is True
    result = runner.invoke(cli_app, [*args, "--service", "buy_sell", "--on", "2026-10-15"])
    assert json.loads(result.stdout)["facts"]["covered"]["answer"] is False
    result = runner.invoke(cli_app, [*args, "--service", "buy_sell"])
    assert result.exit_code != 0 and "--service and --on go together" in result.output


def test_licence_state_records_decode_the_proven_state(
    sworld: SubjectWorld, ledger: Ledger
) -> None:
    bundle = build_bundle(ledger, sworld.licence, chain=sworld.chain())
    state = LicenceState.from_record(bundle.state_proof.state)
    assert state.status.value == "revoked" and state.owners_commitment


# ---- the whole export: three registers under one checkpoint, and tampering with the new ones ---


def _export(sworld: SubjectWorld, directory: Path, db: Path | None = None) -> Path:
    store = SqlLedgerStore.from_url(f"sqlite:///{db or sworld.db}")
    try:
        export_ledger(store, directory, anchors=sworld.anchors)
    finally:
        store.dispose()
    return directory


def _audit_export(sworld: SubjectWorld, export: Path, calendar: WorkingCalendar) -> AuditReport:
    return audit_export(
        DirectorySource(export),
        chain=sworld.chain(),
        calendar=calendar,
        signers=[signer().address],
    )


def _tampered(sworld: SubjectWorld, tmp_path: Path) -> Path:
    db = tmp_path / "db" / "ledger.sqlite"
    db.parent.mkdir()
    shutil.copyfile(sworld.db, db)
    return db


def _index_of(db: Path, kind: str) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT idx FROM log_entries WHERE kind = ?", (kind,)).fetchone()
    return int(row[0])


def test_an_export_of_all_three_registers_audits_and_keeps_owners_private(
    sworld: SubjectWorld, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    export = _export(sworld, tmp_path / "export")
    report = _audit_export(sworld, export, calendar)
    assert report.ok, [f.line() for f in report.findings]
    kinds = {
        json.loads(base64.b64decode(json.loads(line)["leaf"]))["kind"].split(".")[0]
        for line in (export / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    }
    assert {"issuer", "emission", "miner", "vasp"} <= kinds
    for path in export.iterdir():
        text = path.read_bytes()
        assert b"Hidden Owner" not in text and b"ID-SECRET" not in text, path.name


def test_a_rewritten_revocation_is_caught_by_the_roots_and_the_chain(
    sworld: SubjectWorld, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = _tampered(sworld, tmp_path)
    index = _index_of(db, "vasp.licence_revoked")
    with sqlite3.connect(db) as conn:
        (leaf,) = conn.execute("SELECT leaf FROM log_entries WHERE idx = ?", (index,)).fetchone()
        forged = bytes(leaf).replace(b'"31.1.1"', b'"31.2.7"')
        assert forged != bytes(leaf)
        conn.execute(
            "UPDATE log_entries SET leaf = ?, leaf_hash = ? WHERE idx = ?",
            (forged, hash_leaf(forged), index),
        )
    report = _audit_export(sworld, _export(sworld, tmp_path / "export", db), calendar)
    assert not report.ok
    last = max(sworld.anchors)
    assert f"checkpoint {last}" in report.where(Check.LOG_ROOT)
    assert any(w.startswith(f"anchor {last}") for w in report.where(Check.CHAIN))


def test_a_deleted_licence_grant_is_caught_at_its_index_and_by_the_replay(
    sworld: SubjectWorld, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    db = _tampered(sworld, tmp_path)
    index = _index_of(db, "vasp.licence_granted")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM log_entries WHERE idx = ?", (index,))
    report = _audit_export(sworld, _export(sworld, tmp_path / "export", db), calendar)
    finding = report.first(Check.ENTRY_ORDER)
    assert finding is not None and finding.where == f"entry {index}"


def test_a_licence_grant_moved_before_its_application_fails_the_replay(
    sworld: SubjectWorld, tmp_path: Path, calendar: WorkingCalendar
) -> None:
    """Swap the licence's grant with its application: the grant of an unknown licence is refused
    by the auditor's replay, at the first swapped index."""
    db = _tampered(sworld, tmp_path)
    first, second = _index_of(db, "vasp.applied"), _index_of(db, "vasp.licence_granted")
    with sqlite3.connect(db) as conn:
        rows = {
            idx: bytes(leaf)
            for idx, leaf in conn.execute(
                "SELECT idx, leaf FROM log_entries WHERE idx IN (?, ?)", (first, second)
            )
        }
        for idx, leaf in ((first, rows[second]), (second, rows[first])):
            conn.execute(
                "UPDATE log_entries SET leaf = ?, leaf_hash = ? WHERE idx = ?",
                (leaf, hash_leaf(leaf), idx),
            )
    report = _audit_export(sworld, _export(sworld, tmp_path / "export", db), calendar)
    replay = report.first(Check.REPLAY)
    assert replay is not None and replay.where == f"entry {first}"


def test_the_emission_shows_its_licensed_venue_and_the_lapse(
    sworld: SubjectWorld, tmp_path: Path
) -> None:
    """The finding is public: in the API's EmissionOut and on the page, linked to the licence."""
    from audit_world import api_client

    from api.models import EmissionOut

    with api_client(sworld.db, tmp_path / "api") as (client, _token):
        body = client.get(f"/v1/emissions/{sworld.regno}").json()
        EmissionOut.model_validate(body)
        assert body["venue_licences"] == [sworld.licence]
        assert body["venue_lapses"] == [
            {"licence": sworld.licence, "start": "2026-06-01", "end": "2026-06-14"}
        ]
        page = client.get(f"/emissions/{sworld.regno}?lang=en").text
        assert f'href="/licences/{sworld.licence}?lang=en"' in page
        assert "the licence did not cover placement: 2026-06-01 – 2026-06-14" in page
        ru = client.get(f"/emissions/{sworld.regno}?lang=ru").text
        assert "лицензия не покрывала размещение" in ru
