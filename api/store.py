"""SQL storage of the API's own tables (tokens, sign-in challenges, idempotency keys)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from anchoring.services import AnchoringDatabase
from api.auth import Principal, Role, Scope, TokenKind
from api.schema import api_challenges, api_idempotency, api_tokens
from node.checkpoint import format_time, parse_time
from node.errors import NotFound
from node.ledger.db import read_transaction, write_transaction


@dataclass(frozen=True)
class TokenRecord:
    """A stored token (without its secret; only the digest is kept)."""

    token_id: str
    name: str
    kind: TokenKind
    role: Role
    issuer: str | None
    wallet: str | None
    scopes: frozenset[Scope]
    secret_hash: bytes
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def principal(self) -> Principal:
        """Who requests with this token act for."""
        return Principal(
            token_id=self.token_id,
            kind=self.kind,
            role=self.role,
            scopes=self.scopes,
            issuer=self.issuer,
            wallet=self.wallet,
        )

    def usable_at(self, now: datetime) -> bool:
        """Neither revoked nor expired at ``now``."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or parse_time(self.expires_at) > now


@dataclass(frozen=True)
class ChallengeRecord:
    """A stored sign-in challenge."""

    nonce: str
    address: str
    issuer: str
    message: str
    issued_at: str
    expires_at: str
    used_at: str | None


class Claim(StrEnum):
    """What an idempotency key lookup found."""

    NEW = "new"  # first use: the request goes ahead and its response is stored
    REPLAY = "replay"  # done before with the same request: replay the stored response
    IN_FLIGHT = "in_flight"  # the first request with this key has not finished
    MISMATCH = "mismatch"  # the key was used for a different request


@dataclass(frozen=True)
class IdempotencyClaim:
    """The outcome of claiming an idempotency key."""

    claim: Claim
    status: int | None = None
    body: bytes | None = None


