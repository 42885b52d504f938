"""The publisher against a real anvil: anchors, idempotence, proofs from the last anchored size,
fee bumps, confirmation depth, refusals, key rotation, reorgs, an unreachable RPC endpoint and
the publisher lock."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

from anchoring.chain import (
    ANCHOR_ROLE,
    AnchorContract,
    Chain,
    deploy_anchor,
    hex0x,
    send_transaction,
)
from anchoring.errors import ChainUnavailable, ContractRejected
from anchoring.lock import PublisherLock
from anchoring.publisher import PublishAction, Publisher, PublisherConfig, PublishStep
from anchoring.store import AnchorRecord, AnchorStatus, AnchorStore, Deployment
from node.chain.anvil import AnvilProcess
from node.clock import FixedClock
from node.errors import ChainError, VerificationError
from node.ledger.service import Ledger
from tests.anchoring.conftest import OTHER_KEY, PublisherFactory, funded, grow, signed_checkpoint
from tests.anchoring.proxy import TcpProxy
from tests.support.scenario import NOW, open_ledger


def events_of(contract: AnchorContract) -> list[tuple[int, bytes]]:
    return [(e.tree_size, e.log_root) for e in contract.events(from_block=0, chunk=1000)]


def admin_call(contract: AnchorContract, admin: LocalAccount, name: str, *args: object) -> None:
    send_transaction(
        contract.chain,
        admin,
        to=contract.address,
        data=contract.calldata(name, *args),
        chain_id=contract.chain.chain_id(),
    )


class TickingClock(FixedClock):
    """A clock that moves forward by ``step`` every time it is read."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        super().__init__(start)
        self.step = step

    def now(self) -> datetime:
        moment = super().now()
        self.advance(self.step)
        return moment


def test_anchors_each_new_checkpoint_once_with_a_proof_from_the_last_anchor(
    ledger: Ledger, contract: AnchorContract, make_publisher: PublisherFactory
) -> None:
    publisher = make_publisher()
    result = publisher.run()
    assert result.action is PublishAction.CONFIRMED, result.message
    checkpoint = ledger.latest_checkpoint()
    head = contract.latest()
    assert (head.tree_size, head.log_root, head.state_root) == (
        checkpoint.size,
        checkpoint.log_root,
        checkpoint.state_root,
    )
    assert publisher.run().action is PublishAction.UP_TO_DATE
    grow(ledger, 4)
    assert publisher.run().action is PublishAction.UP_TO_DATE  # no checkpoint at 7 yet
    ledger.cut_checkpoint()
    assert publisher.run().action is PublishAction.CONFIRMED
    assert [size for size, _ in events_of(contract)] == [3, 7]
    rows = AnchorStore(ledger.store.engine).anchors(publisher.deployment.id)
    assert [(r.tree_size, r.from_size, r.status) for r in rows] == [
        (3, 0, AnchorStatus.CONFIRMED),
        (7, 3, AnchorStatus.CONFIRMED),
    ]
    assert all(r.gas_used and r.block_hash and r.anchored_at for r in rows)


