"""The checks as pure functions: each one both passing and failing, on hand-made readings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest

from node.chain.logs import TransferLog
from node.chain.reads import BlockRef
from node.domain.model import EmissionState
from node.domain.verification import OpenFinding, Severity, VerificationState
from node.verification.checks import (
    RegisteredBurn,
    TokenReading,
    Transfers,
    amount_text,
    evaluate,
    kyrgyz_day,
)
from node.verification.findings import CHECKS, Check, Finding
from tests.unit.domain.lifecycle_samples import fresh, walk

PIN = BlockRef(chain_id=1, number=100, hash=b"\xaa" * 32, timestamp=1_790_000_000)
WALLET = "0x1111111111111111111111111111111111111111"
TOKEN = "0x2222222222222222222222222222222222222222"
VA = 10**18
JUNE = int(datetime(2026, 6, 1, 6, tzinfo=UTC).timestamp())  # inside May-July 2026
SEPTEMBER = int(datetime(2026, 9, 1, 6, tzinfo=UTC).timestamp())


def _state(until: str = "recognized_successful", **changes: Any) -> EmissionState:
    reg = fresh()
    state = walk(reg, until)
    return dataclasses.replace(state, **changes)


def _reading(**changes: Any) -> TokenReading:
    base: dict[str, Any] = {
        "contract": TOKEN,
        "pin": PIN,
        "code_size": 100,
        "code_hash": "0x" + "c0" * 32,
        "name": "Ala-Too Real Estate Token",
        "symbol": "ATRE",
        "decimals": 18,
        "total_supply": 1_000_000 * VA,
        "treasury_balance": 200_000 * VA,
        "locked_balance": 0,
        "owner": WALLET,
    }
    return TokenReading(**(base | changes))


def _log(kind: str, value: int, *, block: int = 10, tx: str = "01", index: int = 0) -> TransferLog:
    zero = "0x" + "00" * 20
    sender, receiver = {
        "mint": (zero, WALLET),
        "burn": (WALLET, zero),
        "lock": (WALLET, "0x000000000000000000000000000000000000dead"),
    }[kind]
    return TransferLog(
        contract=TOKEN,
        block_number=block,
        block_hash="0x" + "bb" * 32,
        tx_hash="0x" + tx * 32,
        log_index=index,
        sender=sender,
        receiver=receiver,
        value=value,
    )


def _transfers(*logs: TransferLog, times: dict[int, int] | None = None) -> Transfers:
    return Transfers(
        scanned_to=PIN.number,
        mints=tuple(x for x in logs if x.sender == "0x" + "00" * 20),
        burns=tuple(x for x in logs if x.receiver == "0x" + "00" * 20),
        locks=tuple(x for x in logs if x.receiver.endswith("dead")),
        block_times=times if times is not None else {x.block_number: JUNE for x in logs},
    )


def _ids(found: tuple[Finding, ...]) -> set[str]:
    return {f.id for f in found}


MINTED = _log("mint", 1_000_000 * VA)


def test_a_clean_token() -> None:
    result = evaluate(_state(issuer_wallet=WALLET), _reading(), transfers=_transfers(MINTED))
    assert result.findings == ()
    assert Check.MINT_OUTSIDE_PLACEMENT in result.ran and Check.SUPPLY_EXCEEDS in result.ran


def test_no_code_runs_only_the_code_check() -> None:
    result = evaluate(_state(), _reading(code_size=0, nonce=0))
    assert (
        _ids(result.findings) == {"code.missing"} and "empty address" in result.findings[0].observed
    )
    assert Check.SUPPLY_EXCEEDS not in result.ran
    eoa = evaluate(_state(), _reading(code_size=0, nonce=3)).findings[0]
    assert "externally owned account (3 transaction(s) sent)" in eoa.observed
    assert eoa.level is Severity.CRITICAL and eoa.paragraph == "Reg. §5.5, §9.4"


def test_code_and_implementation_against_the_baseline() -> None:
    baseline = VerificationState(
        chain_id=1, code_hash="0x" + "c0" * 32, implementation="0x" + "01" * 20, baseline_block=5
    )
    state = _state(issuer_wallet=WALLET, verification=baseline)
    same = evaluate(state, _reading(implementation="0x" + "01" * 20), transfers=_transfers(MINTED))
    assert _ids(same.findings) == {"proxy.upgradeable"}
    assert same.findings[0].level is Severity.INFO
    changed = evaluate(
        state,
        _reading(code_hash="0x" + "c1" * 32, implementation="0x" + "02" * 20),
        transfers=_transfers(MINTED),
    )
    assert _ids(changed.findings) == {
        "code.changed",
        "proxy.upgradeable",
        "proxy.implementation-changed",
    }


def test_metadata_and_the_name_rule() -> None:
    state = _state(issuer_wallet=WALLET)
    unreadable = evaluate(state, _reading(name=None, decimals=None))
    assert _ids(unreadable.findings) == {"erc20.metadata-unreadable"}
    assert "name(), decimals()" in unreadable.findings[0].observed
    assert Check.SUPPLY_EXCEEDS not in unreadable.ran  # no decimals: no supply checks
    named = evaluate(state, _reading(name="Kyrgyz Real Estate", symbol="atre "))
    # the symbol matches, folded; the name is not the registered one and breaks Law art. 37.3
    assert _ids(named.findings) == {"names.forbidden-word:name", "erc20.name-mismatch"}
    forbidden = next(f for f in named.findings if f.check is Check.FORBIDDEN_NAME)
    assert forbidden.paragraph == "Law art. 37.3"
    renamed = evaluate(state, _reading(name="Ala-Too Real Estate Coin"))
    assert _ids(renamed.findings) == {"erc20.name-mismatch"}
    assert renamed.findings[0].expected == "name 'Ala-Too Real Estate Token'"
    spelled = evaluate(state, _reading(name="ALA TOO real-estate  token"))
    assert _ids(spelled.findings) == set()  # case, spacing and punctuation do not count
    symbol = evaluate(state, _reading(symbol="MANAS"))
    assert _ids(symbol.findings) == {"erc20.symbol-mismatch", "names.forbidden-word:symbol"}


def test_supply_against_the_register() -> None:
    state = _state(issuer_wallet=WALLET, placed=800_000)
    assert _ids(evaluate(state, _reading()).findings) == set()
    beyond = evaluate(state, _reading(total_supply=1_000_000 * VA + 1))
    assert _ids(beyond.findings) == {"supply.exceeds-register", "supply.circulating-mismatch"}
    assert "1000000.000000000000000001 VAs" in beyond.findings[0].observed
    below = evaluate(state, _reading(total_supply=999_000 * VA, treasury_balance=199_000 * VA))
    assert _ids(below.findings) == {"supply.below-register"}
    burned = _state(issuer_wallet=WALLET, placed=800_000, burned=1_000)
    assert (
        _ids(
            evaluate(
                burned, _reading(total_supply=999_000 * VA, treasury_balance=200_000 * VA)
            ).findings
        )
        == set()
    )


def test_below_the_register_only_after_placement_ends() -> None:
    placing = _state("placement_started", issuer_wallet=WALLET)
    assert _ids(evaluate(placing, _reading(total_supply=10 * VA)).findings) == set()


def test_circulating_counts_out_the_wallet_and_locked_sinks() -> None:
    state = _state(issuer_wallet=WALLET, placed=800_000)
    locked = evaluate(state, _reading(locked_balance=5 * VA))
    assert _ids(locked.findings) == {"supply.circulating-mismatch"}
    assert "locked 5 VAs" in locked.findings[0].observed
    unknown = evaluate(state, _reading(locked_balance=None))
    assert _ids(unknown.findings) == set()  # a balance that cannot be read is no finding


def test_burns_are_matched_by_hash_and_by_amount() -> None:
    state = _state(issuer_wallet=WALLET, placed=800_000, burned=300)
    burns = (
        _log("burn", 100 * VA, tx="0a", block=11),
        _log("burn", 200 * VA, tx="0b", block=12),
    )
    registered = [
        RegisteredBurn(20, "emission.partial_burn", 100, ("0x" + "0a" * 32,), date(2026, 11, 2)),
        RegisteredBurn(21, "emission.partial_burn", 200, (), date(2026, 11, 3)),
    ]
    reading = _reading(total_supply=(1_000_000 - 300) * VA, treasury_balance=200_000 * VA)
    result = evaluate(state, reading, transfers=_transfers(MINTED, *burns), burns=registered)
    assert _ids(result.findings) == set()


def test_burn_findings() -> None:
    state = _state(issuer_wallet=WALLET, placed=800_000, burned=110)
    chain = (
        _log("burn", 100 * VA, tx="0a", block=11),
        _log("lock", 5 * VA, tx="0c", block=12),
        _log("burn", 7 * VA, tx="0d", block=13),
    )
    registered = [
        RegisteredBurn(20, "emission.partial_burn", 101, ("0x" + "0a" * 32,), date(2026, 11, 2)),
        RegisteredBurn(21, "emission.partial_burn", 5, ("0x" + "0c" * 32,), date(2026, 11, 3)),
        RegisteredBurn(22, "emission.partial_burn", 3, ("0x" + "0e" * 32,), date(2026, 11, 3)),
        RegisteredBurn(23, "emission.partial_burn", 1, (), date(2026, 11, 4)),
    ]
    reading = _reading(total_supply=(1_000_000 - 107) * VA, locked_balance=5 * VA)
    found = evaluate(state, reading, transfers=_transfers(MINTED, *chain), burns=registered)
    ids = _ids(found.findings)
    assert {
        "burn.amount-mismatch:entry-20",
        "burn.locked-not-burned:0x" + "0c" * 32,
        "burn.unmatched-entry:0x" + "0e" * 32,
        "burn.unmatched-entry:entry-23",
        "burn.unregistered:0x" + "0d" * 32,
    } <= ids
    locked = next(f for f in found.findings if f.check is Check.BURN_LOCKED_NOT_BURNED)
    assert "locked, not burned" in locked.observed and locked.tx_hashes == ("0x" + "0c" * 32,)


def test_mints_beyond_the_quantity_and_outside_the_period() -> None:
    state = _state(issuer_wallet=WALLET, placed=800_000)
    extra = _log("mint", 1 * VA, tx="0f", block=40)
    beyond = evaluate(
        state,
        _reading(total_supply=1_000_001 * VA, treasury_balance=200_001 * VA),
        transfers=_transfers(MINTED, extra),
    )
    assert _ids(beyond.findings) == {"mint.beyond-quantity", "supply.exceeds-register"}
    late = _log("mint", 1 * VA, tx="10", block=41)
    outside = evaluate(
        state,
        _reading(total_supply=1_000_000 * VA),
        transfers=_transfers(_log("mint", 999_999 * VA), late, times={10: JUNE, 41: SEPTEMBER}),
    )
    assert _ids(outside.findings) == {"mint.outside-placement"}
    assert "2026-09-01" in outside.findings[0].observed
    assert outside.findings[0].tx_hashes == (late.tx_hash,)


def test_owner_and_admin() -> None:
    state = _state(issuer_wallet=WALLET)
    other = "0x" + "99" * 20
    assert _ids(evaluate(state, _reading(owner=other)).findings) == {"admin.owner-mismatch"}
    assert _ids(evaluate(state, _reading(owner="0x" + "00" * 20)).findings) == set()
    roles = _reading(owner=None, wallet_is_admin=False)
    assert _ids(evaluate(state, roles).findings) == {"admin.wallet-not-admin"}
    assert _ids(evaluate(state, _reading(owner=None, wallet_is_admin=True)).findings) == set()
    assert _ids(evaluate(state, _reading(owner=None, wallet_is_admin=None)).findings) == set()


def test_one_finding_per_id() -> None:
    state = _state(issuer_wallet=WALLET, placed=800_000, burned=3)
    twice = [
        RegisteredBurn(20, "emission.partial_burn", 1, ("0x" + "0e" * 32,), date(2026, 11, 2)),
        RegisteredBurn(21, "emission.partial_burn", 2, ("0x" + "0e" * 32,), date(2026, 11, 3)),
    ]
    found = evaluate(
        state,
        _reading(total_supply=(1_000_000 - 3) * VA),
        transfers=_transfers(MINTED),
        burns=twice,
    )
    assert [f.id for f in found.findings].count("burn.unmatched-entry:0x" + "0e" * 32) == 1


def test_amounts_and_days() -> None:
    assert amount_text(5 * VA, 18) == "5 VAs"
    assert amount_text(15, 1) == "1.5 VAs (15 base units)"
    assert amount_text(0, 0) == "0 VAs"
    assert kyrgyz_day(int(datetime(2026, 6, 1, 19, tzinfo=UTC).timestamp())) == date(2026, 6, 2)


def test_every_check_has_a_paragraph_and_a_kebab_id() -> None:
    assert set(CHECKS) == set(Check)
    for check, info in CHECKS.items():
        assert info.paragraph.startswith(("Reg. §", "Law art.")), check
        area, _, what = check.value.partition(".")
        assert area and what and what == what.lower(), check
    finding = Finding(Check.SUPPLY_EXCEEDS, expected="a", actual="b", severity=Severity.INFO)
    assert finding.level is Severity.INFO and finding.id == "supply.exceeds-register"


@pytest.mark.parametrize("open_id", ["code.missing"])
def test_open_findings_are_values(open_id: str) -> None:
    found = OpenFinding(open_id, open_id, Severity.CRITICAL, date(2026, 1, 1))
    assert OpenFinding.from_record(found.to_record()) == found
