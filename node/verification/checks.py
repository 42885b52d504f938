"""The checks, as pure functions of the register's facts and one token's readings (no I/O).

Amounts on chain are base units; the register counts whole VAs, so every comparison multiplies
by ``10 ** decimals()``. Burns are ``Transfer(from, 0x0)`` and lower ``totalSupply``; transfers
to locked sinks (0x…dEaD and configured ones) are *locked*, not burned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from node.chain.logs import TransferLog
from node.chain.reads import BlockRef
from node.domain.lifecycle import BISHKEK
from node.domain.model import EmissionState
from node.domain.names import forbidden_words, same_name
from node.verification.findings import Check, Finding

MAX_EVIDENCE_TXS: Final = 50


@dataclass(frozen=True, slots=True)
class RegisteredBurn:
    """A burn in the register: a partial burn, cancelled unplaced VAs, or a full cancellation."""

    index: int  # the entry's index in the log
    kind: str
    amount: int | None  # VAs; None for a full cancellation (everything)
    tx_hashes: tuple[str, ...]
    effective_on: date


@dataclass(frozen=True, slots=True)
class TokenReading:
    """What one declared contract showed at the pinned block (None: unreadable)."""

    contract: str
    pin: BlockRef
    code_size: int
    code_hash: str
    code: bytes = b""  # the runtime code itself (compared with a filed source)
    nonce: int | None = None  # of an address without code
    implementation: str | None = None
    beacon: str | None = None
    name: str | None = None
    symbol: str | None = None
    decimals: int | None = None
    total_supply: int | None = None
    treasury_balance: int | None = None
    locked_balance: int | None = None
    owner: str | None = None
    wallet_is_admin: bool | None = None


@dataclass(frozen=True, slots=True)
class Transfers:
    """The token's scanned mints, burns and locks (blocks up to ``scanned_to``)."""

    scanned_to: int
    mints: tuple[TransferLog, ...] = ()
    burns: tuple[TransferLog, ...] = ()
    locks: tuple[TransferLog, ...] = ()
    block_times: Mapping[int, int] = field(default_factory=dict)


def amount_text(base_units: int, decimals: int) -> str:
    """Base units as VAs: "1500 VAs" or "1.5 VAs (1500000 base units)"."""
    unit = 10**decimals
    whole, rest = divmod(base_units, unit)
    if rest == 0:
        return f"{whole} VAs"
    fraction = str(rest).rjust(decimals, "0").rstrip("0")
    return f"{whole}.{fraction} VAs ({base_units} base units)"


