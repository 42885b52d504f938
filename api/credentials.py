"""How a request authenticates: a bearer token, or the workbench's session cookie with its CSRF
token for unsafe methods (OWASP synchronizer-token pattern); a leaf module of the API."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Final

SESSION_COOKIE: Final = "tamga_session"
CSRF_HEADER: Final = "x-csrf-token"
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def session_cookie(cookie_header: str | None) -> str | None:
    """The session token text carried by a ``Cookie`` header, if any."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


def session_cookie_header(value: str, *, max_age: int, secure: bool) -> str:
    """The ``Set-Cookie`` value carrying a session (HttpOnly, SameSite=Strict; Secure over TLS);
    an empty value with ``max_age`` 0 clears it."""
    flag = "; Secure" if secure else ""
    return f"{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{flag}"


def csrf_token(session_text: str) -> str:
    """The CSRF token of a session: an HMAC of its secret, so only a holder of the session (and
    the node) can compute it; the page embeds it and scripts send it in ``X-CSRF-Token``."""
    return hmac.new(session_text.encode("utf-8"), b"tamga csrf v1", hashlib.sha256).hexdigest()


def credentials(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The ``Authorization`` value a request authenticates with, and the session cookie's text
    when that is where it came from (a header always wins over the cookie)."""
    authorization = headers.get("authorization")
    if authorization:
        return authorization, None
    cookie = session_cookie(headers.get("cookie"))
    if cookie is None:
        return None, None
    return f"Bearer {cookie}", cookie


SIGN_IN_PATHS: Final = frozenset({"/v1/staff/session", "/v1/auth/challenge", "/v1/auth/signin"})
"""Signing in authenticates by the body, never by a cookie left from an earlier session (a
lapsed session's cookie must not stop the next sign-in)."""


def csrf_refused(method: str, path: str, headers: Mapping[str, str], cookie: str | None) -> bool:
    """Whether a cookie-authenticated unsafe request lacks its session's CSRF token."""
    if cookie is None or method.upper() not in UNSAFE_METHODS:
        return False
    if method.upper() == "POST" and path in SIGN_IN_PATHS:
        return False
    sent = headers.get(CSRF_HEADER, "")
    return not hmac.compare_digest(sent.encode("utf-8"), csrf_token(cookie).encode("utf-8"))
