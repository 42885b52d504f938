"""Read many declared tokens of one chain at one pinned block, in a few batched requests.

Per token: code (JSON-RPC batch), the EIP-1967 implementation and beacon slots (batch), and
through Multicall3 ``name``, ``symbol``, ``decimals``, ``totalSupply``, the declared wallet's and
the locked sinks' balances, ``owner``, ``defaultAdmin`` and ``hasRole(DEFAULT_ADMIN_ROLE,
wallet)``; then the beacons' implementations. A thousand tokens cost a handful of HTTP requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from node.chain import abi
from node.chain.reads import CallResult, PinnedReader, code_hash
from node.verification.checks import TokenReading

_PER_TOKEN: Final = 8  # calls per token besides one balanceOf per sink


@dataclass(frozen=True, slots=True)
class TokenTarget:
    """A declared token: contract and issuer wallet (lowercase 0x-hex)."""

    contract: str
    wallet: str


def read_tokens(
    reader: PinnedReader, targets: Sequence[TokenTarget], *, sinks: Sequence[str]
) -> list[TokenReading]:
    """One reading per target, at the reader's pinned block.

    Raises:
        ChainError: the chain cannot be read.
    """
    if not targets:
        return []
    readings = _read(reader, targets, sinks=sinks)
    if not reader.still_at_head():  # a block came in while reading "latest": read the pin
        readings = _read(reader.pinned(), targets, sinks=sinks)
    return readings


def _read(
    reader: PinnedReader, targets: Sequence[TokenTarget], *, sinks: Sequence[str]
) -> list[TokenReading]:
    codes = reader.codes([t.contract for t in targets])
    empty = [i for i, code in enumerate(codes) if not code]
    nonces = dict(zip(empty, reader.nonces([targets[i].contract for i in empty]), strict=True))
    live = [i for i, code in enumerate(codes) if code]
    slots = reader.storage(
        [
            (targets[i].contract, slot)
            for i in live
            for slot in (abi.EIP1967_IMPLEMENTATION_SLOT, abi.EIP1967_BEACON_SLOT)
        ]
    )
    calls: list[tuple[str, bytes]] = []
    for i in live:
        target = targets[i]
        wallet = abi.address_word(target.wallet)
        calls += [
            (target.contract, abi.NAME),
            (target.contract, abi.SYMBOL),
            (target.contract, abi.DECIMALS),
            (target.contract, abi.TOTAL_SUPPLY),
            (target.contract, abi.call_data(abi.BALANCE_OF, wallet)),
            (target.contract, abi.OWNER),
            (target.contract, abi.DEFAULT_ADMIN),
            (target.contract, abi.call_data(abi.HAS_ROLE, abi.DEFAULT_ADMIN_ROLE, wallet)),
        ]
        calls += [
            (target.contract, abi.call_data(abi.BALANCE_OF, abi.address_word(s))) for s in sinks
        ]
    results = reader.calls(calls)
    width = _PER_TOKEN + len(sinks)
    beacons = {
        i: abi.slot_address(slots[2 * n + 1]) for n, i in enumerate(live) if any(slots[2 * n + 1])
    }
    beacon_impls = dict(
        zip(
            beacons,
            reader.calls([(b, abi.IMPLEMENTATION) for b in beacons.values() if b]),
            strict=True,
        )
    )
    readings: list[TokenReading] = []
    position = {i: n for n, i in enumerate(live)}
    for i, target in enumerate(targets):
        code = codes[i]
        if not code:
            readings.append(
                TokenReading(
                    contract=target.contract,
                    pin=reader.pin,
                    code_size=0,
                    code_hash=code_hash(b""),
                    nonce=nonces[i],
                )
            )
            continue
        n = position[i]
        row = results[n * width : (n + 1) * width]
        implementation = abi.slot_address(slots[2 * n])
        beacon = beacons.get(i)
        if beacon is not None:
            implementation = _address(beacon_impls[i])
        owner = _address(row[5])
        if owner is None:
            owner = _address(row[6])
        readings.append(
            TokenReading(
                contract=target.contract,
                pin=reader.pin,
                code_size=len(code),
                code_hash=code_hash(code),
                code=code,
                implementation=implementation,
                beacon=beacon,
                name=_text(row[0]),
                symbol=_text(row[1]),
                decimals=_decimals(row[2]),
                total_supply=_uint(row[3]),
                treasury_balance=_uint(row[4]),
                locked_balance=_sum([_uint(r) for r in row[_PER_TOKEN:]]),
                owner=owner,
                wallet_is_admin=abi.decode_bool(row[7].data) if row[7].success else None,
            )
        )
    return readings


def _uint(result: CallResult) -> int | None:
    return abi.decode_uint(result.data) if result.success else None


def _decimals(result: CallResult) -> int | None:
    value = _uint(result)
    return value if value is not None and value <= 255 else None


def _text(result: CallResult) -> str | None:
    return abi.decode_text(result.data) if result.success else None


def _address(result: CallResult) -> str | None:
    return abi.decode_address(result.data) if result.success else None


def _sum(values: list[int | None]) -> int | None:
    total = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total
