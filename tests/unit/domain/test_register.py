"""The reducer: every rule it enforces, the full lifecycle walk and the in-memory register."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from lifecycle_samples import (
    APP,
    CAL,
    CODE,
    DISCLOSED_ON,
    ENDED_ON,
    RECOGNIZED_ON,
    REGISTERED_ON,
    REGNO,
    REPORTED_ON,
    SHA_B,
    STARTED_ON,
    TX,
    apply_for,
    at,
    authority,
    doc,
    emission_filing,
    ev,
    fresh,
    load,
    register_issuer,
    walk,
)

from node.domain.entries import (
    DocumentType,
    EmissionApplied,
    Entry,
    IssuerLiquidated,
    IssuerRegistered,
)
from node.domain.filings import application_entry
from node.domain.model import (
    CancellationGround,
    Deadline,
    Defect,
    EmissionStatus,
    IssuerStatus,
    QuarterReport,
)
from node.domain.register import Effects, MemoryRegister, apply_entry
from node.errors import IllegalTransition, RuleViolation

S = EmissionStatus
FILED_ON = date(2026, 3, 2)


def violates(
    reg: MemoryRegister,
    entry: Entry,
    field: str,
    rule: str,
    paragraph: str,
    *,
    cls: type[RuleViolation] = RuleViolation,
) -> RuleViolation:
    """Assert that ``entry`` breaks exactly this rule and leaves the register unchanged."""
    before = (reg.issuers(), reg.emissions())
    with pytest.raises(cls) as err:
        reg.apply(entry, calendar=CAL)
    got = (err.value.field, err.value.rule, err.value.paragraph)
    assert got == (field, rule, paragraph), err.value
    assert (reg.issuers(), reg.emissions()) == before
    return err.value


def state(reg: MemoryRegister, key: str = APP) -> Any:
    found = reg.emission(key)
    assert found is not None
    return found


def app_entry(app: str = "APP-000002", **changes: Any) -> EmissionApplied:
    filing = emission_filing(**changes)
    return application_entry(filing, application_no=app, recorded_at=at(filing.documents_filed_on))


def issuer_reg(code: str = "B002", **changes: Any) -> IssuerRegistered:
    data: dict[str, Any] = {
        "kind": "issuer.registered",
        "issuer": code,
        "recorded_at": at(date(2026, 2, 3)),
        "effective_on": date(2026, 2, 3),
        "name": "Second Issuer LLC",
        "issuer_kind": "legal_entity",
        "legal_form": "LLC",
        "legal_address": "Osh, Kurmanjan Datka 1",
        "region": "osh_city",
        "legal_registration": {
            "number": "1",
            "registered_on": date(2020, 1, 1),
            "authority": "Ministry of Justice",
        },
        "founders_commitment": "cd" * 32,
        **changes,
    }
    return IssuerRegistered.model_validate(data)


# ============================================================================================
# the whole life of an emission
# ============================================================================================


def test_full_lifecycle_walk() -> None:
    reg = MemoryRegister()
    register_issuer(reg)
    issuer = reg.issuer(CODE)
    assert issuer is not None and issuer.status is IssuerStatus.ACTIVE and issuer.serials_used == 0

    applied = apply_for(reg)
    assert applied.status is S.APPLIED and applied.key == APP and applied.regno is None
    assert applied.fee_total == Decimal("1000.00") and applied.fee_paid == Decimal("200.00")
    assert applied.deadlines == (Deadline("decision", date(2026, 3, 31), "Reg. §10"),)

    registered = walk(reg, "registered")
    assert registered.status is S.REGISTERED and registered.key == REGNO
    assert registered.registered_on == REGISTERED_ON and registered.deadlines == ()
    assert reg.emission(REGNO) == reg.emission(APP) == registered
    assert state_issuer(reg).serials_used == 1

    disclosed = walk_one(reg, "offer_disclosed", DISCLOSED_ON, uri="https://x.example/o")
    assert disclosed.status is S.OFFER_DISCLOSED
    assert disclosed.placement_earliest == date(2026, 5, 15)

    placing = walk_one(reg, "placement_started", STARTED_ON, venue="Bishkek Crypto Exchange")
    assert placing.status is S.PLACING and placing.placement_started_on == STARTED_ON
    assert [d.name for d in placing.deadlines] == [
        "fee_installment:2026-06-30",
        "fee_report:2026-06-30",
        "fee_installment:2026-09-30",
        "fee_report:2026-09-30",
        "appraisal_validity",  # Reg. §3-6: appraised 20 Feb, current until 20 Aug 2026
    ]
    # Reg. §28: the quarter's installment is the rest of the fee (800.00) in proportion to what
    # was placed in it: 500,000 of 1,000,000 -> 400.00; paid with the quarter's report
    paid = walk_one(
        reg,
        "fee_paid",
        date(2026, 7, 3),
        amount="400.00",
        quarter_end=date(2026, 6, 30),
        placed_in_quarter="500000",
    )
    assert paid.fee_paid == Decimal("600.00") and paid.status is S.PLACING
    assert [d.name for d in paid.deadlines] == [
        "fee_installment:2026-09-30",
        "fee_report:2026-09-30",
        "appraisal_validity",
    ]
    assert paid.quarters == (QuarterReport(date(2026, 6, 30), 500_000, Decimal("400.00")),)

    ended = walk_one(reg, "placement_ended", ENDED_ON)
    assert ended.status is S.PLACEMENT_ENDED
    # the 30th day, Sun 30 August, and Mon 31 August (Independence Day) are days off: the term
    # ends on the next working day (Civil Code of the KR)
    assert ended.deadline("results_report") == Deadline(
        "results_report", date(2026, 9, 1), "Reg. §30"
    )
    reported = walk_one(
        reg,
        "results_reported",
        REPORTED_ON,
        actual_start=STARTED_ON,
        actual_end=ENDED_ON,
        placed="800000",
        prices=["10.00", "10.50"],
        proceeds="8100000.00",
        share_placed_pct="80",
    )
    assert reported.status is S.REPORTED and reported.placed == 800_000
    # Reg. §28: 200.00 paid with the documents + 800.00 × 800,000 / 1,000,000 placed
    assert reported.fee_total == Decimal("840.00") and reported.fee_outstanding == Decimal("240.00")
    assert reported.deadline("recognition") == Deadline(
        "recognition", date(2026, 8, 24), "Reg. §34"
    )
    assert reported.deadline("results_report") is None and reported.missed == ()

    circulating = walk_one(
        reg, "recognized_successful", RECOGNIZED_ON, basis=authority(RECOGNIZED_ON)
    )
    assert circulating.status is S.CIRCULATING and circulating.status_since == RECOGNIZED_ON
    assert circulating.circulating == 800_000 and circulating.unplaced == 200_000
    assert [d.name for d in circulating.deadlines][-3:] == [
        "recognition_notice",  # Reg. §38: 3 working days
        "results_disclosure",  # Reg. §40: 5 working days
        "unplaced_cancellation",  # Reg. §45, §65: 3 working days
    ]
    walk_one(reg, "recognition_notified", date(2026, 8, 21))
    walk_one(reg, "results_disclosed", date(2026, 8, 24), uri="https://x.example/results")

    unplaced = walk_one(
        reg, "unplaced_cancelled", date(2026, 8, 24), amount="200000", tx_hashes=[TX]
    )
    assert unplaced.unplaced_cancelled == 200_000 and unplaced.unplaced == 0
    burned = walk_one(
        reg,
        "partial_burn",
        date(2026, 9, 1),
        amount="100000",
        basis=doc("issuer_decision", date(2026, 9, 1)),
    )
    assert burned.burned == 100_000 and burned.circulating == 700_000
    assert burned.regno == REGNO and burned.status is S.CIRCULATING  # the number stays

    # Q3: 300,000 more placed (800,000 in all): cumulative due 640.00, installment 240.00; paid
    # two days late with an extra 10.00, which is the issuer's credit
    late_q3 = walk_one(
        reg,
        "fee_paid",
        date(2026, 10, 9),
        amount="250.00",
        quarter_end=date(2026, 9, 30),
        placed_in_quarter="300000",
    )
    assert late_q3.fee_outstanding == 0 and late_q3.deadlines == ()
    assert late_q3.fee_credit == Decimal("10.00")
    assert late_q3.missed == (
        Deadline("fee_installment:2026-09-30", date(2026, 10, 7), "Reg. §28"),
    )

    walk_one(
        reg,
        "whitepaper_amendment_requested",
        date(2026, 10, 12),
        whitepaper={"version": "2", "sha256": SHA_B, "uri": "https://x.example/wp2"},
    )
    amended = walk_one(
        reg,
        "whitepaper_amended",
        date(2026, 10, 20),
        consented=True,
        basis=authority(date(2026, 10, 20)),
    )
    assert amended.whitepaper.version == "2" and amended.pending_amendment is None

    suspended = walk_one(
        reg,
        "suspended",
        date(2026, 11, 2),
        grounds=["untrue_information"],
        remedy_by=date(2026, 11, 16),
        basis=authority(date(2026, 11, 2)),
    )
    assert suspended.status is S.SUSPENDED and suspended.suspended_from is S.CIRCULATING
    assert suspended.deadline("remedy") == Deadline("remedy", date(2026, 11, 16), "Reg. §25.1")
    resumed = walk_one(reg, "resumed", date(2026, 11, 10), basis=authority(date(2026, 11, 10)))
    assert resumed.status is S.CIRCULATING and resumed.suspended_from is None
    assert resumed.deadlines == ()

    cancelled = walk_one(
        reg,
        "cancelled",
        date(2026, 12, 1),
        ground="authority_decision",
        basis=authority(date(2026, 12, 1)),
    )
    assert cancelled.status is S.CANCELLED and cancelled.regno == REGNO
    assert cancelled.cancellation_ground is CancellationGround.AUTHORITY_DECISION
    assert cancelled.deadlines == (
        Deadline("prenotice", date(2026, 12, 2), "Reg. §55"),
        Deadline("notification", date(2026, 12, 4), "Reg. §55"),
        Deadline("publication", date(2026, 12, 8), "Reg. §56"),
    )
    assert cancelled.withdrawn == 0  # an authority decision, not a failure: nothing withdrawn
    walk_one(reg, "cancellation_prenotified", date(2026, 12, 2))
    walk_one(reg, "cancellation_notified", date(2026, 12, 2))
    done = walk_one(reg, "cancellation_published", date(2026, 12, 9), uri="https://a.example/n")
    assert done.deadlines == ()
    assert done.missed[-1] == Deadline("publication", date(2026, 12, 8), "Reg. §56")
    # the issuer's next number gets serial 02: numbers are never reused (Reg. §68(в))
    apply_for(
        reg,
        app="APP-000002",
        documents_filed_on=date(2026, 12, 10),
        collateral=_collateral(appraised_on=date(2026, 12, 1), registered_on=date(2026, 12, 4)),
    )
    reg.apply(
        ev(
            "registered",
            date(2026, 12, 14),
            emission="APP-000002",
            regno="KG0202A0011",
            basis=authority(date(2026, 12, 14)),
        ),
        calendar=CAL,
    )
    assert state_issuer(reg).serials_used == 2


def state_issuer(reg: MemoryRegister) -> Any:
    found = reg.issuer(CODE)
    assert found is not None
    return found


def walk_one(reg: MemoryRegister, kind: str, on: date, **data: Any) -> Any:
    reg.apply(ev(kind, on, **data), calendar=CAL)
    return state(reg)


def test_failed_recognition_leads_to_cancellation() -> None:
    reg = fresh("results_reported")
    failed = walk_one(
        reg,
        "recognized_failed",
        date(2026, 8, 24),
        grounds=["untrue_information"],
        basis=authority(date(2026, 8, 24)),
    )
    assert failed.status is S.FAILED
    # Reg. §36: the number is cancelled no later than the next working day
    assert failed.deadlines == (
        Deadline("cancellation", date(2026, 8, 25), "Reg. §36"),
        Deadline("recognition_notice", date(2026, 8, 27), "Reg. §38-39"),
    )
    late = walk_one(
        reg, "cancelled", date(2026, 8, 26), ground="failed", basis=authority(date(2026, 8, 26))
    )
    assert late.status is S.CANCELLED
    assert Deadline("cancellation", date(2026, 8, 25), "Reg. §36") in late.missed


def test_recognized_failed_only_within_ten_working_days() -> None:
    reg = fresh("results_reported")
    violates(
        reg,
        ev(
            "recognized_failed",
            date(2026, 8, 25),
            grounds=["law_violation"],
            basis=authority(date(2026, 8, 25)),
        ),
        "effective_on",
        "recognition-window-closed",
        "Reg. §34",
    )


def test_success_conditions_of_reg_29() -> None:
    # 500 000 placed, below the declared minimum of 600 000
    reg = fresh()
    walk(reg, "results_reported", placed=500_000)
    violates(
        reg,
        ev("recognized_successful", RECOGNIZED_ON, basis=authority(RECOGNIZED_ON)),
        "placed",
        "success-conditions",
        "Reg. §29",
    )
    # exactly the minimum suffices
    reg = fresh()
    walk(reg, "recognized_successful", placed=600_000)
    assert state(reg).status is S.CIRCULATING
    # without a declared minimum, everything must be placed
    reg = fresh(min_success_quantity=None)
    walk(reg, "results_reported", placed=999_999)
    violates(
        reg,
        ev("recognized_successful", RECOGNIZED_ON, basis=authority(RECOGNIZED_ON)),
        "placed",
        "success-conditions",
        "Reg. §29",
    )
    reg = fresh(min_success_quantity=None)
    walk(reg, "recognized_successful", placed=1_000_000)
    assert state(reg).status is S.CIRCULATING and state(reg).unplaced == 0


def test_late_recognition_is_recorded() -> None:
    reg = fresh("results_reported")
    on = date(2026, 8, 26)
    late = walk_one(reg, "recognized_successful", on, basis=authority(on))
    assert late.missed == (Deadline("recognition", date(2026, 8, 24), "Reg. §34"),)


def test_suspension_declared_failed_and_cancelled() -> None:
    reg = fresh("placement_started")
    on = date(2026, 6, 1)
    walk_one(
        reg,
        "suspended",
        on,
        grounds=["law_violation"],
        remedy_by=date(2026, 6, 15),
        basis=authority(on),
    )
    violates(
        reg,
        ev("declared_failed", date(2026, 6, 15), basis=authority(date(2026, 6, 15))),
        "effective_on",
        "remedy-period-running",
        "Reg. §25.2",
    )
    failed = walk_one(reg, "declared_failed", date(2026, 6, 16), basis=authority(date(2026, 6, 16)))
    assert failed.status is S.FAILED and failed.suspended_from is None
    assert failed.deadlines == (Deadline("cancellation", date(2026, 6, 17), "Reg. §36"),)


def test_no_failure_after_success() -> None:
    reg = fresh("recognized_successful")
    on = date(2026, 9, 1)
    walk_one(reg, "suspended", on, grounds=["untrue_information"], basis=authority(on))
    violates(
        reg,
        ev("declared_failed", date(2026, 9, 2), basis=authority(date(2026, 9, 2))),
        "status",
        "failed-after-success",
        "Reg. §48",
    )
    # a court can still declare it invalid (Reg. §52)
    invalid = walk_one(
        reg, "invalidated", date(2026, 9, 3), basis=doc("court_decision", date(2026, 9, 3))
    )
    assert invalid.status is S.INVALID
    assert invalid.deadlines == (Deadline("cancellation", date(2026, 9, 8), "Reg. §65"),)
    cancelled = walk_one(
        reg,
        "cancelled",
        date(2026, 9, 4),
        ground="invalid",
        basis=doc("court_decision", date(2026, 9, 3)),
    )
    assert cancelled.status is S.CANCELLED and cancelled.missed == ()


def test_suspension_remedy_date_and_resumption_to_prior_status() -> None:
    reg = fresh("offer_disclosed")
    on = date(2026, 5, 4)
    violates(
        reg,
        ev("suspended", on, grounds=["inspection"], remedy_by=on, basis=authority(on)),
        "remedy_by",
        "remedy-date",
        "Reg. §25.1",
    )
    walk_one(
        reg,
        "suspended",
        on,
        grounds=["inspection"],
        remedy_by=date(2026, 5, 12),
        basis=authority(on),
    )
    resumed = walk_one(reg, "resumed", date(2026, 5, 13), basis=authority(date(2026, 5, 13)))
    assert resumed.status is S.OFFER_DISCLOSED
    assert resumed.missed == (Deadline("remedy", date(2026, 5, 12), "Reg. §25.1"),)


# ============================================================================================
# application (Reg. §9-10, §3-1…3-6, §28, Law art. 37)
# ============================================================================================


@pytest.mark.parametrize(
    ("changes", "field", "rule", "paragraph"),
    [
        ({"name": "Kyrgyz Gold Token"}, "name", "forbidden-word", "Law art. 37.3"),
        ({"symbol": "MANAS"}, "symbol", "forbidden-word", "Law art. 37.3"),
        (
            {"placement_end": date(2026, 4, 30)},
            "placement_end",
            "placement-period",
            "Reg. §5.3, Annex 1 item 5",
        ),
        ({"placement_price": None}, "placement_price", "placement-price", "Reg. §23"),
        (
            {"min_success_quantity": "1000001"},
            "min_success_quantity",
            "min-success-quantity",
            "Annex 1 item 9",
        ),
        ({"collateral": []}, "collateral", "collateral-required", "Reg. §3-1"),
        (
            {"fee_paid": "199.99"},
            "fee_paid",
            "fee-upfront-minimum",
            "Reg. §28",
        ),
        (
            {
                "decision": {
                    "type": "issuer_decision",
                    "number": "7",
                    "date": date(2026, 3, 3),
                    "issued_by": "Meeting",
                }
            },
            "decision.date",
            "decision-date",
            "Reg. §5, Annex 3",
        ),
        (
            {
                "collateral_manager": {
                    "name": "Friend LLC",
                    "affiliated_with_issuer": True,
                    "affiliated_with_major_creditor": False,
                }
            },
            "collateral_manager",
            "collateral-manager-affiliated-issuer",
            "Reg. §3-2",
        ),
    ],
)
def test_application_rules(changes: dict[str, Any], field: str, rule: str, paragraph: str) -> None:
    reg = fresh()
    defective(reg, app_entry(**changes), field, rule, paragraph)


def defective(
    reg: MemoryRegister, entry: EmissionApplied, field: str, rule: str, paragraph: str
) -> Defect:
    """Assert that the application is received with this defect (Reg. §10, §17, §37), and
    that it cannot be registered while the defect is open."""
    reg.apply(entry, calendar=CAL)
    received = state(reg, entry.emission)
    assert received.status is S.APPLIED
    found = [
        d for d in received.defects if (d.field, d.rule, d.paragraph) == (field, rule, paragraph)
    ]
    assert found, received.defects
    assert received.to_record()["defects"][0]["rule"] == received.defects[0].rule
    on = entry.documents_filed_on + timedelta(days=7)
    with pytest.raises(RuleViolation) as refused:
        reg.apply(
            ev("registered", on, emission=entry.emission, regno="KG0202A0011", basis=authority(on)),
            calendar=CAL,
        )
    assert (refused.value.field, refused.value.rule) == ("defects", "defects-open")
    return found[0]


def _collateral(**item: Any) -> list[dict[str, Any]]:
    base = load("emission-digital-token.yaml")["collateral"][0]
    return [{**base, **item}]


@pytest.mark.parametrize(
    ("item", "field", "rule"),
    [
        ({"currency": "USD"}, "collateral[0].rate", "collateral-currency"),
        ({"assessed_value": "9999999.99"}, "collateral", "collateral-coverage"),
        (
            {"appraised_on": date(2026, 1, 31)},
            "collateral[0].appraised_on",
            "collateral-appraisal-too-old",
        ),
    ],
)
def test_application_collateral_rules(item: dict[str, Any], field: str, rule: str) -> None:
    reg = fresh()
    found = defective(
        reg,
        app_entry(collateral=_collateral(**item)),
        field,
        rule,
        "Reg. §3-5" if rule != "collateral-appraisal-too-old" else "Reg. §3-6",
    )
    assert found.rule == rule


def test_mixed_collateral_sample_is_accepted() -> None:
    reg = fresh()
    stable = apply_for(reg, app="APP-000002", sample="emission-stablecoin.yaml")
    assert stable.fee_total == Decimal("500.00") and len(stable.collateral) == 2
    # the application was filed on a holiday (4 May 2026): 20 working days -> 8 June
    assert stable.deadlines == (Deadline("decision", date(2026, 6, 8), "Reg. §10"),)


def test_application_needs_a_known_active_issuer_and_a_new_number() -> None:
    reg = fresh()
    violates(reg, app_entry(issuer="Z999"), "issuer", "unknown-issuer", "Reg. §62")
    violates(reg, app_entry(app=APP), "emission", "duplicate-application", "Reg. §60")
    liquidate(reg)
    violates(reg, app_entry(), "issuer", "issuer-not-active", "Reg. §62")


def test_application_dates() -> None:
    reg = fresh()
    entry = app_entry()
    shifted = entry.model_copy(
        update={"effective_on": date(2026, 3, 3), "recorded_at": at(date(2026, 3, 3))}
    )
    violates(reg, shifted, "effective_on", "effective-date", "Reg. §10")
    early = entry.model_copy(update={"recorded_at": at(date(2026, 3, 1))})
    violates(reg, early, "effective_on", "effective-after-recording", "Reg. §63")
    basis = entry.model_copy(
        update={"basis": app_entry().decision.model_copy(update={"date": date(2026, 3, 5)})}
    )
    violates(reg, basis, "basis.date", "basis-date", "Reg. §63")


# ============================================================================================
# registration (Reg. §10, §57, §60, §67-68, §3-6, §3-10, §65)
# ============================================================================================


def _register(regno: str = REGNO, on: date = REGISTERED_ON, **data: Any) -> Entry:
    return ev("registered", on, emission=APP, regno=regno, **{"basis": authority(on), **data})


@pytest.mark.parametrize(
    ("regno", "rule", "paragraph"),
    [
        ("KG0101A0011", "regno-type-mismatch", "Reg. §68(б)"),
        ("KG0201B0011", "regno-issuer-mismatch", "Reg. §68(г)"),
        ("KG0201A0013", "regno-region-mismatch", "Reg. §68(д), Annex 7"),
        ("KG0202A0011", "regno-serial-order", "Reg. §68(в)"),
        ("KG0201A001", "regno-length", "Reg. §68"),
        ("KG0301A0011", "regno-va-type-reserved", "Reg. §68(б)"),
    ],
)
def test_registration_number_rules(regno: str, rule: str, paragraph: str) -> None:
    reg = fresh()
    violates(reg, _register(regno), "regno", rule, paragraph)


def test_registration_number_never_reused() -> None:
    reg = fresh("registered")
    apply_for(reg, app="APP-000002", documents_filed_on=date(2026, 3, 10))
    # pretend the issuer's counter were reset: the number is still taken
    reg.store(Effects(issuers=(dataclasses.replace(state_issuer(reg), serials_used=0),)))
    violates(
        reg,
        ev(
            "registered",
            REGISTERED_ON,
            emission="APP-000002",
            regno=REGNO,
            basis=authority(REGISTERED_ON),
        ),
        "regno",
        "regno-taken",
        "Reg. §60",
    )


def test_serials_exhausted() -> None:
    reg = fresh()
    reg.store(Effects(issuers=(dataclasses.replace(state_issuer(reg), serials_used=99),)))
    violates(reg, _register(), "serial", "serials-exhausted", "Reg. §68(в)")


def test_registration_basis() -> None:
    reg = fresh()
    entry = _register()
    violates(reg, entry.model_copy(update={"basis": None}), "basis", "basis-required", "Reg. §64")
    court = entry.model_copy(
        update={"basis": entry.basis.model_copy(update={"type": DocumentType.COURT_DECISION})}
    )  # type: ignore[union-attr]
    violates(reg, court, "basis.type", "basis-type", "Reg. §64")


def test_collateral_must_be_registered_and_deposited_before_filing() -> None:
    # Reg. §3-8 (securities: registrar or depository), §9.11 (the registration is filed): a
    # pledge registered after the documents were filed on 2 March 2026 is a defect of the
    # application, and with it no registration is possible (Reg. §3-10, §17)
    reg = fresh()
    late = app_entry(
        documents_filed_on=FILED_ON, collateral=_collateral(registered_on=date(2026, 3, 3))
    )
    defective(
        reg,
        late,
        "collateral[0].registered_on",
        "collateral-registered-after-filing",
        "Reg. §3-8, §9.11",
    )
    unregistered = app_entry("APP-000003", collateral=_collateral(registered_on=None))
    defective(
        reg,
        unregistered,
        "collateral[0].registered_on",
        "collateral-registered-after-filing",
        "Reg. §3-8, §9.11",
    )
    same_day = app_entry(
        "APP-000004", documents_filed_on=FILED_ON, collateral=_collateral(registered_on=FILED_ON)
    )
    reg.apply(same_day, calendar=CAL)
    assert state(reg, "APP-000004").collateral[0].registered_on == FILED_ON
    assert state(reg, "APP-000004").defects == ()


def test_appraisal_must_be_current_at_registration() -> None:
    reg = fresh()
    on = date(2026, 8, 21)  # appraisal of 20 February 2026 was current until 20 August
    violates(
        reg,
        _register(on=on),
        "collateral[0].appraised_on",
        "collateral-appraisal-expired",
        "Reg. §3-6",
    )


def test_late_registration_and_late_entry_are_recorded() -> None:
    reg = fresh()
    on = date(2026, 4, 1)  # one working day after the 20 of Reg. §10
    entry = _register(on=on).model_copy(update={"recorded_at": at(date(2026, 4, 7))})
    reg.apply(entry, calendar=CAL)
    assert state(reg).missed == (
        Deadline("decision", date(2026, 3, 31), "Reg. §10"),
        Deadline("register_entry", date(2026, 4, 6), "Reg. §65"),
    )


def test_refusal_closes_the_application() -> None:
    reg = fresh()
    on = date(2026, 3, 20)
    refused = walk_one_app(
        reg, "refused", on, grounds=["documents_nonconforming"], basis=authority(on)
    )
    assert refused.status is S.REFUSED and refused.deadlines == () and refused.regno is None
    assert state_issuer(reg).serials_used == 0


def walk_one_app(reg: MemoryRegister, kind: str, on: date, **data: Any) -> Any:
    reg.apply(ev(kind, on, emission=APP, **data), calendar=CAL)
    return state(reg)


# ============================================================================================
# offer and placement (Reg. §20-21, §30, Annex 6)
# ============================================================================================


def test_offer_after_the_period() -> None:
    reg = fresh("registered")
    violates(
        reg,
        ev("offer_disclosed", date(2026, 8, 3), uri="u"),
        "effective_on",
        "offer-after-period",
        "Reg. §20",
    )


def test_placement_not_before_the_fifth_working_day() -> None:
    reg = fresh("offer_disclosed")
    violates(
        reg,
        ev("placement_started", date(2026, 5, 14), venue="Bishkek Crypto Exchange"),
        "effective_on",
        "placement-too-early",
        "Reg. §21",
    )


def test_placement_within_the_white_paper_period() -> None:
    reg = fresh("offer_disclosed", placement_start=date(2026, 5, 20))
    violates(
        reg,
        ev("placement_started", date(2026, 5, 15), venue="Bishkek Crypto Exchange"),
        "effective_on",
        "placement-outside-period",
        "Reg. §20",
    )
    reg = fresh("placement_started")
    violates(
        reg,
        ev("placement_ended", date(2026, 8, 1)),
        "effective_on",
        "placement-outside-period",
        "Reg. §20",
    )


def test_early_end_drops_later_installments() -> None:
    reg = fresh("placement_started")
    ended = walk_one(reg, "placement_ended", date(2026, 6, 10))
    assert [d.name for d in ended.deadlines] == [
        "fee_installment:2026-06-30",
        "fee_report:2026-06-30",
        "results_report",
    ]


def _report(**changes: Any) -> Entry:
    data = {
        "actual_start": STARTED_ON,
        "actual_end": ENDED_ON,
        "placed": "800000",
        "prices": ["10.00"],
        "proceeds": "8000000",
        "share_placed_pct": "80.00",
        **changes,
    }
    return ev("results_reported", REPORTED_ON, **data)


@pytest.mark.parametrize(
    ("changes", "field", "rule", "paragraph"),
    [
        ({"actual_start": date(2026, 5, 16)}, "actual_start", "report-period", "Annex 6 item 2"),
        ({"actual_end": date(2026, 7, 30)}, "actual_end", "report-period", "Annex 6 item 2"),
        (
            {"placed": "1000001", "share_placed_pct": "100"},
            "placed",
            "placed-exceeds-quantity",
            "Annex 6 item 3",
        ),
        ({"prices": []}, "prices", "placement-prices", "Annex 6 item 5"),
        (
            {"placed": "0", "prices": [], "share_placed_pct": "0"},
            "proceeds",
            "proceeds",
            "Annex 6 item 6",
        ),
        ({"share_placed_pct": "79.99"}, "share_placed_pct", "share-placed", "Annex 6 item 8"),
    ],
)
def test_results_report_rules(
    changes: dict[str, Any], field: str, rule: str, paragraph: str
) -> None:
    reg = fresh("placement_ended")
    violates(reg, _report(**changes), field, rule, paragraph)


def test_late_report_is_recorded() -> None:
    reg = fresh("placement_ended")
    late = _report().model_copy(
        update={"effective_on": date(2026, 9, 2), "recorded_at": at(date(2026, 9, 2))}
    )
    reg.apply(late, calendar=CAL)
    assert state(reg).missed == (Deadline("results_report", date(2026, 9, 1), "Reg. §30"),)


def test_a_report_on_the_next_working_day_after_a_term_ending_on_a_day_off_is_on_time() -> None:
    # Civil Code of the KR: the 30th day is Sun 30 August 2026, Mon 31 August a holiday
    reg = fresh("placement_ended")
    on_time = _report().model_copy(
        update={"effective_on": date(2026, 9, 1), "recorded_at": at(date(2026, 9, 1))}
    )
    reg.apply(on_time, calendar=CAL)
    assert state(reg).missed == ()


# ============================================================================================
# amendments (Reg. §7, §59, Law art. 22)
# ============================================================================================


def _request(on: date = date(2026, 9, 1), **changes: Any) -> Entry:
    wp = {"version": "2", "sha256": SHA_B, "uri": "https://x.example/wp2"}
    return ev("whitepaper_amendment_requested", on, **{"whitepaper": wp, **changes})


def _decide(on: date, consented: bool = True) -> Entry:
    return ev("whitepaper_amended", on, consented=consented, basis=authority(on))


def test_amendment_of_quantity_and_nominal_costs_the_increase_fee() -> None:
    reg = fresh("recognized_successful", collateral=_collateral(assessed_value="14400000"))
    reg.apply(_request(quantity="1200000", nominal_value="12.00"), calendar=CAL)
    pending = state(reg)
    assert pending.quantity == 1_000_000  # nothing changes before the consent (Reg. §59)
    assert pending.pending_amendment.quantity == 1_200_000
    assert pending.deadline("whitepaper_review").due == date(2026, 9, 15)
    reg.apply(_decide(date(2026, 9, 16)), calendar=CAL)
    done = state(reg)
    assert (done.quantity, done.nominal_value) == (1_200_000, Decimal("12.00"))
    # total nominal 10 000 000 -> 14 400 000: 0.01% of the increase = 440.00 (Law art. 22), on
    # top of the fee owed for the 800,000 of 1,000,000 placed: 200.00 + 800.00 × 0.8 (Reg. §28)
    assert done.fee_total == Decimal("840.00") + Decimal("440.00")
    assert done.missed[-1] == Deadline("whitepaper_review", date(2026, 9, 15), "Reg. §7")


def test_refused_amendment_changes_nothing() -> None:
    reg = fresh("recognized_successful")
    before = state(reg)
    reg.apply(_request(quantity="900000"), calendar=CAL)
    reg.apply(_decide(date(2026, 9, 2), consented=False), calendar=CAL)
    after = state(reg)
    assert after == dataclasses.replace(before, last_event_on=date(2026, 9, 2))


def test_amendment_rules() -> None:
    reg = fresh("recognized_successful")
    violates(reg, _decide(date(2026, 9, 1)), "emission", "no-pending-amendment", "Reg. §7")
    wp_same = {"version": "1.1", "sha256": state(reg).whitepaper.sha256, "uri": "u"}
    violates(
        reg, _request(whitepaper=wp_same), "whitepaper.sha256", "whitepaper-unchanged", "Reg. §7"
    )
    violates(reg, _request(quantity="799999"), "quantity", "quantity-below-placed", "Reg. §59")
    violates(
        reg,
        _request(placement_end=date(2026, 12, 31)),
        "placement_end",
        "placement-closed",
        "Reg. §20",
    )
    violates(reg, _request(quantity="1000001"), "quantity", "collateral-coverage", "Reg. §3-5")
    reg.apply(_request(), calendar=CAL)
    violates(reg, _request(on=date(2026, 9, 2)), "emission", "amendment-pending", "Reg. §7")


def test_amendment_minimum_and_period() -> None:
    reg = fresh("registered")
    violates(
        reg,
        _request(on=date(2026, 3, 20), quantity="599999"),
        "quantity",
        "min-success-quantity",
        "Annex 1 item 9",
    )
    violates(
        reg,
        _request(on=date(2026, 3, 20), placement_end=date(2026, 4, 30)),
        "placement_end",
        "placement-period",
        "Reg. §20",
    )


def test_extending_placement_adds_installments() -> None:
    reg = fresh("placement_started")
    reg.apply(_request(on=date(2026, 6, 1), placement_end=date(2026, 11, 30)), calendar=CAL)
    reg.apply(_decide(date(2026, 6, 5)), calendar=CAL)
    extended = state(reg)
    assert extended.placement_end == date(2026, 11, 30)
    assert [d.name for d in extended.deadlines] == [
        "fee_installment:2026-06-30",
        "fee_report:2026-06-30",
        "fee_installment:2026-09-30",
        "fee_report:2026-09-30",
        "appraisal_validity",
        "fee_installment:2026-12-31",
        "fee_report:2026-12-31",
    ]


# ============================================================================================
# burns and cancellations (Reg. §45-47, §54-56)
# ============================================================================================


def test_partial_burn_rules() -> None:
    reg = fresh("recognized_successful")
    on = date(2026, 9, 1)
    violates(
        reg,
        ev("partial_burn", on, amount="800001", basis=doc("issuer_decision", on)),
        "amount",
        "burn-exceeds-circulating",
        "Reg. §45",
    )
    violates(reg, ev("partial_burn", on, amount="1"), "basis", "basis-required", "Reg. §46")
    reg.apply(
        ev("partial_burn", on, amount="800000", basis=doc("issuer_decision", on)), calendar=CAL
    )
    assert state(reg).circulating == 0


def test_unplaced_cancellation_rules() -> None:
    reg = fresh("recognized_successful")
    on = date(2026, 9, 1)
    violates(
        reg, ev("unplaced_cancelled", on, amount="199999"), "amount", "unplaced-amount", "Reg. §45"
    )
    reg.apply(ev("unplaced_cancelled", on, amount="200000"), calendar=CAL)
    violates(
        reg, ev("unplaced_cancelled", on, amount="1"), "amount", "nothing-unplaced", "Reg. §45"
    )


def test_cancellation_ground_must_fit() -> None:
    reg = fresh("recognized_successful")
    on = date(2026, 9, 1)
    violates(
        reg,
        ev("cancelled", on, ground="failed", basis=authority(on)),
        "ground",
        "cancellation-ground",
        "Reg. §45, §47",
    )
    violates(
        reg,
        ev("cancelled", on, ground="issuer_liquidated", basis=authority(on)),
        "ground",
        "cancellation-ground",
        "Reg. §45, §64",
    )
    violates(
        reg,
        ev("cancelled", on, ground="bankruptcy", basis=authority(on)),
        "ground",
        "cancellation-ground",
        "Reg. §45, §64",
    )
    violates(
        reg,
        ev("cancelled", on, ground="invalid", basis=doc("issuer_decision", on)),
        "basis.type",
        "basis-type",
        "Reg. §64",
    )


def test_notices_only_once() -> None:
    reg = fresh("recognized_successful")
    on = date(2026, 9, 1)
    reg.apply(ev("cancelled", on, ground="authority_decision", basis=authority(on)), calendar=CAL)
    reg.apply(ev("cancellation_notified", on), calendar=CAL)
    violates(reg, ev("cancellation_notified", on), "emission", "already-notified", "Reg. §54-55")
    reg.apply(ev("cancellation_published", on, uri="u"), calendar=CAL)
    violates(
        reg, ev("cancellation_published", on, uri="u"), "emission", "already-published", "Reg. §56"
    )
    assert state(reg).missed == ()


# ============================================================================================
# fees (Reg. §26-28)
# ============================================================================================


def test_fee_payment_rules() -> None:
    reg = fresh("placement_started")
    on = date(2026, 7, 1)
    violates(reg, ev("fee_paid", on, amount="0.001"), "amount", "money", "Reg. §28")
    violates(
        reg,
        ev("fee_paid", on, amount="1.00", quarter_end=date(2026, 6, 29)),
        "quarter_end",
        "quarter-end",
        "Reg. §28",
    )


def test_fee_payment_may_be_recorded_out_of_order() -> None:
    reg = fresh("placement_started")
    paid = walk_one(reg, "fee_paid", date(2026, 5, 10), amount="800.00")
    # paid in full: no installment is due, the quarterly reports still are (Reg. §28)
    assert paid.fee_outstanding == 0
    assert [d.name for d in paid.deadlines] == [
        "fee_report:2026-06-30",
        "fee_report:2026-09-30",
        "appraisal_validity",
    ]
    assert paid.last_event_on == STARTED_ON


def test_fee_after_refusal_is_illegal() -> None:
    reg = fresh()
    on = date(2026, 3, 20)
    walk_one_app(reg, "refused", on, grounds=["fees_unpaid"], basis=authority(on))
    violates(
        reg,
        ev("fee_paid", on, emission=APP, amount="1.00"),
        "status",
        "illegal-transition",
        "Reg. §28",
        cls=IllegalTransition,
    )


# ============================================================================================
# common checks
# ============================================================================================


def test_unknown_emission() -> None:
    reg = fresh()
    violates(
        reg,
        ev("offer_disclosed", DISCLOSED_ON, emission="KG0299A0011", uri="u"),
        "emission",
        "unknown-emission",
        "Reg. §57",
    )


def test_dates_run_forward() -> None:
    reg = fresh("registered")
    violates(
        reg,
        ev("offer_disclosed", date(2026, 3, 13), uri="u"),
        "effective_on",
        "date-order",
        "Reg. §4",
    )
    future = ev("offer_disclosed", DISCLOSED_ON, uri="u").model_copy(
        update={"recorded_at": at(date(2026, 4, 29), hour=17)}
    )
    violates(reg, future, "effective_on", "effective-after-recording", "Reg. §63")
    # 18:00 UTC on 29 April is already 30 April in Bishkek
    reg.apply(
        future.model_copy(update={"recorded_at": at(date(2026, 4, 29), hour=18)}), calendar=CAL
    )


def test_apply_entry_is_pure() -> None:
    reg = fresh()
    before = (reg.issuers(), reg.emissions())
    effects = apply_entry(reg, _register(), calendar=CAL)
    assert (reg.issuers(), reg.emissions()) == before
    assert [e.key for e in effects.emissions] == [REGNO]
    assert [i.serials_used for i in effects.issuers] == [1]


# ============================================================================================
# issuers (Reg. §62, §64, §68(г), Law art. 37.3)
# ============================================================================================


def liquidate(
    reg: MemoryRegister, on: date = date(2026, 6, 1), termination: str = "liquidation"
) -> None:
    kind = "termination_record" if termination == "liquidation" else "bankruptcy_decision"
    entry = IssuerLiquidated(
        issuer=CODE,
        recorded_at=at(on),
        effective_on=on,
        termination=termination,  # type: ignore[arg-type]
        basis=doc(kind, on),  # type: ignore[arg-type]
    )
    reg.apply(entry, calendar=CAL)


def test_issuer_registration_rules() -> None:
    reg = fresh()
    violates(reg, issuer_reg(CODE), "issuer", "issuer-code-taken", "Reg. §68(г)")
    violates(reg, issuer_reg(name="Kyrgyzstan Crypto"), "name", "forbidden-word", "Law art. 37.3")
    violates(reg, issuer_reg(legal_form=None), "legal_form", "legal-form-required", "Reg. §62")
    violates(
        reg,
        issuer_reg(legal_registration=None),
        "legal_registration",
        "legal-registration-required",
        "Reg. §62, §9.5",
    )
    individual = issuer_reg(issuer_kind="individual", legal_form=None, legal_registration=None)
    reg.apply(individual, calendar=CAL)
    assert sorted(reg.issuer_codes()) == ["A001", "B002"]


def test_issuer_update() -> None:
    reg = fresh()
    upd = {
        "kind": "issuer.updated",
        "issuer": CODE,
        "recorded_at": at(date(2026, 3, 1)),
        "effective_on": date(2026, 3, 1),
    }
    from node.domain.entries import ENTRY_ADAPTER

    def update(**data: Any) -> Entry:
        return ENTRY_ADAPTER.validate_python({**upd, **data})

    violates(reg, update(), "issuer", "empty-update", "Reg. §62")
    violates(
        reg,
        update(legal_address=state_issuer(reg).legal_address),
        "issuer",
        "empty-update",
        "Reg. §62",
    )
    violates(reg, update(name="National Token LLC"), "name", "forbidden-word", "Law art. 37.3")
    violates(reg, update(issuer="Z999", name="X"), "issuer", "unknown-issuer", "Reg. §62")
    violates(
        reg,
        update(effective_on=date(2026, 2, 1), name="Y"),
        "effective_on",
        "date-order",
        "Reg. §62",
    )
    reg.apply(update(name="Ala-Too Assets LLC", region="chuy"), calendar=CAL)
    assert state_issuer(reg).name == "Ala-Too Assets LLC"
    # the region of future numbers changes, numbers already assigned stay
    violates(reg, _register(), "regno", "regno-region-mismatch", "Reg. §68(д), Annex 7")
    reg.apply(_register("KG0201A0012"), calendar=CAL)


def test_issuer_reorganization() -> None:
    reg = fresh("registered")
    on = date(2026, 4, 1)

    def reorg(successor: str) -> Entry:
        from node.domain.entries import IssuerReorganized

        return IssuerReorganized(
            issuer=CODE, successor=successor, recorded_at=at(on), effective_on=on
        )

    violates(reg, reorg(CODE), "successor", "successor-self", "Reg. §62")
    violates(reg, reorg("B002"), "successor", "unknown-issuer", "Reg. §62")
    reg.apply(issuer_reg("B002"), calendar=CAL)
    reg.apply(reorg("B002"), calendar=CAL)
    issuer = state_issuer(reg)
    assert issuer.status is IssuerStatus.REORGANIZED and issuer.successor == "B002"
    violates(
        reg, reorg("B002"), "status", "illegal-transition", "Reg. §62, §64", cls=IllegalTransition
    )
    violates(reg, app_entry(), "issuer", "issuer-not-active", "Reg. §62")
    # the emission carries on under the successor's responsibility
    walk_one(reg, "offer_disclosed", DISCLOSED_ON, uri="u")


def test_liquidation_gives_registered_emissions_a_cancellation_deadline() -> None:
    reg = fresh("registered")
    apply_for(reg, app="APP-000002", documents_filed_on=date(2026, 3, 10))
    on = date(2026, 6, 1)
    liquidate(reg, on)
    assert state_issuer(reg).status is IssuerStatus.LIQUIDATED
    due = Deadline("cancellation", date(2026, 6, 4), "Reg. §65")
    assert state(reg).deadlines == (due,)
    assert state(reg, "APP-000002").deadline("cancellation") is None  # no number to cancel
    violates(
        reg, ev("offer_disclosed", on, uri="u"), "issuer", "issuer-terminated", "Reg. §21, §45"
    )
    violates(
        reg,
        ev("registered", on, emission="APP-000002", regno="KG0202A0011", basis=authority(on)),
        "issuer",
        "issuer-not-active",
        "Reg. §62, §64",
    )
    cancelled = walk_one(
        reg,
        "cancelled",
        date(2026, 6, 5),
        ground="issuer_liquidated",
        basis=doc("termination_record", on),
    )
    assert cancelled.missed == (due,)


def test_bankruptcy() -> None:
    reg = fresh("registered")
    on = date(2026, 6, 1)
    with pytest.raises(RuleViolation) as err:
        reg.apply(
            IssuerLiquidated(
                issuer=CODE,
                recorded_at=at(on),
                effective_on=on,
                termination="bankruptcy",  # type: ignore[arg-type]
                basis=doc("termination_record", on),  # type: ignore[arg-type]
            ),
            calendar=CAL,
        )
    assert (err.value.field, err.value.rule, err.value.paragraph) == (
        "basis.type",
        "basis-type",
        "Reg. §64",
    )
    liquidate(reg, on, termination="bankruptcy")
    assert state_issuer(reg).status is IssuerStatus.BANKRUPT
    violates(
        reg,
        ev("cancelled", on, ground="issuer_liquidated", basis=authority(on)),
        "ground",
        "cancellation-ground",
        "Reg. §45, §64",
    )
    walk_one(reg, "cancelled", on, ground="bankruptcy", basis=doc("bankruptcy_decision", on))
    assert state(reg).status is S.CANCELLED


def test_liquidation_needs_its_document() -> None:
    reg = fresh()
    on = date(2026, 6, 1)
    entry = IssuerLiquidated(issuer=CODE, recorded_at=at(on), effective_on=on)
    violates(reg, entry, "basis", "basis-required", "Reg. §64")


# ============================================================================================
# the in-memory register
# ============================================================================================


def test_memory_register_views() -> None:
    reg = fresh("registered")
    apply_for(reg, app="APP-000002", documents_filed_on=date(2026, 3, 10))
    reg.apply(issuer_reg("B002"), calendar=CAL)
    assert reg.application_count() == 2
    assert [e.application_no for e in reg.emissions_of(CODE)] == [APP, "APP-000002"]
    assert reg.emissions_of("B002") == []
    assert [e.key for e in reg.emissions()] == ["APP-000002", REGNO]
    assert [i.code for i in reg.issuers()] == [CODE, "B002"]
    assert reg.emission("nope") is None and reg.issuer("nope") is None
    assert reg.emission(REGNO) is reg.emission(APP)


def test_replay_gives_the_same_register() -> None:
    from node.domain.entries import decode_entry, encode_entry

    log: list[bytes] = []

    class Recording(MemoryRegister):
        def apply(self, entry: Entry, *, calendar: Any) -> Effects:
            effects = super().apply(entry, calendar=calendar)
            log.append(encode_entry(entry))
            return effects

    reg = Recording()
    register_issuer(reg)
    apply_for(reg)
    walk(reg, "recognized_successful")
    replayed = MemoryRegister()
    for data in log:
        replayed.apply(decode_entry(data), calendar=CAL)
    assert replayed.emissions() == reg.emissions() and replayed.issuers() == reg.issuers()
    assert len(log) == 8
