"""Registration fee: 0.01% of nominal, upfront part, instalments (Law art. 22, Reg. §26-28)."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from node.domain.calendar import WorkingCalendar
from node.errors import RuleViolation

FEE_RATE = Decimal("0.0001")
"""0.01 % of the total nominal value (Law art. 22, Reg. §26-27)."""

UPFRONT_SHARE = Decimal("0.20")
"""At least 20 % of the fee is paid with the documents (Reg. §28)."""

PAYMENT_WORKING_DAYS = 5
"""Each quarterly instalment is paid within 5 working days after the quarter ends (Reg. §28)."""

REPORT_WORKING_DAYS = 10
"""The placed amount and the payment are reported within 10 working days after it (Reg. §28)."""

CENT = Decimal("0.01")

# Exact arithmetic: products of finite decimals are exact when the precision is unbounded, and
# any inexact step raises instead of rounding silently. Divisions go through Fraction.
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation],
)
_ROUNDING = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)

MAX_DIGITS = 40
"""Amounts must be below 10**40 som: no real amount is larger, and the bound keeps exact
arithmetic cheap."""


@dataclass(frozen=True)
class Installment:
    """One quarterly part of the fee (Reg. §28)."""

    quarter_end: date
    placed: int
    amount: Decimal
    payment_due: date
    report_due: date


def registration_fee(total_nominal: Decimal) -> Decimal:
    """The registration fee: 0.01 % of the total nominal value of the issue, to the cent.

    ``total_nominal`` is in som, converted by the caller at the crypto-exchange rate at the time
    of payment where the VA is traded (Reg. §26), else the nominal value declared by the issuer
    (Reg. §27). Half a cent rounds up (ROUND_HALF_UP).

    Raises:
        RuleViolation: field "total_nominal", rule "nominal-positive" (Reg. §26), when the value
            is not a finite positive decimal.
    """
    _check_positive(total_nominal, field="total_nominal", paragraph="Reg. §26")
    return _to_cents(_EXACT.multiply(total_nominal, FEE_RATE))


def increase_fee(*, old_total: Decimal, new_total: Decimal) -> Decimal:
    """The fee for increasing the nominal value of a registered issue: 0.01 % of the increase.

    Raises:
        RuleViolation: rule "nominal-positive" (Law art. 22) when a total is not a finite positive
            decimal; field "new_total", rule "nominal-increase" (Law art. 22) when ``new_total``
            does not exceed ``old_total``.
    """
    _check_positive(old_total, field="old_total", paragraph="Law art. 22")
    _check_positive(new_total, field="new_total", paragraph="Law art. 22")
    if new_total <= old_total:
        raise RuleViolation(
            field="new_total",
            rule="nominal-increase",
            paragraph="Law art. 22",
            message=f"the new total nominal value {new_total} does not exceed the registered "
            f"{old_total}; only an increase carries this fee",
        )
    return _to_cents(_EXACT.multiply(_EXACT.subtract(new_total, old_total), FEE_RATE))


SOM: str = "KGS"
"""The fee is charged in som (Law art. 22, Reg. §26-27)."""


def fee_settled_by_som(
    *, paid_som: Decimal, som_per_unit: Decimal, quoted: bool, nominal_value: Decimal
) -> Decimal:
    """The part of the fee, in the issue's currency, that a payment of ``paid_som`` som settles,
    to the cent (half up).

    Reg. §26: where the VAs are traded, the fee is 0.01% of the issue's value at the VA's
    crypto-exchange rate at the time of payment: ``som_per_unit`` is the price of ONE VA in som
    (``quoted``), and the payment settles ``paid_som × nominal_value / som_per_unit`` of a fee
    reckoned on the nominal value. Reg. §27: otherwise the declared nominal value counts:
    ``som_per_unit`` is the som value of one unit of the issue's currency (1 for som), and the
    payment settles ``paid_som / som_per_unit``.

    Raises:
        RuleViolation: field "paid_som" (rule "money") or "rate.som_per_unit" (rule
            "fee-rate", Reg. §26-27) when a value is not a finite positive decimal.
    """
    _check_money(paid_som, field="paid_som")
    if not _is_bounded_decimal(som_per_unit) or som_per_unit <= 0:
        raise RuleViolation(
            field="rate.som_per_unit",
            rule="fee-rate",
            paragraph="Reg. §26-27",
            message=f"a rate is a positive decimal, not {som_per_unit}",
        )
    settled = Fraction(paid_som) / Fraction(som_per_unit)
    if quoted:
        settled *= Fraction(nominal_value)
    return _fraction_to_cents(settled)


def minimum_upfront(fee: Decimal) -> Decimal:
    """The least amount payable with the documents: 20 % of ``fee``, rounded UP to the cent.

    Rounding up means paying exactly this amount always meets "not less than 20 %" (Reg. §28).

    Raises:
        RuleViolation: field "fee", rule "money" (Reg. §28), when ``fee`` is not a finite,
            non-negative amount in whole cents.
    """
    _check_money(fee, field="fee")
    return _EXACT.multiply(fee, UPFRONT_SHARE).quantize(
        CENT, rounding=decimal.ROUND_CEILING, context=_ROUNDING
    )


def check_upfront_payment(*, fee: Decimal, paid: Decimal, field: str = "fee_paid") -> None:
    """Check the payment made with the documents against the fee (Reg. §28).

    Paying more than the fee is not a ground to refuse anything: the excess is the issuer's
    credit (see :func:`split_payment`).

    Raises:
        RuleViolation: rule "money" when ``fee`` or ``paid`` is not a finite, non-negative amount
            in whole cents; rule "fee-upfront-minimum" when ``paid`` is below 20 % of ``fee``.
            Paragraph "Reg. §28" throughout.
    """
    minimum = minimum_upfront(fee)
    _check_money(paid, field=field)
    if paid < minimum:
        raise RuleViolation(
            field=field,
            rule="fee-upfront-minimum",
            paragraph="Reg. §28",
            message=f"{paid} paid with the documents is less than 20% of the fee {fee} "
            f"(at least {minimum})",
        )


def split_payment(*, outstanding: Decimal, paid: Decimal) -> tuple[Decimal, Decimal]:
    """A payment as (counted toward the fee, credit beyond it): an overpayment is recorded as
    the issuer's credit, never refused (Reg. §26-28 name no such ground)."""
    counted = min(paid, max(outstanding, Decimal("0.00")))
    return counted, _EXACT.subtract(paid, counted)


