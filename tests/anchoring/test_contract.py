"""The contract's refusals and reads through the Python client, on a real anvil: custom errors are
decoded, and proofs made by the ledger verify on chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from anchoring.chain import ANCHOR_ROLE, AnchorContract, Chain, decode_revert, send_transaction
from anchoring.errors import ContractRejected
from node.checkpoint import SignedCheckpoint
from node.errors import ChainError
from node.ledger.service import Ledger, signed_from_record
from node.merkle.hasher import hash_leaf
from tests.anchoring.conftest import OTHER_KEY, funded, grow, signed_checkpoint


def anchor_tx(
    contract: AnchorContract,
    account: LocalAccount,
    *,
    size: int,
    root: bytes,
    state: bytes = b"\x22" * 32,
    proof: tuple[bytes, ...] = (),
) -> None:
    """Send anchor(...) from ``account`` (raises ContractRejected on a revert)."""
    data = contract.anchor_calldata(signed=signed_checkpoint(size, root, state), proof=proof)
    send_transaction(
        contract.chain, account, to=contract.address, data=data, chain_id=contract.chain.chain_id()
    )


def refusal(contract: AnchorContract, account: LocalAccount, **kwargs: object) -> ContractRejected:
    with pytest.raises(ContractRejected) as caught:
        anchor_tx(contract, account, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_anchor_reads_back(
    ledger: Ledger, contract: AnchorContract, anchor_account: LocalAccount
) -> None:
    assert contract.latest().tree_size == 0
    assert contract.root_at(3) is None
    cp = ledger.latest_checkpoint()
    anchor_tx(contract, anchor_account, size=cp.size, root=cp.log_root, state=cp.state_root)
    head = contract.latest()
    assert (head.tree_size, head.log_root, head.state_root) == (3, cp.log_root, cp.state_root)
    root = contract.root_at(3)
    assert root is not None
    assert (root.log_root, root.state_root) == (cp.log_root, cp.state_root)
    [event] = contract.events(from_block=0, chunk=100)
    assert (event.tree_size, event.log_root, event.state_root) == (3, cp.log_root, cp.state_root)
    # The time: latest() keeps the latest anchor's, the event carries each anchor's (its block's).
    block = contract.chain.rpc_block(event.block_number)
    assert block is not None
    assert event.anchored_at == head.anchored_at == int(block["timestamp"], 16)


def test_contract_refuses_shrinking_equal_and_non_extending_anchors(
    ledger: Ledger, contract: AnchorContract, anchor_account: LocalAccount
) -> None:
    first = ledger.latest_checkpoint()
    anchor_tx(contract, anchor_account, size=first.size, root=first.log_root)
    grow(ledger, 4)
    head, root7 = ledger.head()
    proof = ledger.prove_consistency(first.size, head).proof

    shrinking = refusal(contract, anchor_account, size=2, root=b"\x01" * 32)
    assert (shrinking.error, shrinking.error_args) == ("TreeSizeNotLarger", (2, 3))
    same = refusal(contract, anchor_account, size=3, root=first.log_root)
    assert same.error == "TreeSizeNotLarger"
    # A root that the proof does not lead to: the new tree would not extend the anchored one.
    forged = refusal(contract, anchor_account, size=head, root=b"\x07" * 32, proof=proof)
    assert forged.error == "NewRootMismatch"
    # A proof for another old tree (one hash changed).
    bent = (b"\x09" * 32, *proof[1:])
    assert refusal(contract, anchor_account, size=head, root=root7, proof=bent).error in {
        "OldRootMismatch",
        "NewRootMismatch",
    }
    short = refusal(contract, anchor_account, size=head, root=root7, proof=proof[:-1])
    assert short.error == "InvalidProofLength"
    assert refusal(contract, anchor_account, size=head, root=bytes(32)).error == "ZeroLogRoot"
    assert contract.latest().tree_size == 3
    anchor_tx(contract, anchor_account, size=head, root=root7, proof=proof)
    assert contract.latest().tree_size == head


def test_contract_refuses_an_unauthorized_sender(
    chain: Chain, ledger: Ledger, contract: AnchorContract
) -> None:
    stranger = funded(chain, OTHER_KEY)
    assert not contract.has_role(ANCHOR_ROLE, stranger.address)
    cp = ledger.latest_checkpoint()
    rejected = refusal(contract, stranger, size=cp.size, root=cp.log_root)
    assert rejected.error == "AccessControlUnauthorizedAccount"
    assert rejected.error_args == (stranger.address, "0x" + ANCHOR_ROLE.hex())
    assert contract.latest().tree_size == 0


def test_inclusion_proofs_from_the_ledger_verify_on_chain(
    ledger: Ledger, contract: AnchorContract, anchor_account: LocalAccount
) -> None:
    cp = ledger.latest_checkpoint()
    anchor_tx(contract, anchor_account, size=cp.size, root=cp.log_root)
    for index in range(cp.size):
        proof = ledger.prove_inclusion(index, size=cp.size)
        assert contract.verify_inclusion(
            tree_size=cp.size, index=index, leaf_hash=proof.leaf_hash, proof=proof.proof
        )
    proof = ledger.prove_inclusion(0, size=cp.size)
    assert not contract.verify_inclusion(
        tree_size=cp.size, index=0, leaf_hash=hash_leaf(b"not in the log"), proof=proof.proof
    )
    with pytest.raises(ContractRejected) as caught:
        contract.verify_inclusion(tree_size=2, index=0, leaf_hash=proof.leaf_hash, proof=())
    assert (caught.value.error, caught.value.error_args) == ("NotAnchored", (2,))


def test_unknown_revert_data_is_named_unknown() -> None:
    assert decode_revert("0xdeadbeef") == ("unknown", ())
    assert decode_revert("0x08c379a0" + "00" * 4) == ("Error", ())


def test_the_contract_checks_the_node_signature_of_the_checkpoint(
    ledger: Ledger, contract: AnchorContract, anchor_account: LocalAccount
) -> None:
    cp = ledger.latest_checkpoint()
    stored = signed_from_record(cp)
    # The body the contract rebuilds is byte for byte the one the node signed.
    assert contract.origin() == cp.origin
    assert contract.checkpoint_body(stored.checkpoint) == stored.checkpoint.body()
    assert contract.is_checkpoint_signer(cp.signer)
    assert not contract.is_checkpoint_signer(anchor_account.address)

    def send(signed: SignedCheckpoint) -> ContractRejected:
        with pytest.raises(ContractRejected) as caught:
            send_transaction(
                contract.chain,
                anchor_account,
                to=contract.address,
                data=contract.anchor_calldata(signed=signed, proof=()),
                chain_id=contract.chain.chain_id(),
            )
        return caught.value

    # Signed by another key, from a sender holding ANCHOR_ROLE: refused, the key named.
    thief = Account.from_key(OTHER_KEY)
    other = send(signed_checkpoint(cp.size, cp.log_root, key=thief))
    assert (other.error, other.error_args) == ("UnknownCheckpointSigner", (thief.address,))
    assert "not signed by a checkpoint key the admin registered" in str(other)
    # The node's signature on other values (here a larger state size): another address.
    bent = replace(stored, checkpoint=replace(stored.checkpoint, state_size=cp.state_size + 1))
    changed = send(bent)
    assert changed.error == "UnknownCheckpointSigner"
    assert changed.error_args != (cp.signer,)
    # Malformed signatures: short, long, malleable (s' = n - s, v flipped).
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    r, s, v = stored.signature[:32], int.from_bytes(stored.signature[32:64]), stored.signature[64]
    twin = r + (n - s).to_bytes(32) + bytes([55 - v])
    for signature in (stored.signature[:64], stored.signature + b"\x00", twin):
        malformed = send(replace(stored, signature=signature))
        assert malformed.error == "InvalidCheckpointSignature", signature.hex()
    assert contract.latest().tree_size == 0
    # The node's own signed checkpoint goes through.
    send_transaction(
        contract.chain,
        anchor_account,
        to=contract.address,
        data=contract.anchor_calldata(signed=stored, proof=()),
        chain_id=contract.chain.chain_id(),
    )
    assert contract.latest().tree_size == cp.size


def test_a_time_text_the_contract_cannot_take_is_refused_before_sending(
    ledger: Ledger, contract: AnchorContract
) -> None:
    cp = signed_from_record(ledger.latest_checkpoint())
    early = replace(cp.checkpoint, issued_at=datetime(999, 1, 1, tzinfo=UTC))
    with pytest.raises(ChainError, match="is not 27 characters"):
        contract.anchor_calldata(signed=replace(cp, checkpoint=early), proof=())
