"""Test support for on-chain verification: a real anvil, funded keys, tokens, registered
emissions walked through their lifecycle, and a verifier wired to the test chain."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from node.chain import dev
from node.chain.config import ChainTable
from node.chain.rpc import RpcClient
from node.clock import FixedClock
from node.ledger.service import Ledger
from node.verification.service import Verifier, VerifyConfig
from tests.support.scenario import open_ledger
from tests.unit.domain.lifecycle_samples import emission_filing, happy_path, issuer_filing

ROOT = Path(__file__).resolve().parents[2]
ANVIL = ROOT / "node_modules" / ".bin" / "anvil"
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
IN_PLACEMENT = dt.datetime(2026, 6, 1, 6, 0, tzinfo=dt.UTC)  # the sample's period: May-July 2026
AFTER_PLACEMENT = dt.datetime(2026, 9, 1, 6, 0, tzinfo=dt.UTC)
DEAD = "0x000000000000000000000000000000000000dEaD"
VA = 10**18


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Anvil:
    """A real anvil process on a free loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(ANVIL), "--host", "127.0.0.1", "--port", str(self.port), "--silent"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"anvil exited with {self.process.returncode}")
            try:
                request = urllib.request.Request(
                    self.url,
                    data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(request, timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("anvil did not answer within 20 s")

    def stop(self) -> None:
        """Kill the process (the chain is thrown away)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def key(n: int) -> LocalAccount:
    """A deterministic test key."""
    account: LocalAccount = Account.from_key(bytes([n]) * 32)
    return account


@dataclass
class TestChain:
    """The test chain: a client, funded keys, helpers for tokens."""

    __test__ = False
    client: RpcClient
    url: str

    def account(self, n: int) -> LocalAccount:
        """Test key ``n``, funded."""
        account = key(n)
        dev.fund(self.client, account.address, 1000 * VA)
        return account

    def deploy(self, account: LocalAccount, name: str, *args: Any) -> str:
        """Deploy artifact ``name``; its (checksum) address."""
        address = dev.deploy(self.client, account, name, *args).contract_address
        assert address is not None
        return address

    def send(self, account: LocalAccount, to: str, signature: str, *args: Any) -> dev.Mined:
        """Call ``signature`` on ``to`` from ``account``."""
        return dev.send_transaction(
            self.client, account, to=to, data=dev.encode_call(signature, *args)
        )

    def at(self, moment: dt.datetime) -> None:
        """Set the chain's clock (the next blocks' timestamps)."""
        dev.set_time(self.client, int(moment.timestamp()))

    def token(
        self, owner: LocalAccount, *, name: str = "Ala-Too Real Estate Token", symbol: str = "ATRE"
    ) -> str:
        """A TestToken (Ownable, 18 decimals) owned by ``owner``."""
        return self.deploy(owner, "TestToken", name, symbol, 18, owner.address)


@contextmanager
def anvil_chain() -> Iterator[TestChain]:
    """A real anvil with Multicall3 (the verifier's batched reads), stopped at the end."""
    anvil = Anvil()
    try:
        client = RpcClient([anvil.url], chain_id=31337, timeout=10)
        dev.install_multicall3(client)
        yield TestChain(client=client, url=anvil.url)
    finally:
        anvil.stop()


def make_ledger(tmp_path: Path) -> Ledger:
    """A fresh SQLite ledger with the test clock."""
    return open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", clock=FixedClock(NOW))


def register_token(
    ledger: Ledger,
    *,
    contract: str,
    wallet: str,
    until: str | None = "recognized_successful",
    placed: int = 1_000_000,
    blockchain: str = "tamga-local",
    **changes: Any,
) -> str:
    """File and walk the sample digital-token emission (quantity 1,000,000) declaring
    ``contract`` and ``wallet`` to event ``until``; returns its key (regno once registered)."""
    codes = [i.code for i in ledger.issuers()]
    code = (
        codes[0]
        if codes
        else ledger.register_issuer(issuer_filing(), effective_on=dt.date(2026, 2, 2))[0]
    )
    filing = emission_filing(
        issuer=code,
        blockchain=blockchain,
        contract_address=contract,
        issuer_wallet=wallet,
        **changes,
    )
    app, _ = ledger.file_application(filing)
    key_ = app
    if until is None:
        return key_
    for kind, on, data in happy_path(placed):
        payload = {k: v for k, v in data.items() if k != "regno"}
        ledger.record_event(kind=f"emission.{kind}", emission=key_, data=payload, effective_on=on)
        key_ = ledger.emission(app).regno or app
        if kind == until:
            break
    return key_


def verifier(
    ledger: Ledger,
    client: RpcClient | None,
    *,
    table: ChainTable | None = None,
    **config: Any,
) -> Verifier:
    """A verifier reading every local chain through ``client`` (others: no endpoint)."""
    settings: dict[str, Any] = {"confirmations": 1} | config

    def clients(spec: Any) -> RpcClient | None:
        return client if spec.local else None

    return Verifier(
        ledger, table=table or ChainTable(), clients=clients, config=VerifyConfig(**settings)
    )


def finding_ids(report: Any, key_: str) -> set[str]:
    """The ids of the open findings of emission ``key_`` after a run."""
    (result,) = [r for r in report.results if r.key == key_]
    return {f.id for f in result.findings}


class LimitedProvider:
    """An HTTP JSON-RPC proxy in front of anvil that behaves like a capped provider: it refuses
    ``eth_getLogs`` over more than ``max_range`` blocks, and can fail every ``eth_getLogs`` after
    the first ``fail_after`` (a provider going away mid-scan) or every one whose range holds block
    ``fail_at`` (a provider that cannot serve that block). Each ``eth_getLogs`` takes at
    least ``delay`` seconds. Counts what it served, and the most ``eth_getLogs`` it served at
    once."""

    def __init__(self, upstream: str, *, max_range: int | None = None) -> None:
        self.upstream = upstream
        self.max_range = max_range
        self.fail_after: int | None = None
        self.fail_at: int | None = None
        self.delay = 0.0
        self.get_logs = 0
        self.refused = 0
        self.most_at_once = 0
        self._at_once = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = json.loads(body)
                items = request if isinstance(request, list) else [request]
                answers = [proxy._answer(item) for item in items]
                out = json.dumps(answers if isinstance(request, list) else answers[0]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _answer(self, item: dict[str, Any]) -> dict[str, Any]:
        if item.get("method") != "eth_getLogs":
            return self._forward(item)
        with self._lock:
            self.get_logs += 1
            served = self.get_logs
            self._at_once += 1
            self.most_at_once = max(self.most_at_once, self._at_once)
        try:
            time.sleep(self.delay)
            return self._get_logs(item, served)
        finally:
            with self._lock:
                self._at_once -= 1

    def _get_logs(self, item: dict[str, Any], served: int) -> dict[str, Any]:
        flt = item["params"][0]
        first, last = int(flt["fromBlock"], 16), int(flt["toBlock"], 16)
        span = last - first + 1
        failing = self.fail_after is not None and served > self.fail_after
        if self.fail_at is not None and first <= self.fail_at <= last:
            failing = True
        if failing:
            return {
                "jsonrpc": "2.0",
                "id": item["id"],
                "error": {"code": -32000, "message": "backend unavailable"},
            }
        if self.max_range is not None and span > self.max_range:
            with self._lock:
                self.refused += 1
            message = f"query exceeds max block range {self.max_range}"
            return {
                "jsonrpc": "2.0",
                "id": item["id"],
                "error": {"code": -32005, "message": message},
            }
        return self._forward(item)

    def _forward(self, item: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.upstream,
            data=json.dumps(item).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.loads(response.read())
        return answer

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
