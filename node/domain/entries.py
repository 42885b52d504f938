"""Typed register entries (pydantic v2, discriminated on ``kind``) and their leaf bytes."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import typing
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final, Literal, TypeAlias, TypeVar, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from node.domain.canonical import NotCanonical, canonical_json, parse_canonical
from node.domain.collateral import CollateralItem, CollateralKind, CollateralManager, CurrencyRate
from node.domain.model import CancellationGround, IssuerKind, WhitePaperRef, dec_str
from node.domain.regno import Region, VAType
from node.domain.verification import ChainOutcome, ProofMethod, Severity
from node.errors import RuleViolation

ENTRY_FORMAT: Final = "tamga.entry.v1"
"""Value of the ``format`` member of every leaf (docs/export-format.md)."""

_FORMAT_DOC: Final = "docs/export-format.md"

# --------------------------------------------------------------------------------------------
# Scalar wire types. Integers (quantities) and decimals (money) travel as decimal STRINGS in
# JSON (RFC 8785 rejects integers beyond ±2^53; floats are forbidden in our data).
# --------------------------------------------------------------------------------------------

_INT_RE = re.compile(r"^(0|[1-9][0-9]*)$")
_DEC_RE = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")


def _int_in(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError("expected an integer (JSON: a decimal string), not a float or boolean")
    if isinstance(value, str):
        if not _INT_RE.match(value):
            raise ValueError(f"expected a non-negative integer in decimal digits, got {value!r}")
        return int(value)
    return value


def _dec_in(value: Any) -> Any:
    if isinstance(value, (bool, float)):
        raise ValueError('expected a decimal string such as "12.50", not a float or boolean')
    if isinstance(value, str):
        if not _DEC_RE.match(value):
            raise ValueError(f'expected a plain decimal string such as "12.50", got {value!r}')
        try:
            return Decimal(value)
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid input
            raise ValueError(f"not a decimal: {value!r}") from exc
    return value


_int_out = PlainSerializer(str, return_type=str, when_used="json")
_dec_out = PlainSerializer(dec_str, return_type=str, when_used="json")

Quantity: TypeAlias = Annotated[int, BeforeValidator(_int_in), _int_out, Field(ge=0)]
"""A count of VAs (>= 0); a decimal string in JSON."""
PositiveQuantity: TypeAlias = Annotated[int, BeforeValidator(_int_in), _int_out, Field(gt=0)]
"""A count of VAs (> 0); a decimal string in JSON."""
Amount: TypeAlias = Annotated[
    Decimal, BeforeValidator(_dec_in), _dec_out, Field(ge=0, allow_inf_nan=False)
]
"""A non-negative money amount or price; a plain decimal string in JSON."""
PositiveAmount: TypeAlias = Annotated[
    Decimal, BeforeValidator(_dec_in), _dec_out, Field(gt=0, allow_inf_nan=False)
]
"""A positive money amount or price; a plain decimal string in JSON."""
Percent: TypeAlias = Annotated[
    Decimal, BeforeValidator(_dec_in), _dec_out, Field(ge=0, le=100, allow_inf_nan=False)
]
"""A percentage 0..100; a plain decimal string in JSON."""

Text: TypeAlias = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"\S")]
"""Non-blank free text."""
ShortText: TypeAlias = Annotated[
    str, StringConstraints(min_length=1, max_length=300, pattern=r"\S")
]
"""Non-blank short text (names, numbers, authorities)."""
Token: TypeAlias = Annotated[str, StringConstraints(pattern=r"^\S{1,200}$")]
"""An identifier without whitespace (wallet and contract addresses)."""
Uri: TypeAlias = Annotated[str, StringConstraints(pattern=r"^\S{1,2048}$")]
"""A URI without whitespace."""
Sha256Hex: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256 digest, 64 lowercase hex digits."""
TxHash: TypeAlias = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{64}$")]
"""An EVM transaction hash (0x + 64 lowercase hex digits)."""
IssuerCode: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4}$")]
"""The issuer's 4-character code (Reg. §68(г)); further checked by regno.validate_issuer_code."""
ApplicationNo: TypeAlias = Annotated[str, StringConstraints(pattern=r"^APP-[0-9]{6,}$")]
"""An application number assigned by the ledger, e.g. "APP-000001"."""
EmissionRef: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,32}$")]
"""An emission as named in an entry: its state registration number or application number."""
Currency: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 currency code ("KGS", "USD")."""
Symbol: TypeAlias = Annotated[str, StringConstraints(pattern=r"^\S{1,20}$")]
"""A ticker symbol (also checked against Law art. 37.3)."""


class WireModel(BaseModel):
    """Base of wire models: frozen, unknown members rejected.

    Validators are built on first use (``defer_build``): commands that only read the register
    never pay for the ~45 entry models at start-up.
    """

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=False, defer_build=True
    )


# --------------------------------------------------------------------------------------------
# Enumerations of grounds and document types
# --------------------------------------------------------------------------------------------


class DocumentType(StrEnum):
    """Kinds of documents an entry rests on (Reg. §63-64)."""

    AUTHORITY_DECISION = "authority_decision"
    COURT_DECISION = "court_decision"  # in legal force (Reg. §64)
    ISSUER_DECISION = "issuer_decision"  # e.g. the decision to burn (Reg. §46)
    TERMINATION_RECORD = "termination_record"  # issuer's activity terminated (Reg. §64)
    BANKRUPTCY_DECISION = "bankruptcy_decision"  # issuer declared bankrupt (Reg. §64)
    APPLICATION = "application"  # Annex 3
    RESULTS_REPORT = "results_report"  # Annex 6
    PAYMENT_DOCUMENT = "payment_document"  # Reg. §9.8, §28
    PUBLICATION = "publication"  # Reg. §21, §56
    NOTICE = "notice"  # Reg. §54-55
    CONTRACT = "contract"  # a miner's power supply or equipment purchase (Law art. 16.2)
    CONCLUSION = "conclusion"  # a safety authority's conclusion on premises (Law art. 16.2)
    GOVERNMENT_DECREE = "government_decree"  # moves working days and days off (calendar.corrected)
    OTHER = "other"


class RefusalGround(StrEnum):
    """Grounds to refuse registration (Reg. §17, Law art. 20)."""

    DOCUMENTS_NONCONFORMING = "documents_nonconforming"
    DECISION_PROCEDURE_VIOLATED = "decision_procedure_violated"
    FEES_UNPAID = "fees_unpaid"


class SuspensionGround(StrEnum):
    """Grounds to suspend an emission (Reg. §25.1, §50, Law art. 21)."""

    LAW_VIOLATION = "law_violation"
    WHITEPAPER_TERMS_VIOLATION = "whitepaper_terms_violation"
    UNTRUE_INFORMATION = "untrue_information"
    INSPECTION = "inspection"  # Reg. §50: to inspect or protect holders before a failure decision


class FailureGround(StrEnum):
    """Grounds to refuse recognizing an emission successful (Reg. §41, §29)."""

    LAW_VIOLATION = "law_violation"  # incl. breach of the registered placement terms (Reg. §41)
    UNTRUE_INFORMATION = "untrue_information"  # Reg. §41
    CONDITIONS_UNMET = "conditions_unmet"  # neither success condition of Reg. §29 holds


class IssuerTermination(StrEnum):
    """How an issuer's activity ended (Reg. §64, fourth and fifth grounds)."""

    LIQUIDATION = "liquidation"
    BANKRUPTCY = "bankruptcy"


# --------------------------------------------------------------------------------------------
# Nested wire values
# --------------------------------------------------------------------------------------------


