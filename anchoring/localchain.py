"""The anchor contract on the node's own local chain (node/chain/anvil.py): deployed once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from eth_account.signers.local import LocalAccount

from anchoring.chain import AnchorContract, Chain, deploy_anchor
from anchoring.store import AnchorStore, Deployment

logger = logging.getLogger("tamga.anchoring.anvil")

FUNDING_WEI = 1000 * 10**18
"""What the local anchoring key is given on the local chain (anvil_setBalance)."""
MIN_BALANCE_WEI = 10 * 10**18


def ensure_local_deployment(
    chain: Chain,
    *,
    store: AnchorStore,
    account: LocalAccount,
    checkpoint_signer: Callable[[], str],
    origin: str,
    now: Callable[[], str],
) -> Deployment:
    """The RegistryAnchor contract on the local chain: deployed once from the committed artifact
    (``account`` is admin and anchorer, ``checkpoint_signer()`` — the node's checkpoint key,
    asked only when deploying — the registered checkpoint signer, ``origin`` the log's origin)
    and remembered in the database; deployed again only when the chain lost it. The account is
    funded with ``anvil_setBalance`` (dev chains only).

    Raises:
        ChainError: the chain refused (e.g. it is not anvil), or the deployment failed.
        StorageError: the database failed.
    """
    chain_id = chain.chain_id()
    if chain.balance(account.address) < MIN_BALANCE_WEI:
        chain.rpc("anvil_setBalance", [account.address, hex(FUNDING_WEI)])
    known = store.latest_deployment(chain_id=chain_id, local=True)
    if known is not None and AnchorContract(chain, known.contract).is_deployed():
        return known
    sent = deploy_anchor(
        chain,
        account,
        admin=account.address,
        anchorer=account.address,
        checkpoint_signer=checkpoint_signer(),
        origin=origin,
        chain_id=chain_id,
    )
    assert sent.contract_address is not None
    logger.info(
        "deployed RegistryAnchor at %s in block %d (tx %s)",
        sent.contract_address,
        sent.receipt.block_number,
        sent.tx_hash,
    )
    return store.add_deployment(
        chain_id=chain_id,
        contract=sent.contract_address,
        local=True,
        deploy_tx=sent.tx_hash,
        deploy_block=sent.receipt.block_number,
        now=now(),
    )
