"""`tamga up`: the node's main process — HTTP server, checkpoint and anchoring jobs, and (without
TAMGA_RPC_URL) the node's own local anvil with the anchor contract deployed on it once."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from types import FrameType
from typing import Any, Protocol

import httpx
import uvicorn
from eth_account.signers.local import LocalAccount

from anchoring.lock import JobLease
from anchoring.publisher import PublishAction, PublishResult
from anchoring.runner import JobRunner
from anchoring.scheduler import node_scheduler
from anchoring.service import anchoring_account, make_publisher, open_anchoring
from anchoring.store import AnchorStore
from anchoring.witness_client import Cosigner, WitnessOutcome
from anchoring.witness_local import local_witnesses
from node.clock import Clock
from node.errors import ConfigError
from node.keys import load_account, note_signer
from node.ledger.service import Ledger
from node.settings import Settings, WitnessSetting
from node.verification.runtime import open_verifier
from node.verification.service import RunReport

logger = logging.getLogger("tamga.up")


class AppFactory(Protocol):
    """Builds the ASGI application served by `tamga up` (``api.app.create_app``); ``jobs`` is
    this process's job runner (None for an API-only node), for /readyz and /metrics."""

    def __call__(self, settings: Settings, *, jobs: JobRunner | None = None) -> Any: ...


def bind_http(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free port).

    Raises:
        ConfigError: the address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror} (set TAMGA_API_HOST/TAMGA_API_PORT)"
        ) from exc
    sock.set_inheritable(True)
    return sock


def run_node(
    settings: Settings,
    *,
    clock: Clock,
    app_factory: AppFactory,
    announce: Callable[[str], None],
) -> None:
    """Run the node in its role (``settings.role``) until SIGINT or SIGTERM; ``announce`` gets
    the lines a person should see (the URL, the chain, the contract, each confirmed anchor).

    * ``all``: the HTTP API and the jobs (one machine, `make run`).
    * ``api``: the HTTP API only; it never opens a key (docs/deployment.md).
    * ``jobs``: checkpoints, anchoring, verification and witnesses while this process holds the
      job lease (anchoring/runner.py), standing by otherwise; HTTP serves /healthz, /readyz and
      /metrics only.

    Raises:
        LedgerError: the ledger is not initialised (`tamga init`).
        ConfigError: settings are incomplete, anvil is missing, or the HTTP port is taken.
        SigningKeyError: a key cannot be opened.
        ChainUnavailable, ChainError: the chain cannot be reached or the contract deployed.
        StorageError: the database failed.
    """
    signer = None
    if settings.role != "api":
        signer = load_account(
            key_file=settings.resolved_key_file, password_file=settings.resolved_key_password_file
        )
    ledger = Ledger.open(settings, clock=clock, signer=signer)
    try:
        ledger.require_initialized()
        runner: JobRunner | None = None
        if signer is not None:
            runner = JobRunner(
                JobLease(
                    ledger.store.engine,
                    holder_name=f"tamga jobs {socket.gethostname()} pid {os.getpid()}",
                ),
                start_jobs=partial(
                    _jobs, settings, ledger=ledger, signer=signer, clock=clock, announce=announce
                ),
                poll_seconds=settings.lease_poll_seconds,
                announce=announce,
            )
        announce(f"role            {settings.role}")
        if runner is not None:
            runner.start()  # a first try now: on one machine the jobs run before the API answers
        try:
            _serve(settings, app_factory=app_factory, runner=runner, announce=announce)
        finally:
            if runner is not None:
                runner.stop()
            announce("stopped")
    finally:
        ledger.close()