class Document(WireModel):
    """The document an entry rests on (Reg. §63-64): type, number, date, issuing body, and the
    SHA-256 of its file where one was given (the file itself stays outside the log)."""

    type: DocumentType
    number: ShortText
    date: dt.date
    issued_by: ShortText
    sha256: Sha256Hex | None = None

    @model_serializer(mode="wrap")
    def _without_absent_hash(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a document without a file hash is written exactly as before the member existed
        data: dict[str, Any] = handler(self)
        if data.get("sha256") is None:
            data.pop("sha256", None)
        return data


class LegalRegistrationData(WireModel):
    """State registration data of a legal-entity issuer (Reg. §62, §9.5)."""

    number: ShortText
    registered_on: dt.date
    authority: ShortText


class WhitePaper(WireModel):
    """A white-paper version: digest of the document and where it is published (Reg. §6)."""

    version: ShortText
    sha256: Sha256Hex
    uri: Uri

    def to_ref(self) -> WhitePaperRef:
        """The state value for this white paper."""
        return WhitePaperRef(version=self.version, sha256=self.sha256, uri=self.uri)


class RateSpec(WireModel):
    """The rate an item valued in another currency counts at: ``value`` units of the emission's
    currency per unit of the item's, its source and day (e.g. foreign cash, Reg. §3-5 item 4)."""

    value: PositiveAmount
    source: ShortText
    quoted_on: dt.date


class CollateralSpec(WireModel):
    """One collateral item as filed (Reg. §3-5, §3-6, §3-7…3-10, Annex 1 item 12)."""

    kind: CollateralKind
    assessed_value: PositiveAmount
    currency: Currency
    appraised_on: dt.date | None = None
    registered_on: dt.date | None = None
    registrar: ShortText | None = None
    description: str = Field(default="", max_length=2000)
    rate: RateSpec | None = None

    def to_item(self, *, volume_currency: str) -> CollateralItem:
        """The domain value checked by node.domain.collateral (a ``rate`` converts to
        ``volume_currency``, the emission's)."""
        return CollateralItem(
            kind=self.kind,
            assessed_value=self.assessed_value,
            currency=self.currency,
            appraised_on=self.appraised_on,
            registered_on=self.registered_on,
            registrar=self.registrar,
            description=self.description,
            rate=None
            if self.rate is None
            else CurrencyRate(
                to_currency=volume_currency,
                value=self.rate.value,
                source=self.rate.source,
                quoted_on=self.rate.quoted_on,
            ),
        )


class ManagerSpec(WireModel):
    """The collateral manager (Reg. §3-2, Annex 1 item 13)."""

    name: ShortText
    affiliated_with_issuer: bool
    affiliated_with_major_creditor: bool

    def to_manager(self) -> CollateralManager:
        """The domain value checked by node.domain.collateral.check_manager."""
        return CollateralManager(
            name=self.name,
            affiliated_with_issuer=self.affiliated_with_issuer,
            affiliated_with_major_creditor=self.affiliated_with_major_creditor,
        )


class RateBasis(StrEnum):
    """What a fee paid in som is counted at (Reg. §26-27)."""

    EXCHANGE_QUOTE = "exchange_quote"
    """Reg. §26: the VAs are traded: the price of one VA on a crypto exchange at payment."""
    DECLARED_NOMINAL = "declared_nominal"
    """Reg. §27: no trades or quotes: the declared nominal value, at its currency's rate to the
    som (the National Bank's official rate; 1 for an issue in som)."""


class FeeRate(WireModel):
    """The rate a payment in som was counted at, and where it was taken from (Reg. §26-27)."""

    basis: RateBasis
    som_per_unit: PositiveAmount
    """exchange_quote: som per VA; declared_nominal: som per unit of the issue's currency."""
    source: ShortText
    """The exchange and its market, or the bank's rate publication."""
    quoted_on: dt.date
    """The day of the rate: the latest before or on the payment (no working day between)."""


class EmissionTerms(WireModel):
    """The decision on issue as filed (Reg. §5, §9, Annex 1, Annex 3); all of it is public."""

    issuer: IssuerCode
    va_type: VAType  # Annex 1 item 1
    name: ShortText  # Law art. 37.3 applies
    symbol: Symbol  # Law art. 37.3 applies
    quantity: PositiveQuantity  # Reg. §5.1, Annex 1 item 3
    nominal_value: PositiveAmount  # Reg. §5.2, Annex 1 item 2
    currency: Currency  # currency of the nominal value (Reg. §1)
    placement_price: PositiveAmount | None = None  # Reg. §23, Annex 1 item 7
    pricing_method: Text | None = None  # Reg. §23: or the procedure fixing the price
    placement_start: dt.date  # Annex 1 item 5
    placement_end: dt.date  # Annex 1 item 5
    placement_terms: Text  # Reg. §5.3
    circulation_terms: Text  # Reg. §5.4
    holder_rights: Text  # Annex 1 item 4
    payment_terms: Text  # Annex 1 item 8
    min_success_quantity: PositiveQuantity | None = None  # Annex 1 item 9, Reg. §29
    refund_procedure: Text  # Annex 1 item 9
    blockchain: ShortText  # Reg. §5.5, §9.4
    issuer_wallet: Token  # Reg. §5.5, §9.4
    contract_address: Token  # Reg. §5.5, §9.4
    collateral: tuple[CollateralSpec, ...]  # Reg. §3-1, §5.6
    collateral_manager: ManagerSpec | None = None  # Reg. §3-2, §5.7
    collateral_enforcement_terms: Text | None = None  # Reg. §5.8, Annex 1 item 14
    whitepaper: WhitePaper  # Reg. §6, §9.3
    decision: Document  # the issuer's decision on issue (Annex 3)
    documents_filed_on: dt.date  # Reg. §10: the 20 working days run from here
    fee_paid: Amount  # paid with the documents, >= 20% of the fee (Reg. §28)
    fee_paid_som: PositiveAmount | None = None  # what that was in som (Reg. §26-27)
    fee_rate: FeeRate | None = None  # the rate it was counted at (Reg. §27)


# --------------------------------------------------------------------------------------------
# Entry bases
# --------------------------------------------------------------------------------------------


StaffName: TypeAlias = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")
]
"""A person's name as the register knows them (the name of their personal token)."""

_STAFF_NAME: Final = TypeAdapter(StaffName)
_E = TypeVar("_E", bound="_EntryBase")


def attributed(entry: _E, recorded_by: str | None) -> _E:
    """``entry`` attributed to the person who made it in the workbench (``recorded_by``);
    unchanged for None.

    Raises:
        RuleViolation: field "recorded_by", rule "staff-name" for a name the register refuses.
    """
    if recorded_by is None:
        return entry
    try:
        name = _STAFF_NAME.validate_python(recorded_by)
    except ValidationError as exc:
        raise RuleViolation(
            field="recorded_by",
            rule="staff-name",
            paragraph="docs/export-format.md",
            message="a person's name is 1-200 characters, without outer spaces",
        ) from exc
    return entry.model_copy(update={"recorded_by": name})


