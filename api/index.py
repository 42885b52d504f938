"""An in-memory read model of the register for fast public reads, kept current from the log."""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from node.domain.miners import MinerState
from node.domain.model import EmissionState, EmissionStatus, IssuerState
from node.domain.regno import Region, VAType
from node.domain.vasps import LicenceState
from node.ledger.service import Ledger

FREEZE_AT: Final = 1000
"""From this many emissions, a full load of the read model is frozen out of the cyclic GC."""


@dataclass(frozen=True)
class EmissionFilter:
    """Filters of the public emission list; every given filter must match."""

    issuer: str | None = None
    va_type: VAType | None = None
    status: EmissionStatus | None = None
    region: Region | None = None
    blockchain: str | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    filed_from: date | None = None
    filed_to: date | None = None
    q: str | None = None

    def fingerprint(self) -> str:
        """A stable text of the filter values (bound into pagination cursors)."""
        return repr(
            (
                self.issuer,
                self.va_type,
                self.status,
                self.region,
                (self.blockchain or "").casefold() or None,
                self.registered_from,
                self.registered_to,
                self.filed_from,
                self.filed_to,
                (self.q or "").strip().casefold() or None,
            )
        )


@dataclass(frozen=True)
class IndexedEmission:
    """One emission with its ordinal (application number order) and its search text."""

    ordinal: int
    state: EmissionState
    search: str


def application_ordinal(application_no: str) -> int:
    """The number in ``APP-000123`` (applications are numbered in filing order)."""
    return int(application_no.removeprefix("APP-"))


def _search_text(state: EmissionState, issuer: IssuerState | None) -> str:
    parts = [state.name, state.symbol, state.application_no, state.contract_address]
    if state.regno:
        parts.append(state.regno)
    if issuer is not None:
        parts.append(issuer.name)
    return "\n".join(p.casefold() for p in parts)


@dataclass(frozen=True)
class Snapshot:
    """The register as of log size ``size``: immutable, swapped whole on refresh."""

    size: int
    issuers: dict[str, IssuerState] = field(default_factory=dict)
    emissions: dict[str, IndexedEmission] = field(default_factory=dict)  # by application number
    keys: dict[str, str] = field(default_factory=dict)  # regno or application no -> application no
    ordered: tuple[str, ...] = ()  # application numbers in filing order
    miners: dict[str, MinerState] = field(default_factory=dict)  # by certificate number
    licences: dict[str, LicenceState] = field(default_factory=dict)  # by licence number

    def emission(self, key: str) -> IndexedEmission | None:
        """An emission by registration number or application number."""
        app = self.keys.get(key)
        return None if app is None else self.emissions.get(app)

    def find(
        self, flt: EmissionFilter, *, descending: bool, after: int | None, limit: int
    ) -> tuple[list[IndexedEmission], bool]:
        """Up to ``limit`` matching emissions after ordinal ``after`` and whether more follow."""
        order: Iterable[str] = reversed(self.ordered) if descending else self.ordered
        needle = (flt.q or "").strip().casefold()
        chain = (flt.blockchain or "").strip().casefold()
        found: list[IndexedEmission] = []
        for app in order:
            item = self.emissions[app]
            if after is not None and (
                item.ordinal >= after if descending else item.ordinal <= after
            ):
                continue
            if not _matches(item, flt, needle=needle, chain=chain, issuers=self.issuers):
                continue
            if len(found) == limit:
                return found, True
            found.append(item)
        return found, False


def _matches(
    item: IndexedEmission,
    flt: EmissionFilter,
    *,
    needle: str,
    chain: str,
    issuers: dict[str, IssuerState],
) -> bool:
    e = item.state
    if flt.issuer is not None and e.issuer != flt.issuer:
        return False
    if flt.va_type is not None and e.va_type is not flt.va_type:
        return False
    if flt.status is not None and e.status is not flt.status:
        return False
    if chain and e.blockchain.casefold() != chain:
        return False
    if flt.region is not None:
        issuer = issuers.get(e.issuer)
        if issuer is None or issuer.region is not flt.region:
            return False
    if flt.registered_from is not None or flt.registered_to is not None:
        on = e.registered_on
        if on is None:
            return False
        if flt.registered_from is not None and on < flt.registered_from:
            return False
        if flt.registered_to is not None and on > flt.registered_to:
            return False
    if flt.filed_from is not None and e.documents_filed_on < flt.filed_from:
        return False
    if flt.filed_to is not None and e.documents_filed_on > flt.filed_to:
        return False
    return not needle or needle in item.search


