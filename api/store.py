"""SQL storage of the API's own tables (tokens, sign-in challenges, idempotency keys)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    RESUMED = "resumed"  # an unfinished request whose owner is gone: this retry completes it
    IN_FLIGHT = "in_flight"  # the first request with this key has not finished
    MISMATCH = "mismatch"  # the key was used for a different request


@dataclass(frozen=True)
class IdempotencyClaim:
    """The outcome of claiming an idempotency key."""

    claim: Claim
    status: int | None = None
    body: bytes | None = None
    created_at: str | None = None
    """NEW and RESUMED: when the key was first claimed (with the key, the request's id)."""
    retry_after: int | None = None
    """IN_FLIGHT: seconds until the running attempt's lease ends."""


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

    def extend_session(self, token_id: str, *, until: datetime) -> None:
        """Move an unrevoked session's expiry to ``until`` (the workbench's idle timeout).

        Raises:
            StorageError: the database failed.
        """
        with write_transaction(self._engine) as conn:
            conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id)
                .where(api_tokens.c.kind == TokenKind.SESSION.value)
                .where(api_tokens.c.revoked_at.is_(None))
                .values(expires_at=format_time(until))
            )

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
        self,
        *,
        principal: str,
        key: str,
        target: str,
        request_hash: bytes,
        at: datetime,
        owner: str,
        lease: timedelta,
        ttl: timedelta,
    ) -> IdempotencyClaim:
        """Claim an idempotency key for a request, or find what it was used for.

        A new key (or one older than ``ttl``: expired keys are forgotten) is claimed by
        ``owner`` for ``lease``. A key whose request has not finished is IN_FLIGHT while its
        lease runs; once the lease has run out (its owner died, or gave it up after a database
        failure) the first retry takes it over (RESUMED) with the same ``created_at``, hence the
        same ledger request id: whether the first attempt was written or not, the retry then
        completes it exactly once.

        Raises:
            StorageError: the database failed.
        """
        where = (api_idempotency.c.principal == principal) & (api_idempotency.c.key == key)
        stamp = format_time(at)
        values = {
            "principal": principal,
            "key": key,
            "target": target,
            "request_hash": request_hash,
            "status": None,
            "body": None,
            "created_at": stamp,
            "owner": owner,
            "lease_until": format_time(at + lease),
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
                return IdempotencyClaim(Claim.NEW, created_at=stamp)
            m = conn.execute(select(api_idempotency).where(where)).one()._mapping
            if parse_time(str(m["created_at"])) + ttl <= at:  # expired: a new request
                conn.execute(update(api_idempotency).where(where).values(**values))
                return IdempotencyClaim(Claim.NEW, created_at=stamp)
            if m["target"] != target or bytes(m["request_hash"]) != request_hash:
                return IdempotencyClaim(Claim.MISMATCH)
            if m["status"] is not None:
                return IdempotencyClaim(
                    Claim.REPLAY, status=int(m["status"]), body=bytes(m["body"])
                )
            lease_until = None if m["lease_until"] is None else parse_time(str(m["lease_until"]))
            if lease_until is not None and lease_until > at:
                wait = max(1, math.ceil((lease_until - at).total_seconds()))
                return IdempotencyClaim(Claim.IN_FLIGHT, retry_after=wait)
            # Take over an abandoned claim; the condition on the old lease makes one of two
            # concurrent retries win (the other sees the new lease: in flight).
            taken = conn.execute(
                update(api_idempotency)
                .where(where)
                .where(api_idempotency.c.status.is_(None))
                .where(api_idempotency.c.owner == m["owner"])
                .where(api_idempotency.c.lease_until == m["lease_until"])
                .values(owner=owner, lease_until=values["lease_until"])
                .returning(api_idempotency.c.key)
            ).first()
        if taken is None:
            return IdempotencyClaim(Claim.IN_FLIGHT, retry_after=1)
        return IdempotencyClaim(Claim.RESUMED, created_at=str(m["created_at"]))

    def finish_key(self, *, principal: str, key: str, status: int, body: bytes) -> None:
        """Store the response of a request that claimed a key (the first response stays).

        Raises:
            StorageError: the database failed.
        """
        where = (
            (api_idempotency.c.principal == principal)
            & (api_idempotency.c.key == key)
            & api_idempotency.c.status.is_(None)
        )
        with write_transaction(self._engine) as conn:
            conn.execute(
                update(api_idempotency)
                .where(where)
                .values(status=status, body=body, owner=None, lease_until=None)
            )

    def yield_key(self, *, principal: str, key: str, at: datetime) -> None:
        """End the lease of a claimed key whose request failed without an answer (a database
        or chain failure: it may or may not have been written), so that a retry resumes it now.

        Raises:
            StorageError: the database failed.
        """
        where = (
            (api_idempotency.c.principal == principal)
            & (api_idempotency.c.key == key)
            & api_idempotency.c.status.is_(None)
        )
        with write_transaction(self._engine) as conn:
            conn.execute(update(api_idempotency).where(where).values(lease_until=format_time(at)))

    def end_leases_of_earlier_runs(self, *, node: str, owner: str, at: datetime) -> int:
        """End the leases of the unfinished requests of ``node``'s earlier runs (a restarted
        server: whatever it was running died with it), so that their retries resume at once;
        returns how many.

        Raises:
            StorageError: the database failed.
        """
        unfinished = select(
            api_idempotency.c.principal, api_idempotency.c.key, api_idempotency.c.owner
        ).where(api_idempotency.c.status.is_(None))
        ended = 0
        with write_transaction(self._engine) as conn:
            for principal, key, held_by in conn.execute(unfinished).all():
                if held_by is None or held_by == owner or not held_by.startswith(node + "#"):
                    continue
                conn.execute(
                    update(api_idempotency)
                    .where(api_idempotency.c.principal == principal)
                    .where(api_idempotency.c.key == key)
                    .where(api_idempotency.c.owner == held_by)
                    .values(lease_until=format_time(at))
                )
                ended += 1
        return ended

    def expire_keys(self, *, before: datetime) -> int:
        """Forget the keys created before ``before``; returns how many.

        Raises:
            StorageError: the database failed.
        """
        with write_transaction(self._engine) as conn:
            gone = conn.execute(
                delete(api_idempotency).where(api_idempotency.c.created_at < format_time(before))
            )
            return int(gone.rowcount or 0)


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