class _EntryBase(WireModel):
    recorded_at: dt.datetime
    effective_on: dt.date
    basis: Document | None = None
    recorded_by: StaffName | None = None
    """Who decided it: the person signed in to the workbench, filled by the server from the
    authenticated session, never from the request body. Absent (not null) from the leaf when
    not given, so entries written before the member existed keep their exact bytes."""

    absent_when_none: ClassVar[frozenset[str]] = frozenset({"recorded_by"})
    """Members added after entries were first written: left out of the leaf when None."""

    @model_validator(mode="before")
    @classmethod
    def _absent_not_null(cls, data: Any) -> Any:
        # one value, one leaf: a member left out is not also written as null
        if isinstance(data, dict):
            for name in cls.absent_when_none:
                if name in data and data[name] is None:
                    raise ValueError(f"{name} is left out when there is none, not null")
        return data

    @model_serializer(mode="wrap")
    def _without_absent_members(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in self.absent_when_none:
            if data.get(name) is None:
                data.pop(name, None)
        return data

    @field_validator("recorded_at")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("recorded_at must be timezone-aware (UTC)")
        return value.astimezone(dt.UTC)


class IssuerEntry(_EntryBase):
    """Base of entries about an issuer; ``issuer`` is its 4-character code."""

    issuer: IssuerCode


class EmissionEntry(_EntryBase):
    """Base of entries about an emission; ``emission`` is its regno or application number."""

    emission: EmissionRef


# --------------------------------------------------------------------------------------------
# Issuer entries
# --------------------------------------------------------------------------------------------


class IssuerRegistered(IssuerEntry):
    """An issuer enters the register and gets its code (Reg. §62, §68(г))."""

    kind: Literal["issuer.registered"] = "issuer.registered"
    name: ShortText
    issuer_kind: IssuerKind
    legal_form: ShortText | None = None
    legal_address: Text
    region: Region
    legal_registration: LegalRegistrationData | None = None
    founders_commitment: Sha256Hex  # Reg. §66: founders themselves never enter the log


class IssuerUpdated(IssuerEntry):
    """Non-founder details of an issuer change (Reg. §62); unset fields stay as they were."""

    kind: Literal["issuer.updated"] = "issuer.updated"
    name: ShortText | None = None
    legal_form: ShortText | None = None
    legal_address: Text | None = None
    region: Region | None = None
    legal_registration: LegalRegistrationData | None = None


class IssuerNameReviewed(IssuerEntry):
    """The authority's decision on an issuer's name put to review because it holds a word of
    Law art. 37.3 only inside another word (a personal name built on it). ``basis`` required;
    a refused name must be changed (``issuer.updated``) before the issuer's emissions are
    registered."""

    kind: Literal["issuer.name_reviewed"] = "issuer.name_reviewed"
    decision: Literal["accepted", "refused"]


class IssuerReorganized(IssuerEntry):
    """The issuer is reorganized into a successor issuer (Reg. §62, §64)."""

    kind: Literal["issuer.reorganized"] = "issuer.reorganized"
    successor: IssuerCode


class IssuerLiquidated(IssuerEntry):
    """The issuer's activity is terminated or it is declared bankrupt (Reg. §62, §64)."""

    kind: Literal["issuer.liquidated"] = "issuer.liquidated"
    termination: IssuerTermination = IssuerTermination.LIQUIDATION


# --------------------------------------------------------------------------------------------
# Emission entries
# --------------------------------------------------------------------------------------------


class EmissionApplied(EmissionEntry, EmissionTerms):
    """Documents for registration are filed (Reg. §9); ``emission`` is the application number."""

    kind: Literal["emission.applied"] = "emission.applied"
    emission: ApplicationNo


class EmissionRemedyRequested(EmissionEntry):
    """The authority's written notice to remedy the application's defects by ``remedy_by``,
    at most 10 working days (Reg. §37); the defects are those recorded with the application."""

    kind: Literal["emission.remedy_requested"] = "emission.remedy_requested"
    remedy_by: dt.date
    note: str = Field(default="", max_length=2000)


class EmissionNameReviewed(EmissionEntry):
    """The authority's decision on a name or symbol put to review because it holds a word of
    Law art. 37.3 only inside another word (a personal name built on it): ``accepted`` clears
    it, ``refused`` makes it a defect of the application (Reg. §10, §17). ``basis`` required."""

    kind: Literal["emission.name_reviewed"] = "emission.name_reviewed"
    field: Literal["name", "symbol"]
    decision: Literal["accepted", "refused"]


class EmissionDocumentsAmended(EmissionEntry, EmissionTerms):
    """The issuer files amended or completed documents (Reg. §37): the application's terms as
    they now stand; they are checked again as on filing."""

    kind: Literal["emission.documents_amended"] = "emission.documents_amended"


class EmissionRegistered(EmissionEntry):
    """The authority registers the emission and assigns its number (Reg. §10, §57, §67-68)."""

    kind: Literal["emission.registered"] = "emission.registered"
    regno: Annotated[str, StringConstraints(pattern=r"^\S{1,32}$")]


class EmissionRefused(EmissionEntry):
    """The authority refuses registration (Reg. §10, §17, Law art. 20)."""

    kind: Literal["emission.refused"] = "emission.refused"
    grounds: tuple[RefusalGround, ...] = Field(min_length=1)
    reason: str = Field(default="", max_length=2000)


class EmissionWhitepaperAmendmentRequested(EmissionEntry):
    """The issuer asks consent to amend the white paper (Reg. §7); quantity/nominal via Reg. §59."""

    kind: Literal["emission.whitepaper_amendment_requested"] = (
        "emission.whitepaper_amendment_requested"
    )
    whitepaper: WhitePaper
    quantity: PositiveQuantity | None = None
    nominal_value: PositiveAmount | None = None
    placement_end: dt.date | None = None
    summary: str = Field(default="", max_length=2000)


class EmissionWhitepaperAmended(EmissionEntry):
    """The authority decides on the pending amendment: consent or reasoned refusal (Reg. §7)."""

    kind: Literal["emission.whitepaper_amended"] = "emission.whitepaper_amended"
    consented: bool
    reason: str = Field(default="", max_length=2000)


class EmissionOfferDisclosed(EmissionEntry):
    """The public offer is published on the issuer's site (Reg. §21)."""

    kind: Literal["emission.offer_disclosed"] = "emission.offer_disclosed"
    uri: Uri


class EmissionPlacementStarted(EmissionEntry):
    """Placement starts (Reg. §20-22)."""

    kind: Literal["emission.placement_started"] = "emission.placement_started"
    venue: str = Field(default="", max_length=300)  # the exchange operator (Reg. §22)


class EmissionPlacementEnded(EmissionEntry):
    """Placement ends (Reg. §30: the results report is due within 30 calendar days)."""

    kind: Literal["emission.placement_ended"] = "emission.placement_ended"


class EmissionResultsReported(EmissionEntry):
    """The issuer reports the placement results (Reg. §30-32, Annex 6)."""

    kind: Literal["emission.results_reported"] = "emission.results_reported"
    actual_start: dt.date  # Annex 6 item 2
    actual_end: dt.date  # Annex 6 item 2
    placed: Quantity  # Annex 6 item 3
    prices: tuple[PositiveAmount, ...] = ()  # Annex 6 item 5
    proceeds: Amount  # Annex 6 item 6
    share_placed_pct: Percent  # Annex 6 item 8
    holders_extract_sha256: Sha256Hex | None = None  # Annex 6 item 9 (the extract stays private)


class EmissionRecognizedSuccessful(EmissionEntry):
    """The authority recognizes the emission successful (Reg. §29, §34, §38)."""

    kind: Literal["emission.recognized_successful"] = "emission.recognized_successful"


class EmissionRecognizedFailed(EmissionEntry):
    """The authority refuses recognition: the emission failed (Reg. §34, §41, §44)."""

    kind: Literal["emission.recognized_failed"] = "emission.recognized_failed"
    grounds: tuple[FailureGround, ...] = Field(min_length=1)
    reason: str = Field(default="", max_length=2000)


class EmissionSuspended(EmissionEntry):
    """The authority suspends the emission until violations are remedied (Reg. §25.1, §50)."""

    kind: Literal["emission.suspended"] = "emission.suspended"
    grounds: tuple[SuspensionGround, ...] = Field(min_length=1)
    remedy_by: dt.date | None = None
    reason: str = Field(default="", max_length=2000)


class EmissionResumed(EmissionEntry):
    """The violations are remedied; the emission returns to its prior status (Reg. §25.1)."""

    kind: Literal["emission.resumed"] = "emission.resumed"


class EmissionDeclaredFailed(EmissionEntry):
    """Violations were not remedied: the authority declares the emission failed (Reg. §25.2)."""

    kind: Literal["emission.declared_failed"] = "emission.declared_failed"
    reason: str = Field(default="", max_length=2000)


class EmissionInvalidated(EmissionEntry):
    """A court declares the emission invalid (Reg. §25.3, §52, §64)."""

    kind: Literal["emission.invalidated"] = "emission.invalidated"


class EmissionPartialBurn(EmissionEntry):
    """The issuer burns part of the circulating VAs per the white paper (Reg. §45-46)."""

    kind: Literal["emission.partial_burn"] = "emission.partial_burn"
    amount: PositiveQuantity
    tx_hashes: tuple[TxHash, ...] = ()


class EmissionUnplacedCancelled(EmissionEntry):
    """VAs not placed in the period are cancelled (burned) (Reg. §45, last sentence)."""

    kind: Literal["emission.unplaced_cancelled"] = "emission.unplaced_cancelled"
    amount: PositiveQuantity
    tx_hashes: tuple[TxHash, ...] = ()


class EmissionCancelled(EmissionEntry):
    """The whole emission is cancelled and its number with it (Reg. §35-36, §45, §47)."""

    kind: Literal["emission.cancelled"] = "emission.cancelled"
    ground: CancellationGround
    tx_hashes: tuple[TxHash, ...] = ()


class EmissionCancellationNotified(EmissionEntry):
    """The issuer and the exchange operator are notified of the cancellation (Reg. §54-55)."""

    kind: Literal["emission.cancellation_notified"] = "emission.cancellation_notified"


class EmissionCancellationPublished(EmissionEntry):
    """The cancellation is published on the authority's site (Reg. §56)."""

    kind: Literal["emission.cancellation_published"] = "emission.cancellation_published"
    uri: Uri


class Reappraisal(WireModel):
    """A new independent appraisal of one collateral item (Reg. §3-6)."""

    index: Quantity
    appraised_on: dt.date
    assessed_value: PositiveAmount


class EmissionCollateralReappraised(EmissionEntry):
    """The collateral is appraised anew while the issue is placed or circulates, its six-month
    appraisal having run or about to run out (Reg. §3-5, §3-6)."""

    kind: Literal["emission.collateral_reappraised"] = "emission.collateral_reappraised"
    items: Annotated[tuple[Reappraisal, ...], Field(min_length=1, max_length=100)]


class EmissionQuarterReported(EmissionEntry):
    """The issuer reports the VAs placed in a quarter of placement (Reg. §28): due within 10
    working days after the quarter ends, a quarter without placement included."""

    kind: Literal["emission.quarter_reported"] = "emission.quarter_reported"
    quarter_end: dt.date
    placed_in_quarter: Quantity


class EmissionProceedsReturned(EmissionEntry):
    """Proceeds of a failed or invalid issue returned to the holders as the white paper sets
    (Reg. §25, §53); one entry per return, the register keeps the total."""

    kind: Literal["emission.proceeds_returned"] = "emission.proceeds_returned"
    amount: PositiveAmount


class EmissionRecognitionNotified(EmissionEntry):
    """The authority delivers its decision on recognition to the issuer: the recognition
    (Reg. §38) or the refusal with its grounds (Reg. §39), within 3 working days."""

    kind: Literal["emission.recognition_notified"] = "emission.recognition_notified"


class EmissionResultsDisclosed(EmissionEntry):
    """The issuer discloses the results through the exchange operator within 5 working days of
    the recognition (Reg. §40)."""

    kind: Literal["emission.results_disclosed"] = "emission.results_disclosed"
    uri: Uri


class EmissionCancellationPrenotified(EmissionEntry):
    """The day after the cancellation decision, the issuer and the exchange operator are told by
    telephone, fax or other electronic means (Reg. §55, the preliminary notice); the written
    confirmation follows as ``emission.cancellation_notified``."""

    kind: Literal["emission.cancellation_prenotified"] = "emission.cancellation_prenotified"


class EmissionFeePaid(EmissionEntry):
    """A registration-fee payment: a quarterly installment or an increase fee (Reg. §28).

    ``paid_som`` is what was paid, in som, with the ``rate`` it is counted at (Reg. §26-27);
    ``amount`` is the part of the fee it settles in the issue's currency (computed from them
    when left out; an issue in som may give ``amount`` alone)."""

    kind: Literal["emission.fee_paid"] = "emission.fee_paid"
    amount: PositiveAmount | None = None
    quarter_end: dt.date | None = None  # the quarter an installment is for (Reg. §28)
    placed_in_quarter: Quantity | None = None  # reported placed quantity (Reg. §28)
    paid_som: PositiveAmount | None = None  # Reg. §26-27: the fee is paid in som
    rate: FeeRate | None = None


# --------------------------------------------------------------------------------------------
# Calendar entries: the government's decrees that move working days and days off, recorded so
# that every replay of the log counts deadlines on the same calendar (node/domain/calendar.py).
# --------------------------------------------------------------------------------------------

CALENDAR_SUBJECT: Final = "calendar"
"""The subject of every calendar entry (never an issuer code nor an application number)."""


class DayStatus(StrEnum):
    """What a day becomes by a decree."""

    WORKING_DAY = "working_day"
    DAY_OFF = "day_off"


class CalendarDay(WireModel):
    """One day a decree changes and what it becomes."""

    day: dt.date
    becomes: DayStatus


class CalendarEntry(_EntryBase):
    """Base of entries about the register's working calendar (subject ``calendar``)."""


class CalendarCorrected(CalendarEntry):
    """A decree moves working days and days off (e.g. a Saturday made a working day for a day
    off moved next to a holiday); deadlines computed after the entry count with it. ``basis``
    is the decree (a ``government_decree``)."""

    kind: Literal["calendar.corrected"] = "calendar.corrected"
    days: Annotated[tuple[CalendarDay, ...], Field(min_length=1, max_length=366)]


# --------------------------------------------------------------------------------------------
# On-chain verification entries (node/verification): what was read from the declared chain,
# findings opened and resolved, accepted proofs of wallet control, filed contract sources.
# They record observations; they never change an emission's lifecycle status.
# --------------------------------------------------------------------------------------------

HexAddress: TypeAlias = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{40}$")]
"""An EVM address, lowercase 0x-hex (compare case-insensitively with declared addresses)."""
Hash0x: TypeAlias = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{64}$")]
"""A 32-byte hash, lowercase 0x-hex (block hashes, code hashes)."""
HexData: TypeAlias = Annotated[str, StringConstraints(pattern=r"^0x([0-9a-f]{2}){0,4096}$")]
"""Bytes as lowercase 0x-hex (signatures)."""
RunId: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z:._-]{1,64}$")]
"""The verification run an entry belongs to."""
CheckId: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(\.[a-z0-9-]+)+$")]
"""A check's id, e.g. "supply.exceeds-register"."""
FindingId: TypeAlias = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(\.[a-z0-9-]+)+(:[0-9A-Za-z._-]{1,80})?$")
]
"""A finding's id: its check, and a subject when one check can fail several ways (a tx hash)."""
ObservedText: TypeAlias = Annotated[str, StringConstraints(max_length=500)]
"""An expected or observed value as text."""


