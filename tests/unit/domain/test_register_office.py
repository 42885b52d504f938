"""The registry office's cases: quarterly reports and installments in proportion to placement,
credits for overpayments, recognition and cancellation notices, withdrawal and return of proceeds
of a failed issue, the unplaced VAs' cancellation term, the placement venue (Reg. §22-56)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from node.domain.model import Deadline, EmissionStatus, QuarterReport
from node.domain.register import MemoryRegister
from node.errors import RuleViolation
from tests.unit.domain.lifecycle_samples import (
    APP,
    CAL,
    RECOGNIZED_ON,
    STARTED_ON,
    apply_for,
    authority,
    ev,
    fresh,
    load,
    register_issuer,
)

S = EmissionStatus
Q2, Q3 = date(2026, 6, 30), date(2026, 9, 30)


def _state(reg: MemoryRegister) -> Any:
    found = reg.emission(APP)
    assert found is not None
    return found


def _do(reg: MemoryRegister, kind: str, on: date, **data: Any) -> Any:
    if _state(reg).status is S.APPLIED:
        data.setdefault("emission", APP)  # before registration: the application number
    reg.apply(ev(kind, on, **data), calendar=CAL)
    return _state(reg)


def _refused(reg: MemoryRegister, kind: str, on: date, rule: str, **data: Any) -> RuleViolation:
    before = _state(reg)
    if before.status is S.APPLIED:
        data.setdefault("emission", APP)
    with pytest.raises(RuleViolation) as caught:
        reg.apply(ev(kind, on, **data), calendar=CAL)
    assert caught.value.rule == rule, caught.value
    assert _state(reg) == before  # nothing lost, nothing half-written
    return caught.value


# ---- fee: quarterly reports and installments (Reg. §28) --------------------------------------


def test_a_quarter_without_placement_is_reported_and_owes_nothing() -> None:
    reg = fresh("placement_started")
    reported = _do(reg, "quarter_reported", date(2026, 7, 2), quarter_end=Q2, placed_in_quarter="0")
    # the report closes its own deadline and, with nothing placed, the installment (0.00)
    assert [d.name for d in reported.deadlines] == [
        "fee_installment:2026-09-30",
        "fee_report:2026-09-30",
        "appraisal_validity",
    ]
    assert reported.quarters == (QuarterReport(Q2, 0, Decimal("0.00")),)
    assert reported.missed == ()


def test_installment_is_the_rest_in_proportion_to_the_quarter_s_placement() -> None:
    reg = fresh("placement_started")  # fee 1000.00, 200.00 paid with the documents
    _do(reg, "quarter_reported", date(2026, 7, 2), quarter_end=Q2, placed_in_quarter="250000")
    # due: 800.00 × 250,000 / 1,000,000 = 200.00; a partial payment leaves it open
    short = _do(reg, "fee_paid", date(2026, 7, 3), amount="150.00", quarter_end=Q2)
    assert short.deadline("fee_installment:2026-06-30") is not None
    assert short.fee_paid == Decimal("350.00")
    # the rest paid after the 5th working day (7 Jul 2026): closed, and recorded as late
    done = _do(reg, "fee_paid", date(2026, 7, 8), amount="50.00", quarter_end=Q2)
    assert done.deadline("fee_installment:2026-06-30") is None
    assert done.missed == (Deadline("fee_installment:2026-06-30", date(2026, 7, 7), "Reg. §28"),)
    assert done.quarters == (QuarterReport(Q2, 250_000, Decimal("200.00")),)


def test_late_quarterly_report_is_recorded_as_missed() -> None:
    reg = fresh("placement_started")
    # 10 working days after 30 Jun 2026 is 14 Jul 2026
    late = _do(reg, "quarter_reported", date(2026, 7, 15), quarter_end=Q2, placed_in_quarter="0")
    assert Deadline("fee_report:2026-06-30", date(2026, 7, 14), "Reg. §28") in late.missed


@pytest.mark.parametrize(
    ("on", "data", "rule"),
    [
        (
            date(2026, 7, 2),
            {"quarter_end": date(2026, 6, 29), "placed_in_quarter": "0"},
            "quarter-end",
        ),
        (
            date(2026, 7, 2),
            {"quarter_end": date(2026, 3, 31), "placed_in_quarter": "0"},
            "quarter-outside-placement",
        ),
        (
            date(2026, 12, 1),
            {"quarter_end": date(2026, 12, 31), "placed_in_quarter": "0"},
            "quarter-outside-placement",
        ),
        (date(2026, 6, 30), {"quarter_end": Q2, "placed_in_quarter": "0"}, "quarter-not-ended"),
        (
            date(2026, 7, 2),
            {"quarter_end": Q2, "placed_in_quarter": "1000001"},
            "placed-exceeds-quantity",
        ),
    ],
)
def test_quarterly_report_rules(on: date, data: dict[str, Any], rule: str) -> None:
    error = _refused(fresh("placement_started"), "quarter_reported", on, rule, **data)
    assert error.paragraph == "Reg. §28"


def test_a_quarter_is_reported_once_and_not_before_placement() -> None:
    reg = fresh("placement_started")
    _do(reg, "quarter_reported", date(2026, 7, 2), quarter_end=Q2, placed_in_quarter="1")
    _refused(
        reg,
        "quarter_reported",
        date(2026, 7, 3),
        "quarter-reported",
        quarter_end=Q2,
        placed_in_quarter="1",
    )
    not_started = fresh("offer_disclosed")
    _refused(
        not_started,
        "quarter_reported",
        date(2026, 5, 20),
        "quarter-outside-placement",
        quarter_end=date(2026, 3, 31),
        placed_in_quarter="0",
    )


def test_the_fee_after_partial_placement_is_proportional_and_excess_is_credit() -> None:
    reg = fresh("placement_started")
    _do(reg, "fee_paid", date(2026, 7, 3), amount="800.00")  # everything, before the results
    _do(reg, "placement_ended", date(2026, 7, 31))
    reported = _do(
        reg,
        "results_reported",
        date(2026, 8, 10),
        actual_start=STARTED_ON,
        actual_end=date(2026, 7, 31),
        placed="400000",
        prices=["10.00"],
        proceeds="4000000.00",
        share_placed_pct="40",
    )
    # Reg. §28: 200.00 + 800.00 × 0.4 = 520.00 owed; 480.00 paid beyond it is the issuer's credit
    assert reported.fee_total == Decimal("520.00")
    assert reported.fee_paid == Decimal("520.00") and reported.fee_credit == Decimal("480.00")
    assert not any(d.name.startswith("fee_installment") for d in reported.deadlines)


def test_an_overpayment_is_a_credit_not_a_refusal() -> None:
    reg = MemoryRegister()
    register_issuer(reg)
    applied = apply_for(reg, fee_paid="1000.01")  # the fee is 1000.00
    assert applied.fee_paid == Decimal("1000.00") and applied.fee_credit == Decimal("0.01")
    assert applied.fee_upfront == Decimal("1000.00")
    placing = fresh("placement_started")
    paid = _do(placing, "fee_paid", date(2026, 7, 3), amount="900.00")
    assert paid.fee_outstanding == 0 and paid.fee_credit == Decimal("100.00")


# ---- recognition, disclosure, unplaced VAs (Reg. §38-40, §45, §65) ---------------------------


def test_recognition_notice_and_disclosure_terms_across_a_holiday() -> None:
    reg = fresh("recognized_successful")  # recognized Thu 20 Aug 2026
    state = _state(reg)
    # 3 working days: Fri 21, Mon 24, Tue 25 Aug; 5: … Thu 27 Aug 2026
    assert state.deadline("recognition_notice") == Deadline(
        "recognition_notice", date(2026, 8, 25), "Reg. §38-39"
    )
    assert state.deadline("results_disclosure") == Deadline(
        "results_disclosure", date(2026, 8, 27), "Reg. §40"
    )
    assert state.deadline("unplaced_cancellation") == Deadline(
        "unplaced_cancellation", date(2026, 8, 25), "Reg. §45, §65"
    )
    # Fri 28 Aug, (31 Aug: Independence Day), Tue 1, Wed 2 Sep
    assert CAL.add_working_days(date(2026, 8, 27), 3) == date(2026, 9, 2)
    late = _do(reg, "recognition_notified", date(2026, 8, 26))
    assert Deadline("recognition_notice", date(2026, 8, 25), "Reg. §38-39") in late.missed
    _refused(reg, "recognition_notified", date(2026, 8, 26), "no-notice-due")
    _do(reg, "results_disclosed", date(2026, 8, 27), uri="https://x.example/results")
    _refused(
        reg, "results_disclosed", date(2026, 8, 28), "no-disclosure-due", uri="https://x.example/r"
    )
    unplaced = _do(reg, "unplaced_cancelled", date(2026, 8, 28), amount="200000")
    assert Deadline("unplaced_cancellation", date(2026, 8, 25), "Reg. §45, §65") in unplaced.missed


def test_no_unplaced_term_when_everything_was_placed() -> None:
    from tests.unit.domain.lifecycle_samples import walk

    reg = MemoryRegister()
    register_issuer(reg)
    apply_for(reg)
    done = walk(reg, "recognized_successful", placed=1_000_000)
    assert done.deadline("unplaced_cancellation") is None


# ---- failure, withdrawal, proceeds, cancellation notices (Reg. §25, §53-56) --------------------


def _failed() -> MemoryRegister:
    reg = fresh("results_reported")  # 800,000 placed for 8,000,000.00
    on = date(2026, 8, 24)
    _do(reg, "recognized_failed", on, grounds=["untrue_information"], basis=authority(on))
    return reg


def test_a_failed_issue_is_withdrawn_and_its_proceeds_returned() -> None:
    reg = _failed()
    failed = _state(reg)
    assert failed.status is S.FAILED and failed.circulating == 800_000  # until the cancellation
    _do(reg, "proceeds_returned", date(2026, 8, 24), amount="3000000.00")
    on = date(2026, 8, 25)
    cancelled = _do(reg, "cancelled", on, ground="failed", basis=authority(on))
    # Reg. §25, §53: every VA of the issue is withdrawn from circulation
    assert cancelled.circulating == 0 and cancelled.withdrawn == 800_000
    assert cancelled.to_record()["withdrawn"] == "800000"
    returned = _do(reg, "proceeds_returned", date(2026, 8, 28), amount="5000000.00")
    assert returned.proceeds_returned == Decimal("8000000.00") == returned.proceeds
    _refused(
        reg, "proceeds_returned", date(2026, 9, 16), "returned-exceeds-proceeds", amount="0.01"
    )


def test_proceeds_are_returned_only_for_failed_or_invalid_issues() -> None:
    reg = fresh("recognized_successful")
    on = date(2026, 9, 1)
    _do(reg, "cancelled", on, ground="authority_decision", basis=authority(on))
    _refused(reg, "proceeds_returned", date(2026, 9, 2), "not-failed-or-invalid", amount="1.00")


def test_cancellation_is_prenotified_the_next_day_or_the_next_working_day() -> None:
    reg = fresh("recognized_successful")
    on = date(2026, 8, 28)  # a Friday: "the day following" (Reg. §55) is Saturday 29 August,
    # a day off, as are Sunday and Monday 31 August (Independence Day): the term ends on
    # Tuesday 1 September (Civil Code of the KR, a term ending on a non-working day)
    cancelled = _do(reg, "cancelled", on, ground="authority_decision", basis=authority(on))
    assert cancelled.deadline("prenotice") == Deadline("prenotice", date(2026, 9, 1), "Reg. §55")
    # the written notice: 3 working days, past the 31 August holiday
    assert cancelled.deadline("notification") == Deadline(
        "notification", date(2026, 9, 3), "Reg. §55"
    )
    late = _do(reg, "cancellation_prenotified", date(2026, 9, 2))
    assert Deadline("prenotice", date(2026, 9, 1), "Reg. §55") in late.missed
    _refused(reg, "cancellation_prenotified", date(2026, 9, 2), "already-prenotified")


def test_a_prenotice_the_next_working_day_after_a_decision_before_a_weekend_is_on_time() -> None:
    reg = fresh("recognized_successful")
    on = date(2026, 8, 28)
    _do(reg, "cancelled", on, ground="authority_decision", basis=authority(on))
    done = _do(reg, "cancellation_prenotified", date(2026, 9, 1))
    assert done.missed == ()


# ---- placement venue (Reg. §22) ----------------------------------------------------------------


def test_placement_names_its_exchange_operator() -> None:
    reg = fresh("offer_disclosed")
    error = _refused(reg, "placement_started", STARTED_ON, "venue-required", venue="  ")
    assert (error.field, error.paragraph) == ("venue", "Reg. §22")
    assert (
        _do(reg, "placement_started", STARTED_ON, venue="Bishkek Crypto Exchange").status
        is S.PLACING
    )


def test_recognized_on_is_the_sample_s() -> None:
    assert date(2026, 8, 20) == RECOGNIZED_ON


# ---- collateral appraisal while placed (Reg. §3-5, §3-6) ---------------------------------------


def _placing_until_september() -> MemoryRegister:
    from tests.unit.domain.lifecycle_samples import walk

    reg = MemoryRegister()
    register_issuer(reg)
    apply_for(reg, placement_end=date(2026, 9, 30))  # appraised 20 Feb 2026
    walk(reg, "placement_started")
    return reg


def test_the_appraisal_must_stay_current_while_placed() -> None:
    reg = _placing_until_september()
    placing = _state(reg)
    # six months from 20 Feb 2026 (Reg. §3-6)
    due = Deadline("appraisal_validity", date(2026, 8, 20), "Reg. §3-6")
    assert placing.deadline("appraisal_validity") == due
    ended = _do(reg, "placement_ended", date(2026, 8, 25))
    assert due in ended.missed and ended.deadline("appraisal_validity") is None


def test_a_new_appraisal_renews_the_term_and_is_checked() -> None:
    reg = _placing_until_september()
    on = date(2026, 8, 3)
    item = {"index": "0", "appraised_on": on, "assessed_value": "10000000.00"}
    _refused(reg, "collateral_reappraised", on, "collateral-index", items=[{**item, "index": "1"}])
    _refused(
        reg,
        "collateral_reappraised",
        on,
        "collateral-appraisal-future",
        items=[{**item, "appraised_on": date(2026, 8, 4)}],
    )
    _refused(
        reg,
        "collateral_reappraised",
        on,
        "collateral-coverage",
        items=[{**item, "assessed_value": "9999999.99"}],
    )
    renewed = _do(reg, "collateral_reappraised", on, items=[item])
    assert renewed.deadline("appraisal_validity").due == date(2027, 2, 3)
    assert renewed.collateral[0].appraised_on == on
    ended = _do(reg, "placement_ended", date(2026, 8, 25))
    assert ended.missed == ()


# ---- defective applications: received, remedied or refused (Reg. §10, §17, §37) ---------------


def _defective_application() -> MemoryRegister:
    reg = MemoryRegister()
    register_issuer(reg)
    # a forbidden word in the name, and 10% of the fee paid instead of 20%
    apply_for(reg, name="Kyrgyz Real Estate Token", fee_paid="100.00")
    assert _state(reg).documents_filed_on == date(2026, 3, 2)
    return reg


def test_a_defective_application_is_received_with_its_defects() -> None:
    reg = _defective_application()
    received = _state(reg)
    assert received.status is S.APPLIED
    assert [(d.field, d.rule, d.paragraph) for d in received.defects] == [
        ("name", "forbidden-word", "Law art. 37.3"),
        ("fee_paid", "fee-upfront-minimum", "Reg. §28"),
    ]
    # Reg. §10: the decision is due in 20 working days all the same
    assert received.deadline("decision") == Deadline("decision", date(2026, 3, 31), "Reg. §10")
    record = received.to_record()
    assert [d["rule"] for d in record["defects"]] == ["forbidden-word", "fee-upfront-minimum"]
    assert type(received).from_record(record) == received  # the record round-trips


def _amended_terms(**changes: Any) -> dict[str, Any]:
    from tests.unit.domain.lifecycle_samples import emission_filing

    return {**dict(emission_filing()), **changes}


def test_notice_to_remedy_then_amended_documents_then_registration() -> None:
    reg = _defective_application()
    notice_on = date(2026, 3, 5)
    # Reg. §37: at most 10 working days (from Thu 5 Mar: 6, 10-13 (9 Mar holiday), 16-19 Mar)
    _refused(reg, "remedy_requested", notice_on, "remedy-term", remedy_by=date(2026, 3, 20))
    _refused(reg, "remedy_requested", notice_on, "remedy-term", remedy_by=notice_on)
    noticed = _do(reg, "remedy_requested", notice_on, remedy_by=date(2026, 3, 19))
    assert noticed.deadline("documents_remedy") == Deadline(
        "documents_remedy", date(2026, 3, 19), "Reg. §37"
    )
    amend_on = date(2026, 3, 12)
    _refused(
        reg,
        "documents_amended",
        amend_on,
        "fee-paid-decreased",
        **_amended_terms(documents_filed_on=amend_on, fee_paid="50.00"),
    )
    amended = _do(reg, "documents_amended", amend_on, **_amended_terms(documents_filed_on=amend_on))
    assert amended.defects == () and amended.name == "Ala-Too Real Estate Token"
    assert amended.fee_paid == Decimal("200.00") and amended.missed == ()
    # Reg. §10, §37: the 20 working days run from the amended documents
    assert amended.deadline("decision").due == CAL.add_working_days(amend_on, 20)
    assert amended.deadline("documents_remedy") is None
    on = date(2026, 3, 16)
    registered = _do(reg, "registered", on, regno="KG0201A0011", basis=authority(on))
    assert registered.status is S.REGISTERED


def test_defects_stay_until_remedied_and_late_amendments_are_recorded() -> None:
    reg = _defective_application()
    _do(reg, "remedy_requested", date(2026, 3, 5), remedy_by=date(2026, 3, 10))
    still = _do(
        reg,
        "documents_amended",
        date(2026, 3, 11),  # after the term
        **_amended_terms(documents_filed_on=date(2026, 3, 11), fee_paid="100.00"),
    )
    assert [d.rule for d in still.defects] == ["fee-upfront-minimum"]  # the name was fixed
    assert Deadline("documents_remedy", date(2026, 3, 10), "Reg. §37") in still.missed
    on = date(2026, 3, 20)
    refused = _do(
        reg,
        "refused",
        on,
        grounds=["fees_unpaid"],
        reason="20% of the fee was not paid with the documents",
        basis=authority(on),
    )
    assert refused.status is S.REFUSED


def test_remedy_needs_defects_and_amendments_keep_the_issuer() -> None:
    clean = MemoryRegister()
    register_issuer(clean)
    apply_for(clean)
    _refused(clean, "remedy_requested", date(2026, 3, 5), "no-defects", remedy_by=date(2026, 3, 10))
    reg = _defective_application()
    _refused(
        reg,
        "documents_amended",
        date(2026, 3, 6),
        "issuer-changed",
        **_amended_terms(documents_filed_on=date(2026, 3, 6), issuer="B002"),
    )


# ---- the fee in som, at the rate of the day of payment (Reg. §26-27) ---------------------------

THU, FRI, SAT, SUN = date(2026, 7, 2), date(2026, 7, 3), date(2026, 7, 4), date(2026, 7, 5)


def _rate(basis: str, som_per_unit: str, on: date) -> dict[str, Any]:
    return {"basis": basis, "som_per_unit": som_per_unit, "source": "Exchange X", "quoted_on": on}


def _usd_issue(until: str = "placement_started", **changes: Any) -> MemoryRegister:
    sample = load("emission-digital-token.yaml")
    collateral = [{**item, "currency": "USD"} for item in sample["collateral"]]
    filed = sample["documents_filed_on"]
    upfront = {  # 200.00 USD paid with the documents, at 87.50 som per USD (Reg. §27)
        "fee_paid_som": "17500.00",
        "fee_rate": _rate("declared_nominal", "87.50", filed),
    }
    return fresh(until, currency="USD", collateral=collateral, **{**upfront, **changes})


def test_the_part_paid_with_the_documents_is_in_som_too() -> None:
    reg = MemoryRegister()
    register_issuer(reg)
    sample = load("emission-digital-token.yaml")
    collateral = [{**item, "currency": "USD"} for item in sample["collateral"]]
    filed = sample["documents_filed_on"]
    usd = {"currency": "USD", "collateral": collateral}
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "fee-in-som"),
        ({"fee_paid_som": "17500.00"}, "fee-rate"),
        (
            {"fee_paid_som": "17500.00", "fee_rate": _rate("exchange_quote", "87.50", filed)},
            "fee-rate-basis",
        ),
        (
            {"fee_paid_som": "17000.00", "fee_rate": _rate("declared_nominal", "87.50", filed)},
            "fee-rate-mismatch",
        ),
    ]
    for n, (changes, rule) in enumerate(cases):
        applied = apply_for(reg, app=f"APP-{n + 10:06d}", **usd, **changes)
        assert [d.rule for d in applied.defects] == [rule], (changes, applied.defects)
    clean = apply_for(
        reg,
        app="APP-000099",
        **usd,
        fee_paid_som="17500.00",
        fee_rate=_rate("declared_nominal", "87.50", filed),
    )
    assert clean.defects == ()
    in_som = apply_for(reg, app="APP-000098", fee_paid_som="200.00")  # an issue in som
    assert in_som.defects == ()


def test_a_payment_in_som_is_counted_at_the_va_s_exchange_price_once_traded() -> None:
    reg = fresh("placement_started")  # fee 1,000.00 KGS on a nominal value of 10.00 per VA
    # Reg. §26: one VA trades at 12.50 som: 250.00 som settle 250 × 10 / 12.5 = 200.00 of the fee
    paid = _do(reg, "fee_paid", FRI, paid_som="250.00", rate=_rate("exchange_quote", "12.50", FRI))
    assert paid.fee_paid == Decimal("400.00")  # 200.00 with the documents + 200.00
    assert paid.fee_paid_som == Decimal("250.00")
    assert paid.to_record()["fee_paid_som"] == "250.00"
    # a stated amount must be what the som and the rate settle
    mismatch = _refused(
        reg,
        "fee_paid",
        FRI,
        "fee-rate-mismatch",
        amount="250.00",
        paid_som="250.00",
        rate=_rate("exchange_quote", "12.50", FRI),
    )
    assert mismatch.field == "amount" and "200.00" in mismatch.message


def test_an_exchange_quote_needs_placed_vas_and_a_som_issue_counts_at_one() -> None:
    registered = fresh("registered")
    _refused(
        registered,
        "fee_paid",
        FRI,
        "fee-rate-basis",
        paid_som="100.00",
        rate=_rate("exchange_quote", "12.50", FRI),
    )
    _refused(
        registered,
        "fee_paid",
        FRI,
        "fee-rate",
        paid_som="100.00",
        rate=_rate("declared_nominal", "87.50", FRI),
    )
    plain = _do(registered, "fee_paid", FRI, paid_som="100.00")  # som, no rate: 1 to 1
    assert plain.fee_paid == Decimal("300.00") and plain.fee_paid_som == Decimal("100.00")
    amount_only = _do(registered, "fee_paid", FRI, amount="50.00")  # an issue in som
    assert amount_only.fee_paid_som == Decimal("150.00")


def test_an_issue_in_another_currency_is_paid_in_som_at_the_rate_recorded() -> None:
    reg = _usd_issue()
    _refused(reg, "fee_paid", FRI, "fee-in-som", amount="100.00")
    _refused(reg, "fee_paid", FRI, "fee-rate", paid_som="8750.00")
    # Reg. §27: the declared nominal value, at the official rate: 8,750 som / 87.50 = 100.00 USD
    paid = _do(
        reg, "fee_paid", FRI, paid_som="8750.00", rate=_rate("declared_nominal", "87.50", FRI)
    )
    assert paid.fee_paid == Decimal("300.00") and paid.fee_paid_som == Decimal("8750.00")
    # half a cent rounds up: 1.00 som at 3 som per USD settles 0.33; 0.05 at 10 settles 0.01
    tiny = _do(reg, "fee_paid", FRI, paid_som="0.05", rate=_rate("declared_nominal", "10", FRI))
    assert tiny.fee_paid == Decimal("300.01")


@pytest.mark.parametrize(
    ("quoted", "paid", "ok"),
    [
        (FRI, FRI, True),
        (FRI, SUN, True),  # no working day between Friday's rate and Sunday's payment
        (THU, SAT, False),  # Friday's rate was in force on Saturday
        (SAT, FRI, False),  # a rate after the payment
    ],
)
def test_the_rate_is_the_one_in_force_when_paid(quoted: date, paid: date, ok: bool) -> None:
    reg = _usd_issue()
    data = {"paid_som": "87.50", "rate": _rate("declared_nominal", "87.50", quoted)}
    if ok:
        assert _do(reg, "fee_paid", paid, **data).fee_paid == Decimal("201.00")
    else:
        violation = _refused(reg, "fee_paid", paid, "fee-rate-date", **data)
        assert violation.field == "rate.quoted_on"


# ---- cash collateral in a foreign currency counts at the rate recorded (Reg. §3-5 item 4) ------


def test_foreign_cash_collateral_counts_at_its_recorded_rate() -> None:
    sample = load("emission-digital-token.yaml")
    filed = sample["documents_filed_on"]
    volume = Decimal(10_000_000)  # 1,000,000 VAs × 10.00 KGS
    usd_cash = {
        "kind": "cash",
        "assessed_value": "114300.00",
        "currency": "USD",
        "registered_on": filed,
        "registrar": "Bank X",
    }
    rate = {"value": "87.50", "source": "National Bank, official rate", "quoted_on": filed}
    reg = MemoryRegister()
    register_issuer(reg)
    # 114,300 USD × 87.50 = 10,001,250 KGS: covers the volume
    ok = apply_for(reg, app="APP-000020", collateral=[{**usd_cash, "rate": rate}])
    assert ok.defects == ()
    assert ok.collateral[0].value_in_counted_currency > volume
    assert ok.to_record()["collateral"][0]["rate"]["value"] == "87.50"
    assert type(ok).from_record(ok.to_record()) == ok
    # the same cash at a lower rate does not: 114,300 × 87.00 = 9,944,100
    short = apply_for(
        reg, app="APP-000021", collateral=[{**usd_cash, "rate": {**rate, "value": "87.00"}}]
    )
    assert [d.rule for d in short.defects] == ["collateral-coverage"]
    # no rate: a defect naming the rate; a rate for an item in the volume's currency; a rate
    # quoted after the filing
    missing = apply_for(reg, app="APP-000022", collateral=[usd_cash])
    assert [(d.field, d.rule) for d in missing.defects] == [
        ("collateral[0].rate", "collateral-currency")
    ]
    kgs_cash = {**usd_cash, "currency": "KGS", "assessed_value": "10000000.00", "rate": rate}
    needless = apply_for(reg, app="APP-000023", collateral=[kgs_cash])
    assert [d.rule for d in needless.defects] == ["collateral-rate"]
    late = {**rate, "quoted_on": date(2026, 3, 3)}
    after = apply_for(reg, app="APP-000024", collateral=[{**usd_cash, "rate": late}])
    assert [d.field for d in after.defects] == ["collateral[0].rate.quoted_on"]


# ---- a law word inside a personal name: the authority reviews it (Law art. 37.3) -------------


def test_a_name_built_on_a_law_word_is_reviewed_not_refused() -> None:
    reg = fresh(name="Manasov Gold Token")
    applied = _state(reg)
    assert applied.defects == ()
    assert [(r.field, r.words, r.decision) for r in applied.name_reviews] == [
        ("name", ("Манас",), None)
    ]
    assert applied.to_record()["name_reviews"][0]["text"] == "Manasov Gold Token"
    assert type(applied).from_record(applied.to_record()) == applied
    on = date(2026, 3, 16)
    # Reg. §10 with Law art. 37.3: no registration before the authority decides
    _refused(reg, "registered", on, "name-review-pending", regno="KG0201A0011", basis=authority(on))
    _refused(reg, "name_reviewed", on, "basis-required", field="name", decision="accepted")
    _refused(
        reg,
        "name_reviewed",
        on,
        "no-name-review",
        field="symbol",
        decision="accepted",
        basis=authority(on),
    )
    accepted = _do(reg, "name_reviewed", on, field="name", decision="accepted", basis=authority(on))
    assert accepted.name_reviews[0].decision == "accepted" and accepted.defects == ()
    registered = _do(reg, "registered", on, regno="KG0201A0011", basis=authority(on))
    assert registered.status is S.REGISTERED


def test_a_name_refused_on_review_is_a_defect() -> None:
    reg = fresh(name="Kyrgyzbekova Hash Token")
    on = date(2026, 3, 16)
    refused = _do(reg, "name_reviewed", on, field="name", decision="refused", basis=authority(on))
    assert [(d.field, d.rule) for d in refused.defects] == [("name", "forbidden-word")]
    _refused(reg, "registered", on, "defects-open", regno="KG0201A0011", basis=authority(on))


def test_a_name_used_as_such_is_still_a_defect_and_a_clean_one_needs_no_review() -> None:
    used = _state(fresh(name="Manas Gold Token"))
    assert [d.rule for d in used.defects] == ["forbidden-word"] and used.name_reviews == ()
    assert _state(fresh()).name_reviews == ()


def test_an_issuer_name_built_on_a_law_word_is_reviewed_before_its_issues_register() -> None:
    from tests.unit.domain.lifecycle_samples import CODE, issuer_sample_entry

    reg = MemoryRegister()
    reg.apply(issuer_sample_entry(name="Manasov Holding LLC"), calendar=CAL)
    issuer = reg.issuer(CODE)
    assert issuer is not None and issuer.name_review is not None
    assert issuer.name_review.decision is None and issuer.name_review.words == ("Манас",)
    assert type(issuer).from_record(issuer.to_record()) == issuer
    apply_for(reg)
    on = date(2026, 3, 16)
    registration = {"regno": "KG0201A0011", "basis": authority(on)}
    _refused(reg, "registered", on, "issuer-name-review", **registration)
    issuer_event = "issuer.name_reviewed"
    from node.domain.filings import issuer_event_entry
    from tests.unit.domain.lifecycle_samples import at

    def review(decision: str) -> Any:
        return issuer_event_entry(
            issuer_event,
            issuer=CODE,
            data={"decision": decision, "basis": authority(on)},
            recorded_at=at(on),
            effective_on=on,
        )

    reg.apply(review("refused"), calendar=CAL)
    _refused(reg, "registered", on, "issuer-name-review", **registration)
    with pytest.raises(RuleViolation) as caught:
        reg.apply(review("accepted"), calendar=CAL)  # decided already
    assert caught.value.rule == "no-name-review"
    renamed = issuer_event_entry(
        "issuer.updated",
        issuer=CODE,
        data={"name": "Asanov Holding LLC"},
        recorded_at=at(on),
        effective_on=on,
    )
    reg.apply(renamed, calendar=CAL)
    issuer = reg.issuer(CODE)
    assert issuer is not None and issuer.name_review is None
    assert _do(reg, "registered", on, **registration).status is S.REGISTERED


def test_a_venue_named_by_licence_must_hold_a_placement_licence_that_day() -> None:
    from tests.unit.domain.test_vasps import DECISION as LICENCE_DECISION
    from tests.unit.domain.test_vasps import applied as licence_applied
    from tests.unit.domain.test_vasps import event as licence_event

    reg = fresh("offer_disclosed")
    venue = "Tunduk Exchange (LIC-000001)"
    missing = _refused(reg, "placement_started", STARTED_ON, "venue-not-licensed", venue=venue)
    assert "not in the register" in missing.message
    reg.apply(licence_applied(on=date(2026, 3, 2), services=["custody", "issuance"]), calendar=CAL)
    unlicensed = _refused(reg, "placement_started", STARTED_ON, "venue-not-licensed", venue=venue)
    assert "status applied" in unlicensed.message
    reg.apply(
        licence_event(
            "licence_granted",
            date(2026, 5, 14),
            basis={**LICENCE_DECISION, "date": date(2026, 5, 14)},
        ),
        calendar=CAL,
    )
    assert _do(reg, "placement_started", STARTED_ON, venue=venue).status is S.PLACING


def test_a_licence_lapsing_during_placement_is_a_finding_of_the_results_report() -> None:
    """Reg. §22, Law art. 27.2: the venue's licence was checked on the start day; a suspension
    during placement is recorded with the results report (the report itself is received)."""
    from tests.unit.domain.lifecycle_samples import ENDED_ON, REPORTED_ON, happy_path
    from tests.unit.domain.test_vasps import DECISION as LICENCE_DECISION
    from tests.unit.domain.test_vasps import applied as licence_applied
    from tests.unit.domain.test_vasps import event as licence_event

    def decided(on: date) -> dict[str, Any]:
        return {**LICENCE_DECISION, "date": on}

    reg = fresh("offer_disclosed")
    reg.apply(licence_applied(on=date(2026, 3, 2), services=["buy_sell"]), calendar=CAL)
    reg.apply(
        licence_event("licence_granted", date(2026, 4, 1), basis=decided(date(2026, 4, 1))),
        calendar=CAL,
    )
    venue = "Tunduk Exchange (LIC-000001)"
    started = _do(reg, "placement_started", STARTED_ON, venue=venue)
    assert started.venue_licences == ("LIC-000001",)
    suspended, lifted = date(2026, 6, 1), date(2026, 6, 15)
    reg.apply(
        licence_event(
            "measure_applied",
            suspended,
            measure="suspension",
            reason="inspection",
            basis=decided(suspended),
        ),
        calendar=CAL,
    )
    reg.apply(
        licence_event("measure_lifted", lifted, measure="suspension", basis=decided(lifted)),
        calendar=CAL,
    )
    _do(reg, "placement_ended", ENDED_ON)
    report = next(data for kind, _, data in happy_path() if kind == "results_reported")
    state = _do(reg, "results_reported", REPORTED_ON, **report)
    assert state.reported_on == REPORTED_ON
    assert [(v.licence, v.start, v.end) for v in state.venue_lapses] == [
        ("LIC-000001", suspended, date(2026, 6, 14))
    ]
    record = state.to_record()
    assert record["venue_lapses"] == [
        {"licence": "LIC-000001", "start": "2026-06-01", "end": "2026-06-14"}
    ]
    assert type(state).from_record(record) == state


def test_a_venue_licensed_throughout_leaves_no_finding() -> None:
    from tests.unit.domain.lifecycle_samples import ENDED_ON, REPORTED_ON, happy_path
    from tests.unit.domain.test_vasps import DECISION as LICENCE_DECISION
    from tests.unit.domain.test_vasps import applied as licence_applied
    from tests.unit.domain.test_vasps import event as licence_event

    reg = fresh("offer_disclosed")
    reg.apply(licence_applied(on=date(2026, 3, 2), services=["issuance"]), calendar=CAL)
    reg.apply(
        licence_event(
            "licence_granted",
            date(2026, 4, 1),
            basis={**LICENCE_DECISION, "date": date(2026, 4, 1)},
        ),
        calendar=CAL,
    )
    _do(reg, "placement_started", STARTED_ON, venue="LIC-000001")
    _do(reg, "placement_ended", ENDED_ON)
    report = next(data for kind, _, data in happy_path() if kind == "results_reported")
    state = _do(reg, "results_reported", REPORTED_ON, **report)
    assert state.venue_lapses == () and "venue_lapses" not in state.to_record()
    # a venue named in words only is not checked against the register
    plain = fresh("offer_disclosed")
    assert (
        _do(plain, "placement_started", STARTED_ON, venue="Bishkek Crypto Exchange").venue_licences
        == ()
    )
