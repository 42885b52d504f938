"""Wire models of the HTTP API (pydantic v2): request bodies and public responses, with examples."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from node.domain.entries import Document, MinerFiling, VaspFiling
from node.domain.filings import EmissionFiling, IssuerFiling


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- public records (Reg. §62; never founders' data, Reg. §66) ------------------------------


class LegalRegistrationOut(_Out):
    """State registration data of a legal-entity issuer (Reg. §62)."""

    number: str
    registered_on: dt.date
    authority: str


class NameReviewOut(_Out):
    """A name or symbol holding a word of Law art. 37.3 only inside another word (a personal
    name built on it), put to the authority: ``decision`` is null while pending."""

    field: Literal["name", "symbol"]
    text: str = Field(description="The name or symbol as filed.")
    words: list[str] = Field(description="The law's words it contains, as the law spells them.")
    decision: Literal["accepted", "refused"] | None = Field(
        description="The authority's decision (`emission.name_reviewed` / "
        "`issuer.name_reviewed`); null while pending."
    )


class VenueLapseOut(_Out):
    """Days (inclusive) of the placement when the venue's licence did not cover it (Reg. §22)."""

    licence: str
    start: dt.date
    end: dt.date


class IssuerOut(_Out):
    """An issuer's public record; founders appear only as a salted commitment (Reg. §66)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "code": "A001",
                    "name": "Ala-Too Tokens LLC",
                    "region": "bishkek",
                    "status": "active",
                    "serials_used": "1",
                    "kind": "legal_entity",
                    "legal_form": "limited liability company",
                    "legal_address": "720040, Bishkek, Chüy avenue 100",
                    "legal_registration": {
                        "number": "123456-3301-OOO",
                        "registered_on": "2024-05-14",
                        "authority": "Ministry of Justice",
                    },
                    "founders_commitment": "9f" * 32,
                    "registered_on": "2026-02-02",
                    "status_since": "2026-02-02",
                    "successor": None,
                }
            ]
        },
    )

    code: str
    name: str
    region: str
    status: str
    serials_used: str
    kind: str
    legal_form: str | None
    legal_address: str
    legal_registration: LegalRegistrationOut | None
    founders_commitment: str = Field(description="SHA-256 commitment to the founders (Reg. §66).")
    registered_on: dt.date
    status_since: dt.date
    successor: str | None
    name_review: NameReviewOut | None = Field(
        default=None,
        description="The issuer's name put to review (Law art. 37.3): its emissions are not "
        "registered until the authority accepts it.",
    )


class WhitePaperOut(_Out):
    """A white-paper version (Reg. §6)."""

    version: str
    sha256: str
    uri: str


class CollateralRateOut(_Out):
    """Units of the emission's currency per unit of the item's (Reg. §3-5)."""

    to_currency: str
    value: str
    source: str
    quoted_on: dt.date


class CollateralOut(_Out):
    """A collateral item (Reg. §3-5, §5.6)."""

    kind: str
    assessed_value: str
    currency: str
    appraised_on: dt.date | None
    registered_on: dt.date | None
    registrar: str | None
    description: str
    rate: CollateralRateOut | None = Field(
        default=None,
        description="For an item in another currency (e.g. foreign cash, Reg. §3-5 item 4): the "
        "rate it counts at, its source and day.",
    )


class DeadlineOut(_Out):
    """A dated obligation of an emission and the paragraph that sets it."""

    name: str
    due: dt.date
    rule: str


class DefectOut(_Out):
    """A rule the filed documents break: the field, the rule and its paragraph (Reg. §17, §37)."""

    field: str
    rule: str
    paragraph: str
    message: str


class QuarterOut(_Out):
    """One quarter of placement: the VAs the issuer reported placed in it and what it paid for
    it (Reg. §28)."""

    quarter_end: dt.date
    placed: str | None
    paid: str


class AmendmentOut(_Out):
    """A white-paper amendment awaiting consent (Reg. §7, §59)."""

    requested_on: dt.date
    whitepaper: WhitePaperOut
    quantity: str | None
    nominal_value: str | None
    placement_end: dt.date | None
    summary: str


class OpenFindingOut(_Out):
    """A finding recorded by a verification run and not resolved since."""

    id: str
    check: str
    severity: str = Field(description="`critical`, `warning` or `info`.")
    since: dt.date


class WalletProofOut(_Out):
    """The latest accepted proof of wallet control (EIP-712; integers as decimal text)."""

    wallet: str
    chain_id: str
    method: str = Field(description="`eoa` (ECDSA recovery) or `eip1271` (contract wallet).")
    nonce: str
    expiry: str
    proven_on: dt.date


class FiledSourceOut(_Out):
    """The contract source the issuer filed (digest of the canonical standard-JSON input)."""

    sha256: str
    compiler: str
    contract: str
    filed_on: dt.date


class VerificationStateOut(_Out):
    """What the register keeps of an emission's on-chain verification."""

    chain_id: str | None
    code_hash: str | None
    implementation: str | None
    baseline_block: str | None
    baseline_on: dt.date | None
    open_findings: list[OpenFindingOut]
    wallet_proof: WalletProofOut | None
    source: FiledSourceOut | None


