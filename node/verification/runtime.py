"""Build a verifier from Settings: the chain table, a JSON-RPC client per chain, the node's own
local chain for chains marked ``local`` without URLs, the compilers for filed sources."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from node.chain.abi import DEAD_ADDRESS
from node.chain.config import ChainSpec, ChainTable
from node.chain.retry import retry_policy
from node.chain.rpc import RpcClient
from node.errors import ChainError, ConfigError
from node.ledger.service import Ledger
from node.settings import Settings
from node.verification.service import Verifier, VerifyConfig
from node.verification.source import Compilers, SourceChecker, default_node_modules
from node.verification.store import VerificationStore


class Endpoint(Protocol):
    """Where a chain answers."""

    @property
    def url(self) -> str:
        """Its JSON-RPC URL."""
        ...


LocalChain = Callable[[Path], AbstractContextManager[Endpoint]]
"""Starts (or attaches to) the node's local chain for a data directory; node/cli.py passes the
anchoring package's ``local_chain`` (node does not import anchoring)."""


def chain_table(settings: Settings) -> ChainTable:
    """The built-in chain table with the configured chains."""
    return ChainTable(settings.chains, non_evm=settings.non_evm_chains)


def verify_config(settings: Settings) -> VerifyConfig:
    """The run configuration of ``settings``."""
    sinks = (DEAD_ADDRESS, *(s.lower() for s in settings.verify_sinks))
    return VerifyConfig(
        confirmations=settings.verify_confirmations,
        sinks=tuple(dict.fromkeys(sinks)),
        log_range=settings.verify_log_range_blocks,
        first_block=settings.verify_scan_from_block,
        multicall_chunk=settings.verify_multicall_chunk,
    )


class ChainClients:
    """One JSON-RPC client per chain, made on first use; local chains through ``local_chain``."""

    def __init__(
        self, settings: Settings, stack: ExitStack, *, local_chain: LocalChain | None
    ) -> None:
        self.settings = settings
        self.stack = stack
        self.local_chain = local_chain
        self._clients: dict[str, RpcClient | None] = {}

    def __call__(self, spec: ChainSpec) -> RpcClient | None:
        """The client of ``spec`` (None: no endpoint).

        Raises:
            ChainError: the local chain cannot be started or reached.
        """
        if spec.name not in self._clients:
            urls = spec.rpc_urls
            if not urls and spec.local and self.local_chain is not None:
                try:
                    endpoint = self.stack.enter_context(self.local_chain(self.settings.data_dir))
                except ConfigError as exc:
                    raise ChainError(f"the local chain is not available: {exc}") from exc
                urls = (endpoint.url,)
            self._clients[spec.name] = (
                RpcClient(
                    urls,
                    chain_id=spec.chain_id,
                    timeout=self.settings.rpc_timeout_seconds,
                    batch_limit=self.settings.verify_batch_size,
                    retry=retry_policy(self.settings),
                )
                if urls
                else None
            )
        return self._clients[spec.name]


@contextmanager
def open_verifier(
    settings: Settings, ledger: Ledger, *, local_chain: LocalChain | None = None
) -> Iterator[Verifier]:
    """A verifier for ``ledger`` set up from ``settings``; local chains it started stop at exit."""
    with ExitStack() as stack:
        compilers = Compilers(
            node_modules=default_node_modules(), allow_download=settings.verify_solc_download
        )
        yield Verifier(
            ledger,
            table=chain_table(settings),
            clients=ChainClients(settings, stack, local_chain=local_chain),
            config=verify_config(settings),
            sources=SourceChecker(VerificationStore(ledger.store.engine), compilers),
        )
