"""Filings (wire models the CLI and API accept) and the entries built from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from node.domain.entries import (
    CALENDAR_KINDS,
    ENTRY_ADAPTER,
    ENTRY_TYPES,
    EmissionApplied,
    EmissionTerms,
    Entry,
    IssuerCode,
    IssuerRegistered,
    LegalRegistrationData,
    MinerFiling,
    Percent,
    ShortText,
    Text,
    VaspFiling,
    WireModel,
    validation_violation,
)
from node.domain.model import IssuerKind
from node.domain.regno import Region
from node.errors import RuleViolation


class FounderKind(StrEnum):
    """Who a founder is: a natural person (Annex 4) or a legal entity (Annex 5)."""

    INDIVIDUAL = "individual"
    LEGAL_ENTITY = "legal_entity"


class Founder(WireModel):
    """A founder / shareholder / participant of the issuer (Annex 4-5). PRIVATE (Reg. §66)."""

    name: ShortText  # Annex 4 item 1 / Annex 5 item 1
    kind: FounderKind
    share_pct: Percent  # Annex 4 item 12 / share in the charter capital
    identifier: ShortText  # passport series and number (Annex 4 item 4) or TIN (Annex 5 item 4)
    citizenship: ShortText | None = None  # Annex 4 item 5 (individuals)
    address: Text  # Annex 4 item 6 / Annex 5 item 2


class IssuerFiling(WireModel):
    """An issuer's request to enter the register (Reg. §9.5-9.7, §9.12, §62).

    ``founders`` never leave the node: the register keeps only a salted commitment (Reg. §66).
    """

    name: ShortText
    issuer_kind: IssuerKind
    legal_form: ShortText | None = None
    legal_address: Text
    region: Region
    legal_registration: LegalRegistrationData | None = None
    founders: tuple[Founder, ...] = ()
    code: IssuerCode | None = None  # a requested issuer code (Reg. §68(г)); else one is allocated


class EmissionFiling(EmissionTerms):
    """An application for registration of an emission: the decision on issue with the terms of
    Reg. §5, §9 and Annex 1 (all public). ``issuer`` is the issuer's code."""


# Which paragraph governs each filing field (for error messages).
_ISSUER_PARAGRAPHS: Final[dict[str, str]] = {
    "name": "Reg. §62",
    "issuer_kind": "Reg. §9.5-9.7",
    "legal_form": "Reg. §62",
    "legal_address": "Reg. §62",
    "region": "Annex 7",
    "legal_registration": "Reg. §62, §9.5",
    "founders": "Reg. §9.12, Annex 4-5",
    "code": "Reg. §68(г)",
}
_EMISSION_PARAGRAPHS: Final[dict[str, str]] = {
    "issuer": "Reg. §68(г)",
    "va_type": "Annex 1 item 1",
    "name": "Law art. 37.3",
    "symbol": "Law art. 37.3",
    "quantity": "Reg. §5.1",
    "nominal_value": "Reg. §5.2",
    "currency": "Reg. §1",
    "placement_price": "Reg. §23",
    "pricing_method": "Reg. §23",
    "placement_start": "Annex 1 item 5",
    "placement_end": "Annex 1 item 5",
    "placement_terms": "Reg. §5.3",
    "circulation_terms": "Reg. §5.4",
    "holder_rights": "Annex 1 item 4",
    "payment_terms": "Annex 1 item 8",
    "min_success_quantity": "Annex 1 item 9",
    "refund_procedure": "Annex 1 item 9",
    "blockchain": "Reg. §5.5",
    "issuer_wallet": "Reg. §5.5",
    "contract_address": "Reg. §5.5",
    "collateral": "Reg. §3-5, §5.6",
    "collateral_manager": "Reg. §3-2, §5.7",
    "collateral_enforcement_terms": "Reg. §5.8",
    "whitepaper": "Reg. §6",
    "decision": "Annex 3",
    "documents_filed_on": "Reg. §10",
    "fee_paid": "Reg. §28",
}


def _violation(
    exc: ValidationError,
    paragraphs: Mapping[str, str],
    default: str,
    model: type[BaseModel],
) -> RuleViolation:
    top = exc.errors(include_url=False)[0]["loc"]
    paragraph = paragraphs.get(str(top[0]), default) if top else default
    return validation_violation(exc, rule="filing-field", paragraph=paragraph, model=model)