class EmissionOut(_Out):
    """An emission's public record (Reg. §62, Annex 1); quantities and amounts are decimal text."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="State registration number, or application number before it.")
    issuer_name: str | None = Field(description="The issuer's full name (Reg. §62).")
    application_no: str
    regno: str | None
    issuer: str
    va_type: str
    status: str
    name: str
    symbol: str
    quantity: str
    nominal_value: str
    currency: str
    placement_price: str | None
    pricing_method: str | None
    placement_start: dt.date
    placement_end: dt.date
    min_success_quantity: str | None
    blockchain: str
    issuer_wallet: str
    contract_address: str
    whitepaper: WhitePaperOut
    collateral: list[CollateralOut]
    collateral_manager: str | None
    documents_filed_on: dt.date
    status_since: dt.date
    last_event_on: dt.date
    fee_total: str
    fee_paid: str
    burned: str
    unplaced_cancelled: str
    placed: str | None
    proceeds: str | None
    registered_on: dt.date | None
    offer_disclosed_on: dt.date | None
    placement_earliest: dt.date | None
    placement_started_on: dt.date | None
    placement_ended_on: dt.date | None
    reported_on: dt.date | None
    suspended_from: str | None
    pending_amendment: AmendmentOut | None
    cancellation_ground: str | None
    deadlines: list[DeadlineOut]
    missed: list[DeadlineOut]
    verification: VerificationStateOut | None = Field(
        default=None,
        description="On-chain verification: present once the first `verification.*` entry is.",
    )
    fee_upfront: str | None = Field(
        default=None, description="Fee paid with the documents, counted toward the fee (Reg. §28)."
    )
    fee_credit: str | None = Field(
        default=None, description="Paid beyond the fee: the issuer's credit (Reg. §26-28)."
    )
    fee_paid_som: str | None = Field(
        default=None,
        description="Paid after filing, in som; each payment's rate and its source are in its "
        "`emission.fee_paid` entry (Reg. §26-27).",
    )
    quarters: list[QuarterOut] = Field(
        default_factory=list, description="Quarterly reports and installments (Reg. §28)."
    )
    withdrawn: str | None = Field(
        default=None,
        description="VAs withdrawn from circulation on failure or invalidity (Reg. §25, §53).",
    )
    proceeds_returned: str | None = Field(
        default=None, description="Proceeds returned to holders so far (Reg. §25, §53)."
    )
    defects: list[DefectOut] = Field(
        default_factory=list,
        description="What the filed documents break, recorded with the application for the "
        "authority to have remedied (Reg. §37) or to refuse on (Reg. §17).",
    )
    name_reviews: list[NameReviewOut] = Field(
        default_factory=list,
        description="The name and symbol put to the authority's review, pending and decided "
        "(Law art. 37.3): no registration while one is pending; one refused is a defect.",
    )
    venue_licences: list[str] = Field(
        default_factory=list,
        description="Licence numbers the placement venue was named by (Reg. §22): each held a "
        "licence for placing or selling VAs on the day placement began (Law art. 27.2).",
    )
    venue_lapses: list[VenueLapseOut] = Field(
        default_factory=list,
        description="Placement days on which such a licence did not cover placing or selling "
        "VAs, recorded with the results report (a public finding).",
    )


class Page(_Out):
    """Pagination: pass ``next_cursor`` as ``cursor`` to get the following page."""

    limit: int
    next_cursor: str | None = Field(description="Opaque; null on the last page.")


class EmissionList(_Out):
    """A page of emissions."""

    items: list[EmissionOut]
    page: Page


class IssuerList(_Out):
    """A page of issuers."""

    items: list[IssuerOut]
    page: Page


class HistoryItem(_Out):
    """One log entry about an emission or issuer: its index, leaf hash and decoded entry."""

    index: int
    leaf_hash: str
    kind: str
    recorded_at: str
    effective_on: dt.date
    entry: dict[str, Any]


class History(_Out):
    """Every log entry about a subject, oldest first."""

    key: str
    items: list[HistoryItem]


class Deadlines(_Out):
    """Open and missed deadlines of an emission."""

    key: str
    status: str
    open: list[DeadlineOut]
    missed: list[DeadlineOut]


class EntryOut(_Out):
    """A log entry as in entries.jsonl (docs/export-format.md)."""

    index: int
    leaf: str = Field(description="The exact leaf bytes, base64.")
    leaf_hash: str
    entry: dict[str, Any]


class EntryList(_Out):
    """Entries ``start <= index < start + len(items)``."""

    tree_size: int
    items: list[EntryOut]
    next_start: int | None


class CheckpointOut(_Out):
    """A signed checkpoint (docs/export-format.md), with its anchors when anchoring has run."""

    origin: str
    tree_size: int
    log_root: str
    state_root: str
    state_size: int
    time: str
    signer: str
    signature: str
    signature_scheme: str
    anchors: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The RegistryAnchor transactions that recorded this checkpoint on chain.",
    )
    note: str | None = Field(
        default=None, description="The checkpoint as a C2SP signed note (c2sp.org/signed-note)."
    )
    note_key: str | None = Field(default=None, description="The node's note verifier key.")
    cosignatures: list[str] = Field(
        default_factory=list,
        description="Witnesses' cosignature lines (c2sp.org/tlog-cosignature).",
    )


class CheckpointList(_Out):
    """A page of checkpoints, newest first."""

    items: list[CheckpointOut]
    page: Page


class LogHead(_Out):
    """The log's size and root, and the newest checkpoint."""

    tree_size: int
    root: str
    latest_checkpoint: CheckpointOut | None


