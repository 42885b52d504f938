"""Register state: issuers and emissions as frozen values with exact JSON-able public records."""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from node.domain.collateral import CollateralItem, CollateralKind, CurrencyRate
from node.domain.regno import Region, VAType
from node.domain.verification import VerificationState

# A state record is the PUBLIC view of an issuer or emission (Reg. §66): it never holds founders'
# data, only the salted commitment to it. Amounts, quantities and decimals are decimal strings and
# dates ISO 8601 strings, so records go through RFC 8785 canonical JSON unchanged.


class EmissionStatus(StrEnum):
    """Where an emission stands in its life (Reg. §4); see node.domain.lifecycle for the table."""

    APPLIED = "applied"  # documents filed, decision pending (Reg. §9-10)
    REFUSED = "refused"  # registration refused (Reg. §17); terminal, no number assigned
    REGISTERED = "registered"  # state registration number assigned (Reg. §57)
    OFFER_DISCLOSED = "offer_disclosed"  # public offer published (Reg. §21)
    PLACING = "placing"  # placement under way (Reg. §20-22)
    PLACEMENT_ENDED = "placement_ended"  # results report due (Reg. §30)
    REPORTED = "reported"  # results reported, recognition pending (Reg. §34)
    CIRCULATING = "circulating"  # recognized successful (Reg. §29, §38)
    SUSPENDED = "suspended"  # suspended until violations are remedied (Reg. §25.1)
    FAILED = "failed"  # recognized or declared failed (Reg. §25.2, §44); number to be cancelled
    INVALID = "invalid"  # declared invalid by a court (Reg. §25.3, §52); number to be cancelled
    CANCELLED = "cancelled"  # state registration number cancelled (Reg. §47); terminal


class IssuerStatus(StrEnum):
    """Status of an issuer in the register (Reg. §62: liquidation and reorganization)."""

    ACTIVE = "active"
    REORGANIZED = "reorganized"  # Reg. §62; a successor issuer is named
    LIQUIDATED = "liquidated"  # activity terminated (Reg. §64, fourth ground)
    BANKRUPT = "bankrupt"  # declared bankrupt (Reg. §64, fifth ground)


class IssuerKind(StrEnum):
    """Legal kind of an issuer (Reg. §9.5-9.7, Annex 1)."""

    LEGAL_ENTITY = "legal_entity"
    INDIVIDUAL_ENTREPRENEUR = "individual_entrepreneur"
    INDIVIDUAL = "individual"


class CancellationGround(StrEnum):
    """Grounds of a full cancellation of an emission (Reg. §45, §64)."""

    FAILED = "failed"  # emission recognized/declared failed (Reg. §25.2, §44)
    INVALID = "invalid"  # court declared it invalid (Reg. §25.3, §52)
    ISSUER_LIQUIDATED = "issuer_liquidated"  # issuer's activity terminated (Reg. §45, §64)
    AUTHORITY_DECISION = "authority_decision"  # authority removes the issue (Reg. §64)
    BANKRUPTCY = "bankruptcy"  # issuer declared bankrupt (Reg. §64)


@dataclass(frozen=True, slots=True)
class Deadline:
    """A dated obligation attached to an emission; ``rule`` cites its paragraph ("Reg. §30")."""

    name: str
    due: date
    rule: str

    def to_record(self) -> dict[str, str]:
        """The deadline as JSON-able data."""
        return {"name": self.name, "due": self.due.isoformat(), "rule": self.rule}

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> Deadline:
        """Inverse of :meth:`to_record`."""
        return cls(name=r["name"], due=date.fromisoformat(r["due"]), rule=r["rule"])


