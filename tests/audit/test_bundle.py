"""Proof bundles: built from the ledger and the chain, verified offline except the chain reads."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from audit_world import World, deploy
from web3 import Web3

from anchoring.audit_bundle import audit_bundle
from anchoring.audit_report import Check
from anchoring.bundle import build_bundle
from anchoring.bundle_format import (
    Bundle,
    bundle_bytes,
    bundle_sha256,
    bundle_url,
    parse_bundle,
    parse_bundle_url,
)
from node.domain.calendar import WorkingCalendar
from node.errors import NotFound, VerificationError
from node.ledger.service import Ledger


@pytest.fixture
def ledger(world: World) -> Iterator[Ledger]:
    book = world.open()
    try:
        yield book
    finally:
        book.close()


@pytest.fixture
def bundle(world: World, ledger: Ledger) -> Bundle:
    return build_bundle(ledger, world.regno, chain=world.chain())


def _edit(bundle: Bundle, change: Any) -> bytes:
    data = json.loads(bundle_bytes(bundle))
    change(data)
    return json.dumps(data).encode()


def test_a_bundle_verifies_and_carries_what_the_replay_needs(
    world: World, bundle: Bundle, calendar: WorkingCalendar
) -> None:
    assert bundle.emission == world.regno
    assert bundle.application_no == world.application_no
    assert bundle.checkpoint.tree_size == max(world.sizes)
    # the issuer's entry, the emission's own, and its sibling's up to its registration (12-13,
    # not its offer 14); nothing of the second issuer (5-7)
    assert [e.index for e in bundle.entries] == [0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13]
    assert bundle.anchor.tx_hash == world.anchors[max(world.sizes)]["tx_hash"]
    assert bundle.latest_anchor.tree_size == max(world.sizes)
    assert bundle.latest_anchor.consistency_proof == ()
    assert bundle.observations[0].label == "RegistryAnchor.latest()"
    audit = audit_bundle(
        bundle_bytes(bundle),
        chain=world.chain(),
        calendar=calendar,
        signers=[world.signer],
        expected_key=world.regno,
    )
    assert audit.report.ok, [f.line() for f in audit.report.findings]
    assert audit.view is not None
    assert audit.view.emission.status.value == "circulating"
    assert audit.view.issuer is not None and audit.view.issuer.name.startswith("ОсОО")
    assert [i for i, _ in audit.view.history] == [1, 2, 3, 4, 8, 9, 10, 11]
    checks = {t.check for t in audit.report.tallies}
    assert {Check.INCLUSION, Check.REPLAY, Check.STATE_PROOF, Check.ANCHOR} <= checks
    assert {Check.CONSISTENCY, Check.OBSERVATION, Check.SIGNATURE, Check.PRIVACY} <= checks


def test_a_second_emission_replays_with_the_first_ones_registration(
    world: World, ledger: Ledger, calendar: WorkingCalendar
) -> None:
    """Serial 02 needs the issuer's first registration (Reg. §68(в)): the closure brings it."""
    bundle = build_bundle(ledger, world.sibling_regno, chain=world.chain())
    assert [e.index for e in bundle.entries] == [0, 1, 2, 12, 13, 14]
    audit = audit_bundle(
        bundle_bytes(bundle),
        chain=world.chain(),
        calendar=calendar,
        expected_key=world.sibling_regno,
    )
    assert audit.report.ok, [f.line() for f in audit.report.findings]
    assert audit.view is not None and audit.view.issuer is not None
    assert audit.view.issuer.serials_used == 2

    def drop_first_registration(data: dict[str, Any]) -> None:
        data["entries"] = [e for e in data["entries"] if e["index"] != 2]

    broken = audit_bundle(_edit(bundle, drop_first_registration), chain=None, calendar=calendar)
    finding = broken.report.first(Check.REPLAY)
    assert finding is not None and finding.where == "entry 13"
    assert "regno-serial-order" in finding.message