def parse_issuer_filing(data: Any) -> IssuerFiling:
    """Validate loose data (parsed JSON or YAML) as an issuer filing.

    Raises:
        RuleViolation: rule "filing-field", naming the first bad field and its paragraph.
    """
    try:
        return IssuerFiling.model_validate(data)
    except ValidationError as exc:
        raise _violation(exc, _ISSUER_PARAGRAPHS, "Reg. §62", IssuerFiling) from exc


def parse_emission_filing(data: Any) -> EmissionFiling:
    """Validate loose data (parsed JSON or YAML) as an emission filing.

    Raises:
        RuleViolation: rule "filing-field", naming the first bad field and its paragraph.
    """
    try:
        return EmissionFiling.model_validate(data)
    except ValidationError as exc:
        raise _violation(exc, _EMISSION_PARAGRAPHS, "Annex 1", EmissionFiling) from exc


def founders_record(filing: IssuerFiling) -> list[dict[str, Any]]:
    """The founders as JSON data: the value the ledger commits to with privacy.commit (Reg. §66)."""
    return [f.model_dump(mode="json") for f in filing.founders]


def check_issuer_filing(filing: IssuerFiling) -> None:
    """Cross-field rules of an issuer filing.

    Raises:
        RuleViolation: "founders-required" (Reg. §9.12: a legal entity files its founders'
            questionnaires, Annex 4-5); "founders-not-applicable" (an individual has none);
            "founder-shares" (shares add up to more than 100%, Annex 4 item 12).
    """
    if filing.issuer_kind is IssuerKind.LEGAL_ENTITY and not filing.founders:
        raise RuleViolation(
            field="founders",
            rule="founders-required",
            paragraph="Reg. §9.12, Annex 4-5",
            message="a legal entity files the questionnaires of its founders/shareholders",
        )
    if filing.issuer_kind is not IssuerKind.LEGAL_ENTITY and filing.founders:
        raise RuleViolation(
            field="founders",
            rule="founders-not-applicable",
            paragraph="Reg. §9.12",
            message=f"an issuer that is {filing.issuer_kind.value} has no founders",
        )
    total = sum((f.share_pct for f in filing.founders), Decimal(0))
    if total > 100:
        raise RuleViolation(
            field="founders",
            rule="founder-shares",
            paragraph="Annex 4 item 12",
            message=f"the founders' shares add up to {total}%, more than 100%",
        )


def issuer_entry(
    filing: IssuerFiling,
    *,
    code: str,
    founders_commitment: str,
    recorded_at: dt.datetime,
    effective_on: dt.date,
) -> IssuerRegistered:
    """The ``issuer.registered`` entry for a filing; founders enter only as the commitment.

    Raises:
        RuleViolation: the rules of :func:`check_issuer_filing`; rule "requested-code"
            (Reg. §68(г)) when the filing asked for another code than ``code``; rule
            "filing-field" when an argument is malformed (e.g. a naive ``recorded_at``).
    """
    check_issuer_filing(filing)
    if filing.code is not None and filing.code != code:
        raise RuleViolation(
            field="code",
            rule="requested-code",
            paragraph="Reg. §68(г)",
            message=f"the filing requests code {filing.code}, but {code} was assigned",
        )
    try:
        return IssuerRegistered(
            issuer=code,
            recorded_at=recorded_at,
            effective_on=effective_on,
            name=filing.name,
            issuer_kind=filing.issuer_kind,
            legal_form=filing.legal_form,
            legal_address=filing.legal_address,
            region=filing.region,
            legal_registration=filing.legal_registration,
            founders_commitment=founders_commitment,
        )
    except ValidationError as exc:
        raise validation_violation(exc, rule="filing-field", paragraph="Reg. §62") from exc


def application_entry(
    filing: EmissionFiling, *, application_no: str, recorded_at: dt.datetime
) -> EmissionApplied:
    """The ``emission.applied`` entry: the whole filing, effective on the filing date (Reg. §10).

    Raises:
        RuleViolation: rule "filing-field" when ``application_no`` or ``recorded_at`` is malformed.
    """
    try:
        return EmissionApplied(
            emission=application_no,
            recorded_at=recorded_at,
            effective_on=filing.documents_filed_on,
            **dict(filing),
        )
    except ValidationError as exc:
        raise validation_violation(exc, rule="filing-field", paragraph="Reg. §9") from exc


