"""Replay the journal through the pure domain rules: projection, versions and state roots."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from node.domain.calendar import WorkingCalendar
from node.domain.entries import Entry, decode_entry
from node.domain.register import MemoryRegister
from node.errors import RuleViolation, VerificationError
from node.ledger.projection import emission_row, issuer_row
from node.ledger.store import EmissionRecord, EntryRecord, IssuerRecord, VersionRecord
from node.state import state_root


@dataclass
class Replayed:
    """The register rebuilt from the journal alone."""

    register: MemoryRegister
    issuer_idx: dict[str, int] = field(default_factory=dict)
    emission_idx: dict[str, int] = field(default_factory=dict)
    versions: list[VersionRecord] = field(default_factory=list)
    state_roots: dict[int, tuple[bytes, int]] = field(default_factory=dict)
    size: int = 0
    _rows: dict[str, EmissionRecord] = field(default_factory=dict)

    def issuer_rows(self) -> list[IssuerRecord]:
        """Projection rows of every issuer, by code."""
        return [
            issuer_row(state, updated_idx=self.issuer_idx[state.code])
            for state in sorted(self.register.issuers(), key=lambda s: s.code)
        ]

    def emission_rows(self) -> list[EmissionRecord]:
        """Projection rows of every emission, by state key."""
        rows = [self._row(app) for app in self.emission_idx]
        return sorted(rows, key=lambda r: r.state_key.encode())

    def _row(self, app: str) -> EmissionRecord:
        idx = self.emission_idx[app]
        cached = self._rows.get(app)
        if cached is None or cached.updated_idx != idx:
            state = self.register.emission(app)
            assert state is not None
            cached = emission_row(state, updated_idx=idx)
            self._rows[app] = cached
        return cached


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
            raise VerificationError(
                f"entry does not replay: {exc}", where=f"entry {record.idx}"
            ) from exc
        replayer.apply(record, entry)
        if on_entry is not None:
            on_entry(record.idx)
    return replayer.result


class Replayer:
    """Replays entries one at a time (for callers that already decoded them, as `tamga check`)."""

    def __init__(
        self, *, calendar: WorkingCalendar, checkpoint_sizes: Collection[int] = ()
    ) -> None:
        self.result = Replayed(register=MemoryRegister())
        self._calendar = calendar
        self._wanted = set(checkpoint_sizes)
        self._last_checkpoint = 0
        if 0 in self._wanted:
            _cut(self.result, size=0, since=0)

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
            VerificationError: the record is out of order, or the entry breaks a rule that it
                must have passed when it was appended (names the entry index).
        """
        self.check_order(record)
        result = self.result
        try:
            effects = result.register.apply(entry, calendar=self._calendar)
        except RuleViolation as exc:
            raise VerificationError(
                f"entry does not replay: {exc}", where=f"entry {record.idx}"
            ) from exc
        for issuer in effects.issuers:
            result.issuer_idx[issuer.code] = record.idx
        for emission in effects.emissions:
            result.emission_idx[emission.application_no] = record.idx
        result.size += 1
        if result.size in self._wanted:
            _cut(result, size=result.size, since=self._last_checkpoint)
            self._last_checkpoint = result.size


def _cut(result: Replayed, *, size: int, since: int) -> None:
    rows = result.emission_rows()
    result.versions.extend(
        VersionRecord(
            application_no=row.application_no,
            from_size=size,
            state_key=row.state_key,
            record=row.record,
            state_leaf_hash=row.state_leaf_hash,
        )
        for row in rows
        if row.updated_idx >= since
    )
    result.state_roots[size] = state_root([(r.state_key, r.state_leaf_hash) for r in rows])
