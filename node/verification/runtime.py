"""Build a verifier from Settings: the chain table, a JSON-RPC client per chain, the node's own
local chain (node/chain/endpoint.py ``chain_for``) for chains marked ``local`` without URLs, the
compilers for filed sources."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from node.chain.abi import DEAD_ADDRESS
from node.chain.config import ChainSpec, ChainTable
from node.chain.endpoint import chain_for
from node.chain.retry import retry_policy
from node.chain.rpc import RpcClient
from node.errors import ChainError, ConfigError
from node.ledger.service import Ledger
from node.settings import Settings
from node.verification.service import Verifier, VerifyConfig
from node.verification.source import Compilers, SourceChecker, default_node_modules
from node.verification.store import VerificationStore


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
    """One JSON-RPC client per chain, made on first use; chains marked local without URLs on the
    node's own anvil, started for the ``stack``'s duration when ``start_local`` and none runs
    (else only the running one, as a request does)."""

    def __init__(self, settings: Settings, stack: ExitStack, *, start_local: bool = True) -> None:
        self.settings = settings
        self.stack = stack
        self.start_local = start_local
        self._clients: dict[str, RpcClient | None] = {}

    def __call__(self, spec: ChainSpec) -> RpcClient | None:
        """The client of ``spec`` (None: no endpoint).

        Raises:
            ChainError: the local chain cannot be started or reached.
        """
        if spec.name not in self._clients:
            urls = spec.rpc_urls
            if not urls and spec.local:
                try:
                    endpoint = self.stack.enter_context(
                        chain_for(self.settings, start=self.start_local, own=True)
                    )
                    if endpoint is None:
                        raise ConfigError(
                            f"the local chain of {self.settings.data_dir} is not running "
                            "(`tamga up`)"
                        )
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
    settings: Settings, ledger: Ledger, *, start_local: bool = True
) -> Iterator[Verifier]:
    """A verifier for ``ledger`` set up from ``settings``; local chains it started stop at exit
    (``start_local``: see :class:`ChainClients`)."""
    with ExitStack() as stack:
        compilers = Compilers(
            node_modules=default_node_modules(), allow_download=settings.verify_solc_download
        )
        yield Verifier(
            ledger,
            table=chain_table(settings),
            clients=ChainClients(settings, stack, start_local=start_local),
            config=verify_config(settings),
            sources=SourceChecker(VerificationStore(ledger.store.engine), compilers),
        )
