"""Collateral: counted value, coverage, appraisal, registration and manager (Reg. §3-1…3-11)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.collateral import (
    CollateralItem,
    CollateralKind,
    CollateralManager,
    check_appraisal_current,
    check_collateral,
    check_collateral_registered,
    check_manager,
    counted_value,
    coverage,
    requirement_met,
)
from node.errors import RuleViolation

D = Decimal
K = CollateralKind
FILED = date(2025, 6, 16)
VOLUME = D("1000")


def item(
    kind: CollateralKind = K.STATE_SECURITIES,
    value: str = "1000",
    *,
    appraised_on: date | None = date(2025, 6, 1),
    registered_on: date | None = date(2025, 6, 10),
    registrar: str | None = "Central Depository",
    currency: str = "KGS",
) -> CollateralItem:
    return CollateralItem(
        kind=kind,
        assessed_value=D(value),
        currency=currency,
        appraised_on=appraised_on,
        registered_on=registered_on,
        registrar=registrar,
    )


def violation(call: object, *args: object, **kwargs: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def where(error: RuleViolation) -> tuple[str, str, str]:
    return error.field, error.rule, error.paragraph


@pytest.mark.parametrize(
    ("kind", "counted", "minimum"),
    [
        (K.STATE_SECURITIES, "100", "1"),
        (K.LISTED_SECURITIES, "80", "1"),
        (K.MINERAL_RIGHTS, "50", "1"),
        (K.CASH, "100", "1"),
        (K.GOLD, "100", "0.3"),
    ],
)
def test_counted_value_and_minimum_per_kind(
    kind: CollateralKind, counted: str, minimum: str
) -> None:
    assert counted_value(item(kind, "100")) == D(counted)
    assert kind.min_coverage == D(minimum)


def test_only_cash_needs_no_appraisal() -> None:
    assert [kind for kind in K if not kind.needs_appraisal] == [K.CASH]


@pytest.mark.parametrize("value", ["0", "-5", "NaN", "Infinity", "1E+40"])
def test_counted_value_rejects_bad_values(value: str) -> None:
    error = violation(counted_value, item(value=value))
    assert where(error) == ("collateral.assessed_value", "collateral-value", "Reg. §3-5")


def test_coverage_is_the_plain_ratio_rounded_down() -> None:
    items = [item(K.LISTED_SECURITIES, "1000"), item(K.GOLD, "100")]
    assert coverage(items, emission_volume=VOLUME) == D("0.9")
    assert coverage([item(value="1")], emission_volume=D("3")) == D("0.3333")


@pytest.mark.parametrize(
    ("items", "met"),
    [
        ([item(K.GOLD, "300")], "1"),
        ([item(K.GOLD, "150"), item(K.STATE_SECURITIES, "500")], "1"),
        ([item(K.LISTED_SECURITIES, "1250")], "1"),
        ([item(K.MINERAL_RIGHTS, "1000")], "0.5"),
        ([item(K.CASH, "999.99")], "0.9999"),
        ([item(K.GOLD, "100")], "0.3333"),
    ],
)
def test_requirement_met_weights_each_kind_by_its_minimum(
    items: list[CollateralItem], met: str
) -> None:
    assert requirement_met(items, emission_volume=VOLUME) == D(met)


@pytest.mark.parametrize(
    "items",
    [
        [item(K.STATE_SECURITIES, "1000")],
        [item(K.LISTED_SECURITIES, "1250")],
        [item(K.MINERAL_RIGHTS, "2000")],
        [item(K.CASH, "1000", appraised_on=None)],
        [item(K.GOLD, "300")],
        [item(K.GOLD, "150"), item(K.MINERAL_RIGHTS, "1000")],
    ],
)
def test_sufficient_collateral_passes(items: list[CollateralItem]) -> None:
    check_collateral(items, emission_volume=VOLUME, documents_filed_on=FILED)


@pytest.mark.parametrize(
    "items",
    [
        [item(K.STATE_SECURITIES, "999.99")],
        [item(K.LISTED_SECURITIES, "1249.99")],
        [item(K.MINERAL_RIGHTS, "1999.99")],
        [item(K.CASH, "999.99")],
        [item(K.GOLD, "299.99")],
        [item(K.GOLD, "150"), item(K.MINERAL_RIGHTS, "999.98")],
    ],
)
def test_insufficient_collateral_is_rejected(items: list[CollateralItem]) -> None:
    error = violation(check_collateral, items, emission_volume=VOLUME, documents_filed_on=FILED)
    assert where(error) == ("collateral", "collateral-coverage", "Reg. §3-5")


@given(
    values=st.lists(st.tuples(st.sampled_from(K), st.integers(1, 10**6)), min_size=1, max_size=5),
    volume=st.integers(1, 10**6),
)
def test_check_collateral_agrees_with_requirement_met(
    values: list[tuple[CollateralKind, int]], volume: int
) -> None:
    items = [item(kind, str(value)) for kind, value in values]
    exact = sum(
        D(value) * kind.counted_share / kind.min_coverage for kind, value in values
    )  # 28 digits are plenty for these sizes
    if exact >= volume:
        check_collateral(items, emission_volume=D(volume), documents_filed_on=FILED)
        assert requirement_met(items, emission_volume=D(volume)) >= 1
    else:
        error = violation(
            check_collateral, items, emission_volume=D(volume), documents_filed_on=FILED
        )
        assert error.rule == "collateral-coverage"
        assert requirement_met(items, emission_volume=D(volume)) < 1


def test_unsecured_emission_is_prohibited() -> None:
    error = violation(check_collateral, [], emission_volume=VOLUME, documents_filed_on=FILED)
    assert where(error) == ("collateral", "collateral-required", "Reg. §3-1")


@pytest.mark.parametrize("volume", ["0", "-1", "NaN", "1E+40"])
def test_emission_volume_must_be_positive(volume: str) -> None:
    error = violation(
        check_collateral, [item()], emission_volume=D(volume), documents_filed_on=FILED
    )
    assert where(error) == ("emission_volume", "emission-volume", "Reg. §3-5")
    error = violation(coverage, [item()], emission_volume=D(volume))
    assert error.rule == "emission-volume"


@pytest.mark.parametrize(
    ("items", "field", "rule", "paragraph"),
    [
        ([item(), item(value="0")], "c[1].assessed_value", "collateral-value", "Reg. §3-5"),
        ([item(currency="som")], "c[0].currency", "collateral-currency", "Reg. §3-5"),
        ([item(), item(currency="USD")], "c", "collateral-currency", "Reg. §3-5"),
        (
            [item(K.GOLD, "300", appraised_on=None)],
            "c[0].appraised_on",
            "collateral-appraisal-missing",
            "Reg. §3-6",
        ),
        (
            [item(appraised_on=date(2025, 6, 17))],
            "c[0].appraised_on",
            "collateral-appraisal-after-filing",
            "Reg. §3-6",
        ),
        (
            [item(appraised_on=date(2025, 5, 15))],
            "c[0].appraised_on",
            "collateral-appraisal-too-old",
            "Reg. §3-6",
        ),
    ],
)
def test_check_collateral_errors(
    items: list[CollateralItem], field: str, rule: str, paragraph: str
) -> None:
    error = violation(
        check_collateral, items, emission_volume=VOLUME, documents_filed_on=FILED, field="c"
    )
    assert where(error) == (field, rule, paragraph)


@pytest.mark.parametrize(
    ("filed", "earliest"),
    [
        (date(2025, 6, 16), date(2025, 5, 16)),
        (date(2025, 3, 31), date(2025, 2, 28)),  # no 31 February: the month's last day
        (date(2024, 3, 31), date(2024, 2, 29)),
        (date(2025, 1, 15), date(2024, 12, 15)),
    ],
)
def test_appraisal_no_earlier_than_one_month_before_filing(filed: date, earliest: date) -> None:
    check_collateral(
        [item(appraised_on=earliest)], emission_volume=VOLUME, documents_filed_on=filed
    )
    check_collateral([item(appraised_on=filed)], emission_volume=VOLUME, documents_filed_on=filed)
    too_old = date.fromordinal(earliest.toordinal() - 1)
    error = violation(
        check_collateral,
        [item(appraised_on=too_old)],
        emission_volume=VOLUME,
        documents_filed_on=filed,
    )
    assert error.rule == "collateral-appraisal-too-old"


def test_appraisal_current_for_six_months() -> None:
    items = [item(appraised_on=date(2025, 1, 15)), item(K.CASH, appraised_on=None)]
    check_appraisal_current(items, on=date(2025, 1, 15))
    check_appraisal_current(items, on=date(2025, 7, 15))
    error = violation(check_appraisal_current, items, on=date(2025, 7, 16))
    assert where(error) == (
        "collateral[0].appraised_on",
        "collateral-appraisal-expired",
        "Reg. §3-6",
    )
    # 31 August + 6 months = 28 February.
    check_appraisal_current([item(appraised_on=date(2024, 8, 31))], on=date(2025, 2, 28))
    error = violation(
        check_appraisal_current, [item(appraised_on=date(2024, 8, 31))], on=date(2025, 3, 1)
    )
    assert error.rule == "collateral-appraisal-expired"


@pytest.mark.parametrize(
    ("appraised_on", "rule"),
    [(None, "collateral-appraisal-missing"), (date(2025, 7, 2), "collateral-appraisal-future")],
)
def test_appraisal_current_errors(appraised_on: date | None, rule: str) -> None:
    error = violation(
        check_appraisal_current,
        [item(K.GOLD, appraised_on=appraised_on)],
        on=date(2025, 7, 1),
        field="emission.collateral",
    )
    assert where(error) == ("emission.collateral[0].appraised_on", rule, "Reg. §3-6")


def test_collateral_registered_before_the_emission() -> None:
    items = [item(registered_on=date(2025, 6, 10)), item(K.GOLD, registrar="Bank")]
    check_collateral_registered(items, on=date(2025, 6, 10))
    check_collateral_registered(items, on=date(2025, 7, 1))


@pytest.mark.parametrize(
    ("items", "field", "rule", "paragraph"),
    [
        ([], "collateral", "collateral-required", "Reg. §3-1"),
        (
            [item(), item(registered_on=None)],
            "collateral[1].registered_on",
            "collateral-not-registered",
            "Reg. §3-10",
        ),
        (
            [item(registered_on=date(2025, 6, 11))],
            "collateral[0].registered_on",
            "collateral-not-registered",
            "Reg. §3-10",
        ),
        (
            [item(K.LISTED_SECURITIES, registrar=None)],
            "collateral[0].registrar",
            "collateral-registrar-missing",
            "Reg. §3-8",
        ),
        (
            [item(K.GOLD, registrar="  ")],
            "collateral[0].registrar",
            "collateral-registrar-missing",
            "Reg. §3-9",
        ),
        (
            [item(K.CASH, registrar="")],
            "collateral[0].registrar",
            "collateral-registrar-missing",
            "Reg. §3-9",
        ),
    ],
)
def test_collateral_registration_errors(
    items: list[CollateralItem], field: str, rule: str, paragraph: str
) -> None:
    error = violation(check_collateral_registered, items, on=date(2025, 6, 10))
    assert where(error) == (field, rule, paragraph)


def test_manager_is_optional_and_may_be_independent() -> None:
    check_manager(None)
    check_manager(CollateralManager("Trust LLC", False, False))


@pytest.mark.parametrize(
    ("manager", "field", "rule"),
    [
        (CollateralManager(" ", False, False), "m.name", "collateral-manager-name"),
        (CollateralManager("T", True, False), "m", "collateral-manager-affiliated-issuer"),
        (CollateralManager("T", False, True), "m", "collateral-manager-affiliated-creditor"),
    ],
)
def test_manager_errors(manager: CollateralManager, field: str, rule: str) -> None:
    error = violation(check_manager, manager, field="m")
    assert where(error) == (field, rule, "Reg. §3-2")


def test_items_are_values() -> None:
    first = item()
    assert replace(first) == first
    with pytest.raises(AttributeError):
        first.assessed_value = D("1")  # type: ignore[misc]
