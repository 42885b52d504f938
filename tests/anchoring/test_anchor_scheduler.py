"""The scheduled anchoring job and the node's scheduler."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from anchoring.chain import AnchorContract, Chain
from anchoring.publisher import PublishAction, Publisher, PublisherConfig, PublishResult
from anchoring.scheduler import anchor_job, node_scheduler
from anchoring.store import Deployment
from node.chain.anvil import AnvilProcess
from node.clock import FixedClock
from node.ledger.service import Ledger
from tests.anchoring.conftest import PublisherFactory, grow
from tests.anchoring.proxy import TcpProxy
from tests.support.scenario import NOW


def test_the_job_cuts_a_checkpoint_when_the_log_grew_then_anchors_it(
    ledger: Ledger, contract: AnchorContract, make_publisher: PublisherFactory
) -> None:
    grow(ledger, 2)
    seen: list[PublishResult] = []
    result = anchor_job(make_publisher(), cut_checkpoint=True, on_result=seen.append)
    assert result is not None
    assert result.action is PublishAction.CONFIRMED
    assert seen == [result]
    assert ledger.latest_checkpoint().size == 5
    assert contract.latest().tree_size == 5
    again = anchor_job(make_publisher(), cut_checkpoint=True)
    assert again is not None
    assert again.action is PublishAction.UP_TO_DATE


def test_the_job_logs_an_unreachable_chain_and_does_not_raise(
    anvil: AnvilProcess,
    ledger: Ledger,
    deployed: Deployment,
    make_publisher: PublisherFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    proxy = TcpProxy(anvil.port)
    proxy.down()
    base = make_publisher()
    publisher = Publisher(
        ledger=ledger,
        contract=AnchorContract(Chain.open(proxy.url, timeout=1), deployed.contract),
        deployment=deployed,
        account=base.account,
        config=PublisherConfig(confirmations=1),
        clock=FixedClock(NOW),
    )
    with caplog.at_level(logging.ERROR, logger="tamga"):
        assert anchor_job(publisher, cut_checkpoint=False) is None
    assert "anchoring waits for the chain" in caplog.text
    assert "cannot reach the JSON-RPC endpoint" in caplog.text
    proxy.up()
    result = anchor_job(publisher, cut_checkpoint=False)
    assert result is not None
    assert result.action is PublishAction.CONFIRMED
    proxy.down()


def test_node_scheduler_has_both_jobs(make_publisher: PublisherFactory) -> None:
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    scheduler = node_scheduler(
        make_publisher(),
        checkpoint_interval_seconds=300,
        anchor_interval_seconds=600,
        start_at=start,
    )
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"checkpoint", "anchor"}  # no verifier given: no verification job
    assert jobs["anchor"].trigger.interval.total_seconds() == 600
    assert jobs["checkpoint"].trigger.interval.total_seconds() == 300
    with pytest.raises(ValueError, match=">= 1 second"):
        node_scheduler(
            make_publisher(),
            checkpoint_interval_seconds=0,
            anchor_interval_seconds=600,
            start_at=start,
        )