class CalendarCorrectionOut(_Out):
    """One day a recorded decree set (``calendar.corrected``)."""

    day: dt.date
    becomes: Literal["working_day", "day_off"]
    entry: int = Field(description="The index of the entry that recorded it.")
    decree: str = Field(description="The decree: number, date and issuing body.")


class CalendarCorrectionList(_Out):
    """Every day the log's decrees set, in log order: the register counts deadlines on the
    `holidays` library's Kyrgyz calendar with these corrections."""

    items: list[CalendarCorrectionOut]


class InclusionProofOut(_Out):
    """RFC 9162 §2.1.3 inclusion proof."""

    index: int
    tree_size: int
    leaf_hash: str
    root: str
    proof: list[str]


class ConsistencyProofOut(_Out):
    """RFC 9162 §2.1.4 consistency proof."""

    size1: int
    size2: int
    root1: str
    root2: str
    proof: list[str]


class StateProofOut(_Out):
    """Proof that an emission had ``state`` at a checkpoint (inclusion in the state tree)."""

    checkpoint_size: int
    key: str
    state: dict[str, Any]
    leaf: str
    index: int
    state_size: int
    proof: list[str]
    state_root: str = Field(description="The checkpoint's state root the proof leads to.")


# ---- requests ------------------------------------------------------------------------------


class IssuerRegistrationIn(BaseModel):
    """Register an issuer (regulator): the filing and the date the entry takes effect."""

    model_config = ConfigDict(extra="forbid")

    filing: IssuerFiling
    effective_on: dt.date | None = Field(default=None, description="Default: today in Bishkek.")


class RegistrationIn(BaseModel):
    """The authority's registration decision recorded with an application (Reg. §10, §57)."""

    model_config = ConfigDict(extra="forbid")

    on: dt.date
    document: Document
    regno: str | None = None


class EmissionFilingIn(BaseModel):
    """File an application (Reg. §9) and, for the regulator, optionally register it at once."""

    model_config = ConfigDict(extra="forbid")

    filing: EmissionFiling
    registration: RegistrationIn | None = None


