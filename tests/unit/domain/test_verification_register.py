"""The reducer on on-chain verification entries: baseline, findings opened/updated/resolved,
wallet proofs (replay, expiry, addresses), filed sources — and that none moves the lifecycle."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lifecycle_samples import APP, CAL, REGNO, at, fresh, with_status
from verification_samples import BLOCK_HASH, CODE_HASH, block, verification

from node.domain.model import EmissionState, EmissionStatus
from node.domain.register import MemoryRegister
from node.domain.verification import (
    FiledSource,
    OpenFinding,
    ProofMethod,
    Severity,
    VerificationState,
    WalletProof,
)
from node.errors import RuleViolation

ON = date(2026, 11, 20)
CONTRACT = "0x2222222222222222222222222222222222222222"  # the sample filing's addresses
WALLET = "0x1111111111111111111111111111111111111111"
EXPIRY = 4_102_444_800  # 2100-01-01


def _state(reg: MemoryRegister) -> EmissionState:
    state = reg.emission(APP)
    assert state is not None
    return state


def _observed(**changes: Any) -> Any:
    data: dict[str, Any] = {
        "blockchain": "Ethereum",
        "outcome": "checked",
        "chain_id": "1",
        "block": block(),
        "readings": {"code_size": "10", "code_hash": CODE_HASH},
    }
    return verification("observed", ON, **{**data, **changes})


def _finding(finding: str = "supply.exceeds-register", **changes: Any) -> Any:
    data: dict[str, Any] = {
        "finding": finding,
        "check": finding.split(":")[0],
        "severity": "critical",
        "paragraph": "Reg. §58-59",
        "expected": "1",
        "observed": "2",
    }
    return verification("finding", ON, **{**data, **changes})


def _proof(**statement: Any) -> Any:
    data = {
        "regno": REGNO,
        "chain_id": "1",
        "contract": CONTRACT,
        "wallet": WALLET,
        "nonce": "1",
        "expiry": str(EXPIRY),
    } | statement
    return verification(
        "wallet_proof",
        ON,
        statement=data,
        signature="0x" + "ab" * 65,
        method="eoa",
        signer=WALLET,
    )


def _violation(reg: MemoryRegister, entry: Any) -> RuleViolation:
    before = _state(reg)
    with pytest.raises(RuleViolation) as caught:
        reg.apply(entry, calendar=CAL)
    assert _state(reg) == before  # nothing changes
    return caught.value


def test_the_first_observation_of_code_is_the_baseline() -> None:
    reg = fresh("registered")
    reg.apply(_observed(outcome="unsupported_chain", block=None, chain_id=None), calendar=CAL)
    assert _state(reg).verification == VerificationState()  # nothing read: no baseline
    reg.apply(_observed(readings={"code_size": "0", "code_hash": CODE_HASH}), calendar=CAL)
    assert _state(reg).verification == VerificationState()  # no code: no baseline
    reg.apply(
        _observed(readings={"code_size": "5", "code_hash": CODE_HASH, "implementation": WALLET}),
        calendar=CAL,
    )
    baseline = _state(reg).verification
    assert baseline is not None
    assert (baseline.chain_id, baseline.code_hash, baseline.implementation) == (
        1,
        CODE_HASH,
        WALLET,
    )
    assert (baseline.baseline_block, baseline.baseline_on) == (100, ON)
    later = _observed(
        block=block(number=200), readings={"code_size": "5", "code_hash": "0x" + "ee" * 32}
    )
    reg.apply(later, calendar=CAL)
    assert _state(reg).verification == baseline  # the baseline stays; changes are findings


def test_observations_never_move_the_lifecycle() -> None:
    reg = fresh("registered")
    before = _state(reg)
    reg.apply(_observed(), calendar=CAL)
    after = _state(reg)
    assert (after.status, after.status_since, after.last_event_on) == (
        before.status,
        before.status_since,
        before.last_event_on,
    )
    assert dataclasses.replace(after, verification=None) == before


def test_observation_block_rules() -> None:
    reg = fresh("registered")
    missing = _violation(reg, _observed(block=None))
    assert (missing.field, missing.rule, missing.paragraph) == (
        "block",
        "observation-block",
        "Reg. §5.5",
    )
    extra = _violation(reg, _observed(outcome="no_endpoint"))
    assert extra.rule == "observation-block"
    other = _violation(reg, _observed(block=block(chain_id=5)))
    assert (other.field, other.rule) == ("block.chain_id", "observation-chain")


def test_findings_open_update_and_resolve() -> None:
    reg = fresh("registered")
    reg.apply(_finding(), calendar=CAL)
    reg.apply(_finding("burn.unregistered:0x" + "ab" * 32, severity="warning"), calendar=CAL)
    state = _state(reg).verification
    assert state is not None
    assert [f.id for f in state.open_findings] == [
        "burn.unregistered:0x" + "ab" * 32,
        "supply.exceeds-register",
    ]
    later = verification(
        "finding",
        date(2026, 11, 23),
        finding="supply.exceeds-register",
        check="supply.exceeds-register",
        severity="critical",
        paragraph="Reg. §58-59",
        expected="1",
        observed="3",
    )
    reg.apply(later, calendar=CAL)
    updated = _state(reg).verification
    assert updated is not None
    assert updated.finding("supply.exceeds-register") == OpenFinding(
        id="supply.exceeds-register",
        check="supply.exceeds-register",
        severity=Severity.CRITICAL,
        since=ON,
    )  # an update keeps the date it was first found
    reg.apply(verification("finding_resolved", ON, finding="supply.exceeds-register"), calendar=CAL)
    resolved = _state(reg).verification
    assert resolved is not None and [f.id for f in resolved.open_findings] == [
        "burn.unregistered:0x" + "ab" * 32
    ]


def test_finding_rules() -> None:
    reg = fresh("registered")
    wrong = _violation(reg, _finding("supply.exceeds-register", check="supply.below-register"))
    assert (wrong.field, wrong.rule) == ("finding", "finding-id")
    not_open = _violation(reg, verification("finding_resolved", ON, finding="code.missing"))
    assert (not_open.field, not_open.rule) == ("finding", "finding-not-open")


@pytest.mark.parametrize("status", [EmissionStatus.REFUSED, EmissionStatus.CANCELLED])
def test_refused_and_cancelled_emissions_are_not_verified(status: EmissionStatus) -> None:
    reg = with_status(status)
    key = REGNO if status is EmissionStatus.CANCELLED else APP
    error = _violation(
        reg,
        verification(
            "finding",
            ON,
            emission=key,
            finding="code.missing",
            check="code.missing",
            severity="critical",
            paragraph="p",
            expected="",
            observed="",
        ),
    )
    assert (error.field, error.rule, error.paragraph) == (
        "status",
        "not-verifiable",
        "Reg. §17, §47",
    )


def test_applications_may_be_verified_and_unknown_emissions_may_not() -> None:
    reg = fresh()
    reg.apply(
        verification(
            "finding",
            ON,
            emission=APP,
            finding="code.missing",
            check="code.missing",
            severity="critical",
            paragraph="p",
            expected="",
            observed="",
        ),
        calendar=CAL,
    )
    assert _state(reg).verification is not None
    error = _violation(reg, _finding(emission="KG0201A0099"))
    assert (error.field, error.rule) == ("emission", "unknown-emission")


def test_an_entry_cannot_take_effect_after_its_recording() -> None:
    reg = fresh("registered")
    entry = _finding().model_copy(update={"recorded_at": at(date(2026, 11, 19))})
    assert _violation(reg, entry).rule == "effective-after-recording"


def test_a_wallet_proof_is_accepted_and_replay_protected() -> None:
    reg = fresh("registered")
    reg.apply(_proof(), calendar=CAL)
    state = _state(reg).verification
    assert state is not None and state.wallet_proof == WalletProof(
        wallet=WALLET, chain_id=1, method=ProofMethod.EOA, nonce=1, expiry=EXPIRY, proven_on=ON
    )
    replay = _violation(reg, _proof())
    assert (replay.field, replay.rule, replay.paragraph) == (
        "statement.nonce",
        "proof-replay",
        "Reg. §5.5, §9.4",
    )
    reg.apply(_proof(nonce="2"), calendar=CAL)
    assert _state(reg).verification.wallet_proof.nonce == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("statement", "field", "rule"),
    [
        ({"regno": "KG0201A0029"}, "statement.regno", "proof-regno"),
        ({"contract": "0x" + "33" * 20}, "statement.contract", "proof-contract"),
        ({"wallet": "0x" + "33" * 20}, "statement.wallet", "proof-wallet"),
        ({"expiry": "1000"}, "statement.expiry", "proof-expired"),
    ],
)
def test_wallet_proof_rules(statement: dict[str, str], field: str, rule: str) -> None:
    error = _violation(fresh("registered"), _proof(**statement))
    assert (error.field, error.rule) == (field, rule)


def test_wallet_proof_chain_signer_block_and_regno() -> None:
    reg = fresh("registered")
    reg.apply(_observed(), calendar=CAL)  # baseline on chain 1
    assert _violation(reg, _proof(chain_id="5")).rule == "proof-chain"
    other_signer = _proof().model_copy(update={"signer": "0x" + "44" * 20})
    assert _violation(reg, other_signer).rule == "proof-signer"
    no_block = _proof().model_copy(update={"method": ProofMethod.EIP1271, "signer": None})
    assert _violation(reg, no_block).rule == "proof-block"
    with_block = no_block.model_copy(update={"block": _observed().block})
    reg.apply(with_block, calendar=CAL)
    application = fresh()
    unregistered = _proof().model_copy(update={"emission": APP})
    assert _violation(application, unregistered).rule == "proof-needs-regno"


def test_a_filed_source_is_recorded() -> None:
    reg = fresh("registered")
    entry = verification(
        "source_filed", ON, standard_json_sha256="ee" * 32, compiler="0.8.28", contract="a.sol:A"
    )
    reg.apply(entry, calendar=CAL)
    state = _state(reg).verification
    assert state is not None
    assert state.source == FiledSource(
        sha256="ee" * 32, compiler="0.8.28", contract="a.sol:A", filed_on=ON
    )


def test_records_without_verification_are_unchanged_and_with_it_round_trip() -> None:
    state = _state(fresh("registered"))
    assert "verification" not in state.to_record()
    reg = fresh("registered")
    for entry in (_observed(), _finding(), _proof()):
        reg.apply(entry, calendar=CAL)
    verified = _state(reg)
    record = verified.to_record()
    assert record["verification"]["code_hash"] == CODE_HASH
    assert EmissionState.from_record(record) == verified


hexes = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64).map(lambda s: "0x" + s)


@given(
    chain_id=st.none() | st.integers(1, 2**53),
    code=st.none() | hexes,
    block_number=st.none() | st.integers(0, 2**53),
    nonce=st.integers(0, 2**200),
    ids=st.lists(
        st.from_regex(r"[a-z]{1,8}\.[a-z-]{1,8}", fullmatch=True), max_size=4, unique=True
    ),
)
def test_verification_state_round_trip(
    chain_id: int | None, code: str | None, block_number: int | None, nonce: int, ids: list[str]
) -> None:
    state = VerificationState(
        chain_id=chain_id,
        code_hash=code,
        baseline_block=block_number,
        baseline_on=ON if block_number is not None else None,
        open_findings=tuple(OpenFinding(i, i, Severity.INFO, ON) for i in ids),
        wallet_proof=WalletProof(WALLET, 1, ProofMethod.EIP1271, nonce, EXPIRY, ON),
        source=FiledSource("ee" * 32, "0.8.28", "a.sol:A", ON),
    )
    assert VerificationState.from_record(state.to_record()) == state


def test_block_hash_sample_is_well_formed() -> None:
    assert len(BLOCK_HASH) == 66
