"""The workbench's burned-supply view (page, JSON, CSV, publication of its SHA-256 and checking
a file against it), findings triage (resolve with a note, attributed to the person) and node
health, over HTTP on both backends; regulator sessions only, CSRF on every write."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from node.cli.audit import audit_app
from node.domain.entries import (
    BlockRef,
    Document,
    DocumentType,
    EmissionPartialBurn,
    Evidence,
    Readings,
    VerificationFinding,
    VerificationObserved,
)
from node.domain.lifecycle import recorded_on
from node.domain.verification import ChainOutcome, Severity
from node.errors import VerificationError
from node.ledger.export import entry_json
from node.services import log, reports
from node.services.database import Database
from tests.api.conftest import ApiEnv
from tests.api.test_api_public import problem
from tests.api.test_api_workbench import _person, _session

BLOCK_HASH = "0x" + "cd" * 32
TX = "0x" + "ef" * 32


def _burned(env: ApiEnv) -> None:
    """A partial burn of 1000 VAs entered, a reading of 1200 VAs burned on chain (18 decimals),
    then a checkpoint (reports are computed at the latest one)."""
    now = env.clock.now()
    on = recorded_on(now)
    basis = Document(type=DocumentType.ISSUER_DECISION, number="B-1", date=on, issued_by="Issuer")
    burn = EmissionPartialBurn(
        emission=env.key,
        amount=1000,
        recorded_at=now,
        effective_on=on,
        tx_hashes=(TX,),
        basis=basis,
    )
    observed = VerificationObserved(
        emission=env.key,
        run="r1",
        recorded_at=now,
        effective_on=on,
        blockchain="Ethereum",
        outcome=ChainOutcome.CHECKED,
        chain_id=1,
        block=BlockRef(chain_id=1, block_number=4242, block_hash=BLOCK_HASH, block_time=1),
        readings=Readings(decimals=18, burned=1200 * 10**18, locked_balance=5 * 10**17),
    )
    env.ledger.append([burn])
    env.ledger.append([observed])
    env.ledger.cut_checkpoint()


def _findings(env: ApiEnv) -> None:
    now = env.clock.now()
    on = recorded_on(now)
    for finding, check, severity in (
        ("supply.exceeds-register", "supply.exceeds-register", Severity.CRITICAL),
        (f"burn.not-on-chain:{TX}", "burn.not-on-chain", Severity.WARNING),
    ):
        env.ledger.append(
            [
                VerificationFinding(
                    emission=env.key,
                    run="r1",
                    recorded_at=now,
                    effective_on=on,
                    finding=finding,
                    check=check,
                    severity=severity,
                    paragraph="Reg. §58",
                    expected="1000000 VAs",
                    observed="totalSupply() = 1000500 VAs",
                    evidence=Evidence(tx_hashes=(TX,), note="read by the test"),
                )
            ]
        )


def test_the_supply_view_csv_publication_and_a_files_check(env_any: ApiEnv, tmp_path: Path) -> None:
    env = env_any
    _burned(env)
    # not for the public nor an issuer; the page wants a staff session
    assert env.client.get("/v1/reports/supply").status_code == 401
    assert env.client.get("/v1/reports/supply", headers=env.auth("issuer")).status_code == 403
    assert env.client.get("/workbench/supply", follow_redirects=False).status_code == 303
    as_auditor = env.client.get("/v1/reports/supply", headers=env.auth("auditor"))
    assert as_auditor.status_code == 200, as_auditor.text
    body = as_auditor.json()
    (row,) = [r for r in body["emissions"] if r["emission"] == env.key]
    assert row["register"]["partial_burns"] == "1000"
    assert row["chain"]["burned"] == "1200" and row["chain"]["block_number"] == 4242
    assert row["chain"]["locked"] == "0.5" and row["difference"] == "200"
    public_csv = env.client.get("/v1/reports/supply.csv", headers=env.auth("auditor")).content

    _, csrf = _session(env, _person(env))
    for lang in ("ky", "ru", "en"):
        page = env.client.get(f"/workbench/supply?lang={lang}")
        assert page.status_code == 200
        assert "<caption>" in page.text and 'id="supply-chart"' in page.text
    page = env.client.get("/workbench/supply?lang=en")
    assert f'data-key="{env.key}"' in page.text and "4242" in page.text
    assert 'role="img"' in page.text and "<desc" in page.text
    data = env.client.get("/workbench/supply.csv").content
    assert data == public_csv  # one service, the same bytes
    assert data.startswith(b"emission,application_no,")

    assert env.client.get("/workbench?lang=en").status_code == 200  # the read model, loaded
    url = "/v1/reports/supply/publications"
    assert problem(env.client.post(url, json={}), 403)["type"] == "/v1/problems/csrf-failed"
    refused = env.client.post(url, json={}, headers=env.auth("auditor"))
    assert refused.status_code == 403
    published = env.client.post(url, json={}, headers={"X-CSRF-Token": csrf})
    assert published.status_code == 201, published.text
    entry = published.json()["entry"]
    assert entry["kind"] == "report.published" and entry["recorded_by"] == "Asel Asanova"
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["length"] == str(len(data))
    # the log grew: the CSV at the same size is still the same bytes (reproducible)
    size = int(entry["size"])
    again = env.client.get(f"/v1/reports/supply.csv?size={size}", headers=env.auth("auditor"))
    assert again.content == data
    assert entry["sha256"] in env.client.get("/workbench/supply?lang=en").text
    # the read model follows the log past a report entry (it changes no record)
    assert env.client.get("/workbench?lang=en").status_code == 200
    assert env.client.get(f"/v1/emissions/{env.key}").status_code == 200

    db = Database(ledger=env.ledger)
    index, found = reports.verify_report(db, data=data)
    assert index == published.json()["index"] and found.sha256 == entry["sha256"]
    tampered = bytearray(data)
    tampered[-3] ^= 0x01
    with pytest.raises(VerificationError) as err:
        reports.verify_report(db, data=bytes(tampered))
    assert err.value.expected == entry["sha256"]
    assert err.value.actual == hashlib.sha256(bytes(tampered)).hexdigest()

    # an auditor checks the file against an export, without the database
    export = tmp_path / "export"
    export.mkdir()
    lines = [json.dumps(entry_json(r), separators=(",", ":")) for r in log.export_entry_records(db)]
    (export / "entries.jsonl").write_text("\n".join(lines) + "\n")
    (export / "manifest.json").write_text(
        json.dumps(log.export_manifest(db, entries="entries.jsonl", checkpoints="x.jsonl"))
    )
    good, bad = tmp_path / "supply.csv", tmp_path / "tampered.csv"
    good.write_bytes(data)
    bad.write_bytes(bytes(tampered))
    runner = CliRunner()
    ok = runner.invoke(audit_app, ["report", str(good), str(export)])
    assert ok.exit_code == 0, ok.output
    assert f"entry {index}" in ok.output
    failed = runner.invoke(audit_app, ["report", str(bad), str(export)])
    assert failed.exit_code == 4
    assert entry["sha256"] in failed.output


def test_findings_triage_resolve_with_a_note(env_any: ApiEnv) -> None:
    env = env_any
    _findings(env)
    assert env.client.get("/workbench/findings", follow_redirects=False).status_code == 303
    _, csrf = _session(env, _person(env))
    page = env.client.get("/workbench/findings?lang=en")
    assert page.status_code == 200
    text = page.text
    assert text.index('id="severity-critical"') < text.index('id="severity-warning"')
    assert 'data-finding="supply.exceeds-register"' in text and TX in text
    assert 'id="findings-total">2<' in text
    for lang in ("ky", "ru"):
        assert env.client.get(f"/workbench/findings?lang={lang}").status_code == 200

    url = f"/v1/emissions/{env.key}/findings/resolutions"
    resolution = {"finding": "supply.exceeds-register", "note": "Burn entered late; checked."}
    assert problem(env.client.post(url, json=resolution), 403)["type"].endswith("csrf-failed")
    issuer = env.client.post(url, json=resolution, headers=env.auth("issuer"))
    assert issuer.status_code == 403
    unknown = env.client.post(
        url, json={**resolution, "finding": "code.changed"}, headers={"X-CSRF-Token": csrf}
    )
    assert (problem(unknown, 409)["field"], unknown.json()["rule"]) == (
        "finding",
        "finding-not-open",
    )
    blank = env.client.post(url, json={**resolution, "note": "   "}, headers={"X-CSRF-Token": csrf})
    assert problem(blank, 422)["field"] == "note"
    size = env.client.get("/v1/log").json()["tree_size"]
    done = env.client.post(url, json=resolution, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 201, done.text
    assert env.client.get("/v1/log").json()["tree_size"] == size + 1
    # out of the open list, still in the history, attributed to the person with the note
    page = env.client.get("/workbench/findings?lang=en").text
    assert 'data-finding="supply.exceeds-register"' not in page
    assert 'id="findings-total">1<' in page
    history = env.client.get(f"/v1/emissions/{env.key}/verification").json()["history"]
    resolved = [h["entry"] for h in history if h["kind"] == "verification.finding_resolved"]
    assert resolved[-1]["recorded_by"] == "Asel Asanova"
    assert resolved[-1]["note"] == "Burn entered late; checked."
    assert any(h["kind"] == "verification.finding" for h in history)
    again = env.client.post(url, json=resolution, headers={"X-CSRF-Token": csrf})
    assert problem(again, 409)["field"] == "finding"


def test_node_health(env: ApiEnv) -> None:
    assert env.client.get("/workbench/health", follow_redirects=False).status_code == 303
    _session(env, _person(env))
    for lang in ("ky", "ru", "en"):
        assert env.client.get(f"/workbench/health?lang={lang}").status_code == 200
    page = env.client.get("/workbench/health?lang=en").text
    checkpoint = env.ledger.latest_checkpoint()
    assert f'id="health-checkpoint">{checkpoint.size} · {checkpoint.issued_at}' in page
    assert 'id="health-database">ok<' in page
    # no anchoring key in the test settings: the balance is shown as unknown, with the reason
    assert "<strong>unknown</strong>: no anchoring key configured" in page
    assert 'id="health-verification">never' in page


def test_a_decision_on_a_miner_names_the_person_of_the_session(env: ApiEnv) -> None:
    _, csrf = _session(env, _person(env, name="Bakyt Usenov", seed=41))
    due = recorded_on(env.clock.now()).isoformat()
    asked = env.client.post(
        f"/v1/miners/{env.certificate}/events",
        json={"kind": "info_requested", "data": {"request_no": "R-1", "subject": "s", "due": due}},
        headers={"X-CSRF-Token": csrf},
    )
    assert asked.status_code == 201, asked.text
    items = env.client.get(f"/v1/miners/{env.certificate}/history").json()["items"]
    assert items[-1]["entry"]["recorded_by"] == "Bakyt Usenov"
    # the same write with an API token names nobody (no person signed in)
    token = env.client.post(
        f"/v1/miners/{env.certificate}/events",
        json={"kind": "info_provided", "data": {"request_no": "R-1"}},
        headers=env.auth("regulator"),
    )
    assert token.status_code == 201, token.text
    items = env.client.get(f"/v1/miners/{env.certificate}/history").json()["items"]
    assert "recorded_by" not in items[-1]["entry"]


def test_the_anchoring_keys_balance_is_read_on_chain_or_unknown(
    env: ApiEnv, tmp_path: Path
) -> None:
    """The balance comes from the chain (a real anvil: its first account holds 10000 ETH); an
    unreadable chain or keystore is "unknown" with the reason, never an error page."""
    from eth_account import Account

    from api.health import anchoring_balance
    from tests.verification.support import Anvil

    address = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"  # anvil's first account
    keystore = tmp_path / "anchor.json"
    keystore.write_text(
        json.dumps(Account.encrypt("0x" + "11" * 32, "pw") | {"address": address[2:]})
    )
    anvil = Anvil()
    try:
        settings = env.settings.model_copy(
            update={"rpc_url": anvil.url, "chain_id": 31337, "anchor_key_file": keystore}
        )
        balance = anchoring_balance(settings)
        assert (balance.address, balance.wei) == (address, 10_000 * 10**18)
        assert balance.ether == "10000.0"
    finally:
        anvil.stop()
    gone = anchoring_balance(settings)  # the chain stopped answering
    assert gone.wei is None and gone.address == address and "chain not readable" in gone.reason
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    unreadable = anchoring_balance(settings.model_copy(update={"anchor_key_file": broken}))
    assert unreadable.wei is None and "keystore unreadable" in unreadable.reason
