"""Operator workflows: reading filings, --set assignments, registration dry run, events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cli_support import Invoke, emission_filing, issuer_filing, registration

from node.cli.filings import (
    apply_assignments,
    parse_assignment_value,
    parse_document,
    read_document,
    read_mapping,
)
from node.clock import FixedClock
from node.domain.filings import ISSUER_EVENT_KINDS, parse_issuer_filing
from node.errors import ConfigError, NotFound, RuleViolation
from node.ledger.service import Ledger
from node.operations import (
    issuer_event,
    normalize_kind,
    parse_emission_submission,
    record_emission_event,
    submit_emission,
)
from node.settings import Settings

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


# ---- reading --------------------------------------------------------------------------------


def test_yaml_decimals_stay_exact_and_on_is_not_a_boolean() -> None:
    data = parse_document(
        "on: 2026-11-19\nnominal_value: 12.50\nq: 10\nflag: true\nanswer: no\nx: 1e3\n",
        name="t",
        yaml_syntax=True,
    )
    assert data == {
        "on": date(2026, 11, 19),
        "nominal_value": "12.50",
        "q": 10,
        "flag": True,
        "answer": "no",
        "x": "1e3",
    }


def test_json_decimals_stay_exact() -> None:
    assert parse_document('{"v": 0.10, "n": 3}', name="t", yaml_syntax=False) == {
        "v": "0.10",
        "n": 3,
    }


def test_read_document_by_suffix_and_errors(tmp_path: Path) -> None:
    json_file = tmp_path / "a.JSON"
    json_file.write_text('{"on": 1}', encoding="utf-8")
    assert read_document(json_file) == {"on": 1}
    with pytest.raises(ConfigError, match="cannot read"):
        read_document(tmp_path / "missing.yaml")
    bad_json = tmp_path / "b.json"
    bad_json.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"b\.json is not valid JSON: .*line 1"):
        read_document(bad_json)
    scalar = tmp_path / "c.yaml"
    scalar.write_text("just text\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        read_mapping(scalar)
    latin1 = tmp_path / "d.yaml"
    latin1.write_bytes(b"name: \xff\n")
    with pytest.raises(ConfigError, match="cannot read"):
        read_document(latin1)


# ---- assignments ---------------------------------------------------------------------------


def test_assignment_values() -> None:
    assert parse_assignment_value('["a", "b"]') == ["a", "b"]
    assert parse_assignment_value('{"x": 1.5}') == {"x": "1.5"}
    assert parse_assignment_value("true") is True
    assert parse_assignment_value("null") is None
    assert parse_assignment_value("12.50") == "12.50"
    assert parse_assignment_value("2026-11-20") == "2026-11-20"
    with pytest.raises(ConfigError, match="not valid JSON"):
        parse_assignment_value("[oops")


def test_apply_assignments_nests_and_does_not_mutate_input() -> None:
    data = {"basis": {"type": "notice"}, "amount": "1"}
    merged = apply_assignments(data, ["basis.number=N-1", "amount=2", "tx_hashes=[]"])
    assert merged == {"basis": {"type": "notice", "number": "N-1"}, "amount": "2", "tx_hashes": []}
    assert data == {"basis": {"type": "notice"}, "amount": "1"}
    assert apply_assignments({}, ["reason=a=b"]) == {"reason": "a=b"}
    with pytest.raises(ConfigError, match="field=value"):
        apply_assignments({}, ["amount"])
    with pytest.raises(ConfigError, match="field=value"):
        apply_assignments({}, ["basis..type=x"])
    with pytest.raises(ConfigError, match="'amount' is not a mapping"):
        apply_assignments({"amount": "1"}, ["amount.value=2"])


def test_normalize_kind() -> None:
    assert normalize_kind("partial-burn", prefix="emission") == "emission.partial_burn"
    assert normalize_kind("emission.cancelled", prefix="emission") == "emission.cancelled"
    assert normalize_kind(" liquidated ", prefix="issuer") == "issuer.liquidated"
    assert "issuer.registered" not in ISSUER_EVENT_KINDS


# ---- submissions ---------------------------------------------------------------------------


def test_submission_must_be_a_mapping() -> None:
    with pytest.raises(RuleViolation) as caught:
        parse_emission_submission(["not", "a", "filing"])
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "filing",
        "filing-field",
        "Reg. §9",
    )


def test_registration_section_errors_are_prefixed() -> None:
    data = emission_filing("A001")
    data["registration"] = {"on": "2026-11-19"}
    with pytest.raises(RuleViolation) as caught:
        parse_emission_submission(data)
    assert caught.value.field == "registration.document"
    assert caught.value.rule == "filing-field"
    assert caught.value.paragraph == "Reg. §10, §57"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'ops.sqlite'}")
    opened = Ledger.open(settings, clock=FixedClock(NOW))
    opened.initialize()
    yield opened
    opened.close()


def _issuer(ledger: Ledger) -> str:
    code, _ = ledger.register_issuer(
        parse_issuer_filing(issuer_filing()), effective_on=date(2026, 11, 2)
    )
    return code


def test_submit_emission_with_registration(ledger: Ledger) -> None:
    code = _issuer(ledger)
    data = emission_filing(code)
    data["registration"] = registration(regno=f"KG0101{code}1")
    submitted = submit_emission(ledger, parse_emission_submission(data))
    assert submitted.application_no == "APP-000001"
    assert submitted.regno == f"KG0101{code}1"
    assert submitted.size == 3
    state = ledger.emission(submitted.regno)
    assert state.registered_on == date(2026, 11, 19)
    assert ledger.issuer(code).serials_used == 1


def test_submit_emission_dry_run_refuses_before_writing(ledger: Ledger) -> None:
    code = _issuer(ledger)
    data = emission_filing(code)
    data["registration"] = registration(on="2026-11-21")  # after "today" (Reg. §63)
    with pytest.raises(RuleViolation) as caught:
        submit_emission(ledger, parse_emission_submission(data))
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "effective_on",
        "effective-after-recording",
        "Reg. §63",
    )
    assert ledger.head()[0] == 1
    data["registration"] = registration(regno=f"KG0102{code}1")
    with pytest.raises(RuleViolation) as wrong:
        submit_emission(ledger, parse_emission_submission(data))
    assert (wrong.value.field, wrong.value.rule, wrong.value.paragraph) == (
        "registration.regno",
        "regno-serial-order",
        "Reg. §68(в)",
    )
    assert ledger.head()[0] == 1


def test_submit_emission_with_registration_needs_a_known_issuer(ledger: Ledger) -> None:
    data = emission_filing("ZZ99")
    data["registration"] = registration()
    with pytest.raises(NotFound):
        submit_emission(ledger, parse_emission_submission(data))
    assert ledger.head()[0] == 0


def test_registration_event_gets_the_next_number(ledger: Ledger) -> None:
    code = _issuer(ledger)
    first = submit_emission(ledger, parse_emission_submission(emission_filing(code)))
    second = submit_emission(
        ledger, parse_emission_submission(emission_filing(code, va_type="digital_token"))
    )
    basis = {"basis": registration()["document"]}
    for submitted in (second, first):
        kind, _ = record_emission_event(
            ledger,
            key=submitted.application_no,
            kind="registered",
            data=basis,
            effective_on=date(2026, 11, 19),
        )
        assert kind == "emission.registered"
    # serials run in registration order, whatever the type (Reg. §68(в))
    assert ledger.emission(second.application_no).regno == f"KG0201{code}1"
    assert ledger.emission(first.application_no).regno == f"KG0102{code}1"
    assert ledger.issuer(code).serials_used == 2


def test_issuer_event_errors() -> None:
    def build(kind: str, data: dict[str, object]) -> object:
        return issuer_event(
            kind, issuer="A001", data=data, recorded_at=NOW, effective_on=date(2026, 11, 20)
        )

    with pytest.raises(RuleViolation) as unknown:
        build("registered", {})
    assert (unknown.value.field, unknown.value.rule) == ("kind", "unknown-kind")
    with pytest.raises(RuleViolation) as reserved:
        build("updated", {"issuer": "B002"})
    assert (reserved.value.field, reserved.value.rule) == ("issuer", "reserved-field")
    with pytest.raises(RuleViolation) as bad:
        build("reorganized", {"successor": "not a code"})
    assert (bad.value.field, bad.value.rule) == ("successor", "entry-field")
    entry = build("updated", {"legal_address": "Ош ш., Ленин көч., 1"})
    assert entry.kind == "issuer.updated"  # type: ignore[attr-defined]


def test_yaml_filings_refuse_duplicate_keys_but_keep_merges(tmp_path: Path) -> None:
    twice = tmp_path / "twice.yaml"
    twice.write_text("name: A\nsymbol: X\nname: B\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 3, column 1: duplicate key 'name'"):
        read_document(twice)
    nested = tmp_path / "nested.yaml"
    nested.write_text("basis:\n  number: 1\n  number: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate key 'number'"):
        read_document(nested)
    merged = tmp_path / "merged.yaml"
    merged.write_text(
        "base: &b {number: 1, date: 2026-01-01}\nother:\n  <<: *b\n  number: 2\n", encoding="utf-8"
    )
    assert read_document(merged)["other"] == {"number": 2, "date": date(2026, 1, 1)}


def test_anchor_deploy_needs_a_configured_chain_and_no_contract_yet(
    initialised: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tamga anchor deploy` (issue 19) is for a real chain, once: it says what is missing and
    never deploys a second contract over a configured one (the cluster test deploys on anvil)."""
    bare = initialised("anchor", "deploy")
    assert bare.exit_code != 0
    assert "TAMGA_RPC_URL and TAMGA_CHAIN_ID" in bare.output
    monkeypatch.setenv("TAMGA_RPC_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TAMGA_CHAIN_ID", "31337")
    monkeypatch.setenv("TAMGA_CONTRACT_ADDRESS", "0x" + "11" * 20)
    again = initialised("anchor", "deploy")
    assert again.exit_code != 0
    assert "TAMGA_CONTRACT_ADDRESS is already set" in again.output
