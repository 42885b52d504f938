"""Collateral: kinds, counted value, coverage, appraisal, registration, manager (Reg. §3-1…3-11)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from node.errors import RuleViolation

APPRAISAL_MAX_AGE_AT_FILING_MONTHS = 1
"""The appraisal is made no earlier than one month before the documents are filed (Reg. §3-6)."""

APPRAISAL_VALID_MONTHS = 6
"""An appraisal stays current for six months (Reg. §3-6)."""

MAX_DIGITS = 40
"""Values and volumes must be below 10**40: no real amount is larger, and exact sums stay cheap."""

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class CollateralKind(StrEnum):
    """What secures the VAs; the five kinds of Reg. §3-5 items 1-5."""

    STATE_SECURITIES = "state_securities"
    LISTED_SECURITIES = "listed_securities"
    MINERAL_RIGHTS = "mineral_rights"
    CASH = "cash"
    GOLD = "gold"

    @property
    def min_coverage(self) -> Decimal:
        """The least share of the emission volume this kind must cover on its own (Reg. §3-5)."""
        return _KIND_RULES[self][0]

    @property
    def counted_share(self) -> Decimal:
        """The share of the assessed (for cash: nominal) value that counts (Reg. §3-5)."""
        return _KIND_RULES[self][1]

    @property
    def needs_appraisal(self) -> bool:
        """Whether the value comes from an independent appraisal (Reg. §3-5, §3-6).

        Cash counts at its nominal value (Reg. §3-5 item 4), so it needs no appraisal.
        """
        return self is not CollateralKind.CASH

    @property
    def registration_paragraph(self) -> str:
        """The paragraph saying who registers this kind (Reg. §3-8 securities, §3-9 the rest)."""
        if self in (CollateralKind.STATE_SECURITIES, CollateralKind.LISTED_SECURITIES):
            return "Reg. §3-8"
        return "Reg. §3-9"


# Reg. §3-5: (minimum coverage of the emission volume, share of the assessed value that counts).
# For listed securities and mineral rights the paragraph caps the counted share ("not more than
# 80 % / 50 %"); the cap is what we count.
_KIND_RULES: dict[CollateralKind, tuple[Decimal, Decimal]] = {
    CollateralKind.STATE_SECURITIES: (Decimal("1"), Decimal("1")),  # item 1
    CollateralKind.LISTED_SECURITIES: (Decimal("1"), Decimal("0.8")),  # item 2
    CollateralKind.MINERAL_RIGHTS: (Decimal("1"), Decimal("0.5")),  # item 3
    CollateralKind.CASH: (Decimal("1"), Decimal("1")),  # item 4
    CollateralKind.GOLD: (Decimal("0.3"), Decimal("1")),  # item 5
}


@dataclass(frozen=True)
class CurrencyRate:
    """The rate an item valued in another currency is counted at (e.g. foreign cash, Reg. §3-5
    item 4): ``value`` units of ``to_currency`` (the emission volume's) per unit of the item's."""

    to_currency: str
    value: Decimal
    source: str
    quoted_on: date


@dataclass(frozen=True)
class CollateralItem:
    """One item of collateral, valued in ``currency`` (ISO 4217): the emission volume's, or
    another with the ``rate`` it is counted at."""

    kind: CollateralKind
    assessed_value: Decimal
    currency: str
    appraised_on: date | None
    registered_on: date | None
    registrar: str | None
    description: str = ""
    rate: CurrencyRate | None = None

    @property
    def counted_currency(self) -> str:
        """The currency the item counts in: the rate's, or its own."""
        return self.rate.to_currency if self.rate is not None else self.currency

    @property
    def value_in_counted_currency(self) -> Decimal:
        """The assessed (for cash: nominal) value in the counted currency, exact."""
        if self.rate is None:
            return self.assessed_value
        return self.assessed_value * self.rate.value


@dataclass(frozen=True)
class CollateralManager:
    """The collateral manager the issuer may appoint for the holders (Reg. §3-2)."""

    name: str
    affiliated_with_issuer: bool
    affiliated_with_major_creditor: bool


def counted_value(item: CollateralItem) -> Decimal:
    """The part of the item's value that counts towards coverage (Reg. §3-5), exact.

    Raises:
        RuleViolation: field "collateral.assessed_value", rule "collateral-value" (Reg. §3-5), when
            the value is not a finite positive decimal.
    """
    _check_value(item, field="collateral")
    return item.value_in_counted_currency * item.kind.counted_share


def coverage(items: Sequence[CollateralItem], *, emission_volume: Decimal) -> Decimal:
    """Counted value of all items as a share of the emission volume (1 = 100 %).

    Rounded down to 0.0001 so it never overstates. This is the plain ratio for display; whether
    a mix of kinds suffices is decided by :func:`requirement_met` (see there).

    Raises:
        RuleViolation: rule "emission-volume" for a volume that is not a finite positive decimal;
            rule "collateral-value" for an item's bad value (Reg. §3-5).
    """
    _check_volume(emission_volume)
    total = sum((Fraction(counted_value(item)) for item in items), Fraction(0))
    return _ratio(total / Fraction(emission_volume))


def requirement_met(items: Sequence[CollateralItem], *, emission_volume: Decimal) -> Decimal:
    """How much of the coverage requirement of Reg. §3-5 the items meet (1 = exactly met).

    Rounded down to 0.0001. Each kind has its own minimum (100 % of the volume, gold 30 %). For
    a mix the rule we apply is: every item meets the share ``counted_value / (min_coverage ×
    volume)`` of its own kind's requirement, and the shares add up; the collateral suffices when
    they reach 1, i.e. when Σ counted_value(item) / min_coverage(kind) ≥ volume. For a single
    kind this is exactly the
    paragraph's minimum; gold worth 30 % of the volume suffices alone, and gold worth 15 % plus
    state securities worth 50 % suffice together.

    Raises:
        RuleViolation: as :func:`coverage`.
    """
    _check_volume(emission_volume)
    return _ratio(_weighted_total(items) / Fraction(emission_volume))


def check_collateral(
    items: Sequence[CollateralItem],
    *,
    emission_volume: Decimal,
    documents_filed_on: date,
    field: str = "collateral",
) -> None:
    """Check the collateral offered with the documents for registration.

    Raises:
        RuleViolation: field ``field`` or ``field[i].<attribute>``, first failure of:
            "emission-volume" (Reg. §3-5): volume not a finite positive decimal;
            "collateral-required" (Reg. §3-1): no collateral, unsecured VAs are prohibited;
            "collateral-value" (Reg. §3-5): an item's value not a finite positive decimal;
            "collateral-currency" (Reg. §3-5): currency not a three-letter ISO 4217 code, or
            items in different currencies (convert to the volume's currency first);
            "collateral-appraisal-missing" (Reg. §3-6): no independent appraisal (all kinds
            but cash); "collateral-appraisal-after-filing" (Reg. §3-6): appraised after the
            documents were filed; "collateral-appraisal-too-old" (Reg. §3-6): appraised more than
            one month before filing; "collateral-coverage" (Reg. §3-5): the counted value does
            not meet the requirement (see :func:`requirement_met`).
    """
    _check_volume(emission_volume)
    _check_items(items, field=field)
    earliest = _add_months(documents_filed_on, -APPRAISAL_MAX_AGE_AT_FILING_MONTHS)
    for index, item in enumerate(items):
        if not item.kind.needs_appraisal:
            continue
        appraised_on = _appraisal_date(item, field=f"{field}[{index}].appraised_on")
        if appraised_on > documents_filed_on:
            raise RuleViolation(
                field=f"{field}[{index}].appraised_on",
                rule="collateral-appraisal-after-filing",
                paragraph="Reg. §3-6",
                message=f"the {item.kind} was appraised on {appraised_on}, after the documents "
                f"were filed on {documents_filed_on}; it must be appraised before filing",
            )
        # Reg. §3-6 "…берилгенге чейин бир айдан кечиктирилбестен…": read as a freshness rule,
        # appraised within the month before filing. (A literal "at least one month before" would
        # reject every appraisal younger than a month; the six-month validity is checked later.)
        if appraised_on < earliest:
            raise RuleViolation(
                field=f"{field}[{index}].appraised_on",
                rule="collateral-appraisal-too-old",
                paragraph="Reg. §3-6",
                message=f"the {item.kind} was appraised on {appraised_on}, more than one month "
                f"before the documents were filed on {documents_filed_on} (earliest {earliest})",
            )
    weighted = _weighted_total(items)
    if weighted < Fraction(emission_volume):
        raise RuleViolation(
            field=field,
            rule="collateral-coverage",
            paragraph="Reg. §3-5",
            message=f"the collateral meets {_percent(weighted / Fraction(emission_volume))} of "
            f"the coverage required for an emission volume of {emission_volume} (counted value "
            "must reach 100% of the volume, gold 30%; see Reg. §3-5)",
        )


def check_appraisal_current(
    items: Sequence[CollateralItem], *, on: date, field: str = "collateral"
) -> None:
    """Check that every appraisal is still current on ``on``: six months (Reg. §3-6).

    An appraisal made on 15 January is current up to and including 15 July.

    Raises:
        RuleViolation: field ``field[i].appraised_on``, paragraph "Reg. §3-6", rule
            "collateral-appraisal-missing", "collateral-appraisal-future" (dated after ``on``)
            or "collateral-appraisal-expired".
    """
    for index, item in enumerate(items):
        if not item.kind.needs_appraisal:
            continue
        item_field = f"{field}[{index}].appraised_on"
        appraised_on = _appraisal_date(item, field=item_field)
        if appraised_on > on:
            raise RuleViolation(
                field=item_field,
                rule="collateral-appraisal-future",
                paragraph="Reg. §3-6",
                message=f"the appraisal of the {item.kind} is dated {appraised_on}, after {on}",
            )
        valid_until = _add_months(appraised_on, APPRAISAL_VALID_MONTHS)
        if on > valid_until:
            raise RuleViolation(
                field=item_field,
                rule="collateral-appraisal-expired",
                paragraph="Reg. §3-6",
                message=f"the appraisal of the {item.kind} made on {appraised_on} was current "
                f"for six months, until {valid_until}; a new appraisal is needed",
            )


def appraisal_valid_until(items: Sequence[CollateralItem]) -> date | None:
    """The last day every appraisal is still current (six months, Reg. §3-6), None when no
    item needs one (cash). Raises nothing: items without an appraisal date are skipped."""
    ends = [
        _add_months(item.appraised_on, APPRAISAL_VALID_MONTHS)
        for item in items
        if item.kind.needs_appraisal and item.appraised_on is not None
    ]
    return min(ends) if ends else None


def check_collateral_registered(
    items: Sequence[CollateralItem], *, on: date, field: str = "collateral"
) -> None:
    """Check that the collateral is registered no later than ``on`` (Reg. §3-10).

    ``on`` is the day the emission is registered: registering an emission before its collateral
    is prohibited.

    Raises:
        RuleViolation: rule "collateral-required" (Reg. §3-1) for no items; field
            ``field[i].registered_on``, rule "collateral-not-registered" (Reg. §3-10) for an item
            not registered or registered after ``on``; field ``field[i].registrar``, rule
            "collateral-registrar-missing" (Reg. §3-8 for securities: depository or registrar;
            Reg. §3-9 for gold, cash, mineral rights: exchange operator or bank).
    """
    if not items:
        raise _unsecured(field)
    for index, item in enumerate(items):
        if item.registered_on is None or item.registered_on > on:
            when = (
                "not registered"
                if item.registered_on is None
                else (f"registered only on {item.registered_on}")
            )
            raise RuleViolation(
                field=f"{field}[{index}].registered_on",
                rule="collateral-not-registered",
                paragraph="Reg. §3-10",
                message=f"the {item.kind} is {when}; the emission cannot be registered on {on} "
                "before its collateral is",
            )
        if item.registrar is None or not item.registrar.strip():
            paragraph = item.kind.registration_paragraph
            raise RuleViolation(
                field=f"{field}[{index}].registrar",
                rule="collateral-registrar-missing",
                paragraph=paragraph,
                message=f"name who registered the {item.kind} collateral ({paragraph}: "
                + (
                    "the independent registrar or depository)"
                    if paragraph == "Reg. §3-8"
                    else "the exchange operator or the bank where it is deposited)"
                ),
            )


def check_collateral_before_filing(
    items: Sequence[CollateralItem], *, documents_filed_on: date, field: str = "collateral"
) -> None:
    """Check that every item was registered and deposited no later than the day the documents
    are filed: securities with the registrar or depository (Reg. §3-8), gold, cash and mineral
    rights with the exchange operator or the bank (Reg. §3-9); the registration document is part
    of the filing (Reg. §9.11).

    Raises:
        RuleViolation: field ``field[i].registered_on``, rule "collateral-registered-after-filing"
            (paragraph Reg. §3-8 or §3-9) for an item with no registration date or one after
            ``documents_filed_on``.
    """
    for index, item in enumerate(items):
        if item.registered_on is not None and item.registered_on <= documents_filed_on:
            continue
        paragraph = item.kind.registration_paragraph
        when = (
            "has no registration"
            if item.registered_on is None
            else (f"was registered on {item.registered_on}")
        )
        raise RuleViolation(
            field=f"{field}[{index}].registered_on",
            rule="collateral-registered-after-filing",
            paragraph=f"{paragraph}, §9.11",
            message=f"the {item.kind} {when}; it must be registered and deposited before the "
            f"documents are filed on {documents_filed_on}",
        )


def check_manager(manager: CollateralManager | None, *, field: str = "collateral_manager") -> None:
    """Check the collateral manager, if one is appointed (appointment is optional, Reg. §3-2).

    Raises:
        RuleViolation: paragraph "Reg. §3-2": rule "collateral-manager-name" (blank name),
            "collateral-manager-affiliated-issuer" (affiliated with the issuer) or
            "collateral-manager-affiliated-creditor" (affiliated with a creditor whose claims
            exceed 10 % of the balance-sheet value of the issuer's assets).
    """
    if manager is None:
        return
    if not manager.name.strip():
        raise RuleViolation(
            field=f"{field}.name",
            rule="collateral-manager-name",
            paragraph="Reg. §3-2",
            message="the collateral manager must be named",
        )
    if manager.affiliated_with_issuer:
        raise RuleViolation(
            field=field,
            rule="collateral-manager-affiliated-issuer",
            paragraph="Reg. §3-2",
            message=f"collateral manager {manager.name!r} is affiliated with the issuer",
        )
    if manager.affiliated_with_major_creditor:
        raise RuleViolation(
            field=field,
            rule="collateral-manager-affiliated-creditor",
            paragraph="Reg. §3-2",
            message=f"collateral manager {manager.name!r} is affiliated with a creditor of the "
            "issuer whose claims exceed 10% of the balance-sheet value of its assets",
        )


def _check_items(items: Sequence[CollateralItem], *, field: str) -> None:
    if not items:
        raise _unsecured(field)
    currencies: set[str] = set()
    for index, item in enumerate(items):
        _check_value(item, field=f"{field}[{index}]")
        if not _CURRENCY_RE.match(item.currency):
            raise RuleViolation(
                field=f"{field}[{index}].currency",
                rule="collateral-currency",
                paragraph="Reg. §3-5",
                message=f"{item.currency!r} is not a three-letter ISO 4217 currency code",
            )
        if item.rate is not None and (
            not _is_positive_amount(item.rate.value) or item.rate.to_currency == item.currency
        ):
            raise RuleViolation(
                field=f"{field}[{index}].rate",
                rule="collateral-rate",
                paragraph="Reg. §3-5",
                message=f"a rate is a positive value to another currency, not {item.rate.value} "
                f"{item.currency}→{item.rate.to_currency}",
            )
        currencies.add(item.counted_currency)
    if len(currencies) > 1:
        raise RuleViolation(
            field=field,
            rule="collateral-currency",
            paragraph="Reg. §3-5",
            message=f"items are valued in different currencies ({', '.join(sorted(currencies))}); "
            "give each item in another currency the rate it is counted at",
        )


def _check_value(item: CollateralItem, *, field: str) -> None:
    value = item.assessed_value
    if not _is_positive_amount(value):
        raise RuleViolation(
            field=f"{field}.assessed_value",
            rule="collateral-value",
            paragraph="Reg. §3-5",
            message=f"the value of the {item.kind} must be a positive decimal below "
            f"10^{MAX_DIGITS}, not {value}",
        )


def _check_volume(volume: Decimal) -> None:
    if not _is_positive_amount(volume):
        raise RuleViolation(
            field="emission_volume",
            rule="emission-volume",
            paragraph="Reg. §3-5",
            message=f"the emission volume must be a positive decimal below 10^{MAX_DIGITS}, "
            f"not {volume!r}",
        )


def _is_positive_amount(value: object) -> bool:
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and value > 0
        and value.adjusted() < MAX_DIGITS
    )