class ApiStore:
    """The API tables on the ledger's database engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # tokens ---------------------------------------------------------------------------------
    def add_token(
        self,
        *,
        token_id: str,
        name: str,
        kind: TokenKind,
        role: Role,
        scopes: frozenset[Scope],
        secret_hash: bytes,
        created_at: datetime,
        issuer: str | None = None,
        wallet: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        """Store a token's digest and grants.

        Raises:
            StorageError: the database refused (e.g. the tables are missing).
        """
        with write_transaction(self._engine) as conn:
            conn.execute(
                insert(api_tokens).values(
                    id=token_id,
                    name=name,
                    kind=kind.value,
                    role=role.value,
                    issuer=issuer,
                    wallet=wallet,
                    scopes=" ".join(sorted(s.value for s in scopes)),
                    secret_hash=secret_hash,
                    created_at=format_time(created_at),
                    expires_at=format_time(expires_at) if expires_at is not None else None,
                    revoked_at=None,
                )
            )

    def token(self, token_id: str) -> TokenRecord | None:
        """One token by id.

        Raises:
            StorageError: the database failed.
        """
        with read_transaction(self._engine) as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        return None if row is None else _token(row._mapping)

    def tokens(self, *, include_sessions: bool = False) -> list[TokenRecord]:
        """Every token, oldest first (wallet sessions only when asked).

        Raises:
            StorageError: the database failed.
        """
        query = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.id)
        if not include_sessions:
            query = query.where(api_tokens.c.kind == TokenKind.TOKEN.value)
        with read_transaction(self._engine) as conn:
            return [_token(row._mapping) for row in conn.execute(query)]

    def revoke_token(self, token_id: str, *, at: datetime) -> TokenRecord:
        """Revoke a token (idempotent: an already revoked token keeps its first revocation time).

        Raises:
            NotFound: no token has this id.
            StorageError: the database failed.
        """
        with write_transaction(self._engine) as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
            if row is None:
                raise NotFound(kind="token", key=token_id)
            if row._mapping["revoked_at"] is None:
                conn.execute(
                    update(api_tokens)
                    .where(api_tokens.c.id == token_id)
                    .values(revoked_at=format_time(at))
                )
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one()
        return _token(row._mapping)

    # sign-in challenges ---------------------------------------------------------------------
    def add_challenge(self, record: ChallengeRecord) -> None:
        """Store a new sign-in challenge.

        Raises:
            StorageError: the database failed.
        """
        with write_transaction(self._engine) as conn:
            conn.execute(insert(api_challenges).values(**record.__dict__))

    def use_challenge(self, nonce: str, *, at: datetime) -> ChallengeRecord | None:
        """Mark a challenge used and return it as it was, or None if unknown or already used.

        Raises:
            StorageError: the database failed.
        """
        with write_transaction(self._engine) as conn:
            row = conn.execute(
                select(api_challenges).where(api_challenges.c.nonce == nonce)
            ).first()
            if row is None or row._mapping["used_at"] is not None:
                return None
            conn.execute(
                update(api_challenges)
                .where(api_challenges.c.nonce == nonce)
                .values(used_at=format_time(at))
            )
        return ChallengeRecord(**row._mapping)

    # idempotency keys -----------------------------------------------------------------------
    def claim_key(
        self, *, principal: str, key: str, target: str, request_hash: bytes, at: datetime
    ) -> IdempotencyClaim:
        """Claim an idempotency key for a request, or find what it was used for.

        Raises:
            StorageError: the database failed.
        """
        where = (api_idempotency.c.principal == principal) & (api_idempotency.c.key == key)
        values = {
            "principal": principal,
            "key": key,
            "target": target,
            "request_hash": request_hash,
            "status": None,
            "body": None,
            "created_at": format_time(at),
        }
        # INSERT … ON CONFLICT DO NOTHING: two servers claiming the same key at the same moment
        # (PostgreSQL runs both transactions at once) get one NEW and one existing row, never a
        # unique violation.
        claim = (
            pg_insert(api_idempotency).values(**values).on_conflict_do_nothing()
            if self._engine.dialect.name == "postgresql"
            else sqlite_insert(api_idempotency).values(**values).on_conflict_do_nothing()
        ).returning(api_idempotency.c.key)  # rowcount is not reliable across drivers
        with write_transaction(self._engine) as conn:
            if conn.execute(claim).first() is not None:
                return IdempotencyClaim(Claim.NEW)
            row = conn.execute(select(api_idempotency).where(where)).one()
        m = row._mapping
        if m["target"] != target or bytes(m["request_hash"]) != request_hash:
            return IdempotencyClaim(Claim.MISMATCH)
        if m["status"] is None:
            return IdempotencyClaim(Claim.IN_FLIGHT)
        return IdempotencyClaim(Claim.REPLAY, status=int(m["status"]), body=bytes(m["body"]))

    def finish_key(self, *, principal: str, key: str, status: int, body: bytes) -> None:
        """Store the response of a request that claimed a key.

        Raises:
            StorageError: the database failed.
        """
        where = (api_idempotency.c.principal == principal) & (api_idempotency.c.key == key)
        with write_transaction(self._engine) as conn:
            conn.execute(update(api_idempotency).where(where).values(status=status, body=body))

    def release_key(self, *, principal: str, key: str) -> None:
        """Forget a claimed key whose request failed before writing anything (a retry may go on).

        Raises:
            StorageError: the database failed.
        """
        where = (api_idempotency.c.principal == principal) & (api_idempotency.c.key == key)
        with write_transaction(self._engine) as conn:
            conn.execute(delete(api_idempotency).where(where))


@dataclass(frozen=True, kw_only=True)
class ApiDatabase(AnchoringDatabase):
    """The Database of a process that serves the API or manages its tokens: the ledger, the
    anchoring tables and the API's own tables, on one engine."""

    @cached_property
    def api(self) -> ApiStore:
        """Tokens, sign-in challenges and idempotency keys."""
        return ApiStore(self.engine)


def _token(m: object) -> TokenRecord:
    row = dict(m)  # type: ignore[call-overload]
    scopes = frozenset(Scope(s) for s in str(row["scopes"]).split() if s)
    return TokenRecord(
        token_id=str(row["id"]),
        name=str(row["name"]),
        kind=TokenKind(row["kind"]),
        role=Role(row["role"]),
        issuer=row["issuer"],
        wallet=row["wallet"],
        scopes=scopes,
        secret_hash=bytes(row["secret_hash"]),
        created_at=str(row["created_at"]),
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )
