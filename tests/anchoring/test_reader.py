"""Reading anchors back with chunked eth_getLogs and comparing them with the local node."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import update

from anchoring.chain import AnchorContract, Chain, hex0x, send_transaction
from anchoring.publisher import PublishAction
from anchoring.reader import read_anchors
from anchoring.schema import anchors
from anchoring.store import Deployment
from node.errors import ChainError
from node.ledger.service import Ledger
from tests.anchoring.conftest import PublisherFactory, grow, signed_checkpoint
from tests.verification.support import LimitedProvider


@pytest.fixture
def two_anchors(ledger: Ledger, make_publisher: PublisherFactory) -> Ledger:
    assert make_publisher().run().action is PublishAction.CONFIRMED
    grow(ledger, 3)
    ledger.cut_checkpoint()
    assert make_publisher().run().action is PublishAction.CONFIRMED
    return ledger


def test_anchors_match_the_local_checkpoints(
    two_anchors: Ledger, contract: AnchorContract, deployed: Deployment
) -> None:
    report = read_anchors(two_anchors, contract, deployed, chunk=5000)
    assert report.ok, report.all_problems()
    assert [v.event.tree_size for v in report.views] == [3, 6]
    checkpoints = {c.size: c for c in two_anchors.checkpoints()}
    for view in report.views:
        assert view.checkpoint == checkpoints[view.event.tree_size]
        assert view.root_at is not None
        assert view.root_at.log_root == view.checkpoint.log_root
        assert view.local is not None
        assert view.local.tx_hash == hex0x(view.event.tx_hash)
    assert report.latest.tree_size == 6
    assert report.to_json()["ok"] is True


@pytest.fixture
def capped(chain: Chain) -> Iterator[LimitedProvider]:
    """A provider in front of the test anvil that refuses eth_getLogs over more than 2 blocks."""
    provider = LimitedProvider(chain.client.urls[0], max_range=2)
    try:
        yield provider
    finally:
        provider.close()


def test_small_and_refused_ranges_read_the_same_events(
    two_anchors: Ledger, contract: AnchorContract, capped: LimitedProvider
) -> None:
    whole = list(contract.events(from_block=0, chunk=10_000))
    assert list(contract.events(from_block=0, chunk=1)) == whole
    through = AnchorContract(Chain.open(capped.url, timeout=5), contract.address)
    assert list(through.events(from_block=0, chunk=64)) == whole
    assert capped.refused > 0  # refused, then halved down to 2 blocks
    by_size = list(through.events(from_block=0, chunk=64, tree_size=6))
    assert [e.tree_size for e in by_size] == [6]

    capped.fail_after = 0  # every further eth_getLogs: "backend unavailable", not a refusal
    with pytest.raises(ChainError, match="backend unavailable"):
        list(through.events(from_block=0, chunk=64))


def test_wrong_local_records_are_reported(
    two_anchors: Ledger, contract: AnchorContract, deployed: Deployment
) -> None:
    with two_anchors.store.engine.begin() as conn:
        conn.execute(
            update(anchors).where(anchors.c.tree_size == 3).values(tx_hash="0x" + "00" * 32)
        )
    report = read_anchors(two_anchors, contract, deployed, chunk=100)
    assert not report.ok
    assert report.all_problems() == [
        "tree size 3: the local record has tx 0x" + "00" * 32 + " in block "
        f"{hex0x(report.views[0].event.block_hash)}, the chain "
        f"{hex0x(report.views[0].event.tx_hash)} in block "
        f"{hex0x(report.views[0].event.block_hash)}"
    ]


def test_an_anchor_lost_from_the_chain_is_reported(
    ledger: Ledger,
    chain: Chain,
    contract: AnchorContract,
    deployed: Deployment,
    make_publisher: PublisherFactory,
) -> None:
    snapshot = chain.rpc("evm_snapshot")
    assert make_publisher().run().action is PublishAction.CONFIRMED
    chain.rpc("evm_revert", [snapshot])
    report = read_anchors(ledger, contract, deployed, chunk=100)
    assert report.views == ()
    [problem] = report.all_problems()
    assert problem.startswith("tree size 3: confirmed locally (tx 0x")
    assert problem.endswith("but not on the chain")


def test_an_anchor_beyond_or_against_the_log_is_reported(
    ledger: Ledger, contract: AnchorContract, deployed: Deployment, anchor_account: LocalAccount
) -> None:
    data = contract.anchor_calldata(
        signed=signed_checkpoint(2, b"\x42" * 32, b"\x00" * 32), proof=()
    )
    send_transaction(contract.chain, anchor_account, to=contract.address, data=data, chain_id=31337)
    report = read_anchors(ledger, contract, deployed, chunk=100)
    [view] = report.views
    assert view.problems == (
        "no local checkpoint at this size",
        "log root differs from the local log's root "
        + "0x"
        + ledger.prove_consistency(2, 2).root1.hex()
        + " at this size",
    )
