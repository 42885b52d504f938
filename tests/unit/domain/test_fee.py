"""Registration fee, upfront part and quarterly instalments (Law art. 22, Reg. §26-28)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.calendar import kyrgyz_calendar
from node.domain.fee import (
    FEE_RATE,
    Installment,
    check_upfront_payment,
    increase_fee,
    installment_schedule,
    minimum_upfront,
    proportional_fee,
    quarter_end,
    registration_fee,
    split_payment,
)
from node.errors import RuleViolation

D = Decimal


class WeekdayCalendar:
    """Monday to Friday, no holidays: keeps schedule properties independent of the KG calendar."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> date:
        for _ in range(days):
            start = self.next_working_day(start)
        return start


def test_fee_rate_is_one_hundredth_of_a_percent() -> None:
    assert D("0.01") == FEE_RATE * 100  # per cent


@pytest.mark.parametrize(
    ("nominal", "fee"),
    [
        ("1000000", "100.00"),
        ("12345.678", "1.23"),
        ("125", "0.01"),  # 0.0125
        ("150", "0.02"),  # 0.015: half a cent rounds up
        ("50", "0.01"),  # 0.005
        ("49.99", "0.00"),
        ("123456789012345678901234567890.12", "12345678901234567890123456.79"),
    ],
)
def test_registration_fee(nominal: str, fee: str) -> None:
    result = registration_fee(D(nominal))
    assert result == D(fee)
    assert result.as_tuple().exponent == -2


@given(st.integers(1, 10**35))
def test_registration_fee_is_exact(cents_of_nominal: int) -> None:
    nominal = D(cents_of_nominal).scaleb(-2)
    # 0.01 % of nominal, in cents: nominal_cents / 10_000, rounded half up.
    expected_cents = (cents_of_nominal * 2 + 10_000) // 20_000
    assert registration_fee(nominal) == D(expected_cents).scaleb(-2)


@pytest.mark.parametrize("nominal", ["0", "-1", "NaN", "Infinity", "-Infinity", "1E+40"])
def test_registration_fee_needs_a_positive_nominal(nominal: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        registration_fee(D(nominal))
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "total_nominal",
        "nominal-positive",
        "Reg. §26",
    )


def test_increase_fee_is_charged_on_the_increase_only() -> None:
    assert increase_fee(old_total=D("1000000"), new_total=D("1500000")) == D("50.00")
    assert increase_fee(old_total=D("100"), new_total=D("150")) == D("0.01")  # 0.005


@pytest.mark.parametrize(
    ("old", "new", "field", "rule"),
    [
        ("100", "100", "new_total", "nominal-increase"),
        ("100", "99", "new_total", "nominal-increase"),
        ("0", "100", "old_total", "nominal-positive"),
        ("100", "NaN", "new_total", "nominal-positive"),
    ],
)
def test_increase_fee_errors(old: str, new: str, field: str, rule: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        increase_fee(old_total=D(old), new_total=D(new))
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        field,
        rule,
        "Law art. 22",
    )


@pytest.mark.parametrize(
    ("fee", "minimum"),
    [("100.00", "20.00"), ("1.01", "0.21"), ("0.03", "0.01"), ("0.00", "0.00"), ("0.05", "0.01")],
)
def test_minimum_upfront_is_twenty_percent_rounded_up(fee: str, minimum: str) -> None:
    assert minimum_upfront(D(fee)) == D(minimum)


@given(st.integers(0, 10**20))
def test_minimum_upfront_always_meets_twenty_percent(fee_cents: int) -> None:
    fee = D(fee_cents).scaleb(-2)
    minimum = minimum_upfront(fee)
    assert minimum * 5 >= fee
    assert (minimum - D("0.01")) * 5 < fee or minimum == 0


@pytest.mark.parametrize("fee", ["-1.00", "1.001", "NaN"])
def test_minimum_upfront_rejects_bad_fee(fee: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        minimum_upfront(D(fee))
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        "fee",
        "money",
        "Reg. §28",
    )


