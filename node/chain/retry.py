"""Bounded retries with exponential backoff for JSON-RPC over HTTP (timeouts, 5xx, HTTP 429):
the policy and the classification of transport errors that node/chain/rpc.py applies.

A transient failure — the connection refused or reset, a timeout, HTTP 429 Too Many Requests or
a 5xx answer — is retried a bounded number of times, waiting ``backoff_seconds`` doubled each
time, or what the server's ``Retry-After`` asks (RFC 9110 §10.2.3, RFC 6585 §4), never longer
than ``max_delay_seconds``. Anything else (an error answer, a wrong chain) is not retried here.
The sleep is injected so tests run fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import requests

if TYPE_CHECKING:
    from node.settings import Settings


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before trying a failed JSON-RPC request again."""

    retries: int = 2
    """Further attempts after the first (0: fail at once)."""
    backoff_seconds: float = 0.5
    """The first wait; doubled before each further attempt."""
    max_delay_seconds: float = 8.0
    """The longest single wait, also for a server's ``Retry-After``."""
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.retries < 0 or self.backoff_seconds < 0 or self.max_delay_seconds < 0:
            raise ValueError("retries and delays must be >= 0")

    def delay(self, attempt: int, *, retry_after: float | None = None) -> float:
        """The wait before further attempt ``attempt`` (1-based): the backoff, or the server's
        ``Retry-After`` when it asks for longer, capped at ``max_delay_seconds``."""
        wait = self.backoff_seconds * float(2 ** (attempt - 1))
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_delay_seconds)


NO_RETRY = RetryPolicy(retries=0)
"""Fail at once (the caller retries later, e.g. the next scheduled run)."""


def retry_policy(settings: Settings) -> RetryPolicy:
    """The policy of ``settings`` (TAMGA_RPC_RETRIES, TAMGA_RPC_BACKOFF_SECONDS,
    TAMGA_RPC_MAX_BACKOFF_SECONDS)."""
    return RetryPolicy(
        retries=settings.rpc_retries,
        backoff_seconds=settings.rpc_backoff_seconds,
        max_delay_seconds=settings.rpc_max_backoff_seconds,
    )


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a ``requests.HTTPError`` (None for other errors)."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return int(exc.response.status_code)
    return None


def is_transient(exc: BaseException) -> bool:
    """Whether a transport error may go away by itself: no connection, a timeout, HTTP 429 or
    5xx (RFC 9110 §15.6, RFC 6585 §4)."""
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return True
    status = http_status(exc)
    return status is not None and (status == 429 or status >= 500)


def retry_after(exc: BaseException) -> float | None:
    """The seconds a 429/503 answer asks to wait (``Retry-After: <seconds>``, RFC 9110
    §10.2.3); None when absent or given as a date."""
    if not isinstance(exc, requests.HTTPError) or exc.response is None:
        return None
    value = exc.response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def describe(exc: BaseException) -> str:
    """A short description of a transport error: the HTTP status or the exception's class."""
    status = http_status(exc)
    if status is not None:
        reason = getattr(getattr(exc, "response", None), "reason", "") or ""
        return f"HTTP {status} {reason}".strip()
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:300]