_EVENT_KINDS: Final = tuple(sorted(k for k in ENTRY_TYPES if k.startswith("emission.")))
EMISSION_EVENT_KINDS: Final = tuple(k for k in _EVENT_KINDS if k != "emission.applied")
"""Emission events recorded after filing (an application is filed with its own workflow)."""
ISSUER_EVENT_KINDS: Final = tuple(
    sorted(k for k in ENTRY_TYPES if k.startswith("issuer.") and k != "issuer.registered")
)
"""Issuer events recorded after registration (update, reorganization, liquidation)."""


def event_entry(
    kind: str,
    *,
    emission: str,
    data: Mapping[str, Any],
    recorded_at: dt.datetime,
    effective_on: dt.date,
    recorded_by: str | None = None,
) -> Entry:
    """Build any emission event from loose data (CLI ``tamga emission event``); ``recorded_by``
    names the person who decided it (the workbench's signed-in staff member).

    Raises:
        RuleViolation: field "kind", rule "unknown-kind" for a kind that is not an emission
            event; rule "reserved-field" when ``data`` sets kind/emission/dates itself; rule
            "entry-field" naming the first bad field otherwise (docs/export-format.md).
    """
    return _loose_entry(
        kind,
        kinds=_EVENT_KINDS,
        what="an emission event",
        subject=("emission", emission),
        data=data,
        recorded_at=recorded_at,
        effective_on=effective_on,
        recorded_by=recorded_by,
    )


def issuer_event_entry(
    kind: str,
    *,
    issuer: str,
    data: Mapping[str, Any],
    recorded_at: dt.datetime,
    effective_on: dt.date,
    recorded_by: str | None = None,
) -> Entry:
    """Build an issuer event (update, reorganization, liquidation) from loose data, attributed
    to ``recorded_by`` (the workbench's person) when given.

    Raises:
        RuleViolation: field "kind", rule "unknown-kind" for another kind; rule "reserved-field"
            when ``data`` sets kind/issuer/dates; rule "entry-field" naming the first bad field.
    """
    return _loose_entry(
        kind,
        kinds=ISSUER_EVENT_KINDS,
        what="an issuer event",
        subject=("issuer", issuer),
        data=data,
        recorded_at=recorded_at,
        effective_on=effective_on,
        recorded_by=recorded_by,
    )


MINER_EVENT_KINDS: Final = tuple(
    sorted(
        k
        for k in ENTRY_TYPES
        if k.startswith("miner.") and k not in ("miner.registered", "miner.wallet_proved")
    )
)
"""Events of a registered miner (``miner.registered`` comes from :func:`parse_miner_filing`,
``miner.wallet_proved`` only from the proof service, which checks the signature)."""


def miner_event_entry(
    kind: str,
    *,
    miner: str,
    data: Mapping[str, Any],
    recorded_at: dt.datetime,
    effective_on: dt.date,
    recorded_by: str | None = None,
) -> Entry:
    """Build a miner event (update, suspension, resumption, termination, information request or
    answer) from loose data (Law art. 14, 16.2 item 7).

    Raises:
        RuleViolation: field "kind", rule "unknown-kind" for another kind; rule "reserved-field"
            when ``data`` sets kind/miner/dates; rule "entry-field" naming the first bad field.
    """
    return _loose_entry(
        kind,
        kinds=MINER_EVENT_KINDS,
        what="a miner event",
        subject=("miner", miner),
        data=data,
        recorded_at=recorded_at,
        effective_on=effective_on,
        recorded_by=recorded_by,
    )


def calendar_entry(
    *,
    data: Mapping[str, Any],
    recorded_at: dt.datetime,
    effective_on: dt.date,
    recorded_by: str | None = None,
) -> Entry:
    """Build a ``calendar.corrected`` entry from loose data (``days``, ``basis``), attributed
    to ``recorded_by`` (the workbench's person) when given.

    Raises:
        RuleViolation: rule "reserved-field" when ``data`` sets kind/dates itself; rule
            "entry-field" naming the first bad field otherwise (docs/export-format.md).
    """
    return _loose_entry(
        "calendar.corrected",
        kinds=tuple(sorted(CALENDAR_KINDS)),
        what="a calendar correction",
        subject=None,
        data=data,
        recorded_at=recorded_at,
        effective_on=effective_on,
        recorded_by=recorded_by,
    )


