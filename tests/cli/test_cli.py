"""The `tamga` command line, run in-process with typer's CliRunner on SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_support import (
    Invoke,
    emission_filing,
    head_size,
    issuer_filing,
    registration,
    write_json,
    write_yaml,
)
from eth_account import Account

from node.checkpoint import Checkpoint, parse_time, verify_checkpoint_signature
from node.checkpoint import SignedCheckpoint as Signed
from node.cli import _safe_url
from node.cli.errors import error_line, exit_code
from node.errors import (
    IllegalTransition,
    LedgerError,
    NotFound,
    RuleViolation,
    VerificationError,
)
from node.merkle.hasher import hash_leaf
from node.merkle.verify import verify_consistency, verify_inclusion
from node.state import StateProof, verify_state_proof

FILINGS = Path(__file__).resolve().parents[1] / "data" / "filings"


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# ---- error reporting ------------------------------------------------------------------------


def test_exit_codes_per_error_class() -> None:
    rule = RuleViolation(field="f", rule="r", paragraph="Reg. §1", message="m")
    illegal = IllegalTransition(
        field="status", rule="illegal-transition", paragraph="Reg. §21", message="m"
    )
    assert exit_code(rule) == 3
    assert exit_code(illegal) == 3
    assert exit_code(VerificationError("bad")) == 4
    assert exit_code(NotFound(kind="issuer", key="X")) == 5
    assert exit_code(LedgerError("busy")) == 1


def test_error_line_names_field_rule_paragraph_on_one_line() -> None:
    exc = RuleViolation(field="quantity", rule="q-rule", paragraph="Reg. §5", message="bad\nvalue")
    assert error_line(exc) == "error: quantity: bad value [q-rule; Reg. §5]"


def test_database_url_is_printed_without_password() -> None:
    shown = _safe_url("postgresql+psycopg://tamga:s3cret@db.example:5432/register")
    assert "s3cret" not in shown
    assert "tamga:***@db.example" in shown


def test_invalid_setting_is_one_line_exit_1(tamga: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAMGA_CHECKPOINT_INTERVAL_SECONDS", "often")
    result = tamga("log", "head")
    assert result.exit_code == 1
    assert "TAMGA_CHECKPOINT_INTERVAL_SECONDS" in _one_error_line(result.stderr)


# ---- init ------------------------------------------------------------------------------


def test_init_creates_database_and_key_and_is_idempotent(tamga: Invoke, data_dir: Path) -> None:
    first = tamga("init")
    assert first.exit_code == 0, first.output
    assert (data_dir / "tamga.sqlite").exists()
    key_file = data_dir / "keys" / "checkpoint-key.json"
    assert key_file.exists()
    address = Account.decrypt(
        json.loads(key_file.read_text()),
        (data_dir / "keys" / "checkpoint-key.password").read_text().strip(),
    )
    signer = Account.from_key(address).address
    assert signer in first.stdout
    assert "created" in first.stdout
    assert f"sqlite:///{(data_dir / 'tamga.sqlite').resolve()}" in first.stdout
    keystore = key_file.read_text()
    second = tamga("init")
    assert second.exit_code == 0, second.output
    assert signer in second.stdout
    assert "existing" in second.stdout
    assert key_file.read_text() == keystore
    assert head_size(tamga) == 0


def test_commands_need_init(tamga: Invoke) -> None:
    result = tamga("demo")
    assert result.exit_code == 1
    assert "tamga init" in _one_error_line(result.stderr)


# ---- issuers ---------------------------------------------------------------------------


def test_issuer_add_list_show_and_founders(initialised: Invoke, tmp_path: Path) -> None:
    filing = write_yaml(tmp_path / "issuer.yaml", issuer_filing())
    added = initialised("issuer", "add", str(filing), "--on", "2026-11-19", "--json")
    assert added.exit_code == 0, added.output
    code = json.loads(added.stdout)["code"]
    assert code == "A001"
    listed = json.loads(initialised("issuer", "list", "--json").stdout)
    assert [i["code"] for i in listed] == [code]
    assert listed[0]["registered_on"] == "2026-11-19"
    assert "Сыдыков" not in json.dumps(listed, ensure_ascii=False)  # Reg. §66
    shown = initialised("issuer", "show", code)
    assert shown.exit_code == 0
    assert "Бакай Токен Сервис" in shown.stdout
    founders = initialised("issuer", "founders", code, "--json")
    assert founders.exit_code == 0, founders.output
    body = json.loads(founders.stdout)
    assert body["verified"] is True
    assert body["founders"][0]["name"] == "Сыдыков Алмаз Бекович"
    assert body["commitment"] == listed[0]["founders_commitment"]
    table = initialised("issuer", "founders", code)
    assert "PRIVATE" in table.stdout
    assert "Reg. §66" in table.stdout


def test_issuer_founders_detects_a_tampered_private_value(
    initialised: Invoke, tmp_path: Path, data_dir: Path
) -> None:
    filing = write_yaml(tmp_path / "issuer.yaml", issuer_filing())
    code = json.loads(initialised("issuer", "add", str(filing), "--json").stdout)["code"]
    # without --on the effective date is today in Kyrgyz time (the injected clock)
    assert json.loads(initialised("issuer", "list", "--json").stdout)[0]["registered_on"] == (
        "2026-11-20"
    )
    with sqlite3.connect(data_dir / "tamga.sqlite") as db:
        (value,) = db.execute("SELECT value FROM private_values").fetchone()
        db.execute("UPDATE private_values SET value = ?", (value.replace("Сыдыков", "Иванов"),))
    result = initialised("issuer", "founders", code)
    assert result.exit_code == 4
    assert "verification failed" in _one_error_line(result.stderr)
    assert "Иванов" not in result.stdout


def test_issuer_add_sample_filings(initialised: Invoke) -> None:
    for name in ("issuer-legal-entity.yaml", "issuer-individual.yaml"):
        result = initialised("issuer", "add", str(FILINGS / name), "--on", "2026-03-02")
        assert result.exit_code == 0, result.output
    assert head_size(initialised) == 2


def test_bad_issuer_filing_is_one_line_exit_3_and_changes_nothing(
    initialised: Invoke, tmp_path: Path
) -> None:
    filing = write_json(tmp_path / "issuer.json", issuer_filing(region="moscow"))
    result = initialised("issuer", "add", str(filing))
    assert result.exit_code == 3
    line = _one_error_line(result.stderr)
    assert line.startswith("error: region:")
    assert "[filing-field; Annex 7]" in line
    assert head_size(initialised) == 0


def test_forbidden_issuer_name_names_law_article(initialised: Invoke, tmp_path: Path) -> None:
    filing = write_yaml(tmp_path / "issuer.yaml", issuer_filing(name="KyrgyzCoin Holding"))
    result = initialised("issuer", "add", str(filing))
    assert result.exit_code == 3
    line = _one_error_line(result.stderr)
    assert "error: name:" in line
    assert "[forbidden-word; Law art. 37.3]" in line
    assert head_size(initialised) == 0


def test_unreadable_and_malformed_files_are_one_line_exit_1(
    initialised: Invoke, tmp_path: Path
) -> None:
    missing = initialised("issuer", "add", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 1
    assert "cannot read" in _one_error_line(missing.stderr)
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    result = initialised("issuer", "add", str(broken))
    assert result.exit_code == 1
    assert "is not valid YAML at line" in _one_error_line(result.stderr)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    result = initialised("issuer", "add", str(listing))
    assert result.exit_code == 1
    assert "must hold a mapping" in _one_error_line(result.stderr)


def test_issuer_show_unknown_is_exit_5(initialised: Invoke) -> None:
    result = initialised("issuer", "show", "ZZ99")
    assert result.exit_code == 5
    assert _one_error_line(result.stderr) == "error: not found: issuer 'ZZ99' not found"


def test_issuer_event_liquidation(initialised: Invoke, tmp_path: Path) -> None:
    filing = write_yaml(tmp_path / "issuer.yaml", issuer_filing())
    code = json.loads(
        initialised("issuer", "add", str(filing), "--on", "2026-11-02", "--json").stdout
    )["code"]
    missing_basis = initialised("issuer", "event", code, "liquidated", "--on", "2026-11-18")
    assert missing_basis.exit_code == 3
    assert "[basis-required; Reg. §64]" in _one_error_line(missing_basis.stderr)
    result = initialised(
        "issuer",
        "event",
        code,
        "liquidated",
        "--on",
        "2026-11-18",
        "--set",
        "basis.type=termination_record",
        "--set",
        "basis.number=T-1",
        "--set",
        "basis.date=2026-11-17",
        "--set",
        "basis.issued_by=Ministry of Justice",
    )
    assert result.exit_code == 0, result.output
    assert "status liquidated" in result.stdout
    unknown = initialised("issuer", "event", code, "merged", "--on", "2026-11-18")
    assert unknown.exit_code == 3
    assert "[unknown-kind;" in _one_error_line(unknown.stderr)


# ---- emissions -------------------------------------------------------------------------


def _issuer(tamga: Invoke, tmp_path: Path) -> str:
    filing = write_yaml(tmp_path / "issuer.yaml", issuer_filing())
    result = tamga("issuer", "add", str(filing), "--on", "2026-11-02", "--json")
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["code"])


def test_emission_register_files_and_registers(initialised: Invoke, tmp_path: Path) -> None:
    code = _issuer(initialised, tmp_path)
    data = emission_filing(code)
    data["registration"] = registration()
    result = initialised(
        "emission", "register", str(write_yaml(tmp_path / "e.yaml", data)), "--json"
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body == {
        "application_no": "APP-000001",
        "regno": f"KG0101{code}1",
        "size": 3,
        "defects": [],
        "name_reviews": [],
    }
    shown = json.loads(initialised("emission", "show", body["regno"], "--json").stdout)
    assert shown["emission"]["status"] == "registered"
    assert shown["emission"]["registered_on"] == "2026-11-19"
    assert shown["issuer"]["serials_used"] == "1"
    history = json.loads(initialised("emission", "history", "APP-000001", "--json").stdout)
    assert [h["entry"]["kind"] for h in history] == ["emission.applied", "emission.registered"]


def test_emission_register_without_registration_only_files(
    initialised: Invoke, tmp_path: Path
) -> None:
    code = _issuer(initialised, tmp_path)
    path = write_json(tmp_path / "e.json", emission_filing(code))
    result = initialised("emission", "register", str(path))
    assert result.exit_code == 0, result.output
    assert "application APP-000001 filed" in result.stdout
    assert "registered" not in result.stdout
    listed = json.loads(initialised("emission", "list", "--json", "--status", "applied").stdout)
    assert [e["application_no"] for e in listed] == ["APP-000001"]


def test_bad_emission_filing_changes_nothing(initialised: Invoke, tmp_path: Path) -> None:
    code = _issuer(initialised, tmp_path)
    before = head_size(initialised)
    path = write_yaml(tmp_path / "e.yaml", emission_filing(code, fee_paid="10.00"))
    # Reg. §10, §17, §37: the office receives the documents and records what is wrong with them
    result = initialised("emission", "register", str(path))
    assert result.exit_code == 0, result.output
    assert "with 1 defect(s)" in result.stdout
    assert "fee_paid: " in result.stdout and "[fee-upfront-minimum; Reg. §28]" in result.stdout
    assert head_size(initialised) == before + 1
    listed = json.loads(initialised("emission", "list", "--json").stdout)
    assert [d["rule"] for d in listed[0]["defects"]] == ["fee-upfront-minimum"]


def test_emission_register_prints_a_pending_name_review(
    initialised: Invoke, tmp_path: Path
) -> None:
    code = _issuer(initialised, tmp_path)
    # Law art. 37.3: a name built on a law word (a surname: Manasov) is received for review
    path = write_yaml(tmp_path / "e.yaml", emission_filing(code, name="Manasov Gold Token"))
    result = initialised("emission", "register", str(path))
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "application APP-000001 filed" in text
    assert "name: 'Manasov Gold Token' holds 'Манас' inside another word" in text
    assert "emission event APP-000001 name_reviewed --set field=name" in text
    assert "[name-review-pending; Law art. 37.3]" in text
    # JSON carries name_reviews; an ending of the lexicon's [names]: -bai (Kyrgyz)
    path = write_yaml(tmp_path / "f.yaml", emission_filing(code, name="Kyrgyzbai Gold"))
    body = json.loads(initialised("emission", "register", str(path), "--json").stdout)
    assert body["name_reviews"] == [
        {"field": "name", "text": "Kyrgyzbai Gold", "words": ["Кыргыз"], "decision": None}
    ]
    assert body["defects"] == [] and body["regno"] is None
    decision = write_yaml(tmp_path / "decision.yaml", {"basis": registration()["document"]})
    decided = initialised(
        "emission",
        "event",
        "APP-000001",
        "name_reviewed",
        "--on",
        "2026-11-19",
        "--data",
        str(decision),
        "--set",
        "field=name",
        "--set",
        "decision=accepted",
    )
    assert decided.exit_code == 0, decided.output
    shown = initialised("emission", "show", "APP-000001")
    assert "name: 'Manasov Gold Token' holds 'Манас': accepted on review" in " ".join(
        shown.stdout.split()
    )
    listed = json.loads(initialised("emission", "show", "APP-000001", "--json").stdout)
    assert listed["emission"]["name_reviews"][0]["decision"] == "accepted"


def test_bad_registration_leaves_even_the_application_unwritten(
    initialised: Invoke, tmp_path: Path
) -> None:
    code = _issuer(initialised, tmp_path)
    before = head_size(initialised)
    data = emission_filing(code)
    data["collateral"][0]["registered_on"] = "2026-11-19"  # after the filing (Reg. §3-9)
    data["registration"] = registration(on="2026-11-18")  # before the collateral (Reg. §3-10)
    result = initialised("emission", "register", str(write_yaml(tmp_path / "e.yaml", data)))
    assert result.exit_code == 3
    # the collateral registered after the filing is a defect: no registration while it is open
    line = _one_error_line(result.stderr)
    assert "[defects-open; Reg. §10, §17]" in line
    assert "collateral[0].registered_on: collateral-registered-after-filing" in line
    assert head_size(initialised) == before
    assert json.loads(initialised("emission", "list", "--json").stdout) == []


def test_malformed_registration_section_names_the_field(
    initialised: Invoke, tmp_path: Path
) -> None:
    code = _issuer(initialised, tmp_path)
    data = emission_filing(code)
    data["registration"] = registration(document={"type": "rumour"})
    result = initialised("emission", "register", str(write_yaml(tmp_path / "e.yaml", data)))
    assert result.exit_code == 3
    line = _one_error_line(result.stderr)
    assert line.startswith("error: registration.document.type:")
    assert "[filing-field; Reg. §10, §57]" in line
    wrong = emission_filing(code)
    wrong["registration"] = registration(regno="KG0101ZZZZ1")
    result = initialised("emission", "register", str(write_yaml(tmp_path / "w.yaml", wrong)))
    assert result.exit_code == 3
    assert "[regno-serial-order; Reg. §68(в)]" in _one_error_line(result.stderr)
    assert head_size(initialised) == 1


def test_emission_events_walk_and_illegal_transition(initialised: Invoke, tmp_path: Path) -> None:
    code = _issuer(initialised, tmp_path)
    path = write_yaml(tmp_path / "e.yaml", emission_filing(code))
    assert initialised("emission", "register", str(path)).exit_code == 0
    decision = write_yaml(
        tmp_path / "decision.yaml",
        {"basis": registration()["document"]},
    )
    registered = initialised(
        "emission",
        "event",
        "APP-000001",
        "emission.registered",
        "--on",
        "2026-11-19",
        "--data",
        str(decision),
    )
    assert registered.exit_code == 0, registered.output
    regno = f"KG0101{code}1"
    assert f"for {regno}; status registered" in registered.stdout
    before = head_size(initialised)
    illegal = initialised("emission", "event", regno, "placement_started", "--on", "2026-11-20")
    assert illegal.exit_code == 3
    line = _one_error_line(illegal.stderr)
    assert line.startswith("error: status:")
    assert "[illegal-transition; Reg. §20-21]" in line
    assert head_size(initialised) == before
    offer = initialised(
        "emission",
        "event",
        regno,
        "offer-disclosed",
        "--on",
        "2026-11-20",
        "--set",
        "uri=https://bakai.example.kg/offer",
    )
    assert offer.exit_code == 0, offer.output
    suspended = initialised(
        "emission",
        "event",
        regno,
        "suspended",
        "--on",
        "2026-11-20",
        "--set",
        'grounds=["inspection"]',
        "--set",
        "remedy_by=2026-12-20",
        "--set",
        "basis.type=authority_decision",
        "--set",
        "basis.number=S-1",
        "--set",
        "basis.date=2026-11-20",
        "--set",
        "basis.issued_by=Regulator",
    )
    assert suspended.exit_code == 0, suspended.output
    shown = initialised("emission", "show", regno)
    assert "suspended" in shown.stdout
    assert "remedy" in shown.stdout
    assert "2026-12-20" in shown.stdout


def test_emission_event_errors(initialised: Invoke, tmp_path: Path) -> None:
    code = _issuer(initialised, tmp_path)
    assert (
        initialised(
            "emission", "register", str(write_yaml(tmp_path / "e.yaml", emission_filing(code)))
        ).exit_code
        == 0
    )
    unknown = initialised("emission", "event", "APP-000001", "teleported", "--on", "2026-11-20")
    assert unknown.exit_code == 3
    assert "[unknown-kind; docs/export-format.md]" in _one_error_line(unknown.stderr)
    applied = initialised("emission", "event", "APP-000001", "applied", "--on", "2026-11-20")
    assert applied.exit_code == 3
    assert "[unknown-kind; Reg. §9]" in _one_error_line(applied.stderr)
    bad_value = initialised(
        "emission",
        "event",
        "APP-000001",
        "refused",
        "--on",
        "2026-11-20",
        "--set",
        "grounds=[unquoted",
    )
    assert bad_value.exit_code == 1
    assert "not valid JSON" in _one_error_line(bad_value.stderr)
    no_equals = initialised(
        "emission", "event", "APP-000001", "refused", "--on", "2026-11-20", "--set", "grounds"
    )
    assert no_equals.exit_code == 1
    assert "field=value" in _one_error_line(no_equals.stderr)
    missing = initialised(
        "emission",
        "event",
        "KG0101ZZZZ1",
        "refused",
        "--on",
        "2026-11-20",
        "--set",
        'grounds=["fees_unpaid"]',
    )
    assert missing.exit_code == 3
    assert "[unknown-emission; Reg. §57]" in _one_error_line(missing.stderr)
    assert head_size(initialised) == 2


def test_emission_event_help_lists_every_kind(initialised: Invoke) -> None:
    result = initialised("emission", "event", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for kind in (
        "registered",
        "refused",
        "partial_burn",
        "cancelled",
        "suspended",
        "whitepaper_amendment_requested",
        "fee_paid",
        "cancellation_published",
    ):
        assert kind in text


def test_emission_show_unknown_is_exit_5(initialised: Invoke) -> None:
    result = initialised("emission", "show", "APP-000404")
    assert result.exit_code == 5
    assert "not found" in _one_error_line(result.stderr)


# ---- the demo register through the CLI --------------------------------------------------


def test_demo_refuses_a_non_empty_ledger(demo: Invoke) -> None:
    before = head_size(demo)
    result = demo("demo")
    assert result.exit_code == 1
    assert "only into an empty ledger" in _one_error_line(result.stderr)
    assert head_size(demo) == before


def test_emission_list_filters(demo: Invoke) -> None:
    table = demo("emission", "list")
    assert table.exit_code == 0
    assert "ATSOM" in table.stdout
    placing = json.loads(demo("emission", "list", "--status", "placing", "--json").stdout)
    assert [e["symbol"] for e in placing] == ["CAGRO"]
    issuers = json.loads(demo("issuer", "list", "--json").stdout)
    chuy = next(i["code"] for i in issuers if i["region"] == "chuy")
    of_chuy = json.loads(demo("emission", "list", "--issuer", chuy, "--json").stdout)
    assert sorted(e["symbol"] for e in of_chuy) == ["CAGRO", "CGRN"]
    bad = demo("emission", "list", "--status", "lost")
    assert bad.exit_code == 2


def test_emission_show_lists_reg62_fields(demo: Invoke) -> None:
    key = next(
        e["regno"]
        for e in json.loads(demo("emission", "list", "--json").stdout)
        if e["symbol"] == "ATSOM"
    )
    result = demo("emission", "show", key)
    assert result.exit_code == 0
    for text in (
        "Ала-Тоо Финтех",
        "жоопкерчилиги чектелген коом",
        "201458-3301-ЖЧК",
        "stablecoin",
        "10000000",
        "1.00 KGS",
        "2025-04-07 - 2025-08-29",
        "ethereum",
        "0x8a29383a2fB8a4613e00a2BB34A6E1F117FE29d0",
        "circulating",
        "500000",
        "9200000",
    ):
        assert text in result.stdout, text


def test_log_checkpoint_cuts_when_grown_and_reports_when_not(demo: Invoke, tmp_path: Path) -> None:
    same = demo("log", "checkpoint")
    assert same.exit_code == 0, same.output
    assert "not cut again" in same.stderr
    existing = json.loads(same.stdout)
    filing = write_yaml(tmp_path / "issuer.yaml", issuer_filing())
    assert demo("issuer", "add", str(filing)).exit_code == 0
    cut = demo("log", "checkpoint")
    assert cut.exit_code == 0, cut.output
    body = json.loads(cut.stdout)
    assert body["tree_size"] == existing["tree_size"] + 1
    assert body["time"] == "2026-11-20T06:00:00.000000Z"
    signed = Signed(
        checkpoint=Checkpoint(
            origin=body["origin"],
            size=body["tree_size"],
            log_root=bytes.fromhex(body["log_root"]),
            state_root=bytes.fromhex(body["state_root"]),
            state_size=body["state_size"],
            issued_at=parse_time(body["time"]),
        ),
        signer=body["signer"],
        signature=bytes.fromhex(body["signature"][2:]),
    )
    verify_checkpoint_signature(signed, expected_signer=existing["signer"])
    rows = json.loads(demo("log", "checkpoints", "--json").stdout)
    assert [r["tree_size"] for r in rows] == [existing["tree_size"], body["tree_size"]]


def test_proofs_verify(demo: Invoke) -> None:
    head = json.loads(demo("log", "head", "--json").stdout)
    size, root = head["tree_size"], bytes.fromhex(head["root"])
    inclusion = json.loads(demo("log", "prove", "inclusion", "7").stdout)
    verify_inclusion(
        index=7,
        size=size,
        leaf_hash=bytes.fromhex(inclusion["leaf_hash"]),
        proof=[bytes.fromhex(h) for h in inclusion["proof"]],
        root=root,
    )
    older = json.loads(demo("log", "prove", "inclusion", "7", "--size", "20").stdout)
    assert older["tree_size"] == 20
    consistency = json.loads(demo("log", "prove", "consistency", "20").stdout)
    verify_consistency(
        size1=20,
        size2=size,
        root1=bytes.fromhex(consistency["root1"]),
        root2=root,
        proof=[bytes.fromhex(h) for h in consistency["proof"]],
    )
    assert bytes.fromhex(consistency["root1"]) == bytes.fromhex(older["root"])
    key = next(
        e["regno"]
        for e in json.loads(demo("emission", "list", "--json").stdout)
        if e["symbol"] == "CAGRO"
    )
    state = json.loads(demo("log", "prove", "state", key).stdout)
    checkpoint = json.loads(demo("log", "checkpoints", "--json").stdout)[-1]
    verify_state_proof(
        StateProof.from_json(state),
        state_root_=bytes.fromhex(checkpoint["state_root"]),
        state_size=checkpoint["state_size"],
    )
    assert state["state"]["status"] == "placing"
    beyond = demo("log", "prove", "inclusion", str(size))
    assert beyond.exit_code == 1
    _one_error_line(beyond.stderr)
    no_checkpoint = demo("log", "prove", "state", key, "--checkpoint", "3")
    assert no_checkpoint.exit_code == 5


def test_check_export_rebuild(demo: Invoke, tmp_path: Path) -> None:
    checked = demo("check", "--json")
    assert checked.exit_code == 0, checked.output
    summary = json.loads(checked.stdout)
    assert summary["ok"] is True
    assert summary["emissions"] == 17
    assert summary["signer"] is not None
    out = tmp_path / "export"
    exported = demo("export", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tree_size"] == summary["entries"]
    lines = (out / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == summary["entries"]
    public = (out / "entries.jsonl").read_text(encoding="utf-8")
    assert "ID2847193" not in public  # a founder's passport number (Reg. §66)
    assert "Жумабаева" not in public
    rebuilt = demo("rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "17 emissions" in rebuilt.stdout
    assert demo("check").exit_code == 0


def test_check_fails_with_exit_4_on_a_tampered_leaf(demo: Invoke, data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "tamga.sqlite") as db:
        (leaf,) = db.execute("SELECT leaf FROM log_entries WHERE idx = 3").fetchone()
        db.execute(
            "UPDATE log_entries SET leaf = ? WHERE idx = 3",
            (bytes(leaf).replace(b"10000000", b"90000000"),),
        )
    result = demo("check")
    assert result.exit_code == 4
    line = _one_error_line(result.stderr)
    assert "verification failed" in line
    assert "entry 3" in line


def test_check_names_a_leaf_that_is_not_canonical_json(demo: Invoke, data_dir: Path) -> None:
    """The leaf hash is recomputed, so only the leaf's spelling (RFC 8785) is wrong."""
    with sqlite3.connect(data_dir / "tamga.sqlite") as db:
        (leaf,) = db.execute("SELECT leaf FROM log_entries WHERE idx = 5").fetchone()
        spaced = bytes(leaf).replace(b'":', b'": ', 1)
        db.execute(
            "UPDATE log_entries SET leaf = ?, leaf_hash = ? WHERE idx = 5",
            (spaced, hash_leaf(spaced)),
        )
    result = demo("check")
    assert result.exit_code == 4
    line = _one_error_line(result.stderr)
    assert "entry 5" in line
    assert "not the RFC 8785 canonical encoding (whitespace)" in line


def test_the_demo_leaves_a_staff_token_for_the_workbench(demo: Invoke, data_dir: Path) -> None:
    """Issue 18: `make run` shows the workbench and a demo staff account (a personal regulator
    token named "Demo registrar", kept owner-only in the data directory)."""
    import stat

    from fastapi.testclient import TestClient

    from api.app import create_app
    from node.settings import Settings

    path = data_dir / "demo-staff-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = path.read_text(encoding="ascii").strip()
    listed = demo("token", "list", "--json")
    assert listed.exit_code == 0, listed.output
    names = [t["name"] for t in json.loads(listed.stdout)]
    assert "Demo registrar" in names
    settings = Settings(data_dir=data_dir, api_rate_limit_per_minute=0)
    with TestClient(create_app(settings)) as client:
        answer = client.post("/v1/staff/session", json={"token": token})
        assert answer.status_code == 200, answer.text
        assert answer.json()["name"] == "Demo registrar"
        assert 'id="staff-name">Demo registrar<' in client.get("/workbench").text
