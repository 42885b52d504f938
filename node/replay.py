"""The one replay of the log (pure): entries in order through the domain rules, state roots cut
at chosen tree sizes. `tamga check`, `tamga rebuild`, the auditor and the bundle verifier all use
it; it reads no database, file or chain."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from node.domain.calendar import WorkingCalendar
from node.domain.canonical import canonical_json
from node.domain.entries import Entry
from node.domain.model import EmissionState, IssuerState
from node.domain.register import Effects, MemoryRegister
from node.domain.subjects import Subject, register_of_key
from node.errors import RuleViolation, VerificationError
from node.merkle.hasher import hash_leaf
from node.state import STATE_LEAF_FORMAT, state_root


@dataclass(frozen=True)
class StateLeaf:
    """An emission's state as the state tree holds it at a cut (docs/export-format.md)."""

    application_no: str
    key: str
    record: bytes  # RFC 8785 canonical JSON of the public record
    leaf_hash: bytes  # H(0x00 || tamga.state.v1 leaf), RFC 9162 §2.1.1
    updated_idx: int  # the last entry that changed the emission


OnCut = Callable[[int, int, list[StateLeaf]], None]
"""Called as ``on_cut(size, since, changed)``: the state leaves changed since the previous cut."""


def state_leaf_bytes(key: str, record: bytes) -> bytes:
    """``node.state.state_leaf(key, r)`` from ``record`` = canonical_json(r), not re-encoded
    (RFC 8785 §3.2.3 orders "format" < "key" < "state"; a nested object is serialized as on its
    own)."""
    return b"".join(
        (
            b'{"format":',
            canonical_json(STATE_LEAF_FORMAT),
            b',"key":',
            canonical_json(key),
            b',"state":',
            record,
            b"}",
        )
    )


def state_leaf_of(state: EmissionState | Subject, *, updated_idx: int) -> StateLeaf:
    """The state leaf of an emission, a miner or a licence (``application_no``: the stable id,
    for a miner or licence its number)."""
    record = canonical_json(state.to_record())
    return StateLeaf(
        application_no=state.application_no if isinstance(state, EmissionState) else state.key,
        key=state.key,
        record=record,
        leaf_hash=hash_leaf(state_leaf_bytes(state.key, record)),
        updated_idx=updated_idx,
    )


class ReplayCore:
    """Applies entries in order to an empty register and cuts the state root at given sizes.

    The state root is the RFC 9162 root over the ``tamga.state.v1`` leaf of every emission,
    miner and licence, sorted by the UTF-8 bytes of its key; leaves are recomputed only for subjects
    changed since the previous cut. After the first failure the replay stops: later roots are
    unknown.
    """

    def __init__(
        self,
        *,
        calendar: WorkingCalendar,
        cut_sizes: Collection[int] = (),
        on_cut: OnCut | None = None,
        contiguous: bool = True,
    ) -> None:
        self.register = MemoryRegister()
        self.size = 0
        self.roots: dict[int, tuple[bytes, int]] = {}
        self.issuer_idx: dict[str, int] = {}
        self.emission_idx: dict[str, int] = {}
        self.subject_idx: dict[str, int] = {}  # miners and licences
        self.failure: VerificationError | None = None
        self._calendar = calendar
        self._cuts = frozenset(cut_sizes)
        self._on_cut = on_cut
        self._leaves: dict[str, StateLeaf] = {}  # application number -> leaf at the last cut
        self._dirty: set[str] = set()
        self._last_cut = 0
        # a bundle carries only some entries of the log: they must come in order, with gaps
        self._contiguous = contiguous
        self._next = 0
        if 0 in self._cuts:
            self._cut()

    @property
    def healthy(self) -> bool:
        """True until an entry fails to replay."""
        return self.failure is None

    def apply(self, entry: Entry, *, index: int) -> Effects:
        """Apply the entry at ``index`` (the next one); return the states it changed.

        Raises:
            VerificationError: the entry is not the next index (expected and actual named), or
                breaks a domain rule it must have passed when it was appended (``where`` names
                the entry, the message the field, rule and paragraph). The replay stops.
        """
        if self.failure is not None:
            raise self.failure
        if index != self._next if self._contiguous else index < self._next:
            self.failure = VerificationError(
                "journal has a gap or is out of order",
                expected=self._next,
                actual=index,
                where=f"entry {self._next}",
            )
            raise self.failure
        try:
            effects = self.register.apply(entry, calendar=self._calendar)
        except RuleViolation as exc:
            # the auditor's words (its text and JSON output are pinned): where, then the rule
            self.failure = VerificationError(f"does not replay: {exc}", where=f"entry {index}")
            raise self.failure from exc
        for issuer in effects.issuers:
            self.issuer_idx[issuer.code] = index
        for emission in effects.emissions:
            self.emission_idx[emission.application_no] = index
            self._dirty.add(emission.application_no)
        for subject in effects.subjects:
            self.subject_idx[subject.key] = index
            self._dirty.add(subject.key)
        self.size += 1
        self._next = index + 1
        if self.size in self._cuts:
            self._cut()
        return effects

    def stop(self, reason: VerificationError) -> None:
        """Stop replaying (an entry could not even be decoded)."""
        if self.failure is None:
            self.failure = reason

    def emission(self, key: str) -> EmissionState | None:
        """The emission's state now (by registration or application number)."""
        return self.register.emission(key)

    def issuer(self, code: str) -> IssuerState | None:
        """The issuer's state now."""
        return self.register.issuer(code)

    def subject(self, key: str) -> Subject | None:
        """A miner's or licence's state now."""
        return self.register.subject(key)

    def leaves(self) -> list[StateLeaf]:
        """The state leaves of every emission and miner now, by the UTF-8 bytes of their keys."""
        self._refresh()
        return sorted(self._leaves.values(), key=lambda leaf: leaf.key.encode())

    def _refresh(self) -> list[StateLeaf]:
        changed = []
        for stable in sorted(self._dirty):
            if register_of_key(stable) is not None:
                subject = self.register.subject(stable)
                assert subject is not None  # it was just stored
                leaf = state_leaf_of(subject, updated_idx=self.subject_idx[stable])
            else:
                state = self.register.emission(stable)
                assert state is not None  # it was just stored
                leaf = state_leaf_of(state, updated_idx=self.emission_idx[stable])
            self._leaves[stable] = leaf
            changed.append(leaf)
        self._dirty.clear()
        return changed

    def _cut(self) -> None:
        changed = self._refresh()
        leaves = self.leaves()
        self.roots[self.size] = state_root([(leaf.key, leaf.leaf_hash) for leaf in leaves])
        if self._on_cut is not None:
            self._on_cut(self.size, self._last_cut, changed)
        self._last_cut = self.size