VASP_EVENT_KINDS: Final = tuple(
    sorted(k for k in ENTRY_TYPES if k.startswith("vasp.") and k != "vasp.applied")
)
"""Events of a licence application or licence (``vasp.applied`` comes with the filing)."""


def parse_vasp_filing(data: Any) -> VaspFiling:
    """Validate a licence application (Law art. 25, 28, 29.2, 30.1, 38) from loose data.

    Raises:
        RuleViolation: rule "filing-field" (Law art. 30.1) naming the first bad or missing field.
    """
    if not isinstance(data, Mapping):
        raise RuleViolation(
            field="filing",
            rule="filing-field",
            paragraph="Law art. 30.1",
            message="a licence application is a mapping of its fields",
        )
    try:
        return VaspFiling.model_validate(dict(data))
    except ValidationError as exc:
        raise validation_violation(exc, rule="filing-field", paragraph="Law art. 30.1") from exc


def vasp_event_entry(
    kind: str,
    *,
    licence: str,
    data: Mapping[str, Any],
    recorded_at: dt.datetime,
    effective_on: dt.date,
    recorded_by: str | None = None,
) -> Entry:
    """Build an event of a licence application or licence from loose data (Law art. 30-32).

    Raises:
        RuleViolation: field "kind", rule "unknown-kind" for another kind; rule "reserved-field"
            when ``data`` sets kind/licence/dates; rule "entry-field" naming the first bad field.
    """
    return _loose_entry(
        kind,
        kinds=VASP_EVENT_KINDS,
        what="a licence event",
        subject=("licence", licence),
        data=data,
        recorded_at=recorded_at,
        effective_on=effective_on,
        recorded_by=recorded_by,
    )


def parse_miner_filing(data: Any) -> MinerFiling:
    """Validate a miner's filing (Law art. 16.2) from loose data (YAML, JSON).

    Raises:
        RuleViolation: rule "filing-field" (Law art. 16.2) naming the first bad or missing field.
    """
    if not isinstance(data, Mapping):
        raise RuleViolation(
            field="filing",
            rule="filing-field",
            paragraph="Law art. 16.2",
            message="a miner's filing is a mapping of its fields",
        )
    try:
        return MinerFiling.model_validate(dict(data))
    except ValidationError as exc:
        raise validation_violation(exc, rule="filing-field", paragraph="Law art. 16.2") from exc


def _loose_entry(
    kind: str,
    *,
    kinds: tuple[str, ...],
    what: str,
    subject: tuple[str, str] | None,
    data: Mapping[str, Any],
    recorded_at: dt.datetime,
    effective_on: dt.date,
    recorded_by: str | None = None,
) -> Entry:
    if kind not in kinds:
        raise RuleViolation(
            field="kind",
            rule="unknown-kind",
            paragraph="docs/export-format.md",
            message=f"{kind!r} is not {what}; one of: {', '.join(kinds)}",
        )
    # recorded_by is the server's to fill from the authenticated person, never the body's
    reserved = {"kind", "recorded_at", "effective_on", "recorded_by"} | (
        {subject[0]} if subject else set()
    )
    clash = sorted(reserved & set(data))
    if clash:
        raise RuleViolation(
            field=clash[0],
            rule="reserved-field",
            paragraph="docs/export-format.md",
            message=f"{clash[0]!r} is given separately, not inside the event data",
        )
    payload = {**data, "kind": kind, "recorded_at": recorded_at, "effective_on": effective_on}
    if recorded_by is not None:
        payload["recorded_by"] = recorded_by
    if subject is not None:
        payload[subject[0]] = subject[1]
    try:
        return ENTRY_ADAPTER.validate_python(payload)
    except ValidationError as exc:
        raise validation_violation(
            exc, rule="entry-field", paragraph="docs/export-format.md", skip_tag=True
        ) from exc


__all__ = [
    "EMISSION_EVENT_KINDS",
    "ISSUER_EVENT_KINDS",
    "MINER_EVENT_KINDS",
    "EmissionFiling",
    "Founder",
    "FounderKind",
    "IssuerFiling",
    "application_entry",
    "calendar_entry",
    "check_issuer_filing",
    "event_entry",
    "founders_record",
    "issuer_entry",
    "issuer_event_entry",
    "miner_event_entry",
    "parse_emission_filing",
    "parse_issuer_filing",
    "parse_miner_filing",
    "parse_vasp_filing",
    "vasp_event_entry",
]
