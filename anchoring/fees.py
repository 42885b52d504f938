"""EIP-1559 fee choice and the fee bump of a replacement transaction (pure arithmetic)."""

from __future__ import annotations

from dataclasses import dataclass

from node.errors import ChainError

MIN_REPLACEMENT_BUMP_PERCENT = 10
"""Geth and most clients refuse a replacement unless both fees rise by at least 10%."""


@dataclass(frozen=True)
class Fees:
    """The two EIP-1559 fee fields of a type-2 transaction, in wei."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def __post_init__(self) -> None:
        if self.max_priority_fee_per_gas < 0 or self.max_fee_per_gas < 1:
            raise ValueError("fees must be positive")
        if self.max_priority_fee_per_gas > self.max_fee_per_gas:
            raise ValueError("maxPriorityFeePerGas may not exceed maxFeePerGas (EIP-1559)")


def initial_fees(*, base_fee: int, priority_fee: int, cap: int | None = None) -> Fees:
    """Fees for a first attempt: ``maxFee = 2 * baseFee + tip`` (EIP-1559 headroom for 6 full
    blocks of +12.5% each), optionally capped.

    Raises:
        ChainError: the cap is below the current base fee (the transaction could never be mined).
    """
    tip = max(priority_fee, 1)
    max_fee = 2 * base_fee + tip
    if cap is not None:
        if cap < base_fee:
            raise ChainError(
                f"maxFeePerGas cap {cap} wei is below the current base fee {base_fee} wei"
            )
        max_fee = min(max_fee, cap)
        tip = min(tip, max_fee)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)


def bumped_fees(
    previous: Fees, *, percent: int, base_fee: int, priority_fee: int, cap: int | None = None
) -> Fees | None:
    """Fees for a replacement of ``previous`` (same nonce): each field rises by at least
    ``percent`` (>= 10) and to no less than what the network asks now.

    Returns None when a cap stops the bump (the previous transaction must be waited for).

    Raises:
        ValueError: ``percent`` is below the 10% replacement minimum.
    """
    if percent < MIN_REPLACEMENT_BUMP_PERCENT:
        raise ValueError(f"a replacement needs a fee bump of at least 10%, got {percent}%")
    tip = max(_raise(previous.max_priority_fee_per_gas, percent), priority_fee, 1)
    max_fee = max(_raise(previous.max_fee_per_gas, percent), 2 * base_fee + tip)
    if cap is not None and max_fee > cap:
        max_fee = cap
        if max_fee < _raise(previous.max_fee_per_gas, MIN_REPLACEMENT_BUMP_PERCENT):
            return None
        tip = min(tip, max_fee)
        if tip < _raise(previous.max_priority_fee_per_gas, MIN_REPLACEMENT_BUMP_PERCENT):
            return None
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)


def _raise(value: int, percent: int) -> int:
    """``value`` raised by ``percent``, rounded up (so a bump is never lost to rounding)."""
    return -(-value * (100 + percent) // 100)