def test_an_older_checkpoint_is_proven_consistent_with_the_latest_anchor(
    world: World, ledger: Ledger, calendar: WorkingCalendar
) -> None:
    bundle = build_bundle(ledger, world.regno, chain=world.chain(), checkpoint_size=5)
    assert [e.index for e in bundle.entries] == [0, 1, 2, 3, 4]
    assert bundle.latest_anchor.tree_size == max(world.sizes)
    assert bundle.latest_anchor.consistency_proof
    audit = audit_bundle(bundle_bytes(bundle), chain=world.chain(), calendar=calendar)
    assert audit.report.ok, [f.line() for f in audit.report.findings]
    assert audit.view is not None and audit.view.emission.status.value == "placing"


def test_the_same_arguments_build_the_same_bytes(world: World, ledger: Ledger) -> None:
    chain = world.chain()
    block = chain.head().number
    first = build_bundle(ledger, world.regno, chain=chain, block=block, checkpoint_size=8)
    second = build_bundle(ledger, world.application_no, chain=chain, block=block, checkpoint_size=8)
    assert bundle_bytes(first) == bundle_bytes(second)


def test_building_names_what_is_missing(world: World, ledger: Ledger) -> None:
    with pytest.raises(NotFound, match="KG0999"):
        build_bundle(ledger, "KG0999ZZZZ1", chain=world.chain())
    with pytest.raises(NotFound, match="checkpoint '6'"):
        build_bundle(ledger, world.regno, chain=world.chain(), checkpoint_size=6)
    with pytest.raises(NotFound, match="at checkpoint 5"):
        build_bundle(ledger, world.other_regno, chain=world.chain(), checkpoint_size=5)


def test_a_bundle_for_another_emission_is_caught(
    world: World, ledger: Ledger, calendar: WorkingCalendar
) -> None:
    other = build_bundle(ledger, world.other_regno, chain=world.chain())
    audit = audit_bundle(
        bundle_bytes(other), chain=world.chain(), calendar=calendar, expected_key=world.regno
    )
    finding = audit.report.first(Check.BUNDLE)
    assert finding is not None
    assert finding.message == "the bundle is for another emission"
    assert (finding.expected, finding.actual) == (world.regno, world.other_regno)

    def relabel(data: dict[str, Any]) -> None:
        data["emission"] = world.regno

    relabelled = audit_bundle(
        _edit(other, relabel), chain=world.chain(), calendar=calendar, expected_key=world.regno
    )
    assert "state proof" in relabelled.report.where(Check.BUNDLE)
    assert "entries" in relabelled.report.where(Check.BUNDLE)


def test_a_changed_entry_fails_its_inclusion_proof(
    world: World, bundle: Bundle, calendar: WorkingCalendar
) -> None:
    def change(data: dict[str, Any]) -> None:
        item = data["entries"][3]
        leaf = base64.b64decode(item["leaf"]).replace(b"ala-too.example", b"evil.example")
        item["leaf"] = base64.b64encode(leaf).decode()

    audit = audit_bundle(_edit(bundle, change), chain=world.chain(), calendar=calendar)
    assert audit.report.where(Check.INCLUSION) == ["entry 3"]


def test_an_omitted_entry_shows_in_the_state_proof(
    world: World, bundle: Bundle, calendar: WorkingCalendar
) -> None:
    def omit(data: dict[str, Any]) -> None:
        data["entries"] = [e for e in data["entries"] if e["index"] != 10]

    audit = audit_bundle(_edit(bundle, omit), chain=world.chain(), calendar=calendar)
    finding = audit.report.first(Check.STATE_PROOF)
    assert finding is not None
    assert finding.where == f"state of {world.regno} at checkpoint {max(world.sizes)}"
    assert "status" in finding.message


def test_a_bundle_checked_against_another_contract_fails_its_anchor(
    world: World, bundle: Bundle, calendar: WorkingCalendar
) -> None:
    w3 = Web3(Web3.HTTPProvider(world.rpc_url))
    elsewhere = deploy(w3, sender=w3.eth.accounts[2])
    audit = audit_bundle(bundle_bytes(bundle), chain=world.chain(elsewhere), calendar=calendar)
    where = audit.report.where(Check.ANCHOR)
    assert where[0].startswith(f"anchor {max(world.sizes)} (tx ")
    first = audit.report.first(Check.ANCHOR)
    assert first is not None and first.message == "anchored on another contract than the register's"
    assert audit.report.where(Check.OBSERVATION)


