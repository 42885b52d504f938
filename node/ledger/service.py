"""The ledger facade for the CLI and the API: writes through the domain rules, reads, proofs."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from node.checkpoint import Checkpoint, SignedCheckpoint, format_time, parse_time
from node.clock import Clock
from node.domain.calendar import CalendarCorrections, WorkingCalendar, kyrgyz_calendar
from node.domain.canonical import canonical_json
from node.domain.corrections import correct_calendar
from node.domain.entries import (
    CALENDAR_SUBJECT,
    REPORT_SUBJECT,
    CalendarCorrected,
    Entry,
    MinerFiling,
    MinerRegistered,
    VaspApplicationData,
    VaspApplied,
    attributed,
    decode_entry,
    entry_subject,
)
from node.domain.filings import (
    EmissionFiling,
    IssuerFiling,
    application_entry,
    event_entry,
    founders_record,
    issuer_entry,
)
from node.domain.miners import MinerState, certificate_number
from node.domain.model import EmissionState, IssuerState
from node.domain.privacy import commit
from node.domain.register import RegisterView
from node.domain.regno import RegNo, allocate_issuer_code, next_serial, validate_issuer_code
from node.domain.subjects import MINER, VASP, Subject
from node.domain.vasps import LicenceState, licence_number
from node.errors import LedgerError, MerkleError, NotFound, RuleViolation
from node.ledger import migrate
from node.ledger.committer import DEFAULT_MAX_GROUP, DEFAULT_MAX_QUEUE, GroupCommitter
from node.ledger.projection import emission_from_row, issuer_from_row, subject_from_row
from node.ledger.sequencer import Integrated, Prepared, PrivateInput, Sequencer, as_builder
from node.ledger.store import CheckpointRecord, EntryRecord, PrivateRecord, SqlLedgerStore
from node.merkle.nodes import NodeID, full_nodes_of_range
from node.merkle.proof import consistency_nodes, inclusion_nodes
from node.merkle.reader import MemoryNodeStore, NodeReader
from node.merkle.tree import build_tree, prove_consistency, prove_inclusion, root_at
from node.settings import Settings
from node.state import StateProof
from node.types import RequestId

if TYPE_CHECKING:  # the signer's class only; eth_account loads when a key is opened
    from eth_account.signers.local import LocalAccount

SALT_BYTES = 16


@dataclass(frozen=True)
class InclusionProof:
    """RFC 9162 §2.1.3 inclusion proof of one entry in the tree of ``size`` leaves."""

    index: int
    size: int
    leaf_hash: bytes
    root: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON form (hashes in hex)."""
        return {
            "index": self.index,
            "tree_size": self.size,
            "leaf_hash": self.leaf_hash.hex(),
            "root": self.root.hex(),
            "proof": [h.hex() for h in self.proof],
        }


