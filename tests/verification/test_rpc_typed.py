"""Typed JSON-RPC answers (RpcClient.call_typed): ``eth_getLogs`` decoded by msgspec straight
into RawLog equals the plain JSON decoding; malformed answers make an endpoint unusable (failover),
error objects stay answers."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from node.chain.logs import RawLog, decode_transfers
from node.chain.rpc import RpcClient, RpcError
from node.errors import ChainError
from tests.verification.support import DEAD, IN_PLACEMENT, VA, TestChain


class CannedEndpoint:
    """An HTTP endpoint that answers every request with the same body."""

    def __init__(self, body: bytes) -> None:
        canned = body

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(canned)))
                self.end_headers()
                self.wfile.write(canned)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canned() -> Iterator[list[CannedEndpoint]]:
    made: list[CannedEndpoint] = []
    try:
        yield made
    finally:
        for endpoint in made:
            endpoint.close()


def _endpoint(made: list[CannedEndpoint], body: bytes) -> str:
    endpoint = CannedEndpoint(body)
    made.append(endpoint)
    return endpoint.url


def _filter(token: str) -> list[object]:
    return [{"address": [token], "fromBlock": "0x0", "toBlock": "latest"}]


def test_typed_logs_decode_like_plain_json(chain: TestChain) -> None:
    owner = chain.account(41)
    token = chain.token(owner).lower()
    chain.at(IN_PLACEMENT)
    chain.send(owner, token, "mint(address,uint256)", owner.address, 10 * VA)
    chain.send(owner, token, "transfer(address,uint256)", DEAD, VA)
    typed = chain.client.call_typed("eth_getLogs", _filter(token), list[RawLog])
    plain = chain.client.call("eth_getLogs", _filter(token))
    assert all(isinstance(log, RawLog) for log in typed)
    decoded = decode_transfers(typed)
    assert decoded == decode_transfers(plain)
    assert [(t.value, t.receiver) for t in decoded][-2:] == [
        (10 * VA, owner.address.lower()),
        (VA, DEAD.lower()),
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"jsonrpc":"2.0","id":0,"result":[{"address":5}]}', "malformed eth_getLogs"),
        (b"<html>502 Bad Gateway</html>", "malformed eth_getLogs"),
        (b'{"jsonrpc":"2.0","id":0}', "neither a result nor an error"),
    ],
)
def test_a_malformed_answer_fails_over_to_the_next_endpoint(
    chain: TestChain, canned: list[CannedEndpoint], body: bytes, problem: str
) -> None:
    bad = _endpoint(canned, body)
    alone = RpcClient([bad])
    with pytest.raises(ChainError, match=problem):
        alone.call_typed("eth_getLogs", _filter(DEAD), list[RawLog])
    both = RpcClient([bad, chain.url])
    assert both.call_typed("eth_getLogs", _filter(DEAD), list[RawLog]) == []
    assert both.url == chain.url  # stays on the endpoint that answered


def test_an_error_object_is_an_answer_not_a_failover(canned: list[CannedEndpoint]) -> None:
    body = b'{"jsonrpc":"2.0","id":0,"error":{"code":-32005,"message":"range too large"}}'
    client = RpcClient([_endpoint(canned, body)])
    with pytest.raises(RpcError, match="range too large") as caught:
        client.call_typed("eth_getLogs", _filter(DEAD), list[RawLog])
    assert caught.value.code == -32005 and caught.value.rpc_message == "range too large"