class RegisterIndex:
    """Keeps a :class:`Snapshot` current: a full load once, then only what new entries touched.

    An entry about an emission reloads that emission and its issuer (a registration uses one of
    the issuer's serials); an entry about an issuer reloads the issuer and all its emissions (a
    liquidation adds a cancellation deadline to each, Reg. §45, §64).
    """

    def __init__(
        self,
        ledger: Ledger,
        *,
        on_refresh: Callable[[int], None] | None = None,
        freeze_at: int = FREEZE_AT,
    ) -> None:
        self._ledger = ledger
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._on_refresh = on_refresh
        self._freeze_at = freeze_at

    def current(self) -> Snapshot:
        """The snapshot at the log's current size (refreshed first if the log grew).

        Raises:
            LedgerError: the ledger is not initialised.
            StorageError: the database failed.
        """
        size, _ = self._ledger.head()
        snap = self._snapshot
        if snap is not None and snap.size == size:
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is not None and snap.size == size:
                return snap
            snap = self._load(size) if snap is None else self._advance(snap, size)
            self._snapshot = snap
        if self._on_refresh is not None:
            self._on_refresh(size)
        return snap

    def _load(self, size: int) -> Snapshot:
        issuers = {i.code: i for i in self._ledger.issuers()}
        emissions = self._ledger.emissions()
        snap = _build(size, issuers, {e.application_no: e for e in emissions})
        snap = dataclasses.replace(
            snap,
            miners={m.certificate: m for m in self._ledger.miners()},
            licences={lic.licence: lic for lic in self._ledger.licences()},
        )
        if len(snap.emissions) >= self._freeze_at:
            # The read model lives as long as the process. A full cyclic collection traverses
            # every tracked object (~200k for 10,000 emissions, 100-250 ms on a loaded core) and
            # stalls every request in flight; frozen objects are skipped by it (gc.freeze) and
            # are still freed by reference counting when a refresh replaces them.
            gc.freeze()
        return snap

    def _advance(self, snap: Snapshot, size: int) -> Snapshot:
        if size < snap.size:  # a rebuilt or replaced database: start over
            return self._load(size)
        issuer_codes: set[str] = set()
        apps: set[str] = set()
        certificates: set[str] = set()
        numbers: set[str] = set()
        for record in self._ledger.entries(snap.size, size):
            if record.kind.startswith("issuer."):
                issuer_codes.add(record.subject)
            elif record.kind.startswith("miner."):
                certificates.add(record.subject)
            elif record.kind.startswith("vasp."):
                numbers.add(record.subject)
            elif record.kind.startswith("calendar."):
                continue  # changes no state of its own; later deadlines count with it
            elif record.kind.startswith("report."):
                continue  # a published report's digest changes no record
            else:
                apps.add(record.subject)
        miners = dict(snap.miners)
        for certificate in certificates:
            miners[certificate] = self._ledger.miner(certificate)
        licences = dict(snap.licences)
        for number in numbers:
            licences[number] = self._ledger.licence(number)
        issuers = dict(snap.issuers)
        states = {app: item.state for app, item in snap.emissions.items()}
        touched: set[str] = set()  # issuers an emission entry may change (serials used)
        for app in apps:
            state = self._ledger.emission(app)
            states[app] = state
            touched.add(state.issuer)
        for code in touched - issuer_codes:
            issuers[code] = self._ledger.issuer(code)
        # An issuer entry may change what its emissions are found by (the issuer's name): only
        # then are all its emissions read again (not on every emission event: a write path).
        for code in issuer_codes:
            issuers[code] = self._ledger.issuer(code)
            for state in self._ledger.emissions(issuer=code):
                states[state.application_no] = state
        built = _build(
            size, issuers, states, previous=snap, changed=apps, changed_issuers=issuer_codes
        )
        return dataclasses.replace(built, miners=miners, licences=licences)


def _build(
    size: int,
    issuers: dict[str, IssuerState],
    states: dict[str, EmissionState],
    *,
    previous: Snapshot | None = None,
    changed: set[str] | None = None,
    changed_issuers: set[str] | None = None,
) -> Snapshot:
    emissions: dict[str, IndexedEmission] = {}
    for app, state in states.items():
        old = previous.emissions.get(app) if previous is not None else None
        reuse = (
            old is not None
            and old.state is state
            and app not in (changed or set())
            and state.issuer not in (changed_issuers or set())
        )
        emissions[app] = (
            old
            if reuse and old is not None
            else IndexedEmission(
                ordinal=application_ordinal(app),
                state=state,
                search=_search_text(state, issuers.get(state.issuer)),
            )
        )
    keys: dict[str, str] = {}
    for app, item in emissions.items():
        keys[app] = app
        if item.state.regno:
            keys[item.state.regno] = app
    ordered = tuple(sorted(emissions, key=application_ordinal))
    return Snapshot(size=size, issuers=issuers, emissions=emissions, keys=keys, ordered=ordered)
