"""Roles, scopes and API tokens: the token format, its hash, and who a request acts for."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

TOKEN_PREFIX: Final = "tmg"  # noqa: S105 - a prefix, not a secret
TOKEN_ID_BYTES: Final = 6
TOKEN_SECRET_BYTES: Final = 32
_TOKEN_RE: Final = re.compile(r"^tmg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


class Role(StrEnum):
    """Who writes what: the authority, an issuer (own emissions only), an auditor (reads)."""

    REGULATOR = "regulator"
    ISSUER = "issuer"
    AUDITOR = "auditor"


class Scope(StrEnum):
    """What a token may do; a token holds a subset of its role's scopes."""

    REGISTER_WRITE = "register:write"  # register issuers and emissions, record decisions
    FILINGS_WRITE = "filings:write"  # an issuer's filings about its own emissions
    EXPORTS_READ = "exports:read"  # read the full export (auditors, the authority)
    FOUNDERS_READ = "founders:read"  # founders' data: the authority only (Reg. §66)


class TokenKind(StrEnum):
    """A long-lived API token made with the CLI, or a session from a wallet sign-in."""

    TOKEN = "token"  # noqa: S105 - a kind name, not a password
    SESSION = "session"


ROLE_SCOPES: Final[dict[Role, frozenset[Scope]]] = {
    Role.REGULATOR: frozenset({Scope.REGISTER_WRITE, Scope.EXPORTS_READ, Scope.FOUNDERS_READ}),
    Role.ISSUER: frozenset({Scope.FILINGS_WRITE}),
    Role.AUDITOR: frozenset({Scope.EXPORTS_READ}),
}
"""The scopes each role may be given."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: a token (or wallet session) with its role, scopes and issuer."""

    token_id: str
    kind: TokenKind
    role: Role
    scopes: frozenset[Scope]
    issuer: str | None = None
    wallet: str | None = None

    @property
    def key(self) -> str:
        """The identity idempotency keys and rate limits are scoped to."""
        return f"token:{self.token_id}"


@dataclass(frozen=True)
class IssuedToken:
    """A freshly made token: the text shown once, its id and the digest that is stored."""

    token_id: str
    text: str
    secret_hash: bytes


def make_token(random_bytes: bytes) -> IssuedToken:
    """Build a token from ``TOKEN_ID_BYTES + TOKEN_SECRET_BYTES`` random bytes (passed in).

    The text is ``tmg_<12 hex id>_<43 base64url secret>``; only SHA-256 of the secret is kept.

    Raises:
        ValueError: ``random_bytes`` has the wrong length.
    """
    if len(random_bytes) != TOKEN_ID_BYTES + TOKEN_SECRET_BYTES:
        raise ValueError(f"need {TOKEN_ID_BYTES + TOKEN_SECRET_BYTES} random bytes")
    token_id = random_bytes[:TOKEN_ID_BYTES].hex()
    secret = base64.urlsafe_b64encode(random_bytes[TOKEN_ID_BYTES:]).decode("ascii").rstrip("=")
    return IssuedToken(
        token_id=token_id,
        text=f"{TOKEN_PREFIX}_{token_id}_{secret}",
        secret_hash=secret_digest(secret),
    )


def secret_digest(secret: str) -> bytes:
    """SHA-256 of a token's secret (256 bits of entropy: a slow hash adds nothing)."""
    return hashlib.sha256(secret.encode("ascii")).digest()


def split_token(text: str) -> tuple[str, str] | None:
    """``(token id, secret)`` of a well-formed token text, else None."""
    match = _TOKEN_RE.match(text)
    if match is None:
        return None
    return match.group(1), match.group(2)


def secret_matches(secret: str, stored: bytes) -> bool:
    """Constant-time comparison of a presented secret with the stored digest."""
    return hmac.compare_digest(secret_digest(secret), stored)


def parse_scopes(role: Role, names: list[str] | None) -> frozenset[Scope]:
    """The scopes asked for (default: all of the role's), checked against the role.

    Raises:
        ValueError: a name is not a scope, or the role may not hold it.
    """
    allowed = ROLE_SCOPES[role]
    if not names:
        return allowed
    scopes: set[Scope] = set()
    for name in names:
        try:
            scope = Scope(name)
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise ValueError(f"unknown scope {name!r}; one of: {known}") from None
        if scope not in allowed:
            raise ValueError(f"a {role.value} token cannot hold scope {scope.value}")
        scopes.add(scope)
    return frozenset(scopes)
