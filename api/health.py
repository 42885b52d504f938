"""The node's health for the workbench: the figures /metrics and /readyz compute (log, checkpoint,
anchor lag, verification runs) with the witnesses' last cosignatures and the anchoring key's
balance when the chain can be read ("unknown" otherwise, with the reason)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from anchoring.chain import Chain
from api.ops import CHAIN_TIMEOUT_SECONDS
from api.runtime import ApiRuntime
from node.checkpoint import format_time, parse_time
from node.errors import RegistryError
from node.services import log
from node.settings import Settings


@dataclass(frozen=True)
class Balance:
    """The anchoring key's balance in wei, or None with the reason it is unknown."""

    address: str | None
    wei: int | None
    reason: str = ""

    @property
    def ether(self) -> str | None:
        """The balance in ether (18 decimals), exact."""
        if self.wei is None:
            return None
        whole, rest = divmod(self.wei, 10**18)
        return f"{whole}.{str(rest).rjust(18, '0').rstrip('0') or '0'}"


@dataclass(frozen=True)
class WitnessSeen:
    """A witness's newest cosignature: the checkpoint size and when it arrived."""

    witness: str
    size: int
    received_at: str


@dataclass(frozen=True)
class NodeHealth:
    """What the health page shows."""

    database: str  # "ok", or the error
    size: int | None = None
    checkpoint_size: int | None = None
    checkpoint_at: str | None = None
    checkpoint_age_seconds: float | None = None
    anchored_size: int | None = None
    anchored_at: str | None = None
    lag_entries: int | None = None  # latest checkpoint's size minus the anchored size
    lag_seconds: float | None = None  # latest checkpoint's time minus the anchor's
    balance: Balance = field(default_factory=lambda: Balance(None, None, "not read"))
    verification_last_run: str | None = None
    verification_age_seconds: float | None = None
    open_findings: dict[str, int] = field(default_factory=dict)
    witnesses: tuple[WitnessSeen, ...] = ()


def anchoring_balance(settings: Settings) -> Balance:
    """The anchoring key's balance on the anchoring chain: its address from the keystore (the
    address member of a JSON v3 keystore is not encrypted), its balance from ``rpc_url``.
    Never raises: what cannot be read is reported as unknown with the reason."""
    path = settings.anchor_key_file
    if path is None:
        return Balance(None, None, "no anchoring key configured (TAMGA_ANCHOR_KEY_FILE)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8")).get("address")
    except (OSError, ValueError, AttributeError) as exc:
        return Balance(None, None, f"keystore unreadable: {exc}")
    if not isinstance(raw, str) or not raw:
        return Balance(None, None, "the keystore names no address")
    address = raw if raw.startswith("0x") else f"0x{raw}"
    if settings.rpc_url is None:
        return Balance(address, None, "no chain RPC configured (TAMGA_RPC_URL)")
    try:
        wei = Chain.open(settings.rpc_url, timeout=CHAIN_TIMEOUT_SECONDS).balance(address)
    except (RegistryError, ValueError) as exc:
        return Balance(address, None, f"chain not readable: {exc}")
    return Balance(address, wei)


def node_health(rt: ApiRuntime) -> NodeHealth:
    """The node's health now (reads the database; the chain only for the key's balance)."""
    status = rt.log_status()
    if status is None:
        return NodeHealth(database="the database does not answer")
    try:
        head = log.head(rt.db)
        cosigned = rt.db.witnesses.cosignatures()
    except RegistryError as exc:
        return NodeHealth(database=str(exc))
    latest = head.latest
    checkpoint_at = None if latest is None else latest.issued_at
    anchored_at = None
    lag_seconds = None
    if status.anchor_age_seconds is not None:
        anchored = rt.now().timestamp() - status.anchor_age_seconds
        anchored_at = format_time(datetime.fromtimestamp(anchored, tz=rt.now().tzinfo))
        if checkpoint_at is not None:
            lag_seconds = max(0.0, parse_time(checkpoint_at).timestamp() - anchored)
    lag_entries = None
    if status.checkpoint_size is not None:
        lag_entries = status.checkpoint_size - (status.anchored_size or 0)
    newest: dict[str, WitnessSeen] = {}
    for size in sorted(cosigned):
        for c in cosigned[size]:
            newest[c.witness] = WitnessSeen(witness=c.witness, size=size, received_at=c.received_at)
    verification = rt.verification_status()
    last_run = None
    if verification is not None and verification.last_run_at is not None:
        last_run = format_time(datetime.fromtimestamp(verification.last_run_at, tz=rt.now().tzinfo))
    return NodeHealth(
        database="ok",
        size=status.size,
        checkpoint_size=status.checkpoint_size,
        checkpoint_at=checkpoint_at,
        checkpoint_age_seconds=status.checkpoint_age_seconds,
        anchored_size=status.anchored_size,
        anchored_at=anchored_at,
        lag_entries=lag_entries,
        lag_seconds=lag_seconds,
        balance=anchoring_balance(rt.settings),
        verification_last_run=last_run,
        verification_age_seconds=None
        if verification is None
        else verification.last_run_age_seconds,
        open_findings={} if verification is None else verification.open_findings,
        witnesses=tuple(sorted(newest.values(), key=lambda w: w.witness)),
    )
