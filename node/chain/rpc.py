"""The node's one JSON-RPC transport (HTTP through web3.py's HTTPProvider): failover across
URLs, batching, bounded retries, redacted URLs, a chain-id check.

Several URLs serve one chain; a URL that cannot be reached, answers garbage or reports another
chain id is skipped for the next one (failover), and the client stays on the URL that answered.
An error *answer* (a JSON-RPC error object) is not a reason to fail over: it is raised as
:class:`RpcError`. Requests are batched (JSON-RPC 2.0 §6) in chunks of ``batch_limit``. When no
URL could be used and some failed transiently (timeout, HTTP 429 or 5xx), the whole round is
tried again after a bounded backoff (``retry``, node/chain/retry.py; ``Retry-After`` honoured).
A request may name the shape of its result (:meth:`RpcClient.call_typed`): the answer is then
decoded by msgspec straight into that shape, which parses a large ``eth_getLogs`` answer several
times faster than ``json.loads`` into dicts (docs/benchmarks.md, burn scan). The client may be
used from several threads at once (the log scan keeps several ranges in flight).

Every other chain reader is built on it: :func:`web3_for` gives web3.py (ABI encoding, contract
calls, receipts) this client as its provider, so the publisher's and the auditor's reads get the
same failover, retries and errors. When no URL answers, :class:`~node.errors.ChainUnavailable`
is raised (from the last transport failure) if every URL failed in transport, else ChainError.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Generic, TypeVar, cast
from urllib.parse import urlsplit

import msgspec
import requests
from web3 import HTTPProvider, Web3
from web3.exceptions import Web3Exception
from web3.providers import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from node.chain.retry import NO_RETRY, RetryPolicy, is_transient, retry_after
from node.chain.retry import describe as describe_transport
from node.errors import ChainError, ChainUnavailable

logger = logging.getLogger("tamga.chain.rpc")

_TRANSPORT_ERRORS: Final = (requests.RequestException, OSError, ValueError, Web3Exception)

_ERRORS: Final[Counter[tuple[str, str]]] = Counter()
_ERRORS_LOCK: Final = threading.Lock()


def _count_error(url: str, kind: str) -> None:
    with _ERRORS_LOCK:
        _ERRORS[(redact_url(url), kind)] += 1


def rpc_error_counts() -> dict[tuple[str, str], int]:
    """RPC failures of this process so far, by (endpoint host, kind): ``unusable`` (unreachable,
    garbage, wrong chain id) or ``error_answer`` (a JSON-RPC error object); for /metrics."""
    with _ERRORS_LOCK:
        return dict(_ERRORS)


T = TypeVar("T")


class _Answer(msgspec.Struct, Generic[T]):
    """A JSON-RPC 2.0 response object (§5) whose result has a known shape."""

    result: T | msgspec.UnsetType = msgspec.UNSET
    error: Any = None


@lru_cache(maxsize=32)
def _answer_decoder(result_type: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(_Answer[result_type])


class RpcError(ChainError):
    """An endpoint answered a request with a JSON-RPC error object."""

    def __init__(
        self, message: str, *, code: int | None, method: str, url: str, data: Any = None
    ) -> None:
        super().__init__(f"{method} failed at {url}: {message} (code {code})")
        self.code = code
        self.method = method
        self.rpc_message = message
        self.data = data
        """The error object's ``data`` (e.g. a contract's revert data), as sent."""


@dataclass(frozen=True, slots=True)
class RpcReply:
    """One answer of a batch: a result or an error."""

    result: Any = None
    error: RpcError | None = None
    raw: Any = None
    """The JSON-RPC response object as the endpoint sent it (None for typed answers)."""

    def value(self) -> Any:
        """The result.

        Raises:
            RpcError: the request was answered with an error.
        """
        if self.error is not None:
            raise self.error
        return self.result


def redact_url(url: str) -> str:
    """``scheme://host:port`` of an RPC URL (paths and queries often carry API keys)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme or 'http'}://{parts.hostname or '?'}{port}"