def test_upfront_payment_accepted_from_twenty_percent_and_beyond_the_fee() -> None:
    check_upfront_payment(fee=D("100.00"), paid=D("20.00"))
    check_upfront_payment(fee=D("100.00"), paid=D("100.00"))
    check_upfront_payment(fee=D("1.01"), paid=D("0.21"))
    # Reg. §26-28 name no ground to refuse an overpayment: it becomes the issuer's credit
    check_upfront_payment(fee=D("100.00"), paid=D("100.01"))
    assert split_payment(outstanding=D("100.00"), paid=D("100.01")) == (D("100.00"), D("0.01"))
    assert split_payment(outstanding=D("100.00"), paid=D("40.00")) == (D("40.00"), D("0.00"))
    assert split_payment(outstanding=D("0.00"), paid=D("5.00")) == (D("0.00"), D("5.00"))


@pytest.mark.parametrize(
    ("placed", "expected"),
    [(0, "200.00"), (250_000, "400.00"), (1_000_000, "1000.00"), (333_333, "466.67")],
)
def test_proportional_fee_counts_the_upfront_part_and_the_rest_by_what_was_placed(
    placed: int, expected: str
) -> None:
    # Reg. §28: 20% with the documents, the rest in proportion to the VAs actually placed
    fee = proportional_fee(fee=D("1000.00"), upfront=D("200.00"), quantity=1_000_000, placed=placed)
    assert fee == D(expected)


def test_proportional_fee_refuses_more_placed_than_issued() -> None:
    with pytest.raises(RuleViolation) as caught:
        proportional_fee(fee=D("1000.00"), upfront=D("200.00"), quantity=10, placed=11)
    assert caught.value.rule == "placed-exceeds-quantity"


@pytest.mark.parametrize(
    ("fee", "paid", "field", "rule"),
    [
        ("100.00", "19.99", "fee_paid", "fee-upfront-minimum"),
        ("1.01", "0.20", "fee_paid", "fee-upfront-minimum"),
        ("100.00", "20.001", "fee_paid", "money"),
        ("100.00", "-1.00", "fee_paid", "money"),
        ("100.00", "Infinity", "fee_paid", "money"),
        ("100.001", "50.00", "fee", "money"),
    ],
)
def test_upfront_payment_errors(fee: str, paid: str, field: str, rule: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        check_upfront_payment(fee=D(fee), paid=D(paid))
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        field,
        rule,
        "Reg. §28",
    )


def test_upfront_payment_error_names_the_given_field() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_upfront_payment(fee=D("100.00"), paid=D("1.00"), field="application.fee_paid")
    assert caught.value.field == "application.fee_paid"


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 3, 31), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 8, 15), date(2025, 9, 30)),
        (date(2025, 12, 31), date(2025, 12, 31)),
        (date(2024, 2, 29), date(2024, 3, 31)),
    ],
)
def test_quarter_end(day: date, end: date) -> None:
    assert quarter_end(day) == end


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_quarter_end_properties(day: date) -> None:
    end = quarter_end(day)
    assert day <= end and end.year == day.year
    assert end.month in (3, 6, 9, 12) and (end.month - 1) // 3 == (day.month - 1) // 3
    assert (end + timedelta(days=1)).month != end.month
    assert quarter_end(end) == end


def test_installment_schedule_example_with_the_kyrgyz_calendar() -> None:
    schedule = installment_schedule(
        fee=D("100.00"),
        paid_upfront=D("20.00"),
        total_quantity=3,
        placed_by_quarter=[
            (date(2025, 2, 1), 1),
            (date(2025, 6, 30), 0),
            (date(2025, 9, 1), 1),
            (date(2025, 12, 1), 1),
        ],
        calendar=kyrgyz_calendar(),
    )
    assert schedule == [
        Installment(date(2025, 3, 31), 1, D("26.67"), date(2025, 4, 7), date(2025, 4, 14)),
        Installment(date(2025, 6, 30), 0, D("0.00"), date(2025, 7, 7), date(2025, 7, 14)),
        Installment(date(2025, 9, 30), 1, D("26.66"), date(2025, 10, 7), date(2025, 10, 14)),
        # New-Year holidays 1-7 January 2026 push both deadlines.
        Installment(date(2025, 12, 31), 1, D("26.67"), date(2026, 1, 14), date(2026, 1, 21)),
    ]
    assert sum(item.amount for item in schedule) == D("80.00")