def _appraisal_date(item: CollateralItem, *, field: str) -> date:
    if item.appraised_on is None:
        raise RuleViolation(
            field=field,
            rule="collateral-appraisal-missing",
            paragraph="Reg. §3-6",
            message=f"the {item.kind} must be appraised by an independent appraiser",
        )
    return item.appraised_on


def _weighted_total(items: Sequence[CollateralItem]) -> Fraction:
    return sum(
        (Fraction(counted_value(item)) / Fraction(item.kind.min_coverage) for item in items),
        Fraction(0),
    )


def _ratio(value: Fraction) -> Decimal:
    """Round a non-negative ratio down to 0.0001."""
    return Decimal(value.numerator * 10_000 // value.denominator).scaleb(-4)


def _percent(value: Fraction) -> str:
    return f"{_ratio(value).scaleb(2).normalize():f}%"


def _unsecured(field: str) -> RuleViolation:
    return RuleViolation(
        field=field,
        rule="collateral-required",
        paragraph="Reg. §3-1",
        message="issuing unsecured virtual assets in the Kyrgyz Republic is prohibited; "
        "collateral is required",
    )


def _add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the month's end (31 Mar - 1 → 28 Feb)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    last = 31 if month == 12 else (date(year, month + 1, 1) - date(year, month, 1)).days
    return date(year, month, min(day.day, last))