def _serve(
    settings: Settings,
    *,
    app_factory: AppFactory,
    runner: JobRunner | None,
    announce: Callable[[str], None],
) -> None:
    """Serve HTTP until SIGINT or SIGTERM.

    Raises:
        ConfigError: the HTTP port is taken.
    """
    sock = bind_http(settings.api_host, settings.api_port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if settings.role != "jobs":
        announce(f"workbench       {url}workbench (the registry office's staff)")
        announce(f"portal          {url}portal (issuers, with a wallet they declared)")
    server = uvicorn.Server(
        uvicorn.Config(
            app_factory(settings, jobs=runner), log_level="warning", lifespan="on", access_log=False
        )
    )
    announce(f"serving         {url}  (Ctrl-C stops)")
    # uvicorn handles SIGINT/SIGTERM, then raises the signal again for the handler it found:
    # make that a no-op so the jobs, the HTTP socket and anvil are shut down by the caller.
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _jobs(
    settings: Settings,
    *,
    ledger: Ledger,
    signer: LocalAccount,
    clock: Clock,
    announce: Callable[[str], None],
) -> Iterator[None]:
    """The scheduled jobs of the active job runner: started on entry, stopped on exit (after
    the running job; the anchoring publisher is told to stop waiting for confirmations, and
    the next runner resumes what it recorded).

    Raises:
        ConfigError, ChainUnavailable, ChainError, SigningKeyError, StorageError: as
            ``run_node``.
    """
    account = anchoring_account(settings)
    store = AnchorStore(ledger.store.engine)
    with (
        open_anchoring(settings, store=store, clock=clock, deploy=True) as anchoring,
        # Chains marked local (tamga-local) are read on this node's own anvil.
        open_verifier(settings, ledger) as verifier,
        _witnesses(settings, signer=signer) as witnesses,
        httpx.Client(timeout=settings.witness_timeout_seconds) as http,
    ):
        cosigner = Cosigner(
            ledger=ledger,
            signer=note_signer(signer, origin=settings.origin),
            witnesses=witnesses,
            clock=clock,
            http=http,
        )
        publisher = make_publisher(
            settings, ledger=ledger, anchoring=anchoring, account=account, clock=clock
        )
        deployment = anchoring.deployment
        announce(f"chain           {anchoring.description}")
        announce(
            f"contract        RegistryAnchor {deployment.contract} "
            f"(deployed in block {deployment.deploy_block})"
        )
        announce(f"anchoring key   {account.address}")
        announce(
            f"jobs            checkpoint every {settings.checkpoint_interval_seconds} s, "
            f"anchor every {settings.anchor_interval_seconds} s "
            f"({settings.anchor_confirmations} confirmations), "
            f"verify every {settings.verify_interval_seconds} s"
        )
        announce(f"note key        {cosigner.signer.verifier.encode()}")
        for witness in witnesses:
            announce(f"witness         {witness.vkey} at {witness.url}")

        def cosigned(outcomes: list[WitnessOutcome]) -> None:
            done = [o for o in outcomes if o.status == "cosigned"]
            if done:
                announce(
                    f"cosigned        checkpoint {done[0].size} by "
                    + ", ".join(o.witness for o in done)
                )

        def report(result: PublishResult) -> None:
            if result.action is PublishAction.CONFIRMED and result.anchor is not None:
                a = result.anchor
                announce(
                    f"anchored        tree size {a.tree_size} in block {a.block_number} "
                    f"(tx {a.tx_hash}) on chain {deployment.chain_id}"
                )

        def verified(run: RunReport) -> None:
            checked = sum(1 for r in run.results if r.outcome.value == "checked")
            announce(
                f"verified        {checked} of {len(run.results)} emissions on chain, "
                f"{len(run.findings())} open findings (run {run.run}; `tamga verify "
                "findings KEY`)"
            )

        scheduler = node_scheduler(
            publisher,
            checkpoint_interval_seconds=settings.checkpoint_interval_seconds,
            anchor_interval_seconds=settings.anchor_interval_seconds,
            start_at=clock.now(),
            on_result=report,
            verifier=verifier,
            verify_interval_seconds=settings.verify_interval_seconds,
            on_verified=verified,
            cosigner=cosigner,
            on_cosigned=cosigned,
        )
        scheduler.start()
        try:
            yield
        finally:
            publisher.stop()
            scheduler.shutdown(wait=True)


def _witnesses(
    settings: Settings, *, signer: LocalAccount
) -> AbstractContextManager[list[WitnessSetting]]:
    """TAMGA_WITNESSES, or else TAMGA_LOCAL_WITNESSES local witness processes (none by default)."""
    if settings.witnesses or not settings.local_witnesses:
        return nullcontext(list(settings.witnesses))
    return local_witnesses(
        settings.data_dir,
        count=settings.local_witnesses,
        origin=settings.origin,
        log_key=note_signer(signer, origin=settings.origin).verifier,
    )


def _ignore(signum: int, _frame: FrameType | None) -> None:
    logger.info("received %s; stopping", signal.Signals(signum).name)


def print_line(text: str) -> None:
    """Write one line to stdout at once (``make run`` shows it while the node runs)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