def test_without_a_checkpoint_nothing_is_anchored(
    tmp_path: Path, contract: AnchorContract, deployed: Deployment, anchor_account: LocalAccount
) -> None:
    empty = open_ledger(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        publisher = Publisher(
            ledger=empty,
            contract=contract,
            deployment=deployed,
            account=anchor_account,
            config=PublisherConfig(confirmations=1),
            clock=FixedClock(NOW),
        )
        assert publisher.run().action is PublishAction.NO_CHECKPOINT
    finally:
        empty.close()


def test_waits_for_the_confirmation_depth(chain: Chain, make_publisher: PublisherFactory) -> None:
    seen: list[tuple[int, int]] = []

    def at_confirmation(step: PublishStep, anchor: AnchorRecord) -> None:
        if step is PublishStep.CONFIRMED:
            assert anchor.block_number is not None
            seen.append((anchor.block_number, chain.block_number()))

    result = make_publisher(confirmations=3, on_step=at_confirmation).run()
    assert result.action is PublishAction.CONFIRMED
    [(block, head)] = seen
    assert head - block + 1 >= 3


def test_pending_run_resumes_and_bumps_fees_with_the_same_nonce(
    ledger: Ledger,
    chain: Chain,
    contract: AnchorContract,
    make_publisher: PublisherFactory,
    anchor_account: LocalAccount,
) -> None:
    chain.rpc("evm_setAutomine", [False])
    chain.rpc("evm_setIntervalMining", [0])
    clock = TickingClock(NOW, timedelta(seconds=11))
    publisher = make_publisher(
        # the wait is wall time (2 s: room for two attempts on a loaded machine), the resends
        # follow the injected clock (11 s a tick, 30 s to a resend)
        clock=clock,
        timeout_seconds=2.0,
        resend_after_seconds=30.0,
        fee_bump_percent=25,
    )
    result = publisher.run()
    assert result.action is PublishAction.PENDING
    assert result.anchor is not None
    store = AnchorStore(ledger.store.engine)
    attempts = store.attempts(result.anchor.id)
    assert len(attempts) >= 2
    for before, after in itertools.pairwise(attempts):
        assert after.max_fee_per_gas * 100 >= before.max_fee_per_gas * 125
        assert after.max_priority_fee_per_gas * 100 >= before.max_priority_fee_per_gas * 125
    assert len({a.tx_hash for a in attempts}) == len(attempts)
    chain.rpc("evm_setIntervalMining", [1])
    final = make_publisher(clock=FixedClock(NOW)).run()
    assert final.action is PublishAction.CONFIRMED
    assert final.anchor is not None
    mined = final.anchor.tx_hash
    assert mined in {a.tx_hash for a in store.attempts(final.anchor.id)}
    assert len(events_of(contract)) == 1
    assert chain.nonce(anchor_account.address, pending=False) == result.anchor.nonce + 1


def test_unauthorized_key_is_refused_before_anything_is_recorded(
    chain: Chain, ledger: Ledger, make_publisher: PublisherFactory, deployed: Deployment
) -> None:
    stranger = funded(chain, OTHER_KEY)
    with pytest.raises(ChainError, match="lacks ANCHOR_ROLE"):
        make_publisher(account=stranger).run()
    assert AnchorStore(ledger.store.engine).anchors(deployed.id) == []


def test_key_rotation_by_the_role_admin(
    chain: Chain,
    ledger: Ledger,
    contract: AnchorContract,
    anchor_account: LocalAccount,
    make_publisher: PublisherFactory,
) -> None:
    assert make_publisher().run().action is PublishAction.CONFIRMED
    new_key = funded(chain, OTHER_KEY)
    admin_call(contract, anchor_account, "grantRole", ANCHOR_ROLE, new_key.address)
    admin_call(contract, anchor_account, "revokeRole", ANCHOR_ROLE, anchor_account.address)
    assert contract.has_role(ANCHOR_ROLE, new_key.address)
    assert not contract.has_role(ANCHOR_ROLE, anchor_account.address)
    grow(ledger, 2)
    ledger.cut_checkpoint()
    with pytest.raises(ChainError, match="lacks ANCHOR_ROLE"):
        make_publisher().run()
    result = make_publisher(account=new_key).run()
    assert result.action is PublishAction.CONFIRMED
    assert result.anchor is not None
    assert (result.anchor.sender, result.anchor.from_size) == (new_key.address, 3)
    assert [size for size, _ in events_of(contract)] == [3, 5]


def test_an_intent_whose_checkpoint_key_was_revoked_is_abandoned(
    ledger: Ledger,
    contract: AnchorContract,
    anchor_account: LocalAccount,
    make_publisher: PublisherFactory,
    deployed: Deployment,
) -> None:
    node_key = ledger.latest_checkpoint().signer

    def revoke_after_the_intent(step: PublishStep, _anchor: AnchorRecord) -> None:
        if step is PublishStep.INTENT_RECORDED:  # the admin rotates the node key meanwhile
            admin_call(contract, anchor_account, "setCheckpointSigner", node_key, False)

    result = make_publisher(on_step=revoke_after_the_intent).run()
    assert result.action is PublishAction.FAILED
    assert result.anchor is not None
    assert result.anchor.status is AnchorStatus.ABANDONED
    assert "its checkpoint's key is no longer registered" in (result.anchor.error or "")
    assert "UnknownCheckpointSigner" in (result.anchor.error or "")
    assert events_of(contract) == []
    # A checkpoint of an unregistered key is refused by name before anything is recorded.
    with pytest.raises(ChainError, match=f"signed by {node_key}, which is not a registered"):
        make_publisher().run()
    assert len(AnchorStore(ledger.store.engine).anchors(deployed.id)) == 1
    admin_call(contract, anchor_account, "setCheckpointSigner", node_key, True)
    assert make_publisher().run().action is PublishAction.CONFIRMED
    assert [size for size, _ in events_of(contract)] == [3]


def test_paused_contract_is_refused_with_its_error(
    contract: AnchorContract,
    anchor_account: LocalAccount,
    make_publisher: PublisherFactory,
    deployed: Deployment,
    ledger: Ledger,
) -> None:
    admin_call(contract, anchor_account, "pause")
    with pytest.raises(ContractRejected) as caught:
        make_publisher().run()
    assert caught.value.error == "EnforcedPause"
    assert AnchorStore(ledger.store.engine).anchors(deployed.id) == []
    admin_call(contract, anchor_account, "unpause")
    assert make_publisher().run().action is PublishAction.CONFIRMED


def test_a_transaction_reverted_on_chain_fails_and_the_next_run_anchors(
    chain: Chain, ledger: Ledger, anchor_account: LocalAccount
) -> None:
    admin = funded(chain, OTHER_KEY)
    sent = deploy_anchor(
        chain,
        admin,
        admin=admin.address,
        anchorer=anchor_account.address,
        checkpoint_signer=ledger.latest_checkpoint().signer,
        origin=ledger.latest_checkpoint().origin,
        chain_id=chain.chain_id(),
    )
    assert sent.contract_address is not None
    store = AnchorStore(ledger.store.engine)
    deployment = store.add_deployment(
        chain_id=chain.chain_id(),
        contract=sent.contract_address,
        local=False,
        deploy_tx=sent.tx_hash,
        deploy_block=sent.receipt.block_number,
        now="2026-11-20T09:00:00.000000Z",
    )
    contract = AnchorContract(chain, sent.contract_address)

    def pause_before_broadcast(step: PublishStep, _anchor: AnchorRecord) -> None:
        if step is PublishStep.ATTEMPT_RECORDED:
            admin_call(contract, admin, "pause")

    def publisher(**hooks: object) -> Publisher:
        return Publisher(
            ledger=ledger,
            contract=contract,
            deployment=deployment,
            account=anchor_account,
            config=PublisherConfig(confirmations=1, poll_seconds=0.05, timeout_seconds=20),
            clock=FixedClock(NOW),
            **hooks,  # type: ignore[arg-type]
        )

    failed = publisher(on_step=pause_before_broadcast).run()
    assert failed.action is PublishAction.FAILED
    assert failed.anchor is not None
    assert failed.anchor.status is AnchorStatus.FAILED
    assert "reverted" in (failed.anchor.error or "")
    admin_call(contract, admin, "unpause")
    assert publisher().run().action is PublishAction.CONFIRMED
    assert [s.status for s in store.anchors(deployment.id)] == [
        AnchorStatus.FAILED,
        AnchorStatus.CONFIRMED,
    ]
    assert [size for size, _ in events_of(contract)] == [3]


def test_a_nonce_taken_by_another_transaction_abandons_the_anchor(
    ledger: Ledger,
    contract: AnchorContract,
    anchor_account: LocalAccount,
    make_publisher: PublisherFactory,
    deployed: Deployment,
) -> None:
    def spend_the_nonce(step: PublishStep, _anchor: AnchorRecord) -> None:
        if step is PublishStep.ATTEMPT_RECORDED:  # the same key sends something else first
            admin_call(contract, anchor_account, "grantRole", ANCHOR_ROLE, contract.address)

    result = make_publisher(on_step=spend_the_nonce).run()
    assert result.action is PublishAction.FAILED
    assert result.anchor is not None
    assert result.anchor.status is AnchorStatus.ABANDONED
    assert "was used by another transaction" in (result.anchor.error or "")
    assert events_of(contract) == []
    assert make_publisher().run().action is PublishAction.CONFIRMED
    assert len(events_of(contract)) == 1


def test_chain_disagreeing_with_the_log_stops_the_publisher(
    ledger: Ledger,
    contract: AnchorContract,
    anchor_account: LocalAccount,
    make_publisher: PublisherFactory,
    deployed: Deployment,
) -> None:
    data = contract.anchor_calldata(
        signed=signed_checkpoint(2, b"\x42" * 32, b"\x00" * 32), proof=()
    )
    send_transaction(
        contract.chain, anchor_account, to=contract.address, data=data, chain_id=deployed.chain_id
    )
    with pytest.raises(VerificationError, match="differs from the local log") as caught:
        make_publisher().run()
    assert caught.value.actual == "42" * 32
    assert AnchorStore(ledger.store.engine).anchors(deployed.id) == []


@pytest.mark.parametrize("how", ["evm_revert", "anvil_reorg"])
def test_an_anchor_dropped_by_a_reorg_is_anchored_again(
    how: str,
    chain: Chain,
    ledger: Ledger,
    contract: AnchorContract,
    make_publisher: PublisherFactory,
    deployed: Deployment,
) -> None:
    snapshot = chain.rpc("evm_snapshot")
    first = make_publisher().run()
    assert first.action is PublishAction.CONFIRMED
    assert first.anchor is not None
    assert contract.latest().tree_size == 3
    if how == "evm_revert":
        assert chain.rpc("evm_revert", [snapshot]) is True
    else:
        depth = chain.block_number() - (first.anchor.block_number or 0) + 1
        chain.rpc("anvil_reorg", [depth, []])
    assert contract.latest().tree_size == 0
    assert chain.receipt(first.anchor.tx_hash or "") is None

    again = make_publisher().run()
    assert again.action is PublishAction.CONFIRMED, again.message
    assert again.anchor is not None
    assert again.anchor.id == first.anchor.id  # the same anchor, re-published
    assert contract.latest().tree_size == 3
    events = list(contract.events(from_block=0, chunk=1000))
    assert [(e.tree_size, hex0x(e.tx_hash), hex0x(e.block_hash)) for e in events] == [
        (3, again.anchor.tx_hash, again.anchor.block_hash)
    ]
    assert [r.status for r in AnchorStore(ledger.store.engine).anchors(deployed.id)] == [
        AnchorStatus.CONFIRMED
    ]


def test_rpc_down_then_back_keeps_the_anchor_and_finishes_it(
    anvil: AnvilProcess,
    ledger: Ledger,
    deployed: Deployment,
    anchor_account: LocalAccount,
) -> None:
    proxy = TcpProxy(anvil.port)
    contract = AnchorContract(Chain.open(proxy.url, timeout=2), deployed.contract)

    def cut_the_line(step: PublishStep, _anchor: AnchorRecord) -> None:
        if step is PublishStep.ATTEMPT_RECORDED:
            proxy.down()

    def publisher(**hooks: object) -> Publisher:
        return Publisher(
            ledger=ledger,
            contract=contract,
            deployment=deployed,
            account=anchor_account,
            config=PublisherConfig(confirmations=1, poll_seconds=0.05, timeout_seconds=20),
            clock=FixedClock(NOW),
            **hooks,  # type: ignore[arg-type]
        )

    with pytest.raises(ChainUnavailable, match="cannot reach the JSON-RPC endpoint"):
        publisher(on_step=cut_the_line).run()
    store = AnchorStore(ledger.store.engine)
    [pending] = store.anchors(deployed.id)
    assert pending.status is AnchorStatus.SENT
    assert "cannot reach" in (pending.error or "")
    with pytest.raises(ChainUnavailable):
        publisher().run()  # still down: nothing changes
    assert store.anchors(deployed.id) == [store.anchor(pending.id)]
    assert len(store.attempts(pending.id)) == 1

    proxy.up()
    result = publisher().run()
    assert result.action is PublishAction.CONFIRMED
    [done] = store.anchors(deployed.id)
    assert (done.id, done.status, done.error) == (pending.id, AnchorStatus.CONFIRMED, None)
    assert done.tx_hash == store.attempts(pending.id)[0].tx_hash
    assert [size for size, _ in events_of(contract)] == [3]
    proxy.down()


def test_one_publisher_at_a_time(
    ledger: Ledger, make_publisher: PublisherFactory, contract: AnchorContract
) -> None:
    holder = PublisherLock(ledger.store.engine)
    assert holder.acquire()
    try:
        result = make_publisher().run()
        assert result.action is PublishAction.BUSY
        assert contract.latest().tree_size == 0
    finally:
        holder.release()
    assert make_publisher().run().action is PublishAction.CONFIRMED