class _Unusable(Exception):
    """This URL cannot serve the chain (unreachable, garbage, wrong chain id)."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool = False,
        wait: float | None = None,
        transport: bool = False,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.wait = wait
        self.transport = transport
        """Whether the HTTP exchange itself failed (unreachable, timeout, HTTP error)."""
        self.where = "?"


class RpcClient:
    """A chain's JSON-RPC endpoints, used one at a time with failover; nothing connects early."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        chain_id: int | None = None,
        timeout: float = 10.0,
        batch_limit: int = 500,
        retry: RetryPolicy = NO_RETRY,
        probe: bool = False,
    ) -> None:
        if not urls:
            raise ChainError("no JSON-RPC URL given")
        if batch_limit < 1:
            raise ValueError("batch_limit must be >= 1")
        self.urls = tuple(urls)
        self.expected_chain_id = chain_id
        self.batch_limit = batch_limit
        self.retry = retry
        # a readiness probe expects refusals until the endpoint is up: it logs them at DEBUG
        self._unusable_level = logging.DEBUG if probe else logging.WARNING
        self._providers = [
            HTTPProvider(
                url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
            )
            for url in self.urls
        ]
        self._current = 0
        self._checked: set[int] = set()
        self._lock = threading.Lock()
        self.requests_sent = 0
        """HTTP requests sent (a batch counts once): for benchmarks and tests."""

    @property
    def url(self) -> str:
        """The URL in use (redacted)."""
        return redact_url(self.urls[self._current])

    # ------------------------------------------------------------------------------------
    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One request.

        Raises:
            RpcError: the endpoint answered with an error.
            ChainError: no URL could be used.
        """
        return self._failover(lambda i: self._single(i, method, list(params))).value()

    def call_typed(self, method: str, params: Sequence[Any], result_type: Any) -> Any:
        """One request whose result is decoded straight into ``result_type`` (a type msgspec
        can decode: a ``msgspec.Struct``, ``list[...]`` of one, …); fields the type does not
        name are skipped unparsed.

        Raises:
            RpcError: the endpoint answered with an error.
            ChainError: no URL could be used (an answer that is not JSON, or whose result does
                not have that shape, makes a URL unusable).
        """
        decoder = _answer_decoder(result_type)
        return self._failover(
            lambda i: self._single_typed(i, method, list(params), decoder)
        ).value()

    def request(self, method: str, params: Sequence[Any] = ()) -> dict[str, Any]:
        """One request's JSON-RPC response object as the endpoint sent it: an error answer is
        returned, not raised (web3's request manager decodes it, e.g. a contract's revert).

        Raises:
            ChainUnavailable: no URL could be reached.
            ChainError: no URL could be used.
        """
        raw: dict[str, Any] = self._failover(lambda i: self._single(i, method, list(params))).raw
        return raw

    def request_batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[dict[str, Any]]:
        """Many requests' response objects, as :meth:`request` (sent as :meth:`batch`).

        Raises:
            ChainUnavailable: no URL could be reached.
            ChainError: no URL could be used.
        """
        return [reply.raw for reply in self.batch(calls)]

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[RpcReply]:
        """Many requests, sent as JSON-RPC batches of at most ``batch_limit``; one reply each.

        Raises:
            ChainError: no URL could be used.
        """
        replies: list[RpcReply] = []
        for start in range(0, len(calls), self.batch_limit):
            chunk = [(m, list(p)) for m, p in calls[start : start + self.batch_limit]]
            replies.extend(self._failover(lambda i, c=chunk: self._batch(i, c)))
        return replies

    def chain_id(self) -> int:
        """The chain id the endpoint in use reports (``eth_chainId``).

        Raises:
            ChainError: no URL could be used.
        """
        return int(self.call("eth_chainId"), 16)

    # ------------------------------------------------------------------------------------
    def _failover(self, attempt: Any) -> Any:
        problems: list[_Unusable] = []
        for round_ in range(self.retry.retries + 1):
            transient, wait, found = self._round(attempt, problems)
            if found is not _NOTHING:
                return found
            if not transient or round_ == self.retry.retries:
                break
            delay = self.retry.delay(round_ + 1, retry_after=wait)
            logger.info("no RPC endpoint answered; round %d in %.2f s", round_ + 2, delay)
            self.retry.sleep(delay)
        chain = f"chain {self.expected_chain_id}" if self.expected_chain_id else "the chain"
        message = f"no JSON-RPC endpoint of {chain} answered: " + "; ".join(
            f"{p.where}: {p}" for p in problems
        )
        if problems and all(p.transport for p in problems):
            raise ChainUnavailable(message) from problems[-1].__cause__
        raise ChainError(message)

    def _round(self, attempt: Any, problems: list[_Unusable]) -> tuple[bool, float | None, Any]:
        """Try every URL once, starting with the current one: (any transient failure, the
        longest Retry-After asked, the result or ``_NOTHING``)."""
        transient, wait = False, None
        count = len(self._providers)
        for step in range(count):
            index = (self._current + step) % count
            try:
                self._check_chain(index)
                result = attempt(index)
            except _Unusable as exc:
                _count_error(self.urls[index], "unusable")
                exc.where = redact_url(self.urls[index])
                problems.append(exc)
                logger.log(
                    self._unusable_level, "RPC %s unusable: %s", redact_url(self.urls[index]), exc
                )
                transient = transient or exc.transient
                if exc.wait is not None:
                    wait = max(wait or 0.0, exc.wait)
                continue
            if index != self._current:
                logger.info("RPC failover to %s", redact_url(self.urls[index]))
                self._current = index
            return transient, wait, result
        return transient, wait, _NOTHING

    def _check_chain(self, index: int) -> None:
        if self.expected_chain_id is None or index in self._checked:
            return
        reply = self._single(index, "eth_chainId", [])
        try:
            reported = int(reply.value(), 16)
        except (RpcError, TypeError, ValueError) as exc:
            raise _Unusable(f"eth_chainId failed: {exc}") from exc
        if reported != self.expected_chain_id:
            raise _Unusable(f"reports chain id {reported}, not {self.expected_chain_id}")
        self._checked.add(index)

    def _count_request(self) -> None:
        with self._lock:
            self.requests_sent += 1

    def _single(self, index: int, method: str, params: list[Any]) -> RpcReply:
        provider = self._providers[index]
        try:
            self._count_request()
            response = provider.make_request(RPCEndpoint(method), params)
        except _TRANSPORT_ERRORS as exc:
            raise _transport(exc) from exc
        return self._reply(index, method, cast(dict[str, Any], response))

    def _batch(self, index: int, chunk: list[tuple[str, list[Any]]]) -> list[RpcReply]:
        provider = self._providers[index]
        try:
            self._count_request()
            response = provider.make_batch_request(
                [(RPCEndpoint(method), params) for method, params in chunk]
            )
        except _TRANSPORT_ERRORS as exc:
            raise _transport(exc) from exc
        if not isinstance(response, list):
            # The endpoint refused the batch as a whole (some do not batch): one by one.
            logger.info("RPC %s refused a batch; sending one by one", redact_url(self.urls[index]))
            return [self._single(index, method, params) for method, params in chunk]
        if len(response) != len(chunk):
            raise _Unusable(f"answered {len(response)} of {len(chunk)} batched requests")
        return [
            self._reply(index, method, cast(dict[str, Any], item))
            for (method, _), item in zip(chunk, response, strict=True)
        ]

    def _single_typed(
        self, index: int, method: str, params: list[Any], decoder: msgspec.json.Decoder[Any]
    ) -> RpcReply:
        provider = self._providers[index]
        try:
            self._count_request()
            # web3's own transport (session per thread, timeout), without its json.loads of
            # the answer.
            raw = provider._make_request(
                RPCEndpoint(method), provider.encode_rpc_request(RPCEndpoint(method), params)
            )
        except _TRANSPORT_ERRORS as exc:
            raise _transport(exc) from exc
        try:
            answer = decoder.decode(raw)
        except msgspec.DecodeError as exc:  # ValidationError is a DecodeError too
            raise _Unusable(f"answered a malformed {method} response: {exc}") from exc
        if answer.error is not None:
            return self._error_reply(index, method, answer.error)
        if answer.result is msgspec.UNSET:
            raise _Unusable("answered neither a result nor an error")
        return RpcReply(result=answer.result)

    def _reply(self, index: int, method: str, response: dict[str, Any]) -> RpcReply:
        if not isinstance(response, dict):
            raise _Unusable(f"answered {type(response).__name__} instead of a JSON-RPC object")
        error = response.get("error")
        if error is not None:
            return self._error_reply(index, method, error, raw=response)
        if "result" not in response:
            raise _Unusable("answered neither a result nor an error")
        return RpcReply(result=response["result"], raw=response)

    def _error_reply(
        self, index: int, method: str, error: Any, *, raw: dict[str, Any] | None = None
    ) -> RpcReply:
        _count_error(self.urls[index], "error_answer")
        if isinstance(error, dict):
            message, code, data = (
                str(error.get("message", error)),
                error.get("code"),
                error.get("data"),
            )
        else:
            message, code, data = str(error), None, None
        return RpcReply(
            error=RpcError(
                message,
                code=code if isinstance(code, int) else None,
                method=method,
                url=redact_url(self.urls[index]),
                data=data,
            ),
            raw=raw if raw is not None else {"jsonrpc": "2.0", "id": 0, "error": error},
        )


_NOTHING: Final = object()
"""No URL of a round answered."""


def _transport(exc: BaseException) -> _Unusable:
    """A transport failure as _Unusable: transient (timeouts, HTTP 429/5xx) or not."""
    return _Unusable(
        describe_transport(exc),
        transient=is_transient(exc),
        wait=retry_after(exc),
        transport=isinstance(exc, requests.RequestException | OSError),
    )


class _ClientProvider(JSONBaseProvider):
    """web3.py's provider interface over an :class:`RpcClient` (web3 encodes and decodes; the
    client sends, fails over and retries)."""

    def __init__(self, client: RpcClient) -> None:
        super().__init__()
        self.client = client

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        return cast(RPCResponse, self.client.request(method, params))

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse]:
        return cast(list[RPCResponse], self.client.request_batch(requests))

    def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            self.client.chain_id()
        except ChainError:
            if show_traceback:
                raise
            return False
        return True


def web3_for(client: RpcClient) -> Web3:
    """web3.py over ``client``: ABI encoding, contract calls and receipts with the client's
    transport (failover, retries, errors). Nothing is sent until a call is made."""
    return Web3(_ClientProvider(client))


def hex_int(value: Any) -> int:
    """A JSON-RPC quantity ("0x1a") as an int.

    Raises:
        ChainError: the value is not a hex quantity.
    """
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ChainError(f"expected a hex quantity, got {value!r}")
    try:
        return int(value, 16)
    except ValueError as exc:
        raise ChainError(f"expected a hex quantity, got {value!r}") from exc


def hex_bytes(value: Any) -> bytes:
    """JSON-RPC data ("0x…") as bytes.

    Raises:
        ChainError: the value is not hex data.
    """
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ChainError(f"expected hex data, got {value!r}")
    try:
        return bytes.fromhex(value[2:])
    except ValueError as exc:
        raise ChainError(f"expected hex data, got {value[:80]!r}") from exc
