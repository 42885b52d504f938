"""Rehearsal of docs/recovery.md on a real anvil: a stolen anchoring key cannot anchor a
fabricated checkpoint; the admin rotates the anchoring key, then the node checkpoint key; the
node anchors on with the new keys; an auditor pinning both checkpoint keys passes the export,
and one pinning only the old key sees the rotation."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchoring.audit import audit_export
from anchoring.audit_chain import AnchorReader
from anchoring.audit_report import Check
from anchoring.audit_source import DirectorySource
from anchoring.chain import ANCHOR_ROLE, AnchorContract, Chain, deploy_anchor, send_transaction
from anchoring.errors import ContractRejected
from anchoring.publisher import PublishAction, Publisher, PublisherConfig
from anchoring.store import AnchorStore, Deployment, export_anchors
from node.chain.anvil import AnvilProcess
from node.clock import FixedClock
from node.domain.calendar import kyrgyz_calendar
from node.errors import ChainError
from node.ledger.export import export_ledger
from node.ledger.service import Ledger
from node.ledger.store import SqlLedgerStore
from node.merkle import build_tree, hash_leaf, prove_consistency, root_at
from tests.anchoring.conftest import ANCHOR_KEY, OTHER_KEY, funded, grow, signed_checkpoint
from tests.support.scenario import NOW, ORIGIN, signer

NEW_ANCHOR_KEY = bytes.fromhex("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")
NEW_NODE_KEY = bytes.fromhex("47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a")
THIEF_NODE_KEY = bytes.fromhex("8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba")


def _send(contract: AnchorContract, key: LocalAccount, data: bytes) -> None:
    send_transaction(
        contract.chain, key, to=contract.address, data=data, chain_id=contract.chain.chain_id()
    )


def _publisher(
    ledger: Ledger, contract: AnchorContract, deployment: Deployment, key: LocalAccount
) -> Publisher:
    return Publisher(
        ledger=ledger,
        contract=contract,
        deployment=deployment,
        account=key,
        config=PublisherConfig(confirmations=1, timeout_seconds=20.0, poll_seconds=0.05),
        clock=FixedClock(NOW),
    )


def _fabricated_extension(ledger: Ledger, anchored: int, size: int) -> tuple[bytes, list[bytes]]:
    """What a thief can compute without the node: the anchored leaves plus made-up ones, and a
    valid RFC 9162 consistency proof from the anchored tree (the chain would accept it)."""
    leaves = [row.leaf_hash for row in ledger.entries(0, anchored)]
    leaves += [hash_leaf(b"fabricated %d" % i) for i in range(size - anchored)]
    tree, _ = build_tree(leaves)
    return bytes(root_at(tree, size)), [bytes(h) for h in prove_consistency(tree, anchored, size)]


def test_key_compromise_recovery_rehearsal(
    anvil: AnvilProcess, chain: Chain, ledger: Ledger, tmp_path: Path
) -> None:
    # Production layout: the admin is its own key, neither the anchoring nor the node key.
    admin = funded(chain, OTHER_KEY)
    old_anchor = funded(chain, ANCHOR_KEY)
    old_node = signer()
    sent = deploy_anchor(
        chain,
        admin,
        admin=admin.address,
        anchorer=old_anchor.address,
        checkpoint_signer=old_node.address,
        origin=ORIGIN,
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
    assert _publisher(ledger, contract, deployment, old_anchor).run().action is (
        PublishAction.CONFIRMED
    )
    assert contract.latest().tree_size == 3

    # 1. The anchoring key is stolen. The thief fabricates an extension of the anchored log
    #    (with a valid consistency proof) and signs its checkpoint with a key of their own, or
    #    replays the node's signature of checkpoint 3: both are refused, nothing is anchored.
    root, proof = _fabricated_extension(ledger, 3, 1_000)
    thief_node = Account.from_key(THIEF_NODE_KEY)
    forged = signed_checkpoint(1_000, root, key=thief_node)
    with pytest.raises(ContractRejected) as caught:
        _send(contract, old_anchor, contract.anchor_calldata(signed=forged, proof=proof))
    assert caught.value.error == "UnknownCheckpointSigner"
    assert caught.value.error_args == (thief_node.address,)
    assert "not signed by a checkpoint key the admin registered" in str(caught.value)
    real = ledger.latest_checkpoint()
    replayed = signed_checkpoint(1_000, root, real.state_root, state_size=real.state_size)
    replayed = type(replayed)(
        checkpoint=replayed.checkpoint, signer=real.signer, signature=real.signature
    )
    with pytest.raises(ContractRejected) as caught:
        _send(contract, old_anchor, contract.anchor_calldata(signed=replayed, proof=proof))
    assert caught.value.error == "UnknownCheckpointSigner"
    assert caught.value.error_args != (old_node.address,)
    assert contract.latest().tree_size == 3

    # 2. The admin rotates the anchoring key: grant the new key, revoke the stolen one.
    new_anchor = funded(chain, NEW_ANCHOR_KEY)
    _send(contract, admin, contract.calldata("grantRole", ANCHOR_ROLE, new_anchor.address))
    _send(contract, admin, contract.calldata("revokeRole", ANCHOR_ROLE, old_anchor.address))
    assert contract.has_role(ANCHOR_ROLE, new_anchor.address)
    assert not contract.has_role(ANCHOR_ROLE, old_anchor.address)

    # 3. The node anchors on with the new anchoring key; the stolen one cannot even send.
    grow(ledger, 2)
    ledger.cut_checkpoint()
    assert _publisher(ledger, contract, deployment, new_anchor).run().action is (
        PublishAction.CONFIRMED
    )
    assert contract.latest().tree_size == 5
    with pytest.raises(ContractRejected) as caught:
        _publisher(ledger, contract, deployment, old_anchor).chain.estimate_gas(
            sender=old_anchor.address,
            to=contract.address,
            data=contract.anchor_calldata(signed=forged, proof=proof),
        )
    assert caught.value.error == "AccessControlUnauthorizedAccount"

    # 4. The node key is rotated: the admin registers the new checkpoint key, then revokes the
    #    old one (each a CheckpointSignerSet event).
    new_node = Account.from_key(NEW_NODE_KEY)
    _send(contract, admin, contract.set_checkpoint_signer_calldata(new_node.address, allowed=True))
    _send(contract, admin, contract.set_checkpoint_signer_calldata(old_node.address, allowed=False))
    history = [(e.signer, e.allowed) for e in contract.signer_events(from_block=0)]
    assert history == [
        (old_node.address, True),  # at deployment
        (new_node.address, True),
        (old_node.address, False),
    ]

    # 5. A checkpoint still signed with the old node key is refused: the publisher says which
    #    key is missing, and the transaction itself reverts.
    grow(ledger, 1)
    stale = ledger.cut_checkpoint()
    assert stale.signer == old_node.address
    with pytest.raises(ChainError, match="not a registered checkpoint signer"):
        _publisher(ledger, contract, deployment, new_anchor).run()
    proof6 = ledger.prove_consistency(5, 6).proof
    with pytest.raises(ContractRejected) as caught:
        _send(contract, new_anchor, contract.anchor_calldata(signed=stale, proof=proof6))
    assert caught.value.error == "UnknownCheckpointSigner"
    assert caught.value.error_args == (old_node.address,)
    assert contract.latest().tree_size == 5

    # 6. The node signs with the new key (TAMGA_KEY_FILE switched; same database) and
    #    anchoring continues.
    salts = itertools.count(10_000)
    rotated = Ledger(
        store=SqlLedgerStore.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}"),
        clock=FixedClock(NOW),
        origin=ORIGIN,
        calendar=kyrgyz_calendar(),
        signer=new_node,
        random_bytes=lambda n: next(salts).to_bytes(n, "big"),
    )
    try:
        grow(rotated, 1)
        fresh = rotated.cut_checkpoint()
        assert fresh.signer == new_node.address
        result = _publisher(rotated, contract, deployment, new_anchor).run()
        assert result.action is PublishAction.CONFIRMED, result.message
        assert contract.latest().tree_size == 7

        # 7. The auditor: the export passes with both checkpoint keys pinned; pinning only the
        #    old key fails at the first checkpoint the new key signed.
        export = tmp_path / "export"
        export_ledger(rotated.store, export, anchors=export_anchors(store, deployment))
        audit_chain = AnchorReader(anvil.url, contract.address)
        both = audit_export(
            DirectorySource(export),
            chain=audit_chain,
            calendar=kyrgyz_calendar(),
            signers=[old_node.address, new_node.address],
        )
        assert both.ok, [f.line() for f in both.findings]
        old_only = audit_export(
            DirectorySource(export),
            chain=audit_chain,
            calendar=kyrgyz_calendar(),
            signers=[old_node.address],
        )
        assert not old_only.ok
        assert old_only.where(Check.SIGNATURE) == ["checkpoint 7"]
    finally:
        rotated.close()