class EventIn(BaseModel):
    """Record an event; ``data`` holds the event's fields (docs/export-format.md)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "emission.partial_burn",
                    "effective_on": "2026-09-01",
                    "data": {
                        "amount": "1000",
                        "basis": {
                            "type": "issuer_decision",
                            "number": "B-7",
                            "date": "2026-09-01",
                            "issued_by": "Ala-Too Tokens LLC",
                        },
                        "tx_hashes": ["0x" + "ab" * 32],
                    },
                }
            ]
        },
    )

    kind: str = Field(description="An event kind, e.g. `emission.results_reported`.")
    effective_on: dt.date | None = Field(default=None, description="Default: today in Bishkek.")
    data: dict[str, Any] = Field(default_factory=dict)


class CalendarCorrectionIn(BaseModel):
    """Record a government decree that moves working days and days off (``calendar.corrected``,
    docs/export-format.md); deadlines computed after it count with it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "effective_on": "2026-02-20",
                    "days": [
                        {"day": "2026-03-14", "becomes": "working_day"},
                        {"day": "2026-03-23", "becomes": "day_off"},
                    ],
                    "basis": {
                        "type": "government_decree",
                        "number": "77",
                        "date": "2026-02-20",
                        "issued_by": "Cabinet of Ministers of the Kyrgyz Republic",
                    },
                }
            ]
        },
    )

    effective_on: dt.date | None = Field(default=None, description="Default: today in Bishkek.")
    days: list[dict[str, Any]] = Field(
        description="Each day (`day`) and what it becomes: `working_day` or `day_off`."
    )
    basis: dict[str, Any] = Field(
        description="The decree: `type` `government_decree`, `number`, `date`, `issued_by`."
    )


class ChallengeIn(BaseModel):
    """Ask for a sign-in message for a wallet declared by the issuer (EIP-4361)."""

    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(pattern=r"^[A-Z0-9]{4}$")
    address: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    chain_id: int = Field(default=1, ge=1, le=2**53 - 1)


class ChallengeOut(_Out):
    """The message to sign with ``personal_sign`` and when it expires."""

    message: str
    nonce: str
    expires_at: str


class SignInIn(BaseModel):
    """The signed challenge."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(max_length=4000)
    signature: str = Field(pattern=r"^(0x)?[0-9a-fA-F]{130}$")
    cookie: bool = Field(
        default=False,
        description="Also carry the session in the portal's cookie `tamga_session` (HttpOnly, "
        "SameSite=Strict); the answer then holds its `csrf_token` for unsafe requests.",
    )


class SessionOut(_Out):
    """A bearer token for the issuer's own emissions, valid until ``expires_at``."""

    token: str
    token_type: str = "Bearer"  # noqa: S105 - RFC 6750 token type, not a secret
    expires_at: str
    issuer: str
    wallet: str
    scopes: list[str]
    csrf_token: str | None = Field(
        default=None, description="With `cookie`: send it as `X-CSRF-Token` on unsafe requests."
    )


class FoundersOut(_Out):
    """PRIVATE (Reg. §66): an issuer's founders, for the authority only, with the proof."""

    issuer: str
    founders: list[dict[str, Any]]
    commitment: str
    salt: str


# ---- on-chain verification -----------------------------------------------------------------


class FindingOut(_Out):
    """An open finding with what the register expected, what the chain showed, and evidence."""

    id: str
    check: str
    severity: str
    since: dt.date
    paragraph: str | None = Field(description="The rule the check enforces, e.g. `Reg. §58`.")
    expected: str | None
    observed: str | None
    evidence: dict[str, Any] | None = Field(description="Blocks, transactions, readings.")
    index: int | None = Field(description="Log index of the entry that last recorded it.")


class VerificationEntryOut(_Out):
    """One `verification.*` log entry (observation pinned to a block, finding, proof, source)."""

    index: int
    leaf_hash: str
    kind: str
    recorded_at: str
    run: str
    entry: dict[str, Any]


