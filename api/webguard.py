"""Web hardening (pure ASGI): security headers, ETag/Cache-Control with conditional GET, HEAD."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.credentials import session_cookie

# What a page of ours may load: its own stylesheet and images (the QR code is a data: URL);
# no script at all, forms post only to us, nobody may frame us (W3C CSP Level 3).
PAGE_POLICY: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# The workbench's pages also run their own script (same origin) and talk to our API.
WORKBENCH_POLICY: Final = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
WORKBENCH_PREFIX: Final = "/workbench"
PORTAL_PREFIX: Final = "/portal"
SCRIPTED_PREFIXES: Final = (WORKBENCH_PREFIX, PORTAL_PREFIX)
"""The pages that run their own script: the registry office's workbench, the issuers' portal."""
# Anything that is not a page (JSON, PDF, NDJSON, problems): it may load nothing.
DATA_POLICY: Final = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HSTS: Final = "max-age=31536000; includeSubDomains"  # RFC 6797 §6.1, only over TLS (§7.2)
# Public reads: any cache may store them but must revalidate each time (RFC 9111 §5.2.2.4);
# the ETag makes that revalidation a 304 without a body (RFC 9110 §13.1.2).
PUBLIC_CACHE: Final = "public, no-cache"
STATIC_CACHE: Final = "public, max-age=3600"
PRIVATE_CACHE: Final = "private, no-store"
NO_STORE: Final = "no-store"
# A response larger than this, or streamed, gets Cache-Control but no computed ETag (it is
# not held in memory to hash it).
MAX_HASHED_BODY: Final = 4 * 1024 * 1024
UNCACHED_PATHS: Final = frozenset({"/metrics", "/healthz", "/readyz"})
_INLINE = re.compile(rb"<(script|style)(?:\s[^>]*)?>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


def has_session_cookie(cookie_header: str) -> bool:
    """Whether a ``Cookie`` header carries a workbench session."""
    return session_cookie(cookie_header) is not None


def inline_hashes(html: bytes) -> tuple[list[str], list[str]]:
    """The CSP hash sources (``'sha256-…'``, CSP Level 3 §8.4) of the inline scripts and styles
    of a page we render ourselves from fixed inputs (the API documentation pages)."""
    scripts: list[str] = []
    styles: list[str] = []
    for tag, body in _INLINE.findall(html):
        if not body.strip():
            continue
        source = "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        (scripts if tag.lower() == b"script" else styles).append(source)
    return scripts, styles


DOCS_SCRIPTS: Final = "https://cdn.jsdelivr.net"
DOCS_STYLES: Final = "https://cdn.jsdelivr.net https://fonts.googleapis.com"
DOCS_FONTS: Final = "https://fonts.gstatic.com"
DOCS_IMAGES: Final = "https://cdn.jsdelivr.net https://fastapi.tiangolo.com"


def docs_policy(html: bytes) -> str:
    """The policy of an interactive API documentation page (Swagger UI, ReDoc): its own inline
    code allowed by hash only, the widgets' assets from their CDN, requests only to us."""
    scripts, _styles = inline_hashes(html)
    return (
        "default-src 'none'; "
        f"script-src {' '.join([DOCS_SCRIPTS, *scripts])}; "
        # the documentation widgets set style attributes from their scripts
        f"style-src {DOCS_STYLES} 'unsafe-inline'; font-src {DOCS_FONTS}; "
        f"img-src 'self' data: {DOCS_IMAGES}; "
        "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'"
    )


@dataclass(frozen=True)
class WebPolicy:
    """Which Content-Security-Policy a path gets beyond the defaults (the documentation pages)."""

    page_policy: str = PAGE_POLICY
    data_policy: str = DATA_POLICY
    by_path: Mapping[str, str] = field(default_factory=dict)

    def csp_for(self, path: str, content_type: bytes) -> str:
        """The Content-Security-Policy of a response to ``path`` of ``content_type``."""
        if path in self.by_path:
            return self.by_path[path]
        if content_type.startswith(b"text/html"):
            if any(path == p or path.startswith(p + "/") for p in SCRIPTED_PREFIXES):
                return WORKBENCH_POLICY
            return self.page_policy
        return self.data_policy


def entity_tag(body: bytes) -> str:
    """A strong entity tag (RFC 9110 §8.8.3) naming the bytes of a representation."""
    digest = hashlib.sha256(body).digest()[:18]
    return '"' + base64.urlsafe_b64encode(digest).decode("ascii") + '"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: ``If-None-Match`` matches by weak comparison, or ``*`` matches any."""
    wanted = _opaque(etag)
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or (candidate and _opaque(candidate) == wanted):
            return True
    return False