class BlockRef(WireModel):
    """The block a reading was taken at: an auditor replays it with their own RPC."""

    chain_id: PositiveQuantity
    block_number: Quantity
    block_hash: Hash0x
    block_time: Quantity  # Unix seconds


class Readings(WireModel):
    """What was read from the chain for one emission (absent: not read or not readable)."""

    code_size: Quantity | None = None
    code_hash: Hash0x | None = None
    implementation: HexAddress | None = None  # EIP-1967 implementation slot (or beacon's)
    beacon: HexAddress | None = None  # EIP-1967 beacon slot
    name: ObservedText | None = None
    symbol: ObservedText | None = None
    decimals: Quantity | None = None
    total_supply: Quantity | None = None  # base units
    treasury_balance: Quantity | None = None  # base units held by the declared issuer wallet
    locked_balance: Quantity | None = None  # base units held by locked sinks (0x…dEaD etc.)
    owner: HexAddress | None = None  # owner() or defaultAdmin()
    wallet_is_admin: bool | None = None  # AccessControl: hasRole(DEFAULT_ADMIN_ROLE, wallet)
    minted: Quantity | None = None  # sum of Transfer(0x0, …) up to scanned_to
    burned: Quantity | None = None  # sum of Transfer(…, 0x0) up to scanned_to
    scanned_to: Quantity | None = None  # last block of the Transfer log scan
    source_match: Literal["exact", "partial", "none"] | None = None  # filed source vs the code