def test_installments_stop_short_of_the_rest_when_not_everything_is_placed() -> None:
    schedule = installment_schedule(
        fee=D("10.00"),
        paid_upfront=D("2.00"),
        total_quantity=1000,
        placed_by_quarter=[(date(2026, 1, 5), 250), (date(2026, 4, 5), 250)],
        calendar=WeekdayCalendar(),
    )
    assert [item.amount for item in schedule] == [D("2.00"), D("2.00")]


def test_installment_schedule_with_everything_paid_upfront() -> None:
    schedule = installment_schedule(
        fee=D("10.00"),
        paid_upfront=D("10.00"),
        total_quantity=5,
        placed_by_quarter=[(date(2026, 1, 5), 5)],
        calendar=WeekdayCalendar(),
    )
    assert [item.amount for item in schedule] == [D("0.00")]


@given(
    fee_cents=st.integers(0, 10**12),
    upfront_share=st.integers(20, 100),
    total=st.integers(1, 10**9),
    data=st.data(),
)
def test_installments_are_exact_and_never_exceed_the_rest(
    fee_cents: int, upfront_share: int, total: int, data: st.DataObject
) -> None:
    fee = D(fee_cents).scaleb(-2)
    upfront = max(minimum_upfront(fee), (fee * upfront_share / 100).quantize(D("0.01")))
    upfront = min(upfront, fee)
    quarters = data.draw(st.integers(1, 8))
    placed: list[int] = []
    remaining = total
    for _ in range(quarters):
        part = data.draw(st.integers(0, remaining))
        placed.append(part)
        remaining -= part
    everything = data.draw(st.booleans())
    if everything:
        placed[-1] += remaining
    days = [date(2025, 1, 1) + timedelta(days=92 * index) for index in range(quarters)]
    schedule = installment_schedule(
        fee=fee,
        paid_upfront=upfront,
        total_quantity=total,
        placed_by_quarter=list(zip(days, placed, strict=True)),
        calendar=WeekdayCalendar(),
    )
    rest = fee - upfront
    amounts = [item.amount for item in schedule]
    assert all(amount >= 0 and amount.as_tuple().exponent == -2 for amount in amounts)
    assert sum(amounts, D(0)) <= rest
    if everything:
        assert sum(amounts, D(0)) == rest
    cumulative_placed = 0
    cumulative_paid = D(0)
    for item, quantity in zip(schedule, placed, strict=True):
        cumulative_placed += quantity
        cumulative_paid += item.amount
        assert item.placed == quantity
        assert abs(cumulative_paid - rest * cumulative_placed / total) <= D("0.005")
        assert item.payment_due == WeekdayCalendar().add_working_days(item.quarter_end, 5)
        assert item.report_due == WeekdayCalendar().add_working_days(item.quarter_end, 10)


@pytest.mark.parametrize(
    ("kwargs", "field", "rule"),
    [
        ({"fee": D("100.001")}, "fee", "money"),
        ({"paid_upfront": D("19.99")}, "paid_upfront", "fee-upfront-minimum"),
        ({"total_quantity": 0}, "total_quantity", "quantity-positive"),
        (
            {"placed_by_quarter": [(date(2025, 1, 5), 5), (date(2025, 4, 5), -1)]},
            "placed_by_quarter[1]",
            "placed-negative",
        ),
        (
            {"placed_by_quarter": [(date(2025, 1, 5), 5), (date(2025, 2, 5), 1)]},
            "placed_by_quarter[1]",
            "quarters-order",
        ),
        (
            {"placed_by_quarter": [(date(2025, 4, 5), 5), (date(2025, 1, 5), 1)]},
            "placed_by_quarter[1]",
            "quarters-order",
        ),
        (
            {"placed_by_quarter": [(date(2025, 1, 5), 60), (date(2025, 4, 5), 41)]},
            "placed_by_quarter[1]",
            "placed-exceeds-quantity",
        ),
    ],
)
def test_installment_schedule_errors(kwargs: dict[str, object], field: str, rule: str) -> None:
    arguments: dict[str, object] = {
        "fee": D("100.00"),
        "paid_upfront": D("20.00"),
        "total_quantity": 100,
        "placed_by_quarter": [(date(2025, 1, 5), 10)],
        "calendar": WeekdayCalendar(),
    }
    arguments.update(kwargs)
    with pytest.raises(RuleViolation) as caught:
        installment_schedule(**arguments)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.rule, caught.value.paragraph) == (
        field,
        rule,
        "Reg. §28",
    )