def test_a_changed_observation_or_hash_is_caught(
    world: World, bundle: Bundle, calendar: WorkingCalendar
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["observations"][0]["result"] = "0x" + "00" * 128

    audit = audit_bundle(_edit(bundle, change), chain=world.chain(), calendar=calendar)
    assert audit.report.where(Check.OBSERVATION)[0].startswith(
        "observation RegistryAnchor.latest()"
    )
    wrong = audit_bundle(
        bundle_bytes(bundle), chain=world.chain(), calendar=calendar, expected_sha256="ab" * 32
    )
    finding = wrong.report.first(Check.BUNDLE)
    assert finding is not None and "SHA-256" in finding.message


def test_not_a_bundle_is_one_finding(calendar: WorkingCalendar) -> None:
    audit = audit_bundle(b'{"format":"other"}', chain=None, calendar=calendar)
    assert audit.report.where(Check.BUNDLE) == ["bundle"]
    assert audit.view is None
    with pytest.raises(VerificationError, match="not JSON"):
        parse_bundle(b"{")


def test_hash_and_url_round_trip(bundle: Bundle) -> None:
    data = bundle_bytes(bundle)
    sha = bundle_sha256(data)
    spaced = json.dumps(json.loads(data), indent=2).encode()
    assert bundle_sha256(spaced) == sha  # the hash is of the canonical form (RFC 8785)
    assert parse_bundle(spaced) == bundle
    url = bundle_url("https://register.example.kg/", bundle, sha256=sha)
    assert url.startswith(f"https://register.example.kg/v1/emissions/{bundle.emission}/bundle?")
    assert parse_bundle_url(url) == (bundle.emission, sha)
    assert parse_bundle_url("https://x.example/other") == (None, None)


def test_a_stale_bundle_is_proven_by_the_node_api_or_fails_as_a_fork(
    world: World, tmp_path: Any, calendar: WorkingCalendar
) -> None:
    from audit_world import anchor_all, api_client, grow, new_contract

    from anchoring.audit_source import HttpSource

    db = world.copy_db(tmp_path / "db")
    contract = new_contract(world)
    anchor_all(world, contract, db)
    book = world.open(db)
    try:
        stale = bundle_bytes(build_bundle(book, world.regno, chain=world.chain(contract)))
    finally:
        book.close()
    base = max(world.sizes)
    grow(db, "11.00", regno=world.regno)
    anchor_all(world, contract, db)
    with api_client(db, tmp_path / "api") as (client, _):
        node = HttpSource("http://testserver/", client=client)
        proven = audit_bundle(
            stale,
            chain=world.chain(contract),
            calendar=calendar,
            signers=[world.signer],
            fetch_proof=node.consistency_proof,
        ).report
    assert proven.ok, [f.line() for f in proven.findings]
    assert any(f"latest anchor {base} is a proven prefix" in note for note in proven.notes)
    # a node serving another history cannot prove the bundle's anchor a prefix
    fork = world.copy_db(tmp_path / "fork")
    grow(fork, "99.00", regno=world.regno)
    grow(fork, "98.00", regno=world.regno)
    with api_client(fork, tmp_path / "fork-api") as (client, _):
        node = HttpSource("http://testserver/", client=client)
        forked = audit_bundle(
            stale,
            chain=world.chain(contract),
            calendar=calendar,
            signers=[world.signer],
            fetch_proof=node.consistency_proof,
        ).report
    finding = forked.first(Check.LATEST_ANCHOR)
    assert finding is not None, [f.line() for f in forked.findings]
    assert finding.where.startswith(f"latest anchor {base + 1} at block ")
    assert "consistency proof does not lead to the new root" in finding.message