class Evidence(WireModel):
    """What a finding rests on: the block read, transactions and addresses involved."""

    block: BlockRef | None = None
    tx_hashes: tuple[TxHash, ...] = Field(default=(), max_length=50)
    addresses: tuple[HexAddress, ...] = Field(default=(), max_length=20)
    note: str = Field(default="", max_length=2000)


class VerificationEntry(EmissionEntry):
    """Base of on-chain verification entries; ``run`` names the verification run."""

    run: RunId


class VerificationObserved(VerificationEntry):
    """One emission checked in a run: the declared chain's outcome and the readings, pinned to a
    block (Reg. §5.5, §9.4: blockchain name, wallet and smart-contract address)."""

    kind: Literal["verification.observed"] = "verification.observed"
    blockchain: ShortText
    outcome: ChainOutcome
    chain_id: PositiveQuantity | None = None
    block: BlockRef | None = None
    readings: Readings = Readings()
    detail: str = Field(default="", max_length=500)


class VerificationFinding(VerificationEntry):
    """A finding opened (or its observation updated): the chain disagrees with the register."""

    kind: Literal["verification.finding"] = "verification.finding"
    finding: FindingId
    check: CheckId
    severity: Severity
    paragraph: ShortText
    expected: ObservedText
    observed: ObservedText
    evidence: Evidence = Evidence()


class VerificationFindingResolved(VerificationEntry):
    """An open finding no longer holds at the block read (a verification run), or a person of
    the registry office closed it with a note (the workbench, `tamga verify resolve`)."""

    kind: Literal["verification.finding_resolved"] = "verification.finding_resolved"
    finding: FindingId
    block: BlockRef | None = None
    note: Text | None = None  # why it was closed by hand; absent for a run's resolution

    absent_when_none: ClassVar[frozenset[str]] = frozenset({"recorded_by", "note"})


class WalletStatement(WireModel):
    """The EIP-712 statement an issuer signs to prove control of its declared wallet."""

    regno: Annotated[str, StringConstraints(pattern=r"^\S{1,32}$")]
    chain_id: PositiveQuantity
    contract: HexAddress
    wallet: HexAddress
    nonce: Quantity
    expiry: Quantity  # Unix seconds


class VerificationWalletProof(VerificationEntry):
    """A proof of wallet control accepted (Reg. §5.5, §9.4): an EOA's recovered signature or a
    contract wallet's EIP-1271 answer (at ``block``)."""

    kind: Literal["verification.wallet_proof"] = "verification.wallet_proof"
    statement: WalletStatement
    signature: HexData
    method: ProofMethod
    signer: HexAddress | None = None  # the recovered key (EOA), or the wallet's signing key
    block: BlockRef | None = None


class VerificationSourceFiled(VerificationEntry):
    """The issuer files the contract's source as solc standard-JSON input (kept beside the log,
    by digest) with the compiler version and the contract ("path:Name") it must reproduce."""

    kind: Literal["verification.source_filed"] = "verification.source_filed"
    standard_json_sha256: Sha256Hex
    compiler: Annotated[
        str, StringConstraints(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+(\+commit\.[0-9a-f]{8})?$")
    ]
    contract: Annotated[str, StringConstraints(pattern=r"^\S+:[A-Za-z_][A-Za-z0-9_]*$")]


# --------------------------------------------------------------------------------------------
# Reports the registry office publishes (the burned-supply CSV): the file stays outside the log,
# its SHA-256 goes in, so anyone can check a copy against the log.
# --------------------------------------------------------------------------------------------

REPORT_SUBJECT: Final = "report"
"""The subject every report entry is stored under."""
ReportName: TypeAlias = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
"""A report's name, e.g. "supply"."""


class ReportEntry(_EntryBase):
    """Base of entries about a published report."""


class ReportPublished(ReportEntry):
    """A report computed from the log's first ``size`` entries was published: its name, the
    SHA-256 and length of its bytes (recomputable from the same log prefix)."""

    kind: Literal["report.published"] = "report.published"
    report: ReportName
    size: Quantity  # the log size (a signed checkpoint's) the report was computed at
    sha256: Sha256Hex
    length: Quantity  # bytes
    media_type: Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]+(;.*)?$")]


# --------------------------------------------------------------------------------------------
# The digital register of miners (Law art. 13-16): one log, one state root with the emissions.
# --------------------------------------------------------------------------------------------

MinerCertificate: TypeAlias = Annotated[str, StringConstraints(pattern=r"^MN-[1-9]-[0-9]{6}$")]
"""A miner's certificate number: "MN-", the Annex 7 region digit of its first site, "-", a
serial over all miners, never reused (docs/regulatory-notes.md)."""


class MinerKind(StrEnum):
    """Law art. 13: who mines."""

    INDIVIDUAL = "individual"
    """Individual mining: an individual entrepreneur, resident or not."""
    INDUSTRIAL = "industrial"
    """Industrial mining: a legal entity, resident or not."""


class CertificateForm(StrEnum):
    """Law art. 14: the certificate on paper or as a digital document."""

    PAPER = "paper"
    DIGITAL = "digital"


class MiningEquipment(WireModel):
    """Mining equipment owned at a site (Law art. 16.2 item 3): per unit power and hash rate."""

    model: ShortText
    count: PositiveQuantity
    rated_power_kw: PositiveAmount
    hash_rate_ths: PositiveAmount  # TH/s per unit
    ownership: Document  # the document proving ownership ("in ownership", art. 16.2 item 3)


class MiningSite(WireModel):
    """Where equipment is installed, with its power supply (Law art. 16.2 item 5)."""

    region: Region  # Annex 7 of the regulation
    address: Text
    power_supply: Document  # the supply contract; issued_by names the supplier
    capacity_kw: PositiveAmount  # the capacity the contract allows
    safety: Document  # fire, sanitary and technical safety of the premises (item 5)
    equipment: Annotated[tuple[MiningEquipment, ...], Field(min_length=1, max_length=200)]


class MinerWallet(WireModel):
    """The VA wallet for mining proceeds (Law art. 16.2 item 4), on a named chain."""

    chain: ShortText
    address: Token


class MinerEntry(_EntryBase):
    """Base of entries about a miner; ``miner`` is its certificate number."""

    miner: MinerCertificate