def proportional_fee(*, fee: Decimal, upfront: Decimal, quantity: int, placed: int) -> Decimal:
    """The fee of an issue once its placement is known: the part paid with the documents plus
    the rest in proportion to the VAs actually placed (Reg. §28), to the cent (half up).

    Raises:
        RuleViolation: rule "money" (Reg. §28) for a bad ``fee`` or ``upfront``; rule
            "placed-exceeds-quantity" when ``placed`` is outside 0…``quantity``.
    """
    _check_money(fee, field="fee")
    _check_money(upfront, field="upfront")
    if quantity < 1 or not 0 <= placed <= quantity:
        raise RuleViolation(
            field="placed",
            rule="placed-exceeds-quantity",
            paragraph="Reg. §28",
            message=f"{placed} placed of an issue of {quantity}",
        )
    counted = min(upfront, fee)
    rest = Fraction(_EXACT.subtract(fee, counted))
    return _EXACT.add(counted, _fraction_to_cents(rest * placed / quantity))


def quarter_end(day: date) -> date:
    """The last day of the calendar quarter containing ``day`` (31 Mar, 30 Jun, 30 Sep, 31 Dec)."""
    last_month = (day.month - 1) // 3 * 3 + 3
    if last_month == 12:
        return date(day.year, 12, 31)
    return date(day.year, last_month + 1, 1) - timedelta(days=1)


