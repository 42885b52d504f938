"""EIP-1559 fee choice and replacement bumps (pure arithmetic)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchoring.fees import Fees, bumped_fees, initial_fees
from node.errors import ChainError

gwei = 10**9
wei = st.integers(min_value=0, max_value=10**15)


def test_initial_fees_leave_room_for_base_fee_growth() -> None:
    fees = initial_fees(base_fee=10 * gwei, priority_fee=2 * gwei)
    assert fees == Fees(max_fee_per_gas=22 * gwei, max_priority_fee_per_gas=2 * gwei)


def test_initial_fees_respect_the_cap_and_refuse_a_cap_below_the_base_fee() -> None:
    capped = initial_fees(base_fee=10 * gwei, priority_fee=2 * gwei, cap=15 * gwei)
    assert capped == Fees(max_fee_per_gas=15 * gwei, max_priority_fee_per_gas=2 * gwei)
    with pytest.raises(ChainError, match="below the current base fee"):
        initial_fees(base_fee=10 * gwei, priority_fee=1, cap=9 * gwei)


def test_fees_reject_a_tip_above_the_max_fee() -> None:
    with pytest.raises(ValueError, match="may not exceed"):
        Fees(max_fee_per_gas=1, max_priority_fee_per_gas=2)


def test_bump_below_ten_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 10%"):
        bumped_fees(Fees(100, 10), percent=9, base_fee=1, priority_fee=1)


@given(
    max_fee=st.integers(min_value=1, max_value=10**15),
    tip_share=st.floats(min_value=0, max_value=1),
    percent=st.integers(min_value=10, max_value=300),
    base_fee=wei,
    priority=wei,
)
def test_a_bump_raises_both_fees_by_the_percentage_and_to_the_network(
    max_fee: int, tip_share: float, percent: int, base_fee: int, priority: int
) -> None:
    previous = Fees(max_fee, int(max_fee * tip_share))
    fees = bumped_fees(previous, percent=percent, base_fee=base_fee, priority_fee=priority)
    assert fees is not None
    assert fees.max_fee_per_gas * 100 >= previous.max_fee_per_gas * (100 + percent)
    assert fees.max_priority_fee_per_gas * 100 >= previous.max_priority_fee_per_gas * (
        100 + percent
    )
    assert fees.max_priority_fee_per_gas >= priority
    assert fees.max_fee_per_gas >= 2 * base_fee + fees.max_priority_fee_per_gas


@given(
    max_fee=st.integers(min_value=10, max_value=10**12),
    cap_factor=st.floats(min_value=1.0, max_value=3.0),
    percent=st.integers(min_value=10, max_value=100),
)
def test_a_capped_bump_stays_under_the_cap_or_gives_up(
    max_fee: int, cap_factor: float, percent: int
) -> None:
    previous = Fees(max_fee, max_fee // 10)
    cap = int(max_fee * cap_factor)
    fees = bumped_fees(previous, percent=percent, base_fee=0, priority_fee=0, cap=cap)
    if fees is None:
        # Giving up is only allowed when even a 10% bump would pass the cap.
        assert cap * 100 < max_fee * 110 or cap < -(-previous.max_priority_fee_per_gas * 110 // 100)
        return
    assert fees.max_fee_per_gas <= cap
    assert fees.max_fee_per_gas * 100 >= max_fee * 110
    assert fees.max_priority_fee_per_gas * 100 >= previous.max_priority_fee_per_gas * 110