class MinerFiling(WireModel):
    """What a miner files to be registered (Law art. 13, 16.2; Cabinet's procedure)."""

    name: ShortText  # Law art. 37.3 applies
    miner_kind: MinerKind
    resident: bool
    registration: LegalRegistrationData  # state registration of the entrepreneur or entity
    fee_paid: PositiveAmount  # som (art. 16.2 item 2)
    fee_document: Document
    wallet: MinerWallet
    sites: Annotated[tuple[MiningSite, ...], Field(min_length=1, max_length=50)]
    no_hidden_mining: bool  # the declaration of art. 13, 16.2 item 6; must be true
    certificate_form: CertificateForm


class MinerRegistered(MinerEntry, MinerFiling):
    """A miner is registered and gets its certificate at once, without human discretion, on a
    complete and valid filing (Law art. 14, 15.2, 16.2); the right to mine arises with it."""

    kind: Literal["miner.registered"] = "miner.registered"


class MinerUpdated(MinerEntry):
    """The miner's data change (Law art. 14: the right changes with the entry); a member left
    out stays as it was, a member given replaces the old value whole."""

    kind: Literal["miner.updated"] = "miner.updated"
    name: ShortText | None = None
    wallet: MinerWallet | None = None
    sites: Annotated[tuple[MiningSite, ...], Field(min_length=1, max_length=50)] | None = None
    registration: LegalRegistrationData | None = None


class MinerSuspended(MinerEntry):
    """The authority suspends the right to mine, on a recorded basis (Law art. 14)."""

    kind: Literal["miner.suspended"] = "miner.suspended"
    reason: Text


class MinerResumed(MinerEntry):
    """The suspension ends, on a recorded basis (Law art. 14)."""

    kind: Literal["miner.resumed"] = "miner.resumed"


class MinerTerminated(MinerEntry):
    """The right to mine ends (Law art. 14): at the miner's request or by the authority."""

    kind: Literal["miner.terminated"] = "miner.terminated"
    by: Literal["miner", "authority"]
    reason: Text


class MinerInfoRequested(MinerEntry):
    """The authority asks for information on the mining activity, due by ``due`` (Law art. 16.2
    item 7: given free of charge within the term the request names)."""

    kind: Literal["miner.info_requested"] = "miner.info_requested"
    request_no: ShortText
    subject: Text
    due: dt.date


class MinerInfoProvided(MinerEntry):
    """The miner answers an information request (Law art. 16.2 item 7)."""

    kind: Literal["miner.info_provided"] = "miner.info_provided"
    request_no: ShortText


class MinerWalletStatement(WireModel):
    """The EIP-712 statement a miner signs to prove control of its wallet for mining proceeds
    (Law art. 16.2 item 4), on an EVM chain."""

    certificate: MinerCertificate
    chain_id: PositiveQuantity
    wallet: HexAddress
    nonce: Quantity
    expiry: Quantity  # Unix seconds


class MinerWalletProved(MinerEntry):
    """A proof of control of the miner's declared EVM wallet accepted: an EOA's recovered
    signature or a contract wallet's EIP-1271 answer (at ``block``). Written only by the proof
    service, which checks the signature; never a loose event."""

    kind: Literal["miner.wallet_proved"] = "miner.wallet_proved"
    statement: MinerWalletStatement
    signature: HexData
    method: ProofMethod
    signer: HexAddress | None = None
    block: BlockRef | None = None


# --------------------------------------------------------------------------------------------
# The register of licensed virtual-asset service providers (Law art. 25-32, 37.3, 38).
# --------------------------------------------------------------------------------------------

LicenceNumber: TypeAlias = Annotated[str, StringConstraints(pattern=r"^LIC-[0-9]{6}$")]
"""A licence application's number, which the licence keeps once granted ("LIC-000001"),
allocated by the ledger and never reused (docs/regulatory-notes.md)."""


RequirementItem: TypeAlias = Annotated[int, BeforeValidator(_int_in), _int_out, Field(ge=1, le=7)]
"""An item of Law art. 29.2 (1-7); a decimal string in JSON, like quantities."""


class VaspService(StrEnum):
    """The services of Law art. 26.1 items 1-5."""

    BUY_SELL = "buy_sell"  # item 1: buying and selling (exchange for money)
    EXCHANGE = "exchange"  # item 2: exchange between virtual assets
    TRANSFER = "transfer"  # item 3: transfer of virtual assets
    CUSTODY = "custody"  # item 4: custody, management and control
    ISSUANCE = "issuance"  # item 5: financial services for an issuer's offer and sale


class VaspDocument(WireModel):
    """A document filed with the application (Law art. 30.1): named, and bound by its SHA-256
    (the register keeps the digest, not the file)."""

    title: ShortText
    sha256: Sha256Hex
    items: Annotated[tuple[RequirementItem, ...], Field(max_length=7)] = ()
    """The art. 29.2 requirements (1-7) this document evidences."""


class VaspApplicationData(WireModel):
    """What a legal entity files to be licensed (Law art. 25, 28, 29.2, 30.1, 38)."""

    name: ShortText  # Law art. 37.3 applies
    legal_form: ShortText
    joint_stock_company: bool  # Law art. 28.1: a crypto exchange is a joint-stock company
    crypto_exchange: bool
    supervised_by_national_bank: bool  # a bank or non-bank financial institution (art. 27.5)
    exchange_operator: bool = False  # a VA exchange operator (the exception of art. 27.5)
    registration: LegalRegistrationData  # art. 30.1 item 2
    services: Annotated[tuple[VaspService, ...], Field(min_length=1, max_length=5)]
    charter_capital_som: PositiveAmount  # art. 25: in som, paid in money by the founders
    state_duty_paid: PositiveAmount  # art. 38, art. 30.1 item 3
    state_duty_document: Document
    platform: Text  # art. 29.2 item 1: the platform on servers in the Kyrgyz Republic
    documents: Annotated[tuple[VaspDocument, ...], Field(max_length=100)]


class VaspOwnerRole(StrEnum):
    """Law art. 29.2 item 2: whose identity the application documents."""

    FOUNDER = "founder"
    MANAGER = "manager"
    BENEFICIAL_OWNER = "beneficial_owner"


class VaspOwner(WireModel):
    """A founder, manager or beneficial owner (Law art. 29.2 item 2). PRIVATE: the log holds
    only a salted commitment to the list (as issuers' founders, Reg. §66)."""

    name: ShortText
    role: VaspOwnerRole
    identifier: ShortText  # passport or TIN
    citizenship: ShortText | None = None
    share_pct: Percent | None = None
    address: Text


class VaspFiling(VaspApplicationData):
    """A licence application as filed: the public data and the private owners."""

    owners: Annotated[tuple[VaspOwner, ...], Field(min_length=1, max_length=200)]


class VaspEntry(_EntryBase):
    """Base of entries of the register of service providers; ``licence`` is the number."""

    licence: LicenceNumber


class VaspApplied(VaspEntry, VaspApplicationData):
    """A licence application is received (Law art. 30.1); founders, managers and beneficial
    owners (art. 29.2 item 2) only as a salted commitment, like issuers' founders (Reg. §66)."""

    kind: Literal["vasp.applied"] = "vasp.applied"
    owners_commitment: Sha256Hex
    minimum_charter_capital_som: PositiveAmount
    """The Cabinet's minimum in force when the application was received (art. 25.2): a node
    setting, recorded with the entry so that every replay checks against the same figure."""


class VaspDocumentsSupplemented(VaspEntry):
    """Missing documents arrive; the month of review runs from the day they do (art. 30.2)."""

    kind: Literal["vasp.documents_supplemented"] = "vasp.documents_supplemented"
    documents: Annotated[tuple[VaspDocument, ...], Field(min_length=1, max_length=100)]


