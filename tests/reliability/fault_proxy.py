"""A fault-injecting JSON-RPC HTTP proxy in front of a real anvil.

Every request is forwarded to the upstream node unless a fault is armed: delay beyond the
client's timeout, an HTTP error status (500, 502, 429 with ``Retry-After``), a JSON-RPC error
object, a wrong ``eth_chainId``, or a LIE — another block hash for the same block number, a
receipt naming a block hash the chain does not have, or another block than the one asked for.
Faults apply to the next ``times`` matching requests (None: until cleared) after skipping
``after`` of them, and may be limited to some methods. Batches (JSON-RPC 2.0 §6) are answered
item by item.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class FaultKind(StrEnum):
    """What the proxy does to a matching request."""

    DELAY = "delay"  # wait ``seconds`` before forwarding (beyond the client's timeout)
    HTTP = "http"  # answer HTTP ``status`` (with ``retry_after`` for 429)
    RPC_ERROR = "rpc-error"  # answer a JSON-RPC error object
    CHAIN_ID = "chain-id"  # answer eth_chainId with ``chain_id``
    LIE_HASH = "lie-hash"  # eth_getBlockByNumber: a fake hash (another one on every answer)
    LIE_RECEIPT = "lie-receipt"  # eth_getTransactionReceipt: a blockHash the chain lacks
    LIE_BLOCK = "lie-block"  # eth_getBlockByNumber(n): the header of block n - 1


@dataclass
class Fault:
    """One armed fault."""

    kind: FaultKind
    times: int | None = None
    after: int = 0
    methods: frozenset[str] | None = None
    seconds: float = 0.0
    status: int = 500
    retry_after: str | None = None
    code: int = -32000
    message: str = "injected failure"
    chain_id: int = 1

    def matches(self, method: str) -> bool:
        """Whether the fault applies to ``method``."""
        return self.methods is None or method in self.methods


@dataclass
class FaultProxy:
    """The proxy on a free loopback port; ``arm`` faults, ``clear`` them, ``stop`` at the end."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _lies: int = 0

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, headers, body = proxy.handle(self.rfile.read(length))
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *_args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._session = requests.Session()
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    # control ------------------------------------------------------------------------------
    def arm(self, kind: FaultKind, *, methods: list[str] | None = None, **options: Any) -> Fault:
        """Arm a fault (``times``, ``seconds``, ``status``, ``retry_after``, ``code``, …)."""
        fault = Fault(kind=kind, methods=None if methods is None else frozenset(methods), **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Disarm every fault: the proxy forwards faithfully again."""
        with self._lock:
            self.faults.clear()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    # serving ------------------------------------------------------------------------------
    def _take(self, method: str, kinds: set[FaultKind]) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.kind in kinds and fault.matches(method):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    if fault.times is not None:
                        if fault.times <= 0:
                            continue
                        fault.times -= 1
                    self.injected[fault.kind.value] += 1
                    return fault
        return None

    def handle(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        """Answer one HTTP request body: (status, headers, body)."""
        payload = json.loads(raw)
        items = payload if isinstance(payload, list) else [payload]
        methods = [str(item.get("method")) for item in items]
        with self._lock:
            self.seen.update(methods)
        first = methods[0] if methods else ""
        delay = self._take(first, {FaultKind.DELAY})
        if delay is not None:
            time.sleep(delay.seconds)
        failed = self._take(first, {FaultKind.HTTP})
        if failed is not None:
            headers = {"Content-Type": "text/plain"}
            if failed.retry_after is not None:
                headers["Retry-After"] = failed.retry_after
            return failed.status, headers, b"injected HTTP failure"
        try:
            answers = [self._answer(item) for item in items]
        except requests.RequestException:  # the upstream node is gone (test teardown)
            return 502, {"Content-Type": "text/plain"}, b"upstream unreachable"
        body = answers if isinstance(payload, list) else answers[0]
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def _answer(self, item: dict[str, Any]) -> dict[str, Any]:
        method = str(item.get("method"))
        rid = item.get("id")
        error = self._take(method, {FaultKind.RPC_ERROR})
        if error is not None:
            return {
                "jsonrpc": "2.0",
                "id": rid,
                "error": {"code": error.code, "message": error.message},
            }
        wrong = self._take(method, {FaultKind.CHAIN_ID}) if method == "eth_chainId" else None
        if wrong is not None:
            return {"jsonrpc": "2.0", "id": rid, "result": hex(wrong.chain_id)}
        forwarded = dict(item)
        older = None
        if method == "eth_getBlockByNumber":
            older = self._take(method, {FaultKind.LIE_BLOCK})
            tag = item["params"][0]
            if older is not None and isinstance(tag, str) and tag.startswith("0x"):
                forwarded["params"] = [hex(max(0, int(tag, 16) - 1)), *item["params"][1:]]
        reply: dict[str, Any] = self._session.post(self.upstream, json=forwarded, timeout=30).json()
        result = reply.get("result")
        found = isinstance(result, dict)
        block = found and method == "eth_getBlockByNumber"
        receipt = found and method == "eth_getTransactionReceipt"
        if block and self._take(method, {FaultKind.LIE_HASH}) is not None:
            assert isinstance(result, dict)
            result["hash"] = self._fake(str(result["hash"]))
        if receipt and self._take(method, {FaultKind.LIE_RECEIPT}) is not None:
            assert isinstance(result, dict)
            result["blockHash"] = self._fake(str(result["blockHash"]))
            for log in result.get("logs", []):
                log["blockHash"] = result["blockHash"]
        return reply

    def _fake(self, real: str) -> str:
        with self._lock:
            self._lies += 1
            n = self._lies
        return "0x" + hashlib.sha256(f"{real}:{n}".encode()).hexdigest()
