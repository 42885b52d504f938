"""The one replay core (node.replay), as `tamga check`/`rebuild` and the auditor drive it."""

from __future__ import annotations

import pytest

from anchoring.audit_replay import LocalReplay
from node.domain.entries import Entry, encode_entry
from node.domain.filings import application_entry
from node.errors import VerificationError
from node.ledger.replay import replay as ledger_replay
from node.ledger.store import EntryRecord
from node.merkle.hasher import hash_leaf
from node.replay import ReplayCore, StateLeaf
from node.state import state_leaf
from tests.unit.domain.lifecycle_samples import (
    APP,
    CAL,
    CODE,
    REGNO,
    at,
    emission_filing,
    ev,
    happy_path,
    issuer_sample_entry,
)


def _entries() -> list[Entry]:
    issuer = issuer_sample_entry()
    emission = emission_filing()
    application = application_entry(
        emission, application_no=APP, recorded_at=at(emission.documents_filed_on)
    )
    events = [
        ev(kind, day, emission=APP if kind == "registered" else REGNO, **data)
        for kind, day, data in happy_path()
    ]
    return [issuer, application, *events]


ENTRIES = _entries()
LEAVES = [encode_entry(entry) for entry in ENTRIES]
N = len(ENTRIES)


def _record(idx: int, leaf: bytes, kind: str) -> EntryRecord:
    return EntryRecord(
        idx=idx, kind=kind, subject="", leaf=leaf, leaf_hash=hash_leaf(leaf), recorded_at=""
    )


RECORDS = [
    _record(i, leaf, e.kind) for i, (e, leaf) in enumerate(zip(ENTRIES, LEAVES, strict=True))
]


def test_state_roots_at_the_cuts_and_who_changed_what() -> None:
    cuts: list[tuple[int, int, list[StateLeaf]]] = []
    core = ReplayCore(
        calendar=CAL,
        cut_sizes={0, 1, 2, N},
        on_cut=lambda size, since, changed: cuts.append((size, since, changed)),
    )
    for index, entry in enumerate(ENTRIES):
        core.apply(entry, index=index)
    assert sorted(core.roots) == [0, 1, 2, N]
    assert core.roots[0][1] == 0 and core.roots[1][1] == 0  # no emission before the application
    state = core.emission(APP)
    assert state is not None
    leaf_hash = hash_leaf(state_leaf(state.key, state.to_record()))
    assert core.roots[N] == (leaf_hash, 1)  # a one-leaf tree's root is the leaf hash
    assert core.issuer_idx == {CODE: 2}  # the registration numbers the issuer's emission
    assert core.emission_idx == {APP: N - 1}
    # each cut hands over the leaves changed since the previous one
    assert [
        (size, since, [leaf.application_no for leaf in changed]) for size, since, changed in cuts
    ] == [
        (0, 0, []),
        (1, 0, []),
        (2, 1, [APP]),
        (N, 2, [APP]),
    ]
    assert cuts[-1][2][0].leaf_hash == leaf_hash


def test_the_ledger_and_the_auditor_get_the_same_state_roots() -> None:
    cuts = {2, 4, N}
    replayed = ledger_replay(RECORDS, calendar=CAL, checkpoint_sizes=cuts)
    audit = LocalReplay(calendar=CAL, cut_sizes=cuts)
    for index, leaf in enumerate(LEAVES):
        audit.feed(index, leaf)
    outcome = audit.finish()
    assert outcome.roots == replayed.state_roots
    assert (outcome.applied, outcome.failure, outcome.stopped) == (N, None, None)
    # versions: at each checkpoint, the emissions changed since the previous one
    assert [(v.from_size, v.application_no) for v in replayed.versions] == [
        (2, APP),
        (4, APP),
        (N, APP),
    ]
    assert replayed.versions[-1].state_leaf_hash == replayed.emission_rows()[0].state_leaf_hash


def test_a_gap_stops_the_replay() -> None:
    core = ReplayCore(calendar=CAL)
    core.apply(ENTRIES[0], index=0)
    with pytest.raises(VerificationError, match="gap or is out of order") as caught:
        core.apply(ENTRIES[2], index=2)
    assert (caught.value.expected, caught.value.actual, caught.value.where) == (1, 2, "entry 1")
    assert not core.healthy
    with pytest.raises(VerificationError):
        core.apply(ENTRIES[1], index=1)  # stopped: later roots are unknown


def test_an_entry_that_breaks_a_rule_names_itself() -> None:
    core = ReplayCore(calendar=CAL, cut_sizes={3})
    with pytest.raises(VerificationError, match=r"^entry 0: does not replay: ") as caught:
        core.apply(ENTRIES[1], index=0)  # an application before its issuer
    assert caught.value.where == "entry 0"
    assert core.roots == {}


def test_the_auditor_counts_a_rule_failure_and_leaves_the_rest_unchecked() -> None:
    audit = LocalReplay(calendar=CAL, cut_sizes={N})
    for index, leaf in enumerate([LEAVES[1], *LEAVES[1:]]):
        audit.feed(index, leaf)
    outcome = audit.finish()
    assert outcome.failure is not None and outcome.failure[0] == "entry 0"
    assert outcome.failure[1].startswith("does not replay: ")  # the audit's words, unchanged
    assert (outcome.applied, outcome.unchecked, outcome.roots) == (0, N - 1, {})


def test_an_undecodable_leaf_stops_the_replay_where_it_is() -> None:
    replay = LocalReplay(calendar=CAL, cut_sizes={1})
    replay.feed(0, b'{"format":"tamga.entry.v1","kind":"nope"}')
    replay.feed(1, b"{}")
    outcome = replay.finish()
    assert outcome.decode_failures[0][0] == 0
    assert outcome.decode_failed == 2
    assert outcome.stopped == "entry 0"
    assert outcome.roots == {}


def test_the_ledger_replay_refuses_an_undecodable_entry() -> None:
    with pytest.raises(VerificationError, match=r"^entry 1: does not replay"):
        ledger_replay([RECORDS[0], _record(1, b"{}", "x")], calendar=CAL)


def test_a_bundle_replay_may_skip_but_not_go_back() -> None:
    core = ReplayCore(calendar=CAL, contiguous=False)
    core.apply(ENTRIES[0], index=3)
    core.apply(ENTRIES[1], index=10)
    assert core.size == 2 and core.emission_idx == {APP: 10}
    with pytest.raises(VerificationError, match="out of order"):
        core.apply(ENTRIES[2], index=9)