class VaspLicenceGranted(VaspEntry):
    """The licence is granted: unlimited in time, its holder named, not transferable (art. 29.1,
    30.4); the right arises with it (art. 29.3). ``basis`` is the authority's decision."""

    kind: Literal["vasp.licence_granted"] = "vasp.licence_granted"


class VaspLicenceRefused(VaspEntry):
    """The licence is refused with its grounds (art. 30.3)."""

    kind: Literal["vasp.licence_refused"] = "vasp.licence_refused"
    grounds: Text


class VaspActivityReported(VaspEntry):
    """The provider's activity starts, stops or resumes (what art. 31.2 item 1 counts)."""

    kind: Literal["vasp.activity_reported"] = "vasp.activity_reported"
    activity: Literal["started", "stopped", "resumed"]


class VaspMeasure(StrEnum):
    """Law art. 32.3: the measures of influence (revocation has its own entry)."""

    WRITTEN_ORDER = "written_order"
    FINE = "fine"
    RESTRICTION = "restriction"
    SUSPENSION = "suspension"


class VaspMeasureApplied(VaspEntry):
    """A measure of influence (art. 32.3 items 1-4) on its basis: a restriction names the
    services it stops, a fine its amount."""

    kind: Literal["vasp.measure_applied"] = "vasp.measure_applied"
    measure: VaspMeasure
    reason: Text
    services: tuple[VaspService, ...] = ()
    fine_som: PositiveAmount | None = None


class VaspMeasureLifted(VaspEntry):
    """A restriction or suspension ends (its services, or the whole licence, in force again)."""

    kind: Literal["vasp.measure_lifted"] = "vasp.measure_lifted"
    measure: Literal["restriction", "suspension"]
    services: tuple[VaspService, ...] = ()


class VaspLicenceRevoked(VaspEntry):
    """The licence is revoked (art. 31): on a mandatory ground (31.1 items 1-2) or an optional
    one (31.2 items 1-7), on the authority's decision."""

    kind: Literal["vasp.licence_revoked"] = "vasp.licence_revoked"
    ground: Literal[
        "31.1.1", "31.1.2", "31.2.1", "31.2.2", "31.2.3", "31.2.4", "31.2.5", "31.2.6", "31.2.7"
    ]


AnyVaspEntry: TypeAlias = Union[  # noqa: UP007 - spelled out like Entry
    VaspApplied,
    VaspDocumentsSupplemented,
    VaspLicenceGranted,
    VaspLicenceRefused,
    VaspActivityReported,
    VaspMeasureApplied,
    VaspMeasureLifted,
    VaspLicenceRevoked,
]
"""Any entry of the register of service providers."""


AnyMinerEntry: TypeAlias = Union[  # noqa: UP007 - spelled out like Entry
    MinerRegistered,
    MinerUpdated,
    MinerSuspended,
    MinerResumed,
    MinerTerminated,
    MinerInfoRequested,
    MinerInfoProvided,
    MinerWalletProved,
]
"""Any entry of the register of miners."""


AnyIssuerEntry: TypeAlias = Union[  # noqa: UP007 - spelled out like Entry
    IssuerRegistered,
    IssuerUpdated,
    IssuerReorganized,
    IssuerLiquidated,
    IssuerNameReviewed,
]
"""Any issuer entry."""

AnyEmissionEntry: TypeAlias = Union[  # noqa: UP007 - spelled out like Entry
    EmissionApplied,
    EmissionRegistered,
    EmissionRefused,
    EmissionWhitepaperAmendmentRequested,
    EmissionWhitepaperAmended,
    EmissionOfferDisclosed,
    EmissionPlacementStarted,
    EmissionPlacementEnded,
    EmissionResultsReported,
    EmissionRecognizedSuccessful,
    EmissionRecognizedFailed,
    EmissionSuspended,
    EmissionResumed,
    EmissionDeclaredFailed,
    EmissionInvalidated,
    EmissionPartialBurn,
    EmissionUnplacedCancelled,
    EmissionFeePaid,
    EmissionCancellationNotified,
    EmissionCancellationPublished,
    EmissionCancelled,
    EmissionQuarterReported,
    EmissionProceedsReturned,
    EmissionRecognitionNotified,
    EmissionResultsDisclosed,
    EmissionCancellationPrenotified,
    EmissionCollateralReappraised,
    EmissionRemedyRequested,
    EmissionDocumentsAmended,
    EmissionNameReviewed,
]
"""Any emission entry."""

AnyVerificationEntry: TypeAlias = Union[  # noqa: UP007 - spelled out like Entry
    VerificationObserved,
    VerificationFinding,
    VerificationFindingResolved,
    VerificationWalletProof,
    VerificationSourceFiled,
]
"""Any on-chain verification entry."""

AnyCalendarEntry: TypeAlias = CalendarCorrected
"""Any calendar entry."""

AnyReportEntry: TypeAlias = ReportPublished
"""Any report entry."""

Entry: TypeAlias = Annotated[
    Union[  # noqa: UP007
        AnyIssuerEntry,
        AnyEmissionEntry,
        AnyVerificationEntry,
        AnyMinerEntry,
        AnyVaspEntry,
        AnyCalendarEntry,
        AnyReportEntry,
    ],
    Field(discriminator="kind"),
]
"""Any register entry; ``kind`` selects the model."""

ENTRY_TYPES: Final[
    dict[
        str,
        type[IssuerEntry]
        | type[EmissionEntry]
        | type[MinerEntry]
        | type[VaspEntry]
        | type[CalendarEntry]
        | type[ReportEntry],
    ]
] = {
    cls.model_fields["kind"].default: cls
    for cls in (
        IssuerRegistered,
        IssuerUpdated,
        IssuerReorganized,
        IssuerLiquidated,
        IssuerNameReviewed,
        EmissionApplied,
        EmissionRegistered,
        EmissionRefused,
        EmissionWhitepaperAmendmentRequested,
        EmissionWhitepaperAmended,
        EmissionOfferDisclosed,
        EmissionPlacementStarted,
        EmissionPlacementEnded,
        EmissionResultsReported,
        EmissionRecognizedSuccessful,
        EmissionRecognizedFailed,
        EmissionSuspended,
        EmissionResumed,
        EmissionDeclaredFailed,
        EmissionInvalidated,
        EmissionPartialBurn,
        EmissionUnplacedCancelled,
        EmissionFeePaid,
        EmissionCancellationNotified,
        EmissionCancellationPublished,
        EmissionCancelled,
        EmissionQuarterReported,
        EmissionProceedsReturned,
        EmissionRecognitionNotified,
        EmissionResultsDisclosed,
        EmissionCancellationPrenotified,
        EmissionCollateralReappraised,
        EmissionRemedyRequested,
        EmissionDocumentsAmended,
        EmissionNameReviewed,
        VerificationObserved,
        VerificationFinding,
        VerificationFindingResolved,
        VerificationWalletProof,
        VerificationSourceFiled,
        MinerRegistered,
        MinerUpdated,
        MinerSuspended,
        MinerResumed,
        MinerTerminated,
        MinerInfoRequested,
        MinerInfoProvided,
        VaspApplied,
        VaspDocumentsSupplemented,
        VaspLicenceGranted,
        VaspLicenceRefused,
        VaspActivityReported,
        VaspMeasureApplied,
        VaspMeasureLifted,
        VaspLicenceRevoked,
        CalendarCorrected,
        ReportPublished,
    )
}
"""Every entry kind and its model."""

