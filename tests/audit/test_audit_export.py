"""`tamga audit` of a whole export against a real anvil: the clean register passes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from audit_world import World

from anchoring.audit import audit_export
from anchoring.audit_report import Check
from anchoring.audit_source import DirectorySource, HttpSource
from node.domain.calendar import WorkingCalendar


def test_clean_export_passes_every_check(
    world: World, clean_export: Path, calendar: WorkingCalendar
) -> None:
    report = audit_export(
        DirectorySource(clean_export),
        chain=world.chain(),
        calendar=calendar,
        signers=[world.signer],
    )
    assert report.ok, [f.line() for f in report.findings]
    tallies = {t.check: t for t in report.tallies}
    size = max(world.sizes)
    assert tallies[Check.LEAF_HASH].checked == size
    assert tallies[Check.REPLAY].checked == size
    assert tallies[Check.PRIVACY].checked == size
    assert tallies[Check.LOG_ROOT].checked == len(world.sizes)
    assert tallies[Check.SIGNATURE].checked == len(world.sizes)
    assert tallies[Check.CONSISTENCY].checked == len(world.sizes) - 1
    assert tallies[Check.STATE_ROOT].checked == len(world.sizes)
    # every checkpoint: its claim and rootAt; every event: log root, state root, its block
    assert tallies[Check.ANCHOR].checked == 2 * len(world.sizes)
    assert tallies[Check.CHAIN].checked == 3 * len(world.sizes)
    # the signed head equals latest(), nothing is unsigned, the code is RegistryAnchor's
    for check in (
        Check.LATEST_ANCHOR,
        Check.SIGNED_TAIL,
        Check.CONTRACT_CODE,
        Check.SOURCE_STABLE,
        Check.EQUIVOCATION,
    ):
        assert tallies[check].checked == 1, check
    assert all(t.failed == 0 and t.unchecked == 0 for t in report.tallies)
    assert report.facts["anchored_checkpoints"] == len(world.sizes)
    assert report.facts["contract"].lower() == world.contract.lower()


def test_replay_in_a_second_process_gives_the_same_report(
    world: World, clean_export: Path, calendar: WorkingCalendar
) -> None:
    local = audit_export(
        DirectorySource(clean_export), chain=world.chain(), calendar=calendar, parallel=False
    )
    forked = audit_export(
        DirectorySource(clean_export), chain=world.chain(), calendar=calendar, parallel=True
    )
    assert forked.ok and local.ok
    assert forked.tallies == local.tallies


def test_without_a_chain_the_anchors_are_not_checked(
    clean_export: Path, calendar: WorkingCalendar
) -> None:
    report = audit_export(DirectorySource(clean_export), chain=None, calendar=calendar)
    assert report.ok
    assert Check.ANCHOR not in {t.check for t in report.tallies}
    assert "no chain given: anchors were not checked" in report.notes
    assert any("no --signer given" in note for note in report.notes)


@pytest.fixture
def served(clean_export: Path) -> Iterator[str]:
    """The export served over HTTP on loopback (as the public API serves its files)."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(clean_export))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_an_export_over_http_audits_like_the_directory(
    world: World, served: str, clean_export: Path, calendar: WorkingCalendar
) -> None:
    source = HttpSource(served)
    try:
        report = audit_export(source, chain=world.chain(), calendar=calendar)
    finally:
        source.close()
    assert report.ok, [f.line() for f in report.findings]
    direct = audit_export(DirectorySource(clean_export), chain=world.chain(), calendar=calendar)
    assert report.tallies == direct.tallies


def test_a_stray_file_in_the_export_is_a_privacy_finding(
    clean_export: Path, calendar: WorkingCalendar
) -> None:
    (clean_export / "private_values.jsonl").write_text('{"salt":"00"}\n', encoding="utf-8")
    report = audit_export(DirectorySource(clean_export), chain=None, calendar=calendar)
    assert report.where(Check.PRIVACY) == ["file private_values.jsonl"]


def test_founders_data_in_a_leaf_is_a_privacy_finding(
    clean_export: Path, calendar: WorkingCalendar
) -> None:
    lines = (clean_export / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    entry = first["entry"]
    entry["founders"] = [{"name": "A. Toktogulov", "share_pct": "60", "identifier": "ID 1"}]
    _rewrite_entry(clean_export, 0, entry)
    report = audit_export(DirectorySource(clean_export), chain=None, calendar=calendar)
    finding = report.first(Check.PRIVACY)
    assert finding is not None and finding.where == "entry 0"
    assert "entry.founders is private data (Reg. §66)" in finding.message
    assert report.where(Check.ENTRY_FORMAT) == ["entry 0"]  # the format forbids the member


def _rewrite_entry(export: Path, index: int, entry: dict[str, object]) -> None:
    """Replace entry ``index`` by ``entry`` with a consistent leaf hash (a forger's export)."""
    import base64

    from node.domain.canonical import canonical_json
    from node.merkle.hasher import hash_leaf

    path = export / "entries.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    leaf = canonical_json(entry)
    lines[index] = json.dumps(
        {
            "index": index,
            "leaf": base64.b64encode(leaf).decode(),
            "leaf_hash": hash_leaf(leaf).hex(),
            "entry": entry,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
