"""Wiring of anchoring from Settings: which chain and contract, the key, the publisher."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from anchoring.audit_chain import AnchorChain, AnchorReader
from anchoring.chain import AnchorContract, Chain, SentTransaction, deploy_anchor
from anchoring.keys import ensure_anchor_key, load_anchor_account
from anchoring.localchain import ensure_local_deployment
from anchoring.publisher import Publisher, PublisherConfig, StepHook
from anchoring.store import AnchorStore, Deployment, export_anchors
from node.chain.endpoint import ChainEndpoint, chain_for, configured_chain
from node.chain.retry import retry_policy
from node.checkpoint import format_time
from node.clock import Clock
from node.errors import ChainError, ConfigError
from node.keys import load_account
from node.ledger.service import Ledger
from node.settings import Settings


@dataclass(frozen=True)
class Anchoring:
    """A chain, the anchor contract on it and its recorded deployment."""

    chain: Chain
    contract: AnchorContract
    deployment: Deployment
    local: bool
    description: str


def attach_remote(
    settings: Settings, endpoint: ChainEndpoint, *, store: AnchorStore, clock: Clock
) -> Anchoring:
    """The configured chain and contract (``endpoint``, from :func:`chain_for`): checks the
    chain id and that this version's contract is deployed there, and records the deployment.

    Raises:
        ChainUnavailable: the endpoint cannot be reached.
        ChainError: the chain id differs, or no contract or another contract (e.g. an older
            RegistryAnchor) is deployed there.
        StorageError: the database failed.
    """
    assert endpoint.contract is not None
    chain = _open_chain(settings, endpoint)
    actual = chain.chain_id()
    if actual != endpoint.chain_id:
        raise ChainError(
            f"wrong chain: the RPC endpoint {chain.where} is chain {actual}, TAMGA_CHAIN_ID is "
            f"{endpoint.chain_id}"
        )
    contract = AnchorContract(chain, endpoint.contract)
    redeploy = (
        f"deploy this version's RegistryAnchor on chain {actual} and set TAMGA_CONTRACT_ADDRESS "
        "(and TAMGA_CONTRACT_DEPLOY_BLOCK) to it"
    )
    contract.require_current_code(missing=redeploy, outdated=redeploy)
    deployment = store.add_deployment(
        chain_id=actual,
        contract=contract.address,
        local=False,
        deploy_tx=None,
        deploy_block=settings.contract_deploy_block,
        now=format_time(clock.now()),
    )
    return Anchoring(
        chain=chain,
        contract=contract,
        deployment=deployment,
        local=False,
        description=f"{chain.where} (chain id {actual})",
    )


@contextmanager
def open_anchoring(
    settings: Settings, *, store: AnchorStore, clock: Clock, deploy: bool
) -> Iterator[Anchoring]:
    """The node's chain and contract for the duration of the block.

    With TAMGA_RPC_URL: that chain and TAMGA_CONTRACT_ADDRESS. Without: the node's own anvil
    (started or attached, see node/chain/endpoint.py) and the contract deployed on it once —
    deployed now when ``deploy`` (needs the anchoring key, created when missing, and the node's
    checkpoint key, registered as the contract's checkpoint signer, with TAMGA_ORIGIN).

    Raises:
        ConfigError: settings are incomplete, anvil is missing, or (``deploy`` false) nothing
            has been deployed on the local chain yet.
        ChainUnavailable, ChainError: the chain failed, or the recorded local contract is not
            this version's (a local chain state left by an older Tamga).
        SigningKeyError: the anchoring key cannot be opened.
        StorageError: the database failed.
    """
    with chain_for(settings) as endpoint:
        assert endpoint is not None  # started or attached
        if not endpoint.local:
            yield attach_remote(settings, endpoint, store=store, clock=clock)
            return
        chain = _open_chain(settings, endpoint)
        if deploy:
            ensure_anchor_key(settings)
            deployment = ensure_local_deployment(
                chain,
                store=store,
                account=load_anchor_account(settings),
                checkpoint_signer=lambda: node_checkpoint_address(settings),
                origin=settings.origin,
                now=lambda: format_time(clock.now()),
            )
        else:
            known = store.latest_deployment(chain_id=chain.chain_id(), local=True)
            if known is None:
                raise ConfigError(
                    "no anchor contract on the local chain yet: `tamga up` or `tamga anchor now` "
                    "deploys it"
                )
            deployment = known
        contract = AnchorContract(chain, deployment.contract)
        contract.require_current_code(
            missing="the local chain lost it: `tamga up` or `tamga anchor now` deploys it again",
            outdated=f"the local chain's state {endpoint.state_file} was made by an older Tamga; "
            "stop the node and move that file aside: the next start deploys the contract on a "
            "new local chain and anchors the checkpoints again",
        )
        started = "started" if endpoint.owner else "attached"
        yield Anchoring(
            chain=chain,
            contract=contract,
            deployment=deployment,
            local=True,
            description=f"local anvil {endpoint.url} (chain id {deployment.chain_id}, "
            f"{started}; state {endpoint.state_file})",
        )


def deploy_remote(settings: Settings, *, admin: str | None = None) -> tuple[int, SentTransaction]:
    """Deploy this version's RegistryAnchor on the configured chain (TAMGA_RPC_URL and
    TAMGA_CHAIN_ID, no TAMGA_CONTRACT_ADDRESS yet), sent by the anchoring key, which gets
    ANCHOR_ROLE; ``admin`` (default: the anchoring key) gets DEFAULT_ADMIN_ROLE; the node's
    checkpoint key is the first checkpoint signer. Returns the chain id and the transaction:
    set TAMGA_CONTRACT_ADDRESS and TAMGA_CONTRACT_DEPLOY_BLOCK from it on every job runner.

    Raises:
        ConfigError: no TAMGA_RPC_URL or TAMGA_CHAIN_ID, or a contract is already configured.
        SigningKeyError: the anchoring or checkpoint keystore cannot be opened.
        ChainUnavailable, ChainError: the chain id differs or the deployment failed.
    """
    if settings.rpc_url is None or settings.chain_id is None:
        raise ConfigError("deploying needs TAMGA_RPC_URL and TAMGA_CHAIN_ID (the chain to use)")
    if settings.contract_address is not None:
        raise ConfigError(
            f"TAMGA_CONTRACT_ADDRESS is already set ({settings.contract_address}): unset it to "
            "deploy another contract"
        )
    chain = Chain.open(
        settings.rpc_url, timeout=settings.rpc_timeout_seconds, retry=retry_policy(settings)
    )
    actual = chain.chain_id()
    if actual != settings.chain_id:
        raise ChainError(
            f"wrong chain: the RPC endpoint {chain.where} is chain {actual}, TAMGA_CHAIN_ID is "
            f"{settings.chain_id}"
        )
    account = load_anchor_account(settings)
    sent = deploy_anchor(
        chain,
        account,
        admin=to_checksum_address(admin) if admin else account.address,
        anchorer=account.address,
        checkpoint_signer=node_checkpoint_address(settings),
        origin=settings.origin,
        chain_id=actual,
    )
    return actual, sent


def _open_chain(settings: Settings, endpoint: ChainEndpoint) -> Chain:
    return Chain.open(
        endpoint.url, timeout=settings.rpc_timeout_seconds, retry=retry_policy(settings)
    )


@dataclass(frozen=True)
class ChainSource:
    """The chain the node reads its anchors from (read-only), and where its event scans start."""

    chain: AnchorChain
    from_block: int


def anchor_source(
    settings: Settings, store: AnchorStore, *, rpc: str | None = None, contract: str | None = None
) -> ChainSource | None:
    """The node's anchor contract to read, without starting a chain (:func:`chain_for`): the
    configured chain and contract, else the local anvil a running node serves with the latest
    local deployment; None when neither is there. ``rpc`` and ``contract`` (given together:
    the settings are not consulted) replace the URL and the address. Nothing is sent here.

    Raises:
        ConfigError: the chain settings are incomplete.
        ChainError: the contract is not an address.
        StorageError: the database failed.
    """
    timeout = settings.rpc_timeout_seconds
    if rpc is not None and contract is not None:
        return ChainSource(
            AnchorReader(rpc, contract, timeout=timeout), settings.contract_deploy_block
        )
    with chain_for(settings, start=False) as endpoint:  # only attaches: nothing to stop
        if endpoint is None:
            return None
        address, from_block = endpoint.contract, settings.contract_deploy_block
        if endpoint.local:
            deployment = store.latest_deployment(local=True)
            if deployment is not None:
                address, from_block = deployment.contract, deployment.deploy_block
        address = contract or address
        if address is None:
            return None
        reader = AnchorReader(rpc or endpoint.url, address, timeout=timeout)
        return ChainSource(reader, from_block)


def node_checkpoint_address(settings: Settings) -> str:
    """The address of the node's checkpoint signing key (TAMGA_KEY_FILE; opens the keystore).

    Raises:
        SigningKeyError: the keystore or its password is missing or wrong.
    """
    return load_account(
        key_file=settings.resolved_key_file, password_file=settings.resolved_key_password_file
    ).address


def anchoring_account(settings: Settings) -> LocalAccount:
    """The anchoring key; on the local chain it is created when missing.

    Raises:
        ConfigError: the settings are incomplete.
        SigningKeyError: the keystore or its password is missing or wrong.
    """
    if not configured_chain(settings):
        ensure_anchor_key(settings)
    return load_anchor_account(settings)


def make_publisher(
    settings: Settings,
    *,
    ledger: Ledger,
    anchoring: Anchoring,
    account: LocalAccount,
    clock: Clock,
    on_step: StepHook | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Publisher:
    """A publisher for ``anchoring`` configured by ``settings`` (TAMGA_ANCHOR_*)."""
    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    return Publisher(
        ledger=ledger,
        contract=anchoring.contract,
        deployment=anchoring.deployment,
        account=account,
        config=PublisherConfig.from_settings(settings),
        clock=clock,
        on_step=on_step,
        **extra,
    )


def current_deployment(settings: Settings, store: AnchorStore) -> Deployment | None:
    """The deployment the node anchors to, from the database alone (no chain access): the
    configured contract, else the latest local one.

    Raises:
        ConfigError: the settings are incomplete.
        StorageError: the database failed.
    """
    if configured_chain(settings):
        assert settings.chain_id is not None
        assert settings.contract_address is not None
        return store.deployment(
            chain_id=settings.chain_id, contract=to_checksum_address(settings.contract_address)
        )
    return store.latest_deployment(local=True)


def anchors_for_export(settings: Settings, ledger: Ledger) -> dict[int, dict[str, Any]]:
    """The ``anchor`` object of every checkpoint anchored (and confirmed) on the current
    deployment, keyed by tree size (docs/export-format.md); empty when nothing is anchored.

    Raises:
        ConfigError: the settings are incomplete.
        StorageError: the database failed.
    """
    store = AnchorStore(ledger.store.engine)
    deployment = current_deployment(settings, store)
    if deployment is None:
        return {}
    return export_anchors(store, deployment)