ISSUER_KINDS: Final = frozenset(k for k in ENTRY_TYPES if k.startswith("issuer."))
EMISSION_KINDS: Final = frozenset(k for k in ENTRY_TYPES if k.startswith("emission."))
VERIFICATION_KINDS: Final = frozenset(k for k in ENTRY_TYPES if k.startswith("verification."))
MINER_KINDS: Final = frozenset(k for k in ENTRY_TYPES if k.startswith("miner."))
VASP_KINDS: Final = frozenset(k for k in ENTRY_TYPES if k.startswith("vasp."))
CALENDAR_KINDS: Final = frozenset(k for k in ENTRY_TYPES if k.startswith("calendar."))
REPORT_KINDS: Final = frozenset(k for k in ENTRY_TYPES if k.startswith("report."))

ENTRY_ADAPTER: Final[TypeAdapter[Entry]] = TypeAdapter(Entry, config=ConfigDict(defer_build=True))
"""Validates any entry by its ``kind``; built on first use, like the models."""


def encode_entry(entry: Entry) -> bytes:
    """The entry's leaf bytes: RFC 8785 canonical JSON of ``{"format": ENTRY_FORMAT, ...}``.

    Quantities and amounts are decimal strings, dates ISO 8601, ``recorded_at`` UTC with "Z".

    Raises:
        TypeError: the entry holds a value that is not canonicalizable (cannot happen for
            entries built through the models).
    """
    body = entry.model_dump(mode="json")
    body["format"] = ENTRY_FORMAT
    return canonical_json(body)


def decode_entry(data: bytes) -> Entry:
    """Inverse of :func:`encode_entry`: only the exact bytes ``encode_entry`` writes are read.

    The leaf must be the RFC 8785 canonical encoding of its value (:func:`parse_canonical`):
    a leaf that is not (a duplicate member name, whitespace, another escape or number form,
    another member order, invalid UTF-8, a lone surrogate) is refused, so that every reader of
    the log reads the same entry from the same bytes.

    Raises:
        RuleViolation: the leaf is not canonical JSON (``rule`` names what is broken:
            json-duplicate-member, json-not-canonical, json-encoding, json-syntax,
            json-number, json-surrogate; ``paragraph`` the RFC; ``field`` the duplicate member,
            else "entry"); or rule "entry-format" (docs/export-format.md) when it lacks or
            carries a wrong ``format`` or does not validate as an entry, ``field`` naming the
            offending member.
    """
    try:
        obj = parse_canonical(data, where="leaf")
    except NotCanonical as exc:
        raise RuleViolation(
            field=exc.member or "entry",
            rule=exc.rule,
            paragraph=exc.paragraph,
            message=exc.explanation,
        ) from exc
    if not isinstance(obj, dict):
        raise RuleViolation(
            field="entry",
            rule="entry-format",
            paragraph=_FORMAT_DOC,
            message="an entry is a JSON object",
        )
    fmt = obj.pop("format", None)
    if fmt != ENTRY_FORMAT:
        raise RuleViolation(
            field="format",
            rule="entry-format",
            paragraph=_FORMAT_DOC,
            message=f"expected format {ENTRY_FORMAT!r}, got {fmt!r}",
        )
    try:
        return ENTRY_ADAPTER.validate_python(obj)
    except ValidationError as exc:
        raise validation_violation(
            exc, rule="entry-format", paragraph=_FORMAT_DOC, skip_tag=True
        ) from exc


def entry_subject(entry: Entry) -> tuple[str, str]:
    """What the entry is about: ``("issuer", code)``, ``("miner", certificate)``,
    ``("calendar", "calendar")`` or ``("emission", key-as-given)``."""
    if isinstance(entry, IssuerEntry):
        return ("issuer", entry.issuer)
    if isinstance(entry, MinerEntry):
        return ("miner", entry.miner)
    if isinstance(entry, VaspEntry):
        return ("vasp", entry.licence)
    if isinstance(entry, CalendarEntry):
        return ("calendar", CALENDAR_SUBJECT)
    if isinstance(entry, ReportEntry):
        return ("report", REPORT_SUBJECT)
    return ("emission", entry.emission)


_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def field_path(loc: Sequence[int | str]) -> str:
    """A field's location as text: ``filing.founders[0].name``; a member that is not a plain
    name (empty, or with dots, spaces, quotes) is quoted as JSON: ``filing[""]``, ``data["a.b"]``.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _NAME.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


def validation_violation(
    exc: ValidationError,
    *,
    rule: str,
    paragraph: str,
    skip_tag: bool = False,
    model: type[BaseModel] | None = None,
) -> RuleViolation:
    """Turn a pydantic ValidationError into a RuleViolation naming the first bad field, in the
    register's own words: "must be …", "is required", "is not a field …; did you mean …?".

    ``skip_tag`` drops the discriminator tag (the kind) that pydantic puts first in the location
    of errors inside a discriminated union (the tag's model then names the known fields);
    ``model`` is the model validated, for the hint on a misspelt field.
    """
    errors = exc.errors(include_url=False)
    # a misspelt field makes two errors, the unknown name and the missing one: name the first
    misspelt = [e for e in errors if e["type"] == "extra_forbidden"]
    first = misspelt[0] if misspelt and errors[0]["type"] == "missing" else errors[0]
    loc = list(first["loc"])
    if skip_tag and loc and isinstance(loc[0], str) and loc[0] in ENTRY_TYPES:
        model = ENTRY_TYPES[loc[0]]
        loc = loc[1:]
    field = field_path(loc)
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field = "kind"
    field = field or "entry"
    known = _known_fields(model, loc[:-1]) if model is not None else []
    message = _plain_message(first, known=known)
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return RuleViolation(field=field, rule=rule, paragraph=paragraph, message=message + more)


# pydantic's wording -> the register's (every refusal reads "<field>: must …")
_PYDANTIC_WORDS: Final = (
    ("Value error, ", ""),
    ("Assertion failed, ", ""),
    ("Input should be a valid date or datetime", "must be a date written YYYY-MM-DD"),
    ("Input should be a valid datetime", "must be a moment written YYYY-MM-DDTHH:MM:SSZ"),
    ("Input should be", "must be"),
    ("String should have at most", "must have at most"),
    ("String should have at least", "must have at least"),
    ("String should match pattern", "must match the pattern"),
    ("Tuple should have at most", "must have at most"),
    ("Tuple should have at least", "must have at least"),
    ("List should have at most", "must have at most"),
    ("List should have at least", "must have at least"),
    ("Decimal input should be", "must be"),
)


def _plain_message(error: Any, *, known: Sequence[str]) -> str:
    """One error of pydantic's in the register's words."""
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1]) if error["loc"] else ""
        hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if hint:
            return f"is not a field here; did you mean {hint[0]!r}?"
        listed = f" (the fields are: {', '.join(sorted(known))})" if known else ""
        return "is not a field here" + listed
    message = str(error["msg"])
    for theirs, ours in _PYDANTIC_WORDS:
        if message.startswith(theirs):
            rest = message[len(theirs) :]
            # "…, input is too short" reads as a reason: "must be … (input is too short)"
            message = ours + (f" ({rest[2:]})" if rest.startswith(", ") and ours else rest)
            break
    return message


def _known_fields(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names (as written on the wire) of the model found at ``loc`` in ``model``."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        current = _sub_model(current, part)
    if current is None:
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _sub_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model of field ``name`` of ``model`` (through Optional, tuples, lists, Annotated)."""
    info = next((i for n, i in model.model_fields.items() if name in (n, i.alias)), None)
    if info is None:
        return None
    pending: list[Any] = [info.annotation]
    while pending:
        annotation = pending.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        pending.extend(typing.get_args(annotation))
    return None
