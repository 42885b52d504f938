"""`tamga monitor`: follow nodes' public APIs and the chain, and alarm on any inconsistency.

A Certificate Transparency style monitor (RFC 9162 §8.3): each round it fetches every node's new
signed checkpoints, checks their EIP-191 signatures against the pinned keys, their consistency
with the head it saw before (RFC 9162 §2.1.4, proofs from the node's API), compares nodes of one
origin with each other, and checks every new ``Anchored`` event against the checkpoints and the
node's current head. Its state (heads seen, last block read) is a small JSON file, so a restart
continues where it stopped. An alarm is a log line, an optional webhook POST, equivocation
evidence when two signed checkpoints prove it (anchoring/equivocation.py), and the exit status.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Final

import httpx
import typer
from pydantic import BaseModel, ConfigDict, ValidationError

from anchoring.audit_chain import AnchorChain, RpcDisagreement, open_chain
from anchoring.audit_source import CheckpointLine, SuppliedProof, parse_proof
from anchoring.audit_witness import monitor_hook, parse_policy
from anchoring.equivocation import (
    build_evidence,
    eip191_checkpoint,
    evidence_proof,
    write_evidence,
)
from node.checkpoint import Checkpoint, parse_time, recover_signer
from node.cli.errors import EXIT_ALARM, EXIT_EQUIVOCATION
from node.errors import ChainError, ConfigError, VerificationError
from node.merkle.verify import verify_consistency

STATE_FORMAT: Final = "tamga.monitor-state.v1"
ALARM_FORMAT: Final = "tamga.monitor-alarm.v1"
KEEP_CHECKPOINTS: Final = 256
"""Checkpoints remembered per origin (to compare nodes and anchors with)."""
PAGE_LIMIT: Final = 100
HTTP_TIMEOUT_S: Final = 30.0
SIGNED_MEMBERS: Final = (
    "origin",
    "tree_size",
    "log_root",
    "state_root",
    "state_size",
    "time",
    "signer",
    "signature",
)

log = logging.getLogger("tamga.monitor")

CosignatureHook = Callable[[str, Mapping[str, Any]], list[str]]
"""Called as ``hook(node_url, checkpoint_json)`` for each new checkpoint; returns problems
(each becomes an alarm). The witness policy plugs in here (cosignatures of the checkpoint)."""


@dataclass(frozen=True)
class Alarm:
    """One inconsistency the monitor saw."""

    kind: str
    """``equivocation``, ``signature``, ``rollback``, ``consistency``, ``anchor``,
    ``cosignature``, ``rpc-disagreement`` or ``unreachable``."""
    where: str
    message: str
    evidence: Path | None = None

    def to_json(self, *, seen_at: datetime) -> dict[str, Any]:
        """The webhook's JSON body."""
        return {
            "format": ALARM_FORMAT,
            "kind": self.kind,
            "where": self.where,
            "message": self.message,
            "evidence": None if self.evidence is None else str(self.evidence),
            "seen_at": seen_at.isoformat(),
        }


class _NodeState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    head: dict[str, Any] | None = None
    anchors_checked_to: int = 0
    """Anchored tree sizes up to this one were checked against this node."""


class MonitorState(BaseModel):
    """The monitor's state file."""

    model_config = ConfigDict(extra="forbid")

    format: str = STATE_FORMAT
    nodes: dict[str, _NodeState] = {}
    seen: dict[str, dict[str, dict[str, Any]]] = {}
    """origin -> tree size (as text) -> signed checkpoint (the members of checkpoints.jsonl)."""
    next_block: int = 0
    anchors: dict[str, str] = {}
    """Anchored tree size (as text) -> log root (hex), from the ``Anchored`` events read."""
    signers: list[str] = []


def load_state(path: Path, *, from_block: int) -> MonitorState:
    """The state file, or a fresh state starting at ``from_block``.

    Raises:
        ConfigError: the file exists but is not a monitor state.
    """
    if not path.exists():
        return MonitorState(next_block=from_block)
    try:
        state = MonitorState.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise ConfigError(f"{path} is not a monitor state file: {exc}") from exc
    if state.format != STATE_FORMAT:
        raise ConfigError(f"{path} is not a {STATE_FORMAT} file (format {state.format!r})")
    return state