class VerificationOut(_Out):
    """An emission's on-chain status: last run, open findings, and the verification history."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "key": "KG0201A0011",
                    "state": None,
                    "last_run": {
                        "index": 41,
                        "run": "R20261120T090000.000000Z",
                        "recorded_at": "2026-11-20T09:00:00.000000Z",
                        "outcome": "checked",
                        "chain_id": "31337",
                        "block": {
                            "chain_id": "31337",
                            "block_number": "18",
                            "block_hash": "0x" + "7a" * 32,
                            "block_time": "1795165200",
                        },
                    },
                    "open_findings": [],
                    "history": [],
                    "total": 1,
                }
            ]
        },
    )

    key: str
    state: VerificationStateOut | None = Field(description="Null: never verified.")
    last_run: dict[str, Any] | None = Field(
        description="The latest observation: run, time, outcome, chain id and pinned block."
    )
    open_findings: list[FindingOut]
    history: list[VerificationEntryOut] = Field(description="Newest `limit` entries, oldest first.")
    total: int = Field(description="All verification entries of the emission.")


class StatementOut(_Out):
    """The EIP-712 statement of wallet control to sign (`eth_signTypedData_v4`)."""

    key: str
    chain_id: int
    nonce: int
    expiry: int = Field(description="Unix seconds; the statement is refused after it.")
    digest: str = Field(description="The EIP-712 digest (what a contract wallet is asked about).")
    typed_data: dict[str, Any]


class WalletProofIn(BaseModel):
    """A signed statement of wallet control: the signature, and the nonce and expiry signed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"signature": "0x" + "1b" * 65, "nonce": 1, "expiry": 1795251600}]
        },
    )

    signature: str = Field(
        pattern=r"^0x([0-9a-fA-F]{2}){1,2048}$",
        description="The wallet's signature (65 bytes for a key; any length for EIP-1271).",
    )
    nonce: int = Field(ge=0, le=2**53 - 1, description="Above the last accepted nonce.")
    expiry: int = Field(ge=0, le=2**53 - 1, description="As in the signed statement.")


class SourceFilingIn(BaseModel):
    """The contract's source: solc standard-JSON input (sources inline), compiler, contract."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "standard_json": {
                        "language": "Solidity",
                        "sources": {
                            "src/Token.sol": {
                                "content": "// SPDX-License-Identifier: MIT\n"
                                "pragma solidity 0.8.28;\ncontract Token {}\n"
                            }
                        },
                        "settings": {"optimizer": {"enabled": True, "runs": 200}},
                    },
                    "compiler": "0.8.28",
                    "contract": "src/Token.sol:Token",
                }
            ]
        },
    )

    standard_json: dict[str, Any] | str = Field(
        description="solc standard-JSON input (an object, or its text); every source inline."
    )
    compiler: str = Field(max_length=64, description="solc version, e.g. `0.8.28`.")
    contract: str = Field(max_length=300, description="`path:Name` of one of the sources.")


class FindingResolutionIn(BaseModel):
    """A member of the registry office closes an open finding, saying why."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "finding": "supply.exceeds-register",
                    "note": "The issuer's burn of 2026-11-20 was entered late; checked with them.",
                }
            ]
        },
    )

    finding: str = Field(min_length=1, max_length=200, description="The open finding's id.")
    note: str = Field(min_length=1, max_length=2000, description="Why it is closed.")


class VerificationWritten(_Out):
    """A wallet proof or source filing recorded in the log."""

    key: str
    kind: str
    index: int = Field(description="Log index of the entry written.")
    tree_size: int
    detail: dict[str, Any]
    verification: VerificationStateOut | None


# ---- the digital register of miners (Law art. 13-16) ----------------------------------------


class MinerRegistrationIn(BaseModel):
    """Register a miner (regulator, for the remote registration of art. 15.2): a complete,
    valid filing is registered at once and gets its certificate."""

    model_config = ConfigDict(extra="forbid")

    filing: MinerFiling
    effective_on: dt.date | None = Field(default=None, description="Default: today in Bishkek.")


class MinerOut(_Out):
    """A miner's public record (Law art. 14-16): certificate, owner, equipment, sites, wallet,
    status, information requests; all of it public."""

    model_config = ConfigDict(extra="allow")

    certificate: str
    name: str
    kind: str
    status: str
    registered_on: dt.date
    status_since: dt.date
    installed_kw: str
    hash_rate_ths: str


class MinerList(_Out):
    """A page of the register of miners."""

    items: list[MinerOut]
    page: Page


class RegionStatsOut(_Out):
    """Miners working now in a region (Law art. 15)."""

    region: str
    miners: int
    installed_kw: str
    hash_rate_ths: str


class MinerStats(_Out):
    """Statistics of the register of miners by Annex 7 region (Law art. 15)."""

    regions: list[RegionStatsOut]


class VaspApplicationIn(BaseModel):
    """Receive a licence application (regulator): the filing (owners kept private, Law art.
    29.2 item 2) and the date it was received."""

    model_config = ConfigDict(extra="forbid")

    filing: VaspFiling
    effective_on: dt.date | None = Field(default=None, description="Default: today in Bishkek.")
