"""Which chain the node talks to, decided in one place: the configured chain (TAMGA_RPC_URL,
TAMGA_CHAIN_ID, TAMGA_CONTRACT_ADDRESS) or the node's own anvil (node/chain/anvil.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from eth_utils.address import is_address, to_checksum_address

from node.chain.anvil import ANVIL_CHAIN_ID, local_chain, running_endpoint
from node.errors import ConfigError
from node.settings import Settings


@dataclass(frozen=True)
class ChainEndpoint:
    """Where the node's chain answers."""

    url: str
    chain_id: int
    local: bool
    """The node's own anvil (else the configured chain)."""
    contract: str | None = None
    """The configured RegistryAnchor (checksummed); None on the local chain, whose deployment
    the anchoring tables record."""
    owner: bool = False
    """This process started the local anvil (it stops, saving its state, when the block ends)."""
    state_file: Path | None = None
    """The local anvil's state file."""


def configured_chain(settings: Settings) -> bool:
    """Whether TAMGA_RPC_URL names the chain (else the node runs its own local anvil).

    Raises:
        ConfigError: TAMGA_RPC_URL is set without TAMGA_CHAIN_ID and TAMGA_CONTRACT_ADDRESS, or
            the address is malformed, or TAMGA_CONTRACT_ADDRESS is set without TAMGA_RPC_URL.
    """
    if settings.rpc_url is None:
        if settings.contract_address is not None:
            raise ConfigError("TAMGA_CONTRACT_ADDRESS is set but TAMGA_RPC_URL is not")
        return False
    missing = [
        name
        for name, value in (
            ("TAMGA_CHAIN_ID", settings.chain_id),
            ("TAMGA_CONTRACT_ADDRESS", settings.contract_address),
        )
        if value is None
    ]
    if missing:
        raise ConfigError(f"TAMGA_RPC_URL is set: {' and '.join(missing)} must be set too")
    if not is_address(settings.contract_address):
        raise ConfigError(f"TAMGA_CONTRACT_ADDRESS is not an address: {settings.contract_address}")
    return True


@contextmanager
def chain_for(
    settings: Settings, *, start: bool = True, own: bool = False
) -> Iterator[ChainEndpoint | None]:
    """The chain of ``settings`` for the duration of the block: the configured one, else the
    node's own anvil of ``settings.data_dir``.

    ``start``: start that anvil when no process of the data directory runs it (and stop it at
    the end of the block), else attach to the running one; without ``start`` only attach,
    through ``endpoint.json``, and give None when none runs (a request never starts a chain).
    ``own``: the node's own anvil even when a chain is configured — the register's development
    chains (``local`` in the chain table); started without interval mining.

    Raises:
        ConfigError: the settings are incomplete, or anvil is missing.
        ChainError: anvil did not start, or the running one does not answer.
    """
    if not own and configured_chain(settings):
        assert settings.rpc_url is not None
        assert settings.chain_id is not None
        assert settings.contract_address is not None
        yield ChainEndpoint(
            url=settings.rpc_url,
            chain_id=settings.chain_id,
            local=False,
            contract=to_checksum_address(settings.contract_address),
        )
        return
    if not start:
        url = running_endpoint(settings.data_dir)
        yield (None if url is None else ChainEndpoint(url=url, chain_id=ANVIL_CHAIN_ID, local=True))
        return
    block_time = None if own else settings.anvil_block_time_seconds
    with local_chain(settings.data_dir, block_time=block_time) as endpoint:
        yield ChainEndpoint(
            url=endpoint.url,
            chain_id=endpoint.chain_id,
            local=True,
            owner=endpoint.owner,
            state_file=endpoint.state_file,
        )
