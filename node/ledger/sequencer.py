"""The sequencer: queued entries integrate in one transaction with nodes, projection, checkpoint."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from node.checkpoint import Checkpoint, SignedCheckpoint, format_time, sign_checkpoint
from node.clock import Clock
from node.domain.calendar import CalendarCorrections, WorkingCalendar
from node.domain.entries import Entry, encode_entry, entry_subject
from node.domain.model import EmissionState, IssuerState
from node.domain.register import RegisterView, apply_entry
from node.errors import LedgerError, RegistryError, RuleViolation, StorageError
from node.ledger.projection import StagedView, versions_since
from node.ledger.store import (
    CheckpointRecord,
    EntryRecord,
    LedgerReader,
    LedgerStore,
    LedgerWriter,
    PrivateRecord,
    RequestRecord,
)
from node.merkle.hasher import hash_leaf
from node.merkle.nodes import NodeID
from node.merkle.tree import CompactRange
from node.state import state_root

if TYPE_CHECKING:  # the signer's class only; eth_account loads when a key is opened
    from eth_account.signers.local import LocalAccount


@dataclass(frozen=True)
class PrivateInput:
    """A private value to keep beside the entry that commits to it (Reg. §66)."""

    commitment: str
    subject: str
    salt: bytes
    value: str


@dataclass(frozen=True)
class Prepared:
    """An entry ready to integrate, with any private values it commits to."""

    entry: Entry
    private: tuple[PrivateInput, ...] = ()


EntryBuilder = Callable[[RegisterView], Prepared]
"""Builds an entry from the register as it is inside the transaction (allocates codes, numbers)."""


KNOWN_STATE_LIMIT = 10_000
"""At most this many emission states are kept between integrations."""


@dataclass(frozen=True)
class KnownState:
    """Register states as of a head the sequencer itself committed."""

    head: tuple[int, bytes]
    issuers: dict[str, IssuerState]
    emissions: dict[str, EmissionState]
    calendar: CalendarCorrections | None = None


@dataclass(frozen=True)
class Integrated:
    """What one integration wrote."""

    first_index: int
    size: int
    root: bytes
    entries: tuple[EntryRecord, ...]
    checkpoint: SignedCheckpoint | None


@dataclass(frozen=True)
class _Accepted:
    """An accepted request of a group: its entries ``first <= idx < end``, the root after it."""

    first: int
    end: int
    root: bytes | None


@dataclass
class Sequencer:
    """Queues entries, then integrates the whole queue atomically.

    Integration takes the writer lock, validates each entry against the register as left by the
    entries before it (domain rules), appends leaves and Merkle nodes, updates the projection, moves
    the head and, when asked, cuts and signs a checkpoint — all in one transaction. If any entry
    breaks a rule, nothing is written and the queue is emptied.
    """

    store: LedgerStore
    calendar: WorkingCalendar
    clock: Clock
    origin: str
    signer: LocalAccount | None = None
    _queue: list[EntryBuilder] = field(default_factory=list)
    _tree: tuple[CompactRange, bytes] | None = field(default=None, repr=False)
    """The compact range and root this sequencer left at its last commit (saves a read and the
    root's hashing per integration)."""
    _known: KnownState | None = field(default=None, repr=False)
    """Issuer and emission states as of this sequencer's last commit (saves reads and parsing)."""

    def submit(self, item: Entry | Prepared | EntryBuilder) -> None:
        """Queue an entry (or a builder run inside the integrating transaction)."""
        self._queue.append(as_builder(item))

    @property
    def pending(self) -> int:
        """How many entries wait for integration."""
        return len(self._queue)

    def integrate(self, *, checkpoint: bool = False, request_id: bytes | None = None) -> Integrated:
        """Integrate every queued entry in one transaction (as the client request
        ``request_id``, if given: see ``integrate_group``).

        Raises:
            RuleViolation: an entry breaks a rule (the message names its position in the batch);
                nothing was written.
            LedgerError: a checkpoint was asked for but no signing key is configured.
            StorageError: the database failed; nothing was written.
        """
        queue, self._queue = self._queue, []
        outcome = self._integrate(
            [queue], checkpoint=checkpoint, strict=True, request_ids=[request_id]
        )[0]
        assert isinstance(outcome, Integrated)  # strict: a failure raised
        return outcome

    def integrate_group(
        self,
        requests: Sequence[Sequence[EntryBuilder]],
        *,
        checkpoint: bool = False,
        request_ids: Sequence[bytes | None] | None = None,
    ) -> list[Integrated | RegistryError]:
        """Group commit: integrate independent requests in ONE transaction, in order.

        Each request is atomic on its own (all its entries or none) and is validated against
        the register as the requests accepted before it in the group left it; a request that
        breaks a rule (RuleViolation, NotFound, LedgerError from its builders or the domain
        rules) is dropped with its own error and nothing of it is written, the others land. The
        result of an accepted request is what it would have been had it been integrated alone
        right after the one before it (its index, the tree size and root just after it).

        ``request_ids`` (one per request, or None) name client requests (e.g. an HTTP
        Idempotency-Key): an accepted request's id is recorded in the same transaction as its
        entries, and a request whose id was recorded before (or earlier in the group) is not
        built nor written again: its result is the first one's (its entries, the tree size and
        root just after them; no checkpoint). A retry after a crash therefore never writes twice,
        whichever side of the commit the crash fell on.

        Raises:
            LedgerError: a checkpoint was asked for but no signing key is configured.
            StorageError: the database failed; nothing of any request was written.
        """
        if self._queue:
            raise LedgerError("entries are queued on this sequencer; integrate them first")
        ids = list(request_ids) if request_ids is not None else [None] * len(requests)
        if len(ids) != len(requests):
            raise LedgerError("one request id (or None) per request is needed")
        return self._integrate(requests, checkpoint=checkpoint, strict=False, request_ids=ids)

    def _integrate(
        self,
        requests: Sequence[Sequence[EntryBuilder]],
        *,
        checkpoint: bool,
        strict: bool,
        request_ids: Sequence[bytes | None],
    ) -> list[Integrated | RegistryError]:
        if checkpoint and self.signer is None:
            raise LedgerError("cannot cut a checkpoint: no signing key is configured")
        cached, self._tree = self._tree, None  # kept again only if this transaction commits
        known, self._known = self._known, None
        outcomes: list[_Accepted | RegistryError | Integrated] = []
        with self.store.write() as writer:
            size, head_root = writer.lock_head()
            tree = _compact_range(writer, size=size, root=head_root, cached=cached)
            view = StagedView(writer)
            if known is not None and known.head == (size, head_root):
                # No other writer moved the log since our last commit: the states we left are
                # still the projection's (rebuild rewrites it with identical rows).
                view.seed(known.issuers, known.emissions, calendar=known.calendar)
            rows: list[EntryRecord] = []
            nodes: list[tuple[NodeID, bytes]] = []
            private: list[PrivateRecord] = []
            wanted = [rid for rid in request_ids if rid is not None]
            done = writer.requests(wanted) if wanted else {}
            in_group: dict[bytes, _Accepted] = {}
            recorded: list[tuple[bytes, _Accepted]] = []
            replayed = False
            for request, rid in zip(requests, request_ids, strict=True):
                if rid is not None and rid in done:  # integrated before: its first result
                    outcomes.append(_earlier(writer, done[rid]))
                    replayed = True
                    continue
                if rid is not None and rid in in_group:  # the same request twice in this group
                    outcomes.append(in_group[rid])
                    continue
                first = size + len(rows)
                if strict:
                    staged = self._stage(view, request, first=first)
                else:
                    view.begin()
                    try:
                        staged = self._stage(view, request, first=first)
                    except StorageError:
                        raise
                    except RegistryError as exc:
                        view.rollback()
                        outcomes.append(exc)
                        continue
                    view.release()
                for position, (prepared, subject) in enumerate(staged):
                    idx = first + position
                    entry = prepared.entry
                    leaf = encode_entry(entry)
                    leaf_hash = hash_leaf(leaf)
                    nodes.extend(tree.append(leaf_hash))
                    rows.append(
                        EntryRecord(
                            idx=idx,
                            kind=entry.kind,
                            subject=subject,
                            leaf=leaf,
                            leaf_hash=leaf_hash,
                            recorded_at=format_time(entry.recorded_at),
                        )
                    )
                    private.extend(
                        PrivateRecord(
                            commitment=p.commitment,
                            subject=p.subject,
                            salt=p.salt,
                            value=p.value,
                            entry_idx=idx,
                        )
                        for p in prepared.private
                    )
                end = size + len(rows)
                # The root just after this request (one request alone: the new head's).
                root = None if strict or len(requests) == 1 else tree.root()
                accepted = _Accepted(first=first, end=end, root=root)
                outcomes.append(accepted)
                if rid is not None:
                    in_group[rid] = accepted
                    recorded.append((rid, accepted))
            new_size = size + len(rows)
            root = tree.root()
            if rows:
                writer.add_entries(rows)
                writer.add_nodes(nodes)
                writer.add_private(private)
                view.flush(writer)
                writer.set_head(new_size, root)
                at = format_time(self.clock.now())
                writer.add_requests(
                    [
                        RequestRecord(
                            request_id=rid,
                            first_idx=a.first,
                            end_idx=a.end,
                            root=root if a.root is None else a.root,
                            recorded_at=at,
                        )
                        for rid, a in recorded
                    ]
                )
            signed = (
                self._checkpoint(writer, size=new_size, root=root)
                if checkpoint and (rows or (strict and not replayed))
                else None
            )
        self._tree = (tree, root)
        issuers, emissions = view.known()
        if len(emissions) <= KNOWN_STATE_LIMIT:
            self._known = KnownState(
                head=(new_size, root),
                issuers=issuers,
                emissions=emissions,
                calendar=view.known_calendar(),
            )
        results: list[Integrated | RegistryError] = []
        for outcome in outcomes:
            if isinstance(outcome, RegistryError | Integrated):
                results.append(outcome)
                continue
            results.append(
                Integrated(
                    first_index=outcome.first,
                    size=outcome.end,
                    root=root if outcome.root is None else outcome.root,
                    entries=tuple(rows[outcome.first - size : outcome.end - size]),
                    checkpoint=signed,
                )
            )
        return results

    def _stage(
        self, view: StagedView, request: Sequence[EntryBuilder], *, first: int
    ) -> list[tuple[Prepared, str]]:
        """Build and validate one request's entries, staging their effects in ``view``.

        Raises:
            RuleViolation, NotFound, LedgerError: an entry breaks a rule (a RuleViolation of a
                request of several entries names the entry's position in it).
            StorageError: the database failed.
        """
        staged: list[tuple[Prepared, str]] = []
        for position, build in enumerate(request):
            prepared = build(view)
            entry = prepared.entry
            try:
                subject = _subject(view, entry)
                effects = apply_entry(view, entry, calendar=self.calendar)
            except RuleViolation as exc:
                if len(request) > 1:
                    exc.args = (f"entry {position + 1} of {len(request)}: {exc.args[0]}",)
                raise
            view.stage(effects, idx=first + position)
            staged.append((prepared, subject))
        return staged

    def cut_checkpoint(self) -> SignedCheckpoint:
        """Sign a checkpoint at the current head (integrating anything queued first).

        Raises:
            LedgerError: no signing key, or a checkpoint at this size already exists.
            StorageError: the database failed.
        """
        if self._queue:
            result = self.integrate(checkpoint=True)
            assert result.checkpoint is not None
            return result.checkpoint
        if self.signer is None:
            raise LedgerError("cannot cut a checkpoint: no signing key is configured")
        with self.store.write() as writer:
            size, root = writer.lock_head()
            return self._checkpoint(writer, size=size, root=root)

    def _checkpoint(self, writer: LedgerWriter, *, size: int, root: bytes) -> SignedCheckpoint:
        assert self.signer is not None
        previous = writer.latest_checkpoint()
        if previous is not None and previous.size == size:
            raise LedgerError(f"a checkpoint at size {size} already exists; append entries first")
        since = 0 if previous is None else previous.size
        writer.add_versions(versions_since(writer, since=since, at_size=size))
        s_root, s_size = state_root(writer.current_state_leaves())
        cp = Checkpoint(
            origin=self.origin,
            size=size,
            log_root=root,
            state_root=s_root,
            state_size=s_size,
            issued_at=self.clock.now(),
        )
        signed = sign_checkpoint(cp, self.signer)
        writer.add_checkpoint(
            CheckpointRecord(
                size=size,
                origin=cp.origin,
                log_root=cp.log_root,
                state_root=cp.state_root,
                state_size=cp.state_size,
                issued_at=format_time(cp.issued_at),
                signer=signed.signer,
                signature=signed.signature,
            )
        )
        return signed


def _earlier(reader: LedgerReader, record: RequestRecord) -> Integrated:
    """The result of a request integrated before, from its record and its entries."""
    return Integrated(
        first_index=record.first_idx,
        size=record.end_idx,
        root=record.root,
        entries=tuple(reader.entries(record.first_idx, record.end_idx)),
        checkpoint=None,
    )


def _compact_range(
    reader: LedgerReader, *, size: int, root: bytes, cached: tuple[CompactRange, bytes] | None
) -> CompactRange:
    """The compact range of the head: the cached one when it has the head's size and root (no
    other writer moved the log since this sequencer last committed), else read from the nodes."""
    if cached is not None and cached[0].size == size and cached[1] == root:
        return cached[0]
    return CompactRange.load(reader, size)


def as_builder(item: Entry | Prepared | EntryBuilder) -> EntryBuilder:
    """``item`` as a builder (an entry or a prepared entry builds to itself)."""
    if isinstance(item, Prepared):
        return _constant(item)
    if callable(item):
        return item
    return _constant(Prepared(entry=item))


def _constant(prepared: Prepared) -> EntryBuilder:
    def build(_view: RegisterView) -> Prepared:
        return prepared

    return build


def _subject(view: RegisterView, entry: Entry) -> str:
    """The stable subject of an entry: the issuer code, or the emission's application number."""
    kind, key = entry_subject(entry)
    if kind == "emission":
        current = view.emission(key)
        if current is not None:
            return current.application_no
    return key