def installment_schedule(
    *,
    fee: Decimal,
    paid_upfront: Decimal,
    total_quantity: int,
    placed_by_quarter: Sequence[tuple[date, int]],
    calendar: WorkingCalendar,
) -> list[Installment]:
    """The quarterly instalments of the rest of the fee (Reg. §28).

    ``placed_by_quarter`` lists, in chronological order, a day of each quarter (any day; it is
    mapped to :func:`quarter_end`) and the quantity of VAs actually placed in that quarter. The
    rest of the fee, ``fee - paid_upfront``, is paid in proportion to what was placed: after
    quarter k the cumulative amount due is ``rest × placed_so_far / total_quantity`` rounded half
    up to the cent, and each instalment is the growth of that cumulative amount. So instalments
    never add up to more than the rest, and once everything is placed they add up to it exactly
    (the last instalment pays the remainder). Payment is due on the 5th and the report on the
    10th working day after the quarter ends. Quarters without placement still get a (zero)
    instalment: the report is due anyway.

    Raises:
        RuleViolation: paragraph "Reg. §28": rule "money" for a bad ``fee`` / ``paid_upfront``;
            the rules of :func:`check_upfront_payment` (field "paid_upfront"); field
            "total_quantity", rule "quantity-positive"; field "placed_by_quarter[i]", rules
            "placed-negative", "quarters-order" (quarters not strictly increasing) and
            "placed-exceeds-quantity" (more placed in total than issued).
    """
    _check_money(fee, field="fee")
    check_upfront_payment(fee=fee, paid=paid_upfront, field="paid_upfront")
    paid_upfront = min(paid_upfront, fee)  # an overpayment is a credit, not part of the fee
    if isinstance(total_quantity, bool) or total_quantity < 1:
        raise RuleViolation(
            field="total_quantity",
            rule="quantity-positive",
            paragraph="Reg. §28",
            message=f"the quantity of VAs in the issue must be at least 1, not {total_quantity}",
        )
    rest = Fraction(_EXACT.subtract(fee, paid_upfront))
    schedule: list[Installment] = []
    placed_so_far = 0
    due_so_far = Decimal("0.00")
    previous_end: date | None = None
    for index, (day, placed) in enumerate(placed_by_quarter):
        item_field = f"placed_by_quarter[{index}]"
        end = quarter_end(day)
        if placed < 0:
            raise RuleViolation(
                field=item_field,
                rule="placed-negative",
                paragraph="Reg. §28",
                message=f"the quantity placed in the quarter ending {end} is negative ({placed})",
            )
        if previous_end is not None and end <= previous_end:
            raise RuleViolation(
                field=item_field,
                rule="quarters-order",
                paragraph="Reg. §28",
                message=f"the quarter ending {end} does not come after the quarter ending "
                f"{previous_end}; list each quarter once, in order",
            )
        placed_so_far += placed
        if placed_so_far > total_quantity:
            raise RuleViolation(
                field=item_field,
                rule="placed-exceeds-quantity",
                paragraph="Reg. §28",
                message=f"{placed_so_far} VAs placed by {end}, more than the {total_quantity} "
                "in the issue",
            )
        due = _fraction_to_cents(rest * placed_so_far / total_quantity)
        schedule.append(
            Installment(
                quarter_end=end,
                placed=placed,
                amount=_EXACT.subtract(due, due_so_far),
                payment_due=calendar.add_working_days(end, PAYMENT_WORKING_DAYS),
                report_due=calendar.add_working_days(end, REPORT_WORKING_DAYS),
            )
        )
        due_so_far = due
        previous_end = end
    return schedule


def installment_amount(
    *, fee: Decimal, upfront: Decimal, quantity: int, placed_before: int, placed: int
) -> Decimal:
    """One quarter's installment: the growth of ``rest × placed so far / quantity`` (to the cent,
    half up) over the quarter, ``rest`` being the fee less what was paid with the documents
    (Reg. §28; the same arithmetic as :func:`installment_schedule`, for a register whose fee may
    have grown by an increase fee since the documents were filed, Law art. 22).

    Raises:
        RuleViolation: rule "placed-exceeds-quantity" (Reg. §28) when the placed quantities are
            negative or add up to more than ``quantity``.
    """
    if quantity < 1 or placed_before < 0 or placed < 0 or placed_before + placed > quantity:
        raise RuleViolation(
            field="placed",
            rule="placed-exceeds-quantity",
            paragraph="Reg. §28",
            message=f"{placed_before} + {placed} placed of an issue of {quantity}",
        )
    rest = Fraction(_EXACT.subtract(fee, min(upfront, fee)))
    before = _fraction_to_cents(rest * placed_before / quantity)
    after = _fraction_to_cents(rest * (placed_before + placed) / quantity)
    return _EXACT.subtract(after, before)


def _to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=decimal.ROUND_HALF_UP, context=_ROUNDING)


def _fraction_to_cents(value: Fraction) -> Decimal:
    """Round a non-negative fraction half up to whole cents, exactly."""
    cents = (value * 100 + Fraction(1, 2)).__floor__()
    return Decimal(cents).scaleb(-2)


def _check_positive(value: Decimal, *, field: str, paragraph: str) -> None:
    if not _is_bounded_decimal(value) or value <= 0:
        raise RuleViolation(
            field=field,
            rule="nominal-positive",
            paragraph=paragraph,
            message=f"the total nominal value must be a positive decimal below 10^{MAX_DIGITS}, "
            f"not {value}",
        )


def _check_money(value: Decimal, *, field: str) -> None:
    if (
        not _is_bounded_decimal(value)
        or value < 0
        or value != value.quantize(CENT, context=_ROUNDING)
    ):
        raise RuleViolation(
            field=field,
            rule="money",
            paragraph="Reg. §28",
            message=f"an amount of money must be a non-negative decimal below 10^{MAX_DIGITS} "
            f"in whole tyiyn (0.01), not {value}",
        )


def _is_bounded_decimal(value: object) -> bool:
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and (value.is_zero() or value.adjusted() < MAX_DIGITS)
    )
