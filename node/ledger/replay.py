"""The journal through the one replay core (node.replay): projection rows, versions, state roots."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from node.domain.calendar import WorkingCalendar
from node.domain.entries import Entry, decode_entry
from node.domain.register import MemoryRegister
from node.errors import RuleViolation, VerificationError
from node.ledger.projection import emission_row, issuer_row, subject_row
from node.ledger.store import (
    EmissionRecord,
    EntryRecord,
    IssuerRecord,
    SubjectRecord,
    VersionRecord,
)
from node.replay import ReplayCore, StateLeaf


@dataclass
class Replayed:
    """The register rebuilt from the journal alone."""

    core: ReplayCore
    versions: list[VersionRecord] = field(default_factory=list)

    @property
    def register(self) -> MemoryRegister:
        """The replayed register."""
        return self.core.register

    @property
    def size(self) -> int:
        """Entries replayed."""
        return self.core.size

    @property
    def state_roots(self) -> dict[int, tuple[bytes, int]]:
        """State root and leaf count at each cut size."""
        return self.core.roots

    @property
    def issuer_idx(self) -> dict[str, int]:
        """The last entry that changed each issuer."""
        return self.core.issuer_idx

    @property
    def emission_idx(self) -> dict[str, int]:
        """The last entry that changed each emission (by application number)."""
        return self.core.emission_idx

    def issuer_rows(self) -> list[IssuerRecord]:
        """Projection rows of every issuer, by code."""
        return [
            issuer_row(state, updated_idx=self.issuer_idx[state.code])
            for state in sorted(self.register.issuers(), key=lambda s: s.code)
        ]

    def subject_rows(self) -> list[SubjectRecord]:
        """Projection rows of every miner and licence, by number."""
        return [
            subject_row(state, updated_idx=self.core.subject_idx[state.key])
            for state in self.register.subjects()
        ]

    def emission_rows(self) -> list[EmissionRecord]:
        """Projection rows of every emission, by state key."""
        rows = []
        for app, idx in self.emission_idx.items():
            state = self.register.emission(app)
            assert state is not None
            rows.append(emission_row(state, updated_idx=idx))
        return sorted(rows, key=lambda r: r.state_key.encode())

    def _record_versions(self, size: int, since: int, changed: list[StateLeaf]) -> None:
        self.versions.extend(
            VersionRecord(
                application_no=leaf.application_no,
                from_size=size,
                state_key=leaf.key,
                record=leaf.record.decode("utf-8"),
                state_leaf_hash=leaf.leaf_hash,
            )
            for leaf in sorted(changed, key=lambda leaf: leaf.key.encode())
            if leaf.updated_idx >= since
        )


def replay(
    entries: Iterable[EntryRecord],
    *,
    calendar: WorkingCalendar,
    checkpoint_sizes: Collection[int] = (),
    on_entry: Callable[[int], None] | None = None,
) -> Replayed:
    """Apply every entry in order to an empty register, cutting state roots at checkpoint sizes.

    Raises:
        VerificationError: an entry is out of order, does not decode, or breaks a rule that it
            must have passed when it was appended (names the entry index).
    """
    replayer = Replayer(calendar=calendar, checkpoint_sizes=checkpoint_sizes)
    for record in entries:
        try:
            entry = decode_entry(record.leaf)
        except RuleViolation as exc:
            replayer.check_order(record)
            raise VerificationError(f"does not replay: {exc}", where=f"entry {record.idx}") from exc
        replayer.apply(record, entry)
        if on_entry is not None:
            on_entry(record.idx)
    return replayer.result


class Replayer:
    """Feeds stored records to the core one at a time (for callers that already decoded them,
    as `tamga check`), keeping the versions the projection stores."""

    def __init__(
        self, *, calendar: WorkingCalendar, checkpoint_sizes: Collection[int] = ()
    ) -> None:
        self.result = Replayed(core=ReplayCore(calendar=calendar))
        # the core reports each cut's changed leaves: they are the versions the projection keeps
        self.result.core = ReplayCore(
            calendar=calendar, cut_sizes=checkpoint_sizes, on_cut=self.result._record_versions
        )

    def check_order(self, record: EntryRecord) -> None:
        """Refuse a record that is not the next one.

        Raises:
            VerificationError: the journal has a gap or is out of order here.
        """
        if record.idx != self.result.size:
            raise VerificationError(
                "journal has a gap or is out of order",
                expected=self.result.size,
                actual=record.idx,
                where=f"entry {self.result.size}",
            )

    def apply(self, record: EntryRecord, entry: Entry) -> None:
        """Apply the next entry (``entry`` decoded from ``record.leaf``).

        Raises:
            VerificationError: as :meth:`node.replay.ReplayCore.apply`.
        """
        self.result.core.apply(entry, index=record.idx)