@dataclass(frozen=True)
class ConsistencyProof:
    """RFC 9162 §2.1.4 consistency proof between two tree sizes."""

    size1: int
    size2: int
    root1: bytes
    root2: bytes
    proof: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON form (hashes in hex)."""
        return {
            "size1": self.size1,
            "size2": self.size2,
            "root1": self.root1.hex(),
            "root2": self.root2.hex(),
            "proof": [h.hex() for h in self.proof],
        }


def signed_from_record(row: CheckpointRecord) -> SignedCheckpoint:
    """A stored checkpoint as a ``SignedCheckpoint`` (for signature checks)."""
    return SignedCheckpoint(
        checkpoint=Checkpoint(
            origin=row.origin,
            size=row.size,
            log_root=row.log_root,
            state_root=row.state_root,
            state_size=row.state_size,
            issued_at=parse_time(row.issued_at),
        ),
        signer=row.signer,
        signature=row.signature,
    )


class Ledger:
    """The register: every write is a journal entry checked by the domain rules."""

    def __init__(
        self,
        *,
        store: SqlLedgerStore,
        clock: Clock,
        origin: str,
        calendar: WorkingCalendar | None = None,
        signer: LocalAccount | None = None,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self.store = store
        self.clock = clock
        self.calendar = calendar or kyrgyz_calendar()
        self.sequencer = Sequencer(
            store=store, calendar=self.calendar, clock=clock, origin=origin, signer=signer
        )
        self._random_bytes = random_bytes
        self._committer: GroupCommitter | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        clock: Clock,
        signer: LocalAccount | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> Ledger:
        """Open the ledger named by ``settings`` (does not create or migrate it).

        Raises:
            ConfigError: the database URL is invalid.
        """
        store = SqlLedgerStore.from_url(settings.resolved_database_url)
        return cls(
            store=store, clock=clock, origin=settings.origin, calendar=calendar, signer=signer
        )

    def initialize(self) -> None:
        """Create or migrate the schema and the empty log head (idempotent).

        Raises:
            StorageError: the database refused.
        """
        migrate.upgrade(self.store.engine)
        self.store.ensure_head()

    def require_initialized(self) -> None:
        """Check that `tamga init` ran and the schema is current.

        Raises:
            LedgerError: the database has no ledger schema, or an older one.
            StorageError: the database cannot be reached.
        """
        current = migrate.current_revision(self.store.engine)
        if current is None:
            raise LedgerError("the ledger is not initialised: run `tamga init`")
        head = migrate.head_revision()
        if current != head:
            raise LedgerError(
                f"the ledger schema is at revision {current}, this code needs {head}: "
                "run `tamga init` to migrate"
            )

    def start_group_commit(
        self,
        *,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_group: int = DEFAULT_MAX_GROUP,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> GroupCommitter:
        """From now on, writes from any thread go through one committer thread that integrates
        the writes queued while a commit is in flight in ONE transaction (group commit); each
        call still returns only once its entries are durable, with its own result. For servers
        (the API); one-shot callers (the CLI) write directly. ``close`` stops it.

        Raises:
            LedgerError: group commit is already running, or a batch is being prepared.
        """
        if self._committer is not None:
            raise LedgerError("group commit is already running on this ledger object")
        if self.sequencer.pending:
            raise LedgerError("another batch is being prepared on this ledger object")
        self._committer = GroupCommitter(
            self.sequencer, max_queue=max_queue, max_group=max_group, monotonic=monotonic
        )
        return self._committer

    @property
    def committer(self) -> GroupCommitter | None:
        """The group committer, when ``start_group_commit`` was called."""
        return self._committer

    def close(self) -> None:
        """Finish queued writes (group commit), then release database connections."""
        committer, self._committer = self._committer, None
        if committer is not None:
            committer.close()
        self.store.dispose()

    # writes -----------------------------------------------------------------------------
    def register_issuer(
        self,
        filing: IssuerFiling,
        *,
        effective_on: date,
        checkpoint: bool = False,
        request: RequestId | None = None,
        recorded_by: str | None = None,
    ) -> tuple[str, Integrated]:
        """Register an issuer: assign its code (Reg. §68(г)), commit to its founders (Reg. §66);
        attributed to ``recorded_by`` when a person entered it in the workbench.

        Raises:
            RuleViolation: the filing breaks a rule or the requested code is taken.
            StorageError: the database failed.
        """
        salt = self._random_bytes(SALT_BYTES)
        founders = founders_record(filing)
        commitment = commit(founders, salt)
        recorded_at = self.clock.now()
        codes: list[str] = []

        def build(view: RegisterView) -> Prepared:
            taken = view.issuer_codes()
            if filing.code is not None:
                code = validate_issuer_code(filing.code, field="code")
                if code in taken:
                    raise RuleViolation(
                        field="code",
                        rule="issuer-code-unique",
                        paragraph="Reg. §68(г)",
                        message=f"issuer code {code} is already assigned to another issuer",
                    )
            else:
                code = allocate_issuer_code(taken=taken, ordinal=len(taken) + 1)
            codes.append(code)
            entry = attributed(
                issuer_entry(
                    filing,
                    code=code,
                    founders_commitment=commitment,
                    recorded_at=recorded_at,
                    effective_on=effective_on,
                ),
                recorded_by,
            )
            private = PrivateInput(
                commitment=commitment,
                subject=code,
                salt=salt,
                value=canonical_json(founders).decode("utf-8"),
            )
            return Prepared(entry=entry, private=(private,))

        result = self._integrate([build], checkpoint=checkpoint, request=request)
        if not codes:  # integrated before (a retried request): the code is in its entry
            return entry_subject(decode_entry(result.entries[0].leaf))[1], result
        return codes[-1], result

    def file_application(
        self,
        filing: EmissionFiling,
        *,
        checkpoint: bool = False,
        request: RequestId | None = None,
        recorded_by: str | None = None,
    ) -> tuple[str, Integrated]:
        """File an emission application (Reg. §9); returns its application number. Attributed
        to ``recorded_by`` when the office entered a paper filing in the workbench.

        Raises:
            RuleViolation: the filing breaks a rule.
            StorageError: the database failed.
        """
        recorded_at = self.clock.now()
        numbers: list[str] = []

        def build(view: RegisterView) -> Prepared:
            number = f"APP-{view.application_count() + 1:06d}"
            numbers.append(number)
            entry = application_entry(filing, application_no=number, recorded_at=recorded_at)
            return Prepared(entry=attributed(entry, recorded_by))

        result = self._integrate([build], checkpoint=checkpoint, request=request)
        return _application_no(numbers, result), result

    def record_event(
        self,
        *,
        kind: str,
        emission: str,
        data: Mapping[str, Any],
        effective_on: date,
        checkpoint: bool = False,
        request: RequestId | None = None,
        recorded_by: str | None = None,
    ) -> Integrated:
        """Record a lifecycle event of an emission (any kind of the state machine), attributed
        to ``recorded_by`` when a person decided it in the workbench.

        ``emission.registered`` without a ``regno`` gets the next state registration number of
        the issuer (Reg. §67-68), allocated inside the transaction.

        Raises:
            RuleViolation: the event is unknown, malformed or not allowed now.
            NotFound: a registration names an unknown emission.
            StorageError: the database failed.
        """
        recorded_at = self.clock.now()

        def build(view: RegisterView) -> Prepared:
            payload = dict(data)
            if kind == "emission.registered" and "regno" not in payload:
                payload["regno"] = str(allocate_regno(view, emission))
            entry = event_entry(
                kind,
                emission=emission,
                data=payload,
                recorded_at=recorded_at,
                effective_on=effective_on,
                recorded_by=recorded_by,
            )
            return Prepared(entry=entry)

        return self._integrate([build], checkpoint=checkpoint, request=request)

    def file_and_register(
        self,
        filing: EmissionFiling,
        *,
        registration: Mapping[str, Any],
        effective_on: date,
        checkpoint: bool = False,
        request: RequestId | None = None,
        recorded_by: str | None = None,
    ) -> tuple[str, Integrated]:
        """File an application (Reg. §9) and record its registration (Reg. §10) as ONE atomic
        batch: both entries or neither, adjacent in the log, the application number and the
        registration number (Reg. §67-68, when ``registration`` has no ``regno``) allocated
        inside the transaction. Returns the application number.

        Raises:
            RuleViolation: the filing or the registration breaks a rule; nothing is written.
            StorageError: the database failed.
        """
        recorded_at = self.clock.now()
        numbers: list[str] = []

        def apply(view: RegisterView) -> Prepared:
            number = f"APP-{view.application_count() + 1:06d}"
            numbers.append(number)
            entry = application_entry(filing, application_no=number, recorded_at=recorded_at)
            return Prepared(entry=attributed(entry, recorded_by))

        def register(view: RegisterView) -> Prepared:
            payload = dict(registration)
            if "regno" not in payload:
                payload["regno"] = str(allocate_regno(view, numbers[-1]))
            entry = event_entry(
                "emission.registered",
                emission=numbers[-1],
                data=payload,
                recorded_at=recorded_at,
                effective_on=effective_on,
                recorded_by=recorded_by,
            )
            return Prepared(entry=entry)

        result = self._integrate([apply, register], checkpoint=checkpoint, request=request)
        return _application_no(numbers, result), result

    def register_miner(
        self,
        filing: MinerFiling,
        *,
        effective_on: date,
        checkpoint: bool = False,
        request: RequestId | None = None,
        recorded_by: str | None = None,
    ) -> tuple[str, Integrated]:
        """Register a miner on a complete, valid filing and issue its certificate at once,
        without human discretion (Law art. 14, 15.2, 16.2); returns the certificate number,
        allocated inside the transaction (never reused).

        Raises:
            RuleViolation: the filing is incomplete or breaks a rule (field and rule named).
            StorageError: the database failed.
        """
        recorded_at = self.clock.now()
        numbers: list[str] = []

        def build(view: RegisterView) -> Prepared:
            number = certificate_number(
                region=filing.sites[0].region, serial=view.subject_count(MINER) + 1
            )
            numbers.append(number)
            entry = MinerRegistered(
                miner=number,
                recorded_at=recorded_at,
                effective_on=effective_on,
                **{name: getattr(filing, name) for name in MinerFiling.model_fields},
            )
            return Prepared(entry=attributed(entry, recorded_by))

        result = self._integrate([build], checkpoint=checkpoint, request=request)
        if not numbers:  # integrated before (a retried request): the number is in its entry
            return entry_subject(decode_entry(result.entries[0].leaf))[1], result
        return numbers[-1], result

    def apply_for_licence(
        self,
        application: VaspApplicationData,
        *,
        owners: Sequence[Mapping[str, Any]],
        minimum_charter_capital_som: Decimal,
        effective_on: date,
        checkpoint: bool = False,
        request: RequestId | None = None,
        recorded_by: str | None = None,
    ) -> tuple[str, Integrated]:
        """Receive a licence application (Law art. 30.1); its number is allocated inside the
        transaction and kept by the licence. The founders, managers and beneficial owners
        (art. 29.2 item 2) are kept privately beside the log, which holds only their salted
        commitment (as issuers' founders, Reg. §66). Returns the number.

        Raises:
            RuleViolation: the application breaks a rule (field and rule named).
            StorageError: the database failed.
        """
        salt = self._random_bytes(SALT_BYTES)
        commitment = commit(list(owners), salt)
        recorded_at = self.clock.now()
        numbers: list[str] = []

        def build(view: RegisterView) -> Prepared:
            number = licence_number(view.subject_count(VASP) + 1)
            numbers.append(number)
            entry = VaspApplied(
                licence=number,
                recorded_at=recorded_at,
                effective_on=effective_on,
                owners_commitment=commitment,
                minimum_charter_capital_som=minimum_charter_capital_som,
                **{name: getattr(application, name) for name in VaspApplicationData.model_fields},
            )
            private = PrivateInput(
                commitment=commitment,
                subject=number,
                salt=salt,
                value=canonical_json(list(owners)).decode("utf-8"),
            )
            return Prepared(entry=attributed(entry, recorded_by), private=(private,))

        result = self._integrate([build], checkpoint=checkpoint, request=request)
        if not numbers:
            return entry_subject(decode_entry(result.entries[0].leaf))[1], result
        return numbers[-1], result

    def subjects(self, register: str) -> list[Subject]:
        """Every miner (``register`` "miner") or licence ("vasp"), by number."""
        with self.store.read() as reader:
            return [subject_from_row(row) for row in reader.subject_rows(register=register)]

    def miners(self) -> list[MinerState]:
        """Every miner, by certificate number."""
        return [s for s in self.subjects(MINER) if isinstance(s, MinerState)]

    def miner(self, certificate: str) -> MinerState:
        """One miner.

        Raises:
            NotFound: no miner has this certificate number.
        """
        found = self._subject(certificate)
        if not isinstance(found, MinerState):
            raise NotFound(kind="miner", key=certificate)
        return found

    def licences(self) -> list[LicenceState]:
        """Every licence (and application), by number."""
        return [s for s in self.subjects(VASP) if isinstance(s, LicenceState)]

    def licence(self, number: str) -> LicenceState:
        """One licence (or application).

        Raises:
            NotFound: no licence has this number.
        """
        found = self._subject(number)
        if not isinstance(found, LicenceState):
            raise NotFound(kind="licence", key=number)
        return found

    def _subject(self, key: str) -> Subject | None:
        with self.store.read() as reader:
            row = reader.subject_row(key)
        return None if row is None else subject_from_row(row)

    def append(
        self,
        entries: Sequence[Entry | Prepared],
        *,
        checkpoint: bool = False,
        request: RequestId | None = None,
    ) -> Integrated:
        """Append ready-made entries as one atomic batch.

        Every write method takes ``request``: the id of the client request it carries out. It
        is written in the same transaction as the entries; a request integrated before is not
        written again and returns its first result (``Sequencer.integrate_group``).

        Raises:
            RuleViolation: an entry breaks a rule; nothing is written.
            StorageError: the database failed.
        """
        return self._integrate(list(entries), checkpoint=checkpoint, request=request)

    def integrated(self, request: RequestId) -> Integrated | None:
        """The result of the client request ``request`` if it was integrated (and has not
        expired), else None: a retry checks this before re-validating a request whose effects
        are already in the register.

        Raises:
            StorageError: the database failed.
        """
        with self.store.read() as reader:
            record = reader.requests([request]).get(request)
            if record is None:
                return None
            entries = tuple(reader.entries(record.first_idx, record.end_idx))
        return Integrated(
            first_index=record.first_idx,
            size=record.end_idx,
            root=record.root,
            entries=entries,
            checkpoint=None,
        )

    def expire_requests(self, *, before: datetime) -> int:
        """Forget the client request ids integrated before ``before`` (their entries stay);
        returns how many were forgotten.

        Raises:
            StorageError: the database failed.
        """
        with self.store.write() as writer:
            return writer.expire_requests(before=format_time(before))

    def cut_checkpoint(self) -> SignedCheckpoint:
        """Cut and sign a checkpoint at the current head.

        Raises:
            LedgerError: no signing key, or nothing new since the last checkpoint.
            StorageError: the database failed.
        """
        if self._committer is not None:
            return self._committer.call(self.sequencer.cut_checkpoint)
        return self.sequencer.cut_checkpoint()

    def _integrate(
        self, items: list[Any], *, checkpoint: bool, request: RequestId | None = None
    ) -> Integrated:
        if self._committer is not None:
            return self._committer.submit(
                [as_builder(i) for i in items], checkpoint=checkpoint, request_id=request
            )
        if self.sequencer.pending:
            raise LedgerError("another batch is being prepared on this ledger object")
        for item in items:
            self.sequencer.submit(item)
        return self.sequencer.integrate(checkpoint=checkpoint, request_id=request)

    # reads ------------------------------------------------------------------------------
    def head(self) -> tuple[int, bytes]:
        """Size and root of the log.

        Raises:
            LedgerError: the ledger is not initialised.
        """
        with self.store.read() as reader:
            return reader.head()

    def issuers(self) -> list[IssuerState]:
        """Every issuer, by code."""
        with self.store.read() as reader:
            return [issuer_from_row(row) for row in reader.issuer_rows()]

    def issuer(self, code: str) -> IssuerState:
        """One issuer.

        Raises:
            NotFound: no issuer has this code.
        """
        with self.store.read() as reader:
            row = reader.issuer_row(code)
        if row is None:
            raise NotFound(kind="issuer", key=code)
        return issuer_from_row(row)

    def emissions(self, *, issuer: str | None = None) -> list[EmissionState]:
        """Every emission (of one issuer), by registration number / application number."""
        with self.store.read() as reader:
            return [emission_from_row(row) for row in reader.emission_rows(issuer=issuer)]

    def emission(self, key: str) -> EmissionState:
        """One emission by registration number or application number.

        Raises:
            NotFound: no such emission.
        """
        with self.store.read() as reader:
            row = reader.emission_row(key)
        if row is None:
            raise NotFound(kind="emission", key=key)
        return emission_from_row(row)

    def history(self, key: str) -> list[tuple[EntryRecord, Entry]]:
        """Every entry about one emission (or issuer, or miner), oldest first, decoded.

        Raises:
            NotFound: no such emission or issuer.
        """
        with self.store.read() as reader:
            row = reader.emission_row(key)
            subject = row.application_no if row is not None else key
            if row is None and reader.issuer_row(key) is None and reader.subject_row(key) is None:
                raise NotFound(kind="emission", key=key)
            records = reader.entries_of(subject)
        return [(record, decode_entry(record.leaf)) for record in records]

    def calendar_entries(self) -> list[EntryRecord]:
        """Every ``calendar.corrected`` entry, oldest first."""
        with self.store.read() as reader:
            return reader.entries_of(CALENDAR_SUBJECT)

    def report_entries(self) -> list[EntryRecord]:
        """Every ``report.*`` entry (published reports), oldest first."""
        with self.store.read() as reader:
            return reader.entries_of(REPORT_SUBJECT)

    def calendar_corrections(self) -> CalendarCorrections:
        """The calendar corrections the log holds, folded in log order."""
        corrections = CalendarCorrections()
        for record in self.calendar_entries():
            entry = decode_entry(record.leaf)
            if isinstance(entry, CalendarCorrected):  # validated when it was appended
                corrections = correct_calendar(corrections, entry)
        return corrections

    def entries(self, start: int = 0, end: int | None = None) -> list[EntryRecord]:
        """Entries ``start <= idx < end`` (default: to the head)."""
        with self.store.read() as reader:
            size, _ = reader.head()
            return list(reader.entries(start, size if end is None else min(end, size)))

    def checkpoints(self) -> list[CheckpointRecord]:
        """All checkpoints, oldest first."""
        with self.store.read() as reader:
            return reader.checkpoints()

    def latest_checkpoint(self) -> CheckpointRecord:
        """The newest checkpoint.

        Raises:
            NotFound: none was cut yet.
        """
        with self.store.read() as reader:
            row = reader.latest_checkpoint()
        if row is None:
            raise NotFound(kind="checkpoint", key="latest")
        return row

    def prove_inclusion(self, index: int, *, size: int | None = None) -> InclusionProof:
        """Inclusion proof of entry ``index`` in the tree of ``size`` leaves (default: head).

        Raises:
            MerkleError: the index or size is out of range.
        """
        with self.store.read() as reader:
            head, head_root = reader.head()
            tree_size = head if size is None else size
            _check_size(tree_size, head)
            root_ids = () if tree_size == head else full_nodes_of_range(0, tree_size)
            nodes = _prefetch(
                reader, [*inclusion_nodes(index, tree_size).ids, _leaf_id(index), *root_ids]
            )
            proof = prove_inclusion(nodes, index, tree_size)
            leaf_hash = nodes.get_nodes([_leaf_id(index)])[0]
            root = head_root if tree_size == head else root_at(nodes, tree_size)
        return InclusionProof(
            index=index, size=tree_size, leaf_hash=leaf_hash, root=root, proof=tuple(proof)
        )

    def prove_consistency(self, size1: int, size2: int | None = None) -> ConsistencyProof:
        """Consistency proof between tree sizes ``size1 <= size2`` (default: head).

        Raises:
            MerkleError: a size is out of range.
        """
        with self.store.read() as reader:
            head, head_root = reader.head()
            second = head if size2 is None else size2
            _check_size(second, head)
            nodes = _prefetch(
                reader,
                [
                    *consistency_nodes(size1, second).ids,
                    *full_nodes_of_range(0, size1),
                    *(() if second == head else full_nodes_of_range(0, second)),
                ],
            )
            proof = prove_consistency(nodes, size1, second)
            root1 = root_at(nodes, size1)
            root2 = head_root if second == head else root_at(nodes, second)
        return ConsistencyProof(
            size1=size1, size2=second, root1=root1, root2=root2, proof=tuple(proof)
        )

    def state_proof(self, key: str, *, checkpoint_size: int | None = None) -> StateProof:
        """Proof that emission (or miner) ``key`` had its recorded public state at a checkpoint.

        Raises:
            NotFound: no such checkpoint, or the emission did not exist at it.
        """
        with self.store.read() as reader:
            row = (
                reader.latest_checkpoint()
                if checkpoint_size is None
                else reader.checkpoint(checkpoint_size)
            )
            if row is None:
                raise NotFound(kind="checkpoint", key=str(checkpoint_size or "latest"))
            leaves = reader.state_leaves_at(row.size)
        store, size = build_tree(v.state_leaf_hash for v in leaves)
        for position, version in enumerate(leaves):
            if key in (version.application_no, version.state_key):
                return StateProof(
                    checkpoint_size=row.size,
                    key=version.state_key,
                    record=json.loads(version.record),
                    index=position,
                    state_size=size,
                    proof=tuple(prove_inclusion(store, position, size)),
                )
        raise NotFound(kind="emission state", key=f"{key} at checkpoint {row.size}")

    def private_value(self, commitment: str) -> PrivateRecord:
        """The private value (and salt) behind a commitment, for an authorised holder (Reg. §66).

        Raises:
            NotFound: no value is kept for this commitment.
        """
        with self.store.read() as reader:
            row = reader.private_value(commitment)
        if row is None:
            raise NotFound(kind="private value", key=commitment)
        return row


def allocate_regno(view: RegisterView, emission: str) -> RegNo:
    """The next state registration number for an application (Reg. §67-68, Annex 7).

    Raises:
        NotFound: no such application or issuer.
        RuleViolation: the issuer has used all 99 serials (Reg. §68(в)).
    """
    state = view.emission(emission)
    if state is None:
        raise NotFound(kind="emission", key=emission)
    issuer = view.issuer(state.issuer)
    if issuer is None:
        raise NotFound(kind="issuer", key=state.issuer)
    return RegNo.build(
        va_type=state.va_type,
        serial=next_serial(serials_used=issuer.serials_used, issuer_code=issuer.code),
        issuer_code=issuer.code,
        region=issuer.region,
    )


def _application_no(numbers: list[str], result: Integrated) -> str:
    """The application number a filing was given: allocated now, or (a request integrated
    before, whose builders did not run again) the subject of its first entry."""
    if numbers:
        return numbers[-1]
    return entry_subject(decode_entry(result.entries[0].leaf))[1]


def _prefetch(reader: NodeReader, ids: Sequence[NodeID]) -> MemoryNodeStore:
    """The nodes ``ids`` read with one query, as a reader for the proof and root functions.

    Raises:
        MerkleError: a node is not stored, or the reader returns a hash that is not 32 bytes.
    """
    unique = list(dict.fromkeys(ids))
    nodes = MemoryNodeStore()
    if unique:
        nodes.put_nodes(zip(unique, reader.get_nodes(unique), strict=True))
    return nodes


def _leaf_id(index: int) -> NodeID:
    return NodeID(level=0, index=index)


def _check_size(size: int, head: int) -> None:
    if size > head:
        raise MerkleError(f"tree size {size} is beyond the log's size {head}")