def save_state(state: MonitorState, path: Path) -> None:
    """Write the state atomically (a temporary file renamed over the old one).

    Raises:
        ConfigError: the file cannot be written.
    """
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(state.model_dump_json(indent=1), encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        raise ConfigError(f"cannot write the monitor state {path}: {exc.strerror}") from exc


@dataclass
class Monitor:
    """Follows ``urls`` (nodes' public APIs) and ``chain``; `run_round` returns the alarms."""

    urls: Sequence[str]
    chain: AnchorChain | None
    state_path: Path
    evidence_dir: Path
    now: Callable[[], datetime]
    signers: Sequence[str] = ()
    webhook: str | None = None
    from_block: int = 0
    clients: dict[str, httpx.Client] = field(default_factory=dict)
    cosignatures: CosignatureHook | None = None
    _raw: dict[tuple[str, int], Mapping[str, Any]] = field(default_factory=dict)
    """The checkpoint JSON as the node served it (note, cosignatures), by node and size."""

    def run_round(self) -> list[Alarm]:
        """One round over every node and the chain; saves the state.

        Raises:
            ConfigError: the state file cannot be read or written.
        """
        self._raw.clear()
        state = load_state(self.state_path, from_block=self.from_block)
        if self.signers:
            state.signers = sorted({s.lower() for s in self.signers})
        alarms: list[Alarm] = []
        heads: dict[str, CheckpointLine] = {}
        for url in self.urls:
            try:
                head = self._follow(url, state, alarms)
            except (ConfigError, httpx.HTTPError) as exc:
                alarms.append(Alarm("unreachable", url, f"cannot read the node's API: {exc}"))
                continue
            if head is not None:
                heads[url] = head
        if self.chain is not None:
            try:
                self._anchors(state, heads, alarms)
            except RpcDisagreement as exc:
                alarms.append(Alarm("rpc-disagreement", "chain", str(exc)))
            except ChainError as exc:
                alarms.append(Alarm("unreachable", "chain", f"cannot read the chain: {exc}"))
        save_state(state, self.state_path)
        for alarm in alarms:
            self._raise(alarm)
        return alarms

    # nodes ---------------------------------------------------------------------------------

    def _follow(self, url: str, state: MonitorState, alarms: list[Alarm]) -> CheckpointLine | None:
        node = state.nodes.setdefault(url, _NodeState())
        previous = _line(node.head) if node.head is not None else None
        new = self._new_checkpoints(url, after=previous.tree_size if previous else -1)
        if previous is not None and new and new[0].tree_size < previous.tree_size:
            alarms.append(
                Alarm(
                    "rollback",
                    url,
                    f"the node's newest checkpoint is {new[-1].tree_size}, it showed "
                    f"{previous.tree_size} before",
                )
            )
            rolled = new[0]
            where = f"{url} checkpoint {rolled.tree_size}"
            if self._signed(rolled, state, where, alarms):
                self._remember(rolled, state, where, alarms)  # a second root at a seen size?
            return previous
        head = previous
        for line in new:
            where = f"{url} checkpoint {line.tree_size}"
            if not self._signed(line, state, where, alarms):
                continue
            if self.cosignatures is not None:
                raw = self._raw.get((url, line.tree_size), line.model_dump())
                for problem in self.cosignatures(url, raw):
                    alarms.append(Alarm("cosignature", where, problem))
            if head is not None and not self._consistent(url, head, line, alarms):
                return head
            self._remember(line, state, where, alarms)
            head = line
        node.head = None if head is None else _signed_json(head)
        return head

    def _new_checkpoints(self, url: str, *, after: int) -> list[CheckpointLine]:
        """Checkpoints newer than ``after``, oldest first; when none is newer, the node's newest
        alone (so a rollback or a second root at the same size shows)."""
        found: list[CheckpointLine] = []
        newest: CheckpointLine | None = None
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if cursor is not None:
                params["cursor"] = cursor
            page = self._get(url, "v1/checkpoints", params=params)
            items = page.get("items") or []
            for item in items:
                line = _line(item)
                self._raw[(url, line.tree_size)] = item
                newest = newest or line
                if line.tree_size <= after:
                    return list(reversed(found)) or [line]
                found.append(line)
            cursor = (page.get("page") or {}).get("next_cursor")
            if not cursor or not items:
                return list(reversed(found)) or ([newest] if newest is not None else [])

    def _signed(
        self, line: CheckpointLine, state: MonitorState, where: str, alarms: list[Alarm]
    ) -> bool:
        try:
            checkpoint = Checkpoint(
                origin=line.origin,
                size=line.tree_size,
                log_root=bytes.fromhex(line.log_root),
                state_root=bytes.fromhex(line.state_root),
                state_size=line.state_size,
                issued_at=parse_time(line.time),
            )
            actual = recover_signer(checkpoint, bytes.fromhex(line.signature[2:]))
        except (VerificationError, ValueError) as exc:
            alarms.append(Alarm("signature", where, f"the signature does not verify: {exc}"))
            return False
        if not state.signers:
            state.signers = [actual.lower()]
            log.warning("no --signer given: pinned the first checkpoint's signer %s", actual)
        if actual.lower() != line.signer.lower() or actual.lower() not in state.signers:
            alarms.append(
                Alarm(
                    "signature",
                    where,
                    f"signed by {actual}, not by the register's key "
                    f"({' or '.join(state.signers)}) (EIP-191)",
                )
            )
            return False
        return True

    def _consistent(
        self, url: str, old: CheckpointLine, new: CheckpointLine, alarms: list[Alarm]
    ) -> bool:
        where = f"{url} checkpoint {new.tree_size}"
        if new.tree_size == old.tree_size:
            if new.log_root == old.log_root:
                return True
            self._equivocation(
                old,
                new,
                None,
                where,
                alarms,
                f"the node showed two signed checkpoints at tree size {new.tree_size}",
            )
            return False
        proof = self._proof(url, old.tree_size, new.tree_size)
        try:
            verify_consistency(
                size1=old.tree_size,
                size2=new.tree_size,
                root1=bytes.fromhex(old.log_root),
                root2=bytes.fromhex(new.log_root),
                proof=proof.proof,
            )
        except VerificationError as exc:
            hashes = proof.proof
            if proof.root1 is not None:
                hashes = evidence_proof(old.tree_size, hashes, old_root=proof.root1)
            if not self._equivocation(
                old,
                new,
                hashes,
                where,
                alarms,
                f"signed checkpoint {new.tree_size} does not extend {old.tree_size} seen before",
            ):
                alarms.append(
                    Alarm(
                        "consistency",
                        where,
                        f"not consistent with checkpoint {old.tree_size} seen before: {exc}",
                    )
                )
            return False
        return True

    def _remember(
        self, line: CheckpointLine, state: MonitorState, where: str, alarms: list[Alarm]
    ) -> None:
        seen = state.seen.setdefault(line.origin, {})
        other = seen.get(str(line.tree_size))
        if other is not None and other["log_root"] != line.log_root:
            self._equivocation(
                _line(other),
                line,
                None,
                where,
                alarms,
                f"two signed checkpoints of {line.origin} at tree size {line.tree_size} "
                "(seen from different nodes or rounds)",
            )
            return
        seen[str(line.tree_size)] = _signed_json(line)
        for stale in sorted(seen, key=int)[:-KEEP_CHECKPOINTS]:
            del seen[stale]

    def _equivocation(
        self,
        a: CheckpointLine,
        b: CheckpointLine,
        proof: Sequence[bytes] | None,
        where: str,
        alarms: list[Alarm],
        detail: str,
    ) -> bool:
        try:
            evidence = build_evidence(
                eip191_checkpoint(a.model_dump()),
                eip191_checkpoint(b.model_dump()),
                proof=proof,
                detail=detail,
                seen_at=self.now(),
                seen_by="tamga monitor",
            )
        except VerificationError as exc:
            log.info("not equivocation evidence at %s: %s", where, exc)
            return False
        try:
            path = write_evidence(evidence, self.evidence_dir)
        except OSError as exc:
            raise ConfigError(f"cannot write evidence into {self.evidence_dir}: {exc}") from exc
        alarms.append(Alarm("equivocation", where, detail, evidence=path))
        return True

    # the chain -----------------------------------------------------------------------------

    def _anchors(
        self, state: MonitorState, heads: Mapping[str, CheckpointLine], alarms: list[Alarm]
    ) -> None:
        """Read new ``Anchored`` events; check every anchor a node's head has reached."""
        assert self.chain is not None
        head = self.chain.head()
        if head.number >= state.next_block:
            events = self.chain.anchored_events(from_block=state.next_block, to_block=head.number)
            for event in events:
                state.anchors[str(event.tree_size)] = event.log_root.hex()
            state.next_block = head.number + 1
        for stale in sorted(state.anchors, key=int)[:-KEEP_CHECKPOINTS]:
            del state.anchors[stale]
        for url, node_head in heads.items():
            node = state.nodes[url]
            for size in sorted(int(k) for k in state.anchors):
                if node.anchors_checked_to < size <= node_head.tree_size:
                    root = bytes.fromhex(state.anchors[str(size)])
                    self._anchor(url, size, root, node_head, state, alarms)
                    node.anchors_checked_to = size

    def _anchor(
        self,
        url: str,
        size: int,
        root: bytes,
        head: CheckpointLine,
        state: MonitorState,
        alarms: list[Alarm],
    ) -> None:
        """The node's signed checkpoint at ``size`` (if any) and its head agree with the anchor."""
        where = f"anchor {size} vs {url}"
        seen = state.seen.get(head.origin, {}).get(str(size))
        if seen is None:
            try:
                seen = self._get(url, f"v1/checkpoints/{size}")
            except ConfigError:
                seen = None  # not every anchored size need be a checkpoint the node still serves
        if seen is not None and seen["log_root"] != root.hex():
            alarms.append(
                Alarm(
                    "anchor",
                    where,
                    f"the chain anchored root {root.hex()} at tree size {size}, the node "
                    f"signed {seen['log_root']}",
                )
            )
            return
        if size == head.tree_size:
            return  # equal roots: checked just above (the head is a seen checkpoint)
        try:
            proof = self._proof(url, size, head.tree_size)
            verify_consistency(
                size1=size,
                size2=head.tree_size,
                root1=root,
                root2=bytes.fromhex(head.log_root),
                proof=proof.proof,
            )
        except (VerificationError, ConfigError) as exc:
            alarms.append(
                Alarm(
                    "anchor",
                    where,
                    f"the node's head {head.tree_size} does not extend the anchored tree "
                    f"{size} (RFC 9162 §2.1.4): {exc}",
                )
            )

    # plumbing ------------------------------------------------------------------------------

    def _proof(self, url: str, first: int, second: int) -> SuppliedProof:
        data = self._get_bytes(
            url, "v1/proofs/consistency", params={"first": first, "second": second}
        )
        try:
            return parse_proof(data, size1=first, size2=second)
        except VerificationError as exc:
            raise ConfigError(f"{url} answered no consistency proof: {exc}") from exc

    def _get(self, url: str, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        data = self._get_bytes(url, path, params=params)
        try:
            return json.loads(data)
        except ValueError as exc:
            raise ConfigError(f"{url}{path} is not JSON: {exc}") from exc

    def _get_bytes(self, url: str, path: str, *, params: Mapping[str, Any] | None = None) -> bytes:
        client = self.clients.get(url)
        if client is None:
            client = self.clients[url] = httpx.Client(timeout=HTTP_TIMEOUT_S, follow_redirects=True)
        target = url.rstrip("/") + "/" + path
        try:
            response = client.get(target, params=dict(params or {}))
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot fetch {target}: {exc}") from exc
        if response.status_code != 200:
            raise ConfigError(f"cannot fetch {target}: HTTP {response.status_code}")
        return response.content

    def _raise(self, alarm: Alarm) -> None:
        log.error(
            "ALARM %s at %s: %s",
            alarm.kind,
            alarm.where,
            alarm.message,
            extra={"alarm": alarm.kind, "evidence": str(alarm.evidence or "")},
        )
        if self.webhook is None:
            return
        try:
            httpx.post(self.webhook, json=alarm.to_json(seen_at=self.now()), timeout=10.0)
        except httpx.HTTPError as exc:
            log.error("the webhook %s failed: %s", self.webhook, exc)


def exit_status(alarms: Sequence[Alarm]) -> int:
    """0 without alarms, `EXIT_EQUIVOCATION` when one proved an equivocation, else `EXIT_ALARM`."""
    if any(a.kind == "equivocation" for a in alarms):
        return EXIT_EQUIVOCATION
    return EXIT_ALARM if alarms else 0


def run_monitor(
    monitor: Monitor,
    *,
    rounds: int | None,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Alarm]:
    """Run rounds until one raises an alarm, or ``rounds`` are done (None: forever).

    Raises:
        ConfigError: the state file cannot be read or written.
    """
    done = 0
    while rounds is None or done < rounds:
        alarms = monitor.run_round()
        done += 1
        if alarms:
            return alarms
        if rounds is None or done < rounds:
            sleep(interval)
    return []


def _line(value: Mapping[str, Any]) -> CheckpointLine:
    try:
        return CheckpointLine.model_validate({k: value.get(k) for k in SIGNED_MEMBERS})
    except ValidationError as exc:
        raise ConfigError(f"not a signed checkpoint: {exc.errors()[0]['msg']}") from exc


def _signed_json(line: CheckpointLine) -> dict[str, Any]:
    dumped = line.model_dump()
    return {k: dumped[k] for k in SIGNED_MEMBERS}


def monitor_command(
    urls: Annotated[list[str], typer.Argument(help="Base URLs of the nodes' public APIs.")],
    rpc: Annotated[
        list[str] | None,
        typer.Option("--rpc", envvar="TAMGA_RPC_URL", help="JSON-RPC URL(s) of the chain."),
    ] = None,
    contract: Annotated[
        str | None,
        typer.Option("--contract", envvar="TAMGA_CONTRACT_ADDRESS", help="RegistryAnchor address."),
    ] = None,
    signer: Annotated[
        list[str] | None,
        typer.Option("--signer", help="The register's published checkpoint key(s)."),
    ] = None,
    state: Annotated[Path, typer.Option("--state", help="State file (kept between runs).")] = Path(
        "tamga-monitor.json"
    ),
    evidence: Annotated[
        Path, typer.Option("--evidence", help="Directory for equivocation evidence.")
    ] = Path("."),
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="POST each alarm as JSON to this URL.")
    ] = None,
    from_block: Annotated[
        int, typer.Option("--from-block", help="First block to read Anchored events from.")
    ] = 0,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    rounds: Annotated[
        int | None, typer.Option("--rounds", help="At most this many rounds.")
    ] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between rounds.")] = 60.0,
    witness: Annotated[
        list[str] | None,
        typer.Option("--witness", help="A witness's cosignature vkey (repeat for several)."),
    ] = None,
    witness_threshold: Annotated[
        int | None,
        typer.Option("--witness-threshold", help="Valid cosignatures required (default: all)."),
    ] = None,
    note_key: Annotated[
        str | None, typer.Option("--note-key", help="The node's published note vkey.")
    ] = None,
    witness_grace: Annotated[
        float,
        typer.Option(
            "--witness-grace", help="Seconds a new checkpoint may wait for its cosignatures."
        ),
    ] = 600.0,
) -> None:
    """Follow nodes and the chain; exit 6 on proven equivocation, 7 on any other alarm."""
    if not log.handlers and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    chain = open_chain(rpc, contract) if rpc and contract else None
    if chain is None:
        log.warning("no --rpc/--contract: anchors are not followed")
    policy = parse_policy(witness or (), threshold=witness_threshold, note_key=note_key)
    clock = lambda: datetime.now(UTC)  # noqa: E731
    hook = (
        None
        if policy is None
        else monitor_hook(policy, now=clock, grace=timedelta(seconds=witness_grace))
    )
    monitor = Monitor(
        cosignatures=hook,
        urls=urls,
        chain=chain,
        state_path=state,
        evidence_dir=evidence,
        now=clock,
        signers=signer or (),
        webhook=webhook,
        from_block=from_block,
    )
    alarms = run_monitor(monitor, rounds=1 if once else rounds, interval=interval)
    for alarm in alarms:  # a summary on stderr (each was also logged as it was raised)
        typer.echo(f"ALARM {alarm.kind} at {alarm.where}: {alarm.message}", err=True)
        if alarm.evidence is not None:
            typer.echo(f"equivocation evidence written to {alarm.evidence}", err=True)
    code = exit_status(alarms)
    if code:
        raise typer.Exit(code)
    typer.echo("no inconsistency seen")