def kyrgyz_day(timestamp: int) -> date:
    """The Kyrgyz calendar day (UTC+6) of a block timestamp."""
    return datetime.fromtimestamp(timestamp, tz=BISHKEK).date()


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The findings of one emission, and which checks ran (only those may resolve findings)."""

    findings: tuple[Finding, ...]
    ran: frozenset[Check]


_CODE_CHECKS: Final = frozenset(
    {Check.CODE_MISSING, Check.CODE_CHANGED, Check.PROXY_UPGRADEABLE}
    | {Check.PROXY_IMPLEMENTATION_CHANGED}
)
_TOKEN_CHECKS: Final = frozenset(
    {Check.METADATA_UNREADABLE, Check.SYMBOL_MISMATCH, Check.FORBIDDEN_NAME}
    | {Check.OWNER_MISMATCH, Check.WALLET_NOT_ADMIN}
)
_SUPPLY_CHECKS: Final = frozenset(
    {Check.SUPPLY_EXCEEDS, Check.SUPPLY_BELOW, Check.CIRCULATING_MISMATCH}
)
_TRANSFER_CHECKS: Final = frozenset(
    {Check.BURN_UNREGISTERED, Check.BURN_UNMATCHED_ENTRY, Check.BURN_AMOUNT_MISMATCH}
    | {Check.BURN_LOCKED_NOT_BURNED, Check.MINT_BEYOND_QUANTITY, Check.MINT_OUTSIDE_PLACEMENT}
)


def evaluate(
    state: EmissionState,
    reading: TokenReading,
    *,
    transfers: Transfers | None = None,
    burns: Sequence[RegisteredBurn] = (),
) -> Evaluation:
    """Every finding for one emission's token at the pinned block, and the checks that ran.

    Without code at the address only the code check runs; without ``decimals()`` no supply,
    burn or mint check can run; without ``transfers`` (no log scan) no burn or mint check.
    """
    if reading.code_size == 0:
        return Evaluation(findings=(_code_missing(reading),), ran=_CODE_CHECKS)
    found = [*_code(state, reading), *_metadata(state, reading), *_admin(state, reading)]
    ran = _CODE_CHECKS | _TOKEN_CHECKS
    if reading.decimals is not None:
        found += _supply(state, reading, reading.decimals)
        ran |= _SUPPLY_CHECKS
        if transfers is not None:
            found += _burns(burns, transfers, reading.decimals)
            found += _mints(state, transfers, reading.decimals)
            ran |= _TRANSFER_CHECKS
    unique = {f.id: f for f in reversed(found)}  # one finding per id: the first one found
    return Evaluation(findings=tuple(f for f in found if unique[f.id] is f), ran=ran)


def _code_missing(reading: TokenReading) -> Finding:
    if reading.nonce:
        what = f"no code: an externally owned account ({reading.nonce} transaction(s) sent)"
    else:
        what = "no code: an empty address"
    return Finding(
        Check.CODE_MISSING,
        expected="a token contract at the declared address",
        actual=what,
        addresses=(reading.contract,),
    )


def _code(state: EmissionState, reading: TokenReading) -> list[Finding]:
    found: list[Finding] = []
    baseline = state.verification
    if baseline is not None and baseline.code_hash and baseline.code_hash != reading.code_hash:
        found.append(
            Finding(
                Check.CODE_CHANGED,
                expected=f"code hash {baseline.code_hash} (block {baseline.baseline_block})",
                actual=f"code hash {reading.code_hash}",
                addresses=(reading.contract,),
            )
        )
    if reading.implementation is not None:
        found.append(
            Finding(
                Check.PROXY_UPGRADEABLE,
                expected="a contract whose logic cannot be replaced",
                actual="an EIP-1967 proxy" + (" behind a beacon" if reading.beacon else ""),
                addresses=tuple(a for a in (reading.implementation, reading.beacon) if a),
            )
        )
        recorded = baseline.implementation if baseline is not None else None
        if recorded is not None and recorded != reading.implementation:
            found.append(
                Finding(
                    Check.PROXY_IMPLEMENTATION_CHANGED,
                    expected=f"implementation {recorded}",
                    actual=f"implementation {reading.implementation}",
                    addresses=(recorded, reading.implementation),
                )
            )
    return found


def _metadata(state: EmissionState, reading: TokenReading) -> list[Finding]:
    found: list[Finding] = []
    missing = [
        name
        for name, value in (
            ("name()", reading.name),
            ("symbol()", reading.symbol),
            ("decimals()", reading.decimals),
        )
        if value is None
    ]
    if missing:
        found.append(
            Finding(
                Check.METADATA_UNREADABLE,
                expected="name(), symbol() and decimals() of an ERC-20",
                actual="cannot read " + ", ".join(missing),
                addresses=(reading.contract,),
            )
        )
    if reading.symbol is not None and _fold(reading.symbol) != _fold(state.symbol):
        found.append(
            Finding(
                Check.SYMBOL_MISMATCH,
                expected=f"symbol {state.symbol!r}",
                actual=f"symbol() = {reading.symbol!r}",
            )
        )
    if reading.name is not None and not same_name(reading.name, state.name):
        found.append(
            Finding(
                Check.NAME_MISMATCH,
                expected=f"name {state.name!r}",
                actual=f"name() = {reading.name!r}",
            )
        )
    for what, text in (("name", reading.name), ("symbol", reading.symbol)):
        words = forbidden_words(text) if text else []
        if words:  # Law art. 37.3
            found.append(
                Finding(
                    Check.FORBIDDEN_NAME,
                    expected=f"a {what} without the words of Law art. 37.3",
                    actual=f"{what}() = {text!r} uses {', '.join(words)}",
                    subject=what,
                )
            )
    return found


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _admin(state: EmissionState, reading: TokenReading) -> list[Finding]:
    wallet = state.issuer_wallet.lower()
    owner = reading.owner
    if owner is not None:
        if owner != wallet and int(owner, 16) != 0:  # a renounced owner (0x0) rules nothing
            return [
                Finding(
                    Check.OWNER_MISMATCH,
                    expected=f"owner {wallet} (the declared issuer wallet)",
                    actual=f"owner {owner}",
                    addresses=(owner, wallet),
                )
            ]
        return []
    if reading.wallet_is_admin is False:
        return [
            Finding(
                Check.WALLET_NOT_ADMIN,
                expected=f"DEFAULT_ADMIN_ROLE held by {wallet} (the declared issuer wallet)",
                actual="hasRole(DEFAULT_ADMIN_ROLE, wallet) = false",
                addresses=(wallet,),
            )
        ]
    return []


def _supply(state: EmissionState, reading: TokenReading, decimals: int) -> list[Finding]:
    total = reading.total_supply
    if total is None:
        return []
    unit = 10**decimals
    found: list[Finding] = []
    registered = state.quantity - state.burned - state.unplaced_cancelled
    expected = registered * unit
    basis = (
        f"{registered} VAs (quantity {state.quantity} − burned {state.burned}"
        f" − unplaced cancelled {state.unplaced_cancelled})"
    )
    if total > expected:  # Reg. §58-59: issuance beyond the register
        found.append(
            Finding(
                Check.SUPPLY_EXCEEDS,
                expected=f"at most {basis}",
                actual=f"totalSupply() = {amount_text(total, decimals)}",
            )
        )
    elif total < expected and state.placement_ended_on is not None:
        # Before placement ends a token may be minted as it sells; afterwards less is a burn.
        found.append(
            Finding(
                Check.SUPPLY_BELOW,
                expected=basis,
                actual=f"totalSupply() = {amount_text(total, decimals)}",
            )
        )
    treasury, locked = reading.treasury_balance, reading.locked_balance
    if state.placed is not None and treasury is not None and locked is not None:
        circulating = total - treasury - locked
        placed = state.placed - state.burned
        if circulating != placed * unit:
            found.append(
                Finding(
                    Check.CIRCULATING_MISMATCH,
                    expected=f"{placed} VAs (placed {state.placed} − burned {state.burned})",
                    actual=(
                        f"{amount_text(circulating, decimals)} = totalSupply − issuer wallet "
                        f"{amount_text(treasury, decimals)} − locked "
                        f"{amount_text(locked, decimals)}"
                    ),
                )
            )
    return found


def _by_tx(logs: Sequence[TransferLog]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for log in logs:
        totals[log.tx_hash] = totals.get(log.tx_hash, 0) + log.value
    return totals


def _burns(
    registered: Sequence[RegisteredBurn], transfers: Transfers, decimals: int
) -> list[Finding]:
    unit = 10**decimals
    burned = _by_tx(transfers.burns)  # insertion order = chain order
    locked = _by_tx(transfers.locks)
    blocks = {log.tx_hash: log.block_number for log in (*transfers.burns, *transfers.locks)}
    matched: set[str] = set()
    found: list[Finding] = []
    for entry in registered:
        if not entry.tx_hashes:
            continue
        total = 0
        hit = False
        for tx in entry.tx_hashes:
            if tx in burned:
                matched.add(tx)
                total += burned[tx]
                hit = True
            elif tx in locked:
                found.append(
                    Finding(
                        Check.BURN_LOCKED_NOT_BURNED,
                        expected=f"a burn (Transfer to 0x0) as entry {entry.index} registers",
                        actual=(
                            f"{amount_text(locked[tx], decimals)} sent to a locked sink in "
                            f"block {blocks[tx]}: locked, not burned (totalSupply unchanged)"
                        ),
                        subject=tx,
                        tx_hashes=(tx,),
                    )
                )
            else:
                found.append(
                    Finding(
                        Check.BURN_UNMATCHED_ENTRY,
                        expected=f"the burn that entry {entry.index} ({entry.kind}) cites",
                        actual="no burn of this token in the cited transaction",
                        subject=tx,
                        tx_hashes=(tx,),
                    )
                )
        if hit and entry.amount is not None and total != entry.amount * unit:
            found.append(
                Finding(
                    Check.BURN_AMOUNT_MISMATCH,
                    expected=f"{entry.amount} VAs burned (entry {entry.index})",
                    actual=f"{amount_text(total, decimals)} burned in the cited transactions",
                    subject=f"entry-{entry.index}",
                    tx_hashes=tuple(t for t in entry.tx_hashes if t in burned),
                )
            )
    for entry in registered:
        if entry.tx_hashes or entry.amount is None:
            continue
        want = entry.amount * unit
        candidate = next((tx for tx, v in burned.items() if tx not in matched and v == want), None)
        if candidate is not None:
            matched.add(candidate)
            continue
        found.append(
            Finding(
                Check.BURN_UNMATCHED_ENTRY,
                expected=f"a burn of {entry.amount} VAs (entry {entry.index}, {entry.kind})",
                actual="no unmatched burn of that amount on chain",
                subject=f"entry-{entry.index}",
            )
        )
    for tx, value in burned.items():
        if tx not in matched:
            found.append(
                Finding(
                    Check.BURN_UNREGISTERED,
                    expected="a burn entry in the register for every burn on chain (Reg. §46)",
                    actual=f"{amount_text(value, decimals)} burned in block {blocks[tx]}",
                    subject=tx,
                    tx_hashes=(tx,),
                )
            )
    return found


def _mints(state: EmissionState, transfers: Transfers, decimals: int) -> list[Finding]:
    unit = 10**decimals
    found: list[Finding] = []
    minted = sum(log.value for log in transfers.mints)
    if minted > state.quantity * unit:  # Reg. §58-59
        found.append(
            Finding(
                Check.MINT_BEYOND_QUANTITY,
                expected=f"at most the registered quantity, {state.quantity} VAs",
                actual=f"minted {amount_text(minted, decimals)} in all",
                tx_hashes=tuple(dict.fromkeys(log.tx_hash for log in transfers.mints))[
                    -MAX_EVIDENCE_TXS:
                ],
            )
        )
    outside: list[tuple[TransferLog, date]] = []
    for log in transfers.mints:
        stamp = transfers.block_times.get(log.block_number)
        if stamp is None:
            continue
        day = kyrgyz_day(stamp)
        if not state.placement_start <= day <= state.placement_end:  # Reg. §20
            outside.append((log, day))
    if outside:
        first, day = outside[0]
        found.append(
            Finding(
                Check.MINT_OUTSIDE_PLACEMENT,
                expected=(
                    f"mints within the placement period {state.placement_start} – "
                    f"{state.placement_end}"
                ),
                actual=(
                    f"{len(outside)} mint(s) outside it, the first on {day} "
                    f"({amount_text(first.value, decimals)}, block {first.block_number})"
                ),
                tx_hashes=tuple(dict.fromkeys(log.tx_hash for log, _ in outside))[
                    :MAX_EVIDENCE_TXS
                ],
            )
        )
    return found
