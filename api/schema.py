"""SQLModel tables of the HTTP API: hashed tokens, wallet sign-in challenges, idempotency keys."""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, String, Table, Text
from sqlmodel import Field, SQLModel


class ApiToken(SQLModel, table=True):
    """An API token or a wallet sign-in session; only the SHA-256 of its secret is stored."""

    __tablename__ = "api_tokens"
    id: str = Field(sa_column=Column(String(16), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    issuer: str | None = Field(default=None, sa_column=Column(String(4), nullable=True))
    wallet: str | None = Field(default=None, sa_column=Column(String(42), nullable=True))
    scopes: str = Field(sa_column=Column(Text, nullable=False))
    secret_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: str = Field(sa_column=Column(String(40), nullable=False))
    expires_at: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    revoked_at: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))


class ApiChallenge(SQLModel, table=True):
    """An EIP-4361 sign-in challenge: its nonce is good for one sign-in before it expires."""

    __tablename__ = "api_challenges"
    nonce: str = Field(sa_column=Column(String(32), primary_key=True))
    address: str = Field(sa_column=Column(String(42), nullable=False))
    issuer: str = Field(sa_column=Column(String(4), nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    issued_at: str = Field(sa_column=Column(String(40), nullable=False))
    expires_at: str = Field(sa_column=Column(String(40), nullable=False))
    used_at: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))


class ApiIdempotency(SQLModel, table=True):
    """A POST made with an Idempotency-Key: the request's digest and, once done, its response."""

    __tablename__ = "api_idempotency"
    principal: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String(255), primary_key=True))
    target: str = Field(sa_column=Column(String(300), nullable=False))
    request_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: str = Field(sa_column=Column(String(40), nullable=False))
    owner: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    """The server process running the request (``node#boot``) while it is unfinished."""
    lease_until: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    """Until when an unfinished request is its owner's; after that a retry takes it over."""


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


api_tokens = _table(ApiToken)
api_challenges = _table(ApiChallenge)
api_idempotency = _table(ApiIdempotency)

API_TABLES = [api_tokens, api_challenges, api_idempotency]
"""Every table of the API (migration 0003)."""