@dataclass(frozen=True, slots=True)
class NameReview:
    """A name or symbol that holds a word of Law art. 37.3 only inside another word (a personal
    name built on it): put to the authority, whose decision is recorded (None: pending)."""

    field: str  # "name" or "symbol"
    text: str
    words: tuple[str, ...]
    decision: str | None = None  # "accepted" or "refused"

    def to_record(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "field": self.field,
            "text": self.text,
            "words": list(self.words),
            "decision": self.decision,
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> NameReview:
        """Inverse of :meth:`to_record`."""
        return cls(
            field=r["field"], text=r["text"], words=tuple(r["words"]), decision=r["decision"]
        )


@dataclass(frozen=True, slots=True)
class VenueLapse:
    """Days of the placement on which the exchange named by its licence number held no licence
    for placing or selling VAs (Law art. 26.1 items 1, 5; 27.2; Reg. §22): a public finding
    recorded with the results report, inclusive ``start``..``end``."""

    licence: str
    start: date
    end: date

    def to_record(self) -> dict[str, str]:
        """JSON-able form."""
        return {
            "licence": self.licence,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }

    @classmethod
    def from_record(cls, r: dict[str, str]) -> VenueLapse:
        """Inverse of :meth:`to_record`."""
        return cls(
            licence=r["licence"],
            start=date.fromisoformat(r["start"]),
            end=date.fromisoformat(r["end"]),
        )


@dataclass(frozen=True, slots=True)
class Defect:
    """What is wrong with filed documents, as the rule it breaks (Reg. §17, §37): recorded with
    the application, for the authority to have remedied or to refuse on."""

    field: str
    rule: str
    paragraph: str
    message: str

    def to_record(self) -> dict[str, str]:
        """The defect as JSON-able data."""
        return {
            "field": self.field,
            "rule": self.rule,
            "paragraph": self.paragraph,
            "message": self.message,
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> Defect:
        """Inverse of :meth:`to_record`."""
        return cls(field=r["field"], rule=r["rule"], paragraph=r["paragraph"], message=r["message"])


@dataclass(frozen=True, slots=True)
class QuarterReport:
    """What the issuer reported and paid for one quarter of placement (Reg. §28)."""

    quarter_end: date
    placed: int | None = None  # VAs placed in the quarter, once reported
    paid: Decimal = Decimal("0.00")  # installment payments made for the quarter

    def to_record(self) -> dict[str, str | None]:
        """The quarter as JSON-able data."""
        return {
            "quarter_end": self.quarter_end.isoformat(),
            "placed": _opt_int(self.placed),
            "paid": dec_str(self.paid),
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> QuarterReport:
        """Inverse of :meth:`to_record`."""
        return cls(
            quarter_end=date.fromisoformat(r["quarter_end"]),
            placed=_int_opt(r["placed"]),
            paid=Decimal(r["paid"]),
        )


@dataclass(frozen=True, slots=True)
class WhitePaperRef:
    """A registered white-paper version: its digest and where it is published (Reg. §6, Annex 2)."""

    version: str
    sha256: str
    uri: str

    def to_record(self) -> dict[str, str]:
        """The reference as JSON-able data."""
        return {"version": self.version, "sha256": self.sha256, "uri": self.uri}

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> WhitePaperRef:
        """Inverse of :meth:`to_record`."""
        return cls(version=r["version"], sha256=r["sha256"], uri=r["uri"])


@dataclass(frozen=True, slots=True)
class AmendmentProposal:
    """A white-paper amendment awaiting the authority's consent (Reg. §7, §59)."""

    requested_on: date
    whitepaper: WhitePaperRef
    quantity: int | None = None
    nominal_value: Decimal | None = None
    placement_end: date | None = None
    summary: str = ""

    def to_record(self) -> dict[str, Any]:
        """The proposal as JSON-able data."""
        return {
            "requested_on": self.requested_on.isoformat(),
            "whitepaper": self.whitepaper.to_record(),
            "quantity": _opt_int(self.quantity),
            "nominal_value": _opt_dec(self.nominal_value),
            "placement_end": _opt_date(self.placement_end),
            "summary": self.summary,
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> AmendmentProposal:
        """Inverse of :meth:`to_record`."""
        return cls(
            requested_on=date.fromisoformat(r["requested_on"]),
            whitepaper=WhitePaperRef.from_record(r["whitepaper"]),
            quantity=_int_opt(r["quantity"]),
            nominal_value=_dec_opt(r["nominal_value"]),
            placement_end=_date_opt(r["placement_end"]),
            summary=r["summary"],
        )


@dataclass(frozen=True, slots=True)
class LegalRegistration:
    """State registration data of an issuer that is a legal entity (Reg. §62)."""

    number: str
    registered_on: date
    authority: str

    def to_record(self) -> dict[str, str]:
        """The registration data as JSON-able data."""
        return {
            "number": self.number,
            "registered_on": self.registered_on.isoformat(),
            "authority": self.authority,
        }

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> LegalRegistration:
        """Inverse of :meth:`to_record`."""
        return cls(
            number=r["number"],
            registered_on=date.fromisoformat(r["registered_on"]),
            authority=r["authority"],
        )


@dataclass(frozen=True, slots=True)
class IssuerState:
    """An issuer as the register holds it (Reg. §62); founders only as a commitment (Reg. §66)."""

    code: str
    name: str
    region: Region
    status: IssuerStatus
    serials_used: int
    kind: IssuerKind
    legal_form: str | None
    legal_address: str
    legal_registration: LegalRegistration | None
    founders_commitment: str
    registered_on: date
    status_since: date
    successor: str | None = None
    name_review: NameReview | None = None  # Law art. 37.3 words inside a personal name

    def to_record(self) -> dict[str, Any]:
        """The public record (JSON-able; no founders' data, Reg. §66)."""
        reg = self.legal_registration
        record: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "region": self.region.value,
            "status": self.status.value,
            "serials_used": str(self.serials_used),
            "kind": self.kind.value,
            "legal_form": self.legal_form,
            "legal_address": self.legal_address,
            "legal_registration": reg.to_record() if reg is not None else None,
            "founders_commitment": self.founders_commitment,
            "registered_on": self.registered_on.isoformat(),
            "status_since": self.status_since.isoformat(),
            "successor": self.successor,
        }
        if self.name_review is not None:  # only then: other issuers' records stay as they were
            record["name_review"] = self.name_review.to_record()
        return record

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> IssuerState:
        """Inverse of :meth:`to_record` (exact round trip).

        Raises:
            KeyError, ValueError: the record is not one :meth:`to_record` produced.
        """
        reg = r["legal_registration"]
        return cls(
            code=r["code"],
            name=r["name"],
            region=Region(r["region"]),
            status=IssuerStatus(r["status"]),
            serials_used=int(r["serials_used"]),
            kind=IssuerKind(r["kind"]),
            legal_form=r["legal_form"],
            legal_address=r["legal_address"],
            legal_registration=LegalRegistration.from_record(reg) if reg is not None else None,
            founders_commitment=r["founders_commitment"],
            registered_on=date.fromisoformat(r["registered_on"]),
            status_since=date.fromisoformat(r["status_since"]),
            successor=r["successor"],
            name_review=NameReview.from_record(r["name_review"]) if r.get("name_review") else None,
        )


@dataclass(frozen=True, slots=True)
class EmissionState:
    """One emission (issue) as the register holds it (Reg. §5, §62, Annex 1, Annex 6).

    Quantities: ``quantity`` is the declared quantity of the issue (changed only through a
    register entry, Reg. §59); ``placed`` the quantity placed per the results report (Annex 6);
    ``burned`` what the issuer burned from circulation (partial burns, Reg. §45, first ground);
    ``unplaced_cancelled`` the unplaced VAs cancelled after placement (Reg. §45, last sentence).
    """

    application_no: str
    regno: str | None
    issuer: str
    va_type: VAType
    status: EmissionStatus
    name: str
    symbol: str
    quantity: int
    nominal_value: Decimal
    currency: str
    placement_price: Decimal | None
    pricing_method: str | None
    placement_start: date
    placement_end: date
    min_success_quantity: int | None
    blockchain: str
    issuer_wallet: str
    contract_address: str
    whitepaper: WhitePaperRef
    collateral: tuple[CollateralItem, ...]
    collateral_manager: str | None
    documents_filed_on: date
    status_since: date
    last_event_on: date
    fee_total: Decimal
    fee_paid: Decimal
    burned: int = 0
    unplaced_cancelled: int = 0
    placed: int | None = None
    proceeds: Decimal | None = None
    registered_on: date | None = None
    offer_disclosed_on: date | None = None
    placement_earliest: date | None = None
    placement_started_on: date | None = None
    placement_ended_on: date | None = None
    reported_on: date | None = None
    suspended_from: EmissionStatus | None = None
    pending_amendment: AmendmentProposal | None = None
    cancellation_ground: CancellationGround | None = None
    deadlines: tuple[Deadline, ...] = ()
    missed: tuple[Deadline, ...] = ()
    verification: VerificationState | None = None  # on-chain verification (verification.*)
    # The register office's fields (Reg. §25, §28, §53); in the public record only once set, so
    # the records of emissions that never had them stay as they were.
    fee_upfront: Decimal | None = None  # paid with the documents, counted toward the fee
    fee_credit: Decimal = Decimal("0.00")  # paid beyond the fee: a credit, not a refusal
    fee_paid_som: Decimal | None = None  # paid after filing in som, at recorded rates (§26-27)
    quarters: tuple[QuarterReport, ...] = ()  # quarterly reports and installments (Reg. §28)
    withdrawn: int = 0  # withdrawn from circulation on failure or invalidity (Reg. §25, §53)
    proceeds_returned: Decimal | None = None  # returned to holders (Reg. §25, §53)
    defects: tuple[Defect, ...] = ()  # what the filed documents break (Reg. §17, §37)
    name_reviews: tuple[NameReview, ...] = ()  # Law art. 37.3 words inside another word
    venue_licences: tuple[str, ...] = ()  # licences the placement venue is named by (Reg. §22)
    venue_lapses: tuple[VenueLapse, ...] = ()  # placement days those licences did not cover

    @property
    def key(self) -> str:
        """The state registration number once assigned, else the application number."""
        return self.regno if self.regno is not None else self.application_no

    @property
    def total_nominal(self) -> Decimal:
        """Total nominal value of the issue: quantity × nominal value (Reg. §26)."""
        return total_nominal(self.nominal_value, self.quantity)

    @property
    def circulating(self) -> int:
        """VAs in circulation: placed minus burned and withdrawn (0 before the results are
        reported; 0 once a failed or invalid issue is withdrawn, Reg. §25, §53)."""
        return (self.placed or 0) - self.burned - self.withdrawn

    @property
    def unplaced(self) -> int:
        """VAs not placed and not yet cancelled (0 before the results are reported)."""
        if self.placed is None:
            return 0
        return self.quantity - self.placed - self.unplaced_cancelled

    @property
    def fee_outstanding(self) -> Decimal:
        """Registration fee still to pay (Reg. §28, Law art. 22)."""
        return self.fee_total - self.fee_paid

    def deadline(self, name: str) -> Deadline | None:
        """The open deadline called ``name``, if any."""
        for d in self.deadlines:
            if d.name == name:
                return d
        return None

    def to_record(self) -> dict[str, Any]:
        """The public record (JSON-able; amounts and quantities as decimal strings)."""
        pa = self.pending_amendment
        record: dict[str, Any] = {
            "application_no": self.application_no,
            "regno": self.regno,
            "issuer": self.issuer,
            "va_type": self.va_type.value,
            "status": self.status.value,
            "name": self.name,
            "symbol": self.symbol,
            "quantity": str(self.quantity),
            "nominal_value": dec_str(self.nominal_value),
            "currency": self.currency,
            "placement_price": _opt_dec(self.placement_price),
            "pricing_method": self.pricing_method,
            "placement_start": self.placement_start.isoformat(),
            "placement_end": self.placement_end.isoformat(),
            "min_success_quantity": _opt_int(self.min_success_quantity),
            "blockchain": self.blockchain,
            "issuer_wallet": self.issuer_wallet,
            "contract_address": self.contract_address,
            "whitepaper": self.whitepaper.to_record(),
            "collateral": [collateral_record(c) for c in self.collateral],
            "collateral_manager": self.collateral_manager,
            "documents_filed_on": self.documents_filed_on.isoformat(),
            "status_since": self.status_since.isoformat(),
            "last_event_on": self.last_event_on.isoformat(),
            "fee_total": dec_str(self.fee_total),
            "fee_paid": dec_str(self.fee_paid),
            "burned": str(self.burned),
            "unplaced_cancelled": str(self.unplaced_cancelled),
            "placed": _opt_int(self.placed),
            "proceeds": _opt_dec(self.proceeds),
            "registered_on": _opt_date(self.registered_on),
            "offer_disclosed_on": _opt_date(self.offer_disclosed_on),
            "placement_earliest": _opt_date(self.placement_earliest),
            "placement_started_on": _opt_date(self.placement_started_on),
            "placement_ended_on": _opt_date(self.placement_ended_on),
            "reported_on": _opt_date(self.reported_on),
            "suspended_from": self.suspended_from.value if self.suspended_from else None,
            "pending_amendment": pa.to_record() if pa is not None else None,
            "cancellation_ground": (
                self.cancellation_ground.value if self.cancellation_ground else None
            ),
            "deadlines": [d.to_record() for d in self.deadlines],
            "missed": [d.to_record() for d in self.missed],
        }
        if self.verification is not None:
            # Present only once verified, so the records of other emissions stay unchanged.
            record["verification"] = self.verification.to_record()
        if self.fee_upfront is not None:
            record["fee_upfront"] = dec_str(self.fee_upfront)
        if self.fee_credit:
            record["fee_credit"] = dec_str(self.fee_credit)
        if self.fee_paid_som is not None:
            record["fee_paid_som"] = dec_str(self.fee_paid_som)
        if self.quarters:
            record["quarters"] = [q.to_record() for q in self.quarters]
        if self.withdrawn:
            record["withdrawn"] = str(self.withdrawn)
        if self.proceeds_returned is not None:
            record["proceeds_returned"] = dec_str(self.proceeds_returned)
        if self.defects:
            record["defects"] = [d.to_record() for d in self.defects]
        if self.name_reviews:
            record["name_reviews"] = [r.to_record() for r in self.name_reviews]
        if self.venue_licences:
            record["venue_licences"] = list(self.venue_licences)
        if self.venue_lapses:
            record["venue_lapses"] = [v.to_record() for v in self.venue_lapses]
        return record

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> EmissionState:
        """Inverse of :meth:`to_record` (exact round trip).

        Raises:
            KeyError, ValueError, decimal.InvalidOperation: the record is not one
                :meth:`to_record` produced.
        """
        pa = r["pending_amendment"]
        sf = r["suspended_from"]
        cg = r["cancellation_ground"]
        vs = r.get("verification")
        return cls(
            application_no=r["application_no"],
            regno=r["regno"],
            issuer=r["issuer"],
            va_type=VAType(r["va_type"]),
            status=EmissionStatus(r["status"]),
            name=r["name"],
            symbol=r["symbol"],
            quantity=int(r["quantity"]),
            nominal_value=Decimal(r["nominal_value"]),
            currency=r["currency"],
            placement_price=_dec_opt(r["placement_price"]),
            pricing_method=r["pricing_method"],
            placement_start=date.fromisoformat(r["placement_start"]),
            placement_end=date.fromisoformat(r["placement_end"]),
            min_success_quantity=_int_opt(r["min_success_quantity"]),
            blockchain=r["blockchain"],
            issuer_wallet=r["issuer_wallet"],
            contract_address=r["contract_address"],
            whitepaper=WhitePaperRef.from_record(r["whitepaper"]),
            collateral=tuple(collateral_from_record(c) for c in r["collateral"]),
            collateral_manager=r["collateral_manager"],
            documents_filed_on=date.fromisoformat(r["documents_filed_on"]),
            status_since=date.fromisoformat(r["status_since"]),
            last_event_on=date.fromisoformat(r["last_event_on"]),
            fee_total=Decimal(r["fee_total"]),
            fee_paid=Decimal(r["fee_paid"]),
            burned=int(r["burned"]),
            unplaced_cancelled=int(r["unplaced_cancelled"]),
            placed=_int_opt(r["placed"]),
            proceeds=_dec_opt(r["proceeds"]),
            registered_on=_date_opt(r["registered_on"]),
            offer_disclosed_on=_date_opt(r["offer_disclosed_on"]),
            placement_earliest=_date_opt(r["placement_earliest"]),
            placement_started_on=_date_opt(r["placement_started_on"]),
            placement_ended_on=_date_opt(r["placement_ended_on"]),
            reported_on=_date_opt(r["reported_on"]),
            suspended_from=EmissionStatus(sf) if sf is not None else None,
            pending_amendment=AmendmentProposal.from_record(pa) if pa is not None else None,
            cancellation_ground=CancellationGround(cg) if cg is not None else None,
            deadlines=tuple(Deadline.from_record(d) for d in r["deadlines"]),
            missed=tuple(Deadline.from_record(d) for d in r["missed"]),
            verification=VerificationState.from_record(vs) if vs is not None else None,
            fee_upfront=_dec_opt(r.get("fee_upfront")),
            fee_credit=Decimal(r.get("fee_credit", "0.00")),
            fee_paid_som=_dec_opt(r.get("fee_paid_som")),
            quarters=tuple(QuarterReport.from_record(q) for q in r.get("quarters", ())),
            withdrawn=int(r.get("withdrawn", "0")),
            proceeds_returned=_dec_opt(r.get("proceeds_returned")),
            defects=tuple(Defect.from_record(d) for d in r.get("defects", ())),
            name_reviews=tuple(NameReview.from_record(n) for n in r.get("name_reviews", ())),
            venue_licences=tuple(r.get("venue_licences", ())),
            venue_lapses=tuple(VenueLapse.from_record(v) for v in r.get("venue_lapses", ())),
        )


_EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.InvalidOperation])


def total_nominal(nominal_value: Decimal, quantity: int) -> Decimal:
    """Quantity × nominal value, exactly (no rounding to the default 28 digits).

    Raises:
        decimal.Inexact: the product needs more than 200 significant digits.
    """
    return _EXACT.multiply(nominal_value, Decimal(quantity))


def dec_str(value: Decimal) -> str:
    """A Decimal as a plain decimal string (no exponent), e.g. ``Decimal("1E+3")`` -> "1000"."""
    return format(value, "f")


def collateral_record(item: CollateralItem) -> dict[str, Any]:
    """A collateral item (Reg. §5.6, Annex 1 item 12) as JSON-able data."""
    record: dict[str, Any] = {
        "kind": item.kind.value,
        "assessed_value": dec_str(item.assessed_value),
        "currency": item.currency,
        "appraised_on": _opt_date(item.appraised_on),
        "registered_on": _opt_date(item.registered_on),
        "registrar": item.registrar,
        "description": item.description,
    }
    if item.rate is not None:  # only then: records of items in the volume's currency unchanged
        record["rate"] = {
            "to_currency": item.rate.to_currency,
            "value": dec_str(item.rate.value),
            "source": item.rate.source,
            "quoted_on": item.rate.quoted_on.isoformat(),
        }
    return record


def collateral_from_record(r: dict[str, Any]) -> CollateralItem:
    """Inverse of :func:`collateral_record`."""
    return CollateralItem(
        kind=CollateralKind(r["kind"]),
        assessed_value=Decimal(r["assessed_value"]),
        currency=r["currency"],
        appraised_on=_date_opt(r["appraised_on"]),
        registered_on=_date_opt(r["registered_on"]),
        registrar=r["registrar"],
        description=r["description"],
        rate=None
        if r.get("rate") is None
        else CurrencyRate(
            to_currency=r["rate"]["to_currency"],
            value=Decimal(r["rate"]["value"]),
            source=r["rate"]["source"],
            quoted_on=date.fromisoformat(r["rate"]["quoted_on"]),
        ),
    )


def _opt_int(v: int | None) -> str | None:
    return None if v is None else str(v)


def _int_opt(v: str | None) -> int | None:
    return None if v is None else int(v)


def _opt_dec(v: Decimal | None) -> str | None:
    return None if v is None else dec_str(v)


def _dec_opt(v: str | None) -> Decimal | None:
    return None if v is None else Decimal(v)


def _opt_date(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def _date_opt(v: str | None) -> date | None:
    return None if v is None else date.fromisoformat(v)