def _small(content_length: bytes | None) -> bool:
    """A body of known length that may be held in memory to hash it (not streamed)."""
    return (
        content_length is not None
        and content_length.isdigit()
        and (int(content_length) <= MAX_HASHED_BODY)
    )


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


class WebGuard:
    """Outermost middleware: HEAD answered as GET without a body (RFC 9110 §9.3.2), security
    headers on every response, and on successful reads an ETag, Cache-Control and 304 answers
    to ``If-None-Match``."""

    def __init__(self, app: ASGIApp, *, policy: WebPolicy | None = None) -> None:
        self.app = app
        self.policy = policy or WebPolicy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        request_headers = {k.lower(): v for k, v in scope["headers"]}
        reading = method in {"GET", "HEAD"}
        # a bearer token, or the workbench's session cookie: what answers it is someone's own
        authorized = b"authorization" in request_headers or has_session_cookie(
            request_headers.get(b"cookie", b"").decode("latin-1")
        )
        path: str = scope["path"]
        tls = scope.get("scheme") == "https"
        if_none_match = request_headers.get(b"if-none-match", b"").decode("latin-1")

        pending: dict[str, Message] = {}
        chunks: list[bytes] = []
        held = [False]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                start = self._decorate(
                    message, path=path, reading=reading, authorized=authorized, tls=tls
                )
                headers = dict(start["headers"])
                hashable = (
                    reading
                    and start["status"] == 200
                    and b"etag" not in headers
                    and _small(headers.get(b"content-length"))
                    and not path.startswith("/static/")
                    and path not in UNCACHED_PATHS
                )
                if hashable or (reading and b"etag" in headers and if_none_match):
                    held[0] = True
                    pending["start"] = start
                    return
                await send(start)
                return
            if message["type"] == "http.response.body" and held[0]:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self._finish(
                    send, pending["start"], b"".join(chunks), if_none_match=if_none_match, head=head
                )
                return
            if message["type"] == "http.response.body" and head:
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _finish(
        self, send: Send, start: Message, body: bytes, *, if_none_match: str, head: bool
    ) -> None:
        headers: list[tuple[bytes, bytes]] = list(start["headers"])
        etag = dict(headers).get(b"etag")
        if etag is None:
            etag = entity_tag(body).encode("ascii")
            headers.append((b"etag", etag))
        if if_none_match and etag_matches(if_none_match, etag.decode("latin-1")):
            kept = [(k, v) for k, v in headers if k not in _REPRESENTATION]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})

    def _decorate(
        self, start: Message, *, path: str, reading: bool, authorized: bool, tls: bool
    ) -> Message:
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        present = {k.lower() for k, _ in headers}
        content_type = dict(headers).get(b"content-type", b"")

        def put(name: bytes, value: str) -> None:
            if name not in present:
                headers.append((name, value.encode("latin-1")))
                present.add(name)

        put(b"content-security-policy", self.policy.csp_for(path, content_type))
        put(b"x-content-type-options", "nosniff")
        put(b"x-frame-options", "DENY")
        put(b"referrer-policy", "no-referrer")
        put(b"cross-origin-opener-policy", "same-origin")
        put(b"permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if tls:
            put(b"strict-transport-security", HSTS)
        status: int = start["status"]
        if authorized or path == WORKBENCH_PREFIX or path.startswith(WORKBENCH_PREFIX + "/"):
            put(b"cache-control", PRIVATE_CACHE)
        elif not reading or path in UNCACHED_PATHS or status >= 400:
            put(b"cache-control", NO_STORE)
        elif path.startswith("/static/"):
            put(b"cache-control", STATIC_CACHE)
        elif b"set-cookie" in present:
            put(b"cache-control", "private, no-cache")
        else:
            put(b"cache-control", PUBLIC_CACHE)
        if content_type.startswith(b"text/html"):
            put(b"vary", "Accept-Language, Cookie")  # the pages' language comes from these
        return {**start, "headers": headers}


# RFC 9110 §15.4.5: a 304 carries the 200's validators and caching headers, not its
# representation metadata.
_REPRESENTATION: Final = frozenset(
    {b"content-type", b"content-length", b"content-encoding", b"content-language",
     b"content-disposition", b"last-modified", b"transfer-encoding"}
)  # fmt: skip
