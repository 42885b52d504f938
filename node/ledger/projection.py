"""The register projection seen through a write transaction: a RegisterView with staged changes."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, MutableMapping, Sequence
from typing import Any

from node.domain.calendar import CalendarCorrections
from node.domain.canonical import canonical_json
from node.domain.corrections import correct_calendar
from node.domain.entries import CALENDAR_SUBJECT, CalendarCorrected, decode_entry
from node.domain.model import EmissionState, IssuerState
from node.domain.register import Effects
from node.domain.subjects import Subject, register_of, subject_from_record
from node.ledger.store import (
    EmissionRecord,
    IssuerRecord,
    LedgerReader,
    LedgerWriter,
    SubjectRecord,
    VersionRecord,
)
from node.merkle.hasher import hash_leaf
from node.replay import state_leaf_bytes


def record_text(record: object) -> str:
    """A public record as canonical JSON text (what the projection and versions store)."""
    return canonical_json(record).decode("utf-8")


def issuer_row(state: IssuerState, *, updated_idx: int) -> IssuerRecord:
    """The projection row of an issuer."""
    return IssuerRecord(
        code=state.code,
        name=state.name,
        region=str(state.region.value),
        status=str(state.status.value),
        record=record_text(state.to_record()),
        updated_idx=updated_idx,
    )


def emission_row(state: EmissionState, *, updated_idx: int) -> EmissionRecord:
    """The projection row of an emission, with its state-tree leaf hash."""
    record = canonical_json(state.to_record())
    return EmissionRecord(
        application_no=state.application_no,
        regno=state.regno,
        state_key=state.key,
        issuer=state.issuer,
        status=str(state.status.value),
        name=state.name,
        blockchain=state.blockchain,
        contract_address=state.contract_address,
        record=record.decode("utf-8"),
        state_leaf_hash=hash_leaf(state_leaf_of_json(state.key, record)),
        updated_idx=updated_idx,
    )


def state_leaf_of_json(key: str, record: bytes) -> bytes:
    """``node.state.state_leaf(key, r)`` built from ``record`` = canonical_json(r), not
    re-encoded (the one encoder: ``node.replay.state_leaf_bytes``)."""
    return state_leaf_bytes(key, record)


def subject_row(state: Subject, *, updated_idx: int) -> SubjectRecord:
    """The projection row of a miner or a licence, with its state-tree leaf hash."""
    record = canonical_json(state.to_record())
    return SubjectRecord(
        key=state.key,
        register=register_of(state),
        name=state.name,
        status=str(state.status.value),
        record=record.decode("utf-8"),
        state_leaf_hash=hash_leaf(state_leaf_of_json(state.key, record)),
        updated_idx=updated_idx,
    )


def subject_from_row(row: SubjectRecord) -> Subject:
    """Decode a stored miner or licence row."""
    return subject_from_record(row.register, json.loads(row.record))


def issuer_from_row(row: IssuerRecord) -> IssuerState:
    """Decode a stored issuer row."""
    return IssuerState.from_record(json.loads(row.record))


def emission_from_row(row: EmissionRecord) -> EmissionState:
    """Decode a stored emission row."""
    return EmissionState.from_record(json.loads(row.record))


_MISSING: Any = object()


class StagedView:
    """``RegisterView`` over the database plus the changes of entries not yet written.

    Loads each issuer and emission at most once per transaction; ``flush`` writes every changed
    row once, so a batch of N entries on one emission costs one row update.
    """

    def __init__(self, reader: LedgerReader) -> None:
        self._reader = reader
        self._issuers: dict[str, IssuerState | None] = {}
        self._issuer_exists: dict[str, bool] = {}
        self._emissions: dict[str, EmissionState] = {}  # by application number
        self._emission_exists: dict[str, bool] = {}
        self._alias: dict[str, str] = {}  # regno or application number -> application number
        self._dirty_issuers: dict[str, int] = {}
        self._dirty_emissions: dict[str, int] = {}
        self._subjects: dict[str, Subject | None] = {}  # miners and licences, by number
        self._subject_exists: dict[str, bool] = {}
        self._dirty_subjects: dict[str, int] = {}
        self._subject_counts: dict[str, int] = {}
        self._loaded_issuer_lists: set[str] = set()
        self._application_count: int | None = None
        self._issuer_codes: set[str] | None = None
        self._journal: list[tuple[MutableMapping[str, Any], str, Any]] | None = None
        # the calendar corrections of the log (and of staged entries), under CALENDAR_SUBJECT
        self._calendar: dict[str, CalendarCorrections] = {}

    # RegisterView -----------------------------------------------------------------------
    def issuer(self, code: str) -> IssuerState | None:
        if code not in self._issuers:
            row = self._reader.issuer_row(code)
            self._issuers[code] = None if row is None else issuer_from_row(row)
            self._issuer_exists[code] = row is not None
        return self._issuers[code]

    def emission(self, key: str) -> EmissionState | None:
        app = self._alias.get(key)
        if app is not None:
            return self._emissions[app]
        row = self._reader.emission_row(key)
        if row is None:
            return None
        return self._remember(emission_from_row(row), exists=True)

    def emissions_of(self, issuer: str) -> Sequence[EmissionState]:
        if issuer not in self._loaded_issuer_lists:
            for row in self._reader.emission_rows(issuer=issuer):
                if row.application_no not in self._emissions:
                    self._remember(emission_from_row(row), exists=True)
            self._loaded_issuer_lists.add(issuer)
        found = [e for e in self._emissions.values() if e.issuer == issuer]
        return sorted(found, key=lambda e: e.key.encode())

    def application_count(self) -> int:
        if self._application_count is None:
            self._application_count = self._reader.application_count()
        new = sum(1 for app, exists in self._emission_exists.items() if not exists)
        return self._application_count + new

    def issuer_codes(self) -> Collection[str]:
        if self._issuer_codes is None:
            self._issuer_codes = set(self._reader.issuer_codes())
        staged = {code for code, state in self._issuers.items() if state is not None}
        return self._issuer_codes | staged

    def subject(self, key: str) -> Subject | None:
        if key not in self._subjects:
            row = self._reader.subject_row(key)
            self._subjects[key] = None if row is None else subject_from_row(row)
            self._subject_exists[key] = row is not None
        return self._subjects[key]

    def subject_count(self, register: str) -> int:
        if register not in self._subject_counts:
            self._subject_counts[register] = self._reader.subject_count(register)
        staged = 0
        for key, exists in self._subject_exists.items():
            state = self._subjects.get(key)
            if not exists and state is not None and register_of(state) == register:
                staged += 1
        return self._subject_counts[register] + staged

    def calendar_corrections(self) -> CalendarCorrections:
        """The log's ``calendar.corrected`` entries folded in order, plus staged ones (read from
        the journal once per transaction: they have no projection rows of their own)."""
        corrections = self._calendar.get(CALENDAR_SUBJECT)
        if corrections is None:
            corrections = CalendarCorrections()
            for record in self._reader.entries_of(CALENDAR_SUBJECT):
                entry = decode_entry(record.leaf)
                if isinstance(entry, CalendarCorrected):  # validated when it was appended
                    corrections = correct_calendar(corrections, entry)
            self._calendar[CALENDAR_SUBJECT] = corrections
        return corrections

    # staging ----------------------------------------------------------------------------
    def seed(
        self,
        issuers: Mapping[str, IssuerState],
        emissions: Mapping[str, EmissionState],
        *,
        calendar: CalendarCorrections | None = None,
    ) -> None:
        """Start from states known to equal the stored rows (they exist; nothing is dirty) and,
        when given, the log's calendar corrections."""
        if calendar is not None:
            self._calendar[CALENDAR_SUBJECT] = calendar
        for code, issuer in issuers.items():
            self._issuers[code] = issuer
            self._issuer_exists[code] = True
        for emission in emissions.values():
            self._remember(emission, exists=True)

    def known(self) -> tuple[dict[str, IssuerState], dict[str, EmissionState]]:
        """Every issuer and emission state this view holds (after ``flush``, all stored)."""
        issuers = {code: state for code, state in self._issuers.items() if state is not None}
        return issuers, dict(self._emissions)

    def known_calendar(self) -> CalendarCorrections | None:
        """The calendar corrections, if this view read or staged them."""
        return self._calendar.get(CALENDAR_SUBJECT)

    def begin(self) -> None:
        """Start a savepoint: ``rollback`` undoes everything staged after it (one request of a
        group commit that breaks a rule leaves the view as the requests before it left it)."""
        self._journal = []

    def release(self) -> None:
        """Keep everything staged since ``begin``."""
        self._journal = None

    def rollback(self) -> None:
        """Undo everything staged since ``begin`` (states read from the database stay cached)."""
        journal, self._journal = self._journal or [], None
        for table, key, old in reversed(journal):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old

    def stage(self, effects: Effects, *, idx: int) -> None:
        """Record the new states produced by entry ``idx``."""
        put = self._put
        if effects.calendar is not None:
            put(self._calendar, CALENDAR_SUBJECT, effects.calendar)
        for issuer in effects.issuers:
            if issuer.code not in self._issuer_exists:
                self.issuer(issuer.code)
            put(self._issuers, issuer.code, issuer)
            put(self._dirty_issuers, issuer.code, idx)
        for emission in effects.emissions:
            app = emission.application_no
            exists = self._emission_exists.get(app)
            if exists is None:
                # A new application, or one not read yet: look it up so that we update, not insert.
                exists = self._reader.emission_row(app) is not None
                put(self._emission_exists, app, exists)
            put(self._emissions, app, emission)
            put(self._alias, app, app)
            if emission.regno:
                put(self._alias, emission.regno, app)
            put(self._dirty_emissions, app, idx)
        for subject in effects.subjects:
            key = subject.key
            if key not in self._subject_exists:
                self.subject(key)
            put(self._subjects, key, subject)
            put(self._dirty_subjects, key, idx)

    def _put(self, table: MutableMapping[str, Any], key: str, value: Any) -> None:
        if self._journal is not None:
            self._journal.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def flush(self, writer: LedgerWriter) -> None:
        """Write every changed issuer and emission row once."""
        for code, idx in self._dirty_issuers.items():
            state = self._issuers[code]
            assert state is not None
            writer.put_issuer(issuer_row(state, updated_idx=idx), exists=self._issuer_exists[code])
            self._issuer_exists[code] = True
        for app, idx in self._dirty_emissions.items():
            writer.put_emission(
                emission_row(self._emissions[app], updated_idx=idx),
                exists=self._emission_exists[app],
            )
            self._emission_exists[app] = True
        for key, idx in self._dirty_subjects.items():
            subject = self._subjects[key]
            assert subject is not None
            writer.put_subject(
                subject_row(subject, updated_idx=idx), exists=self._subject_exists[key]
            )
            self._subject_exists[key] = True
        self._dirty_issuers.clear()
        self._dirty_emissions.clear()
        self._dirty_subjects.clear()

    def _remember(self, state: EmissionState, *, exists: bool) -> EmissionState:
        app = state.application_no
        self._emissions[app] = state
        self._emission_exists.setdefault(app, exists)
        self._alias[app] = app
        if state.regno:
            self._alias[state.regno] = app
        return state


def versions_since(reader: LedgerReader, *, since: int, at_size: int) -> list[VersionRecord]:
    """Version rows of every state-tree subject (emission, miner, licence) changed by entries
    ``>= since``, in force at ``at_size``, by state key."""
    emissions = [
        VersionRecord(
            application_no=row.application_no,
            from_size=at_size,
            state_key=row.state_key,
            record=row.record,
            state_leaf_hash=row.state_leaf_hash,
        )
        for row in reader.emission_rows(updated_since=since)  # filtered by the database
    ]
    subjects = [
        VersionRecord(
            application_no=row.key,  # a miner's or licence's stable id is its number
            from_size=at_size,
            state_key=row.key,
            record=row.record,
            state_leaf_hash=row.state_leaf_hash,
        )
        for row in reader.subject_rows(updated_since=since)
    ]
    return sorted([*emissions, *subjects], key=lambda v: v.state_key.encode())
