"""The auditor's replay: export lines through the one replay core (node.replay), in a worker.

Independent of the ledger: only the entry format (node.domain.entries) and the pure replay core
(the reducer and the state tree) are used.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import re
import traceback
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from anchoring.audit_source import parse_entry_line
from node.domain.calendar import WorkingCalendar
from node.domain.entries import decode_entry
from node.domain.filings import Founder
from node.errors import RuleViolation, VerificationError
from node.replay import ReplayCore

PROGRESS_EVERY: Final = 10_000
DECODE_FAILURES_KEPT: Final = 50
WORKER_POLL_S: Final = 1.0


StateReplay = ReplayCore
"""The auditor replays with the one replay core (node.replay)."""


@dataclass(frozen=True)
class ReplayOutcome:
    """What replaying the entries found: state roots at the cut sizes, decode and rule failures."""

    roots: dict[int, tuple[bytes, int]]
    decoded: int
    applied: int
    unchecked: int
    decode_failures: tuple[tuple[int, str], ...]
    decode_failed: int
    failure: tuple[str, str] | None  # (where, message) of the entry that did not replay
    stopped: str | None  # where the replay stopped for another reason (gap, unreadable line)


class LocalReplay:
    """Decodes leaves (the entry format) and replays them in this process."""

    def __init__(self, *, calendar: WorkingCalendar, cut_sizes: Collection[int]) -> None:
        self.state = StateReplay(calendar=calendar, cut_sizes=cut_sizes)
        self._decoded = 0
        self._applied = 0
        self._unchecked = 0
        self._decode_failures: list[tuple[int, str]] = []
        self._decode_failed = 0
        self._failure: tuple[str, str] | None = None
        self._stopped: str | None = None

    def feed(self, position: int, leaf: bytes) -> None:
        """Decode and apply the leaf at ``position`` (the next one)."""
        try:
            entry = decode_entry(leaf)
        except RuleViolation as exc:
            self._decode_failed += 1
            if len(self._decode_failures) < DECODE_FAILURES_KEPT:
                self._decode_failures.append(
                    (position, f"{exc.field}: {exc.message} [{exc.rule}; {exc.paragraph}]")
                )
            self.stop(f"entry {position}")
            return
        self._decoded += 1
        if not self.state.healthy:
            self._unchecked += 1
            return
        try:
            self.state.apply(entry, index=position)
        except VerificationError as exc:
            message = str(exc.args[0]).removeprefix(f"{exc.where}: ")
            self._failure = (exc.where, message)
            return
        self._applied += 1

    def stop(self, where: str) -> None:
        """Stop replaying: the entry at ``where`` is missing or unreadable."""
        if self.state.healthy:
            self._stopped = where
            self.state.stop(VerificationError("the replay stopped", where=where))

    def finish(self) -> ReplayOutcome:
        """The outcome."""
        return ReplayOutcome(
            roots=dict(self.state.roots),
            decoded=self._decoded,
            applied=self._applied,
            unchecked=self._unchecked,
            decode_failures=tuple(self._decode_failures),
            decode_failed=self._decode_failed,
            failure=self._failure,
            stopped=self._stopped,
        )


def replay_lines(
    lines: Iterator[bytes],
    *,
    calendar: WorkingCalendar,
    cut_sizes: Collection[int],
    progress: Callable[[int], None] | None = None,
) -> ReplayOutcome:
    """Parse entries.jsonl lines as the auditor's main pass does, and replay them.

    Lines that do not parse, and indexes out of order, stop the replay where they occur (the
    main pass reports them as findings).
    """
    replay = LocalReplay(calendar=calendar, cut_sizes=cut_sizes)
    position = 0
    for number, line in enumerate(lines, start=1):
        try:
            parsed = parse_entry_line(line)
        except VerificationError:
            replay.stop(f"entry {position}")
            continue
        if parsed.index != position:
            replay.stop(f"entry {position}")
        replay.feed(position, parsed.leaf)
        position += 1
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(position)
    return replay.finish()


class ReplayProcess:
    """Runs `replay_lines` over an entries file in a second process (spawned), so that the
    replay (the dominant cost) runs beside the hashing, signature and chain checks."""

    def __init__(self, path: Path, *, calendar: WorkingCalendar, cut_sizes: Collection[int]):
        # fork: the worker starts at once and inherits the calendar (spawn would re-import the
        # main module); spawn where fork does not exist.
        methods = multiprocessing.get_all_start_methods()
        context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._queue: multiprocessing.Queue[tuple[str, Any]] = context.Queue()
        self._process = context.Process(
            target=_replay_worker,
            args=(str(path), calendar, frozenset(cut_sizes), self._queue),
            name="tamga-audit-replay",
            daemon=True,
        )
        self._process.start()

    def finish(self, progress: Callable[[int], None] | None = None) -> ReplayOutcome:
        """Wait for the outcome (reporting progress).

        Raises:
            VerificationError: the worker failed or died; the replay is then unverified.
        """
        try:
            while True:
                try:
                    kind, value = self._queue.get(timeout=WORKER_POLL_S)
                except queue.Empty:
                    if not self._process.is_alive():
                        raise VerificationError(
                            f"the replay worker died (exit code {self._process.exitcode})",
                            where="replay",
                        ) from None
                    continue
                if kind == "progress":
                    if progress is not None:
                        progress(int(value))
                elif kind == "done":
                    outcome: ReplayOutcome = value
                    return outcome
                else:
                    raise VerificationError(f"the replay worker failed: {value}", where="replay")
        finally:
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.kill()


def _replay_worker(
    path: str,
    calendar: WorkingCalendar,
    cut_sizes: frozenset[int],
    results: multiprocessing.Queue[tuple[str, Any]],
) -> None:
    try:
        with Path(path).open("rb") as handle:
            lines = (line.rstrip(b"\r\n") for line in handle)
            outcome = replay_lines(
                lines,
                calendar=calendar,
                cut_sizes=cut_sizes,
                progress=lambda done: results.put(("progress", done)),
            )
        results.put(("done", outcome))
    except Exception:  # everything goes back to the parent as text
        results.put(("error", traceback.format_exc(limit=5)))


# --------------------------------------------------------------------------------------------
# privacy (Reg. §66): founders' and holders' data never enter the log, only commitments
# --------------------------------------------------------------------------------------------

PRIVATE_MEMBERS: Final = frozenset(
    {"founders", "shareholders", "participants", "beneficiaries", "holders", "salt"}
)
"""Member names that would carry private data (Reg. §66, Annex 4-6) if they appeared in a leaf."""

FOUNDER_MEMBERS: Final = frozenset(Founder.model_fields) - {"name", "kind", "address"}
"""Members that only a founder's questionnaire has (Annex 4-5): share, identifier, citizenship."""

COMMITMENT_MEMBERS: Final = frozenset({"founders_commitment", "holders_extract_sha256"})
"""Members that hold a commitment (64 hex digits) in place of private data."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_SUSPECT = re.compile(
    b'"(?:'
    + b"|".join(
        re.escape(name.encode())
        for name in sorted(PRIVATE_MEMBERS | FOUNDER_MEMBERS | COMMITMENT_MEMBERS)
    )
    + b')"'
)


def privacy_problems(leaf: bytes, value: Any | None = None) -> list[str]:
    """What in a leaf is private data rather than a commitment (empty when none).

    A fast byte scan decides whether the parsed leaf (``value``, parsed here when None) needs
    walking. Flags: a member named like private data (founders, shareholders, …); an object
    with a founder's questionnaire members (share, identifier, citizenship; Annex 4-5); a
    commitment member that is not 64 hex digits (Reg. §66).
    """
    if _SUSPECT.search(leaf) is None:
        return []
    if value is None:
        try:
            value = json.loads(leaf)
        except ValueError:
            return []
    return list(_walk(value, path="entry"))


def _walk(value: Any, *, path: str) -> Iterator[str]:
    if isinstance(value, dict):
        founder_like = FOUNDER_MEMBERS & value.keys()
        if len(founder_like) >= 2:
            yield f"{path} holds a founder's data ({', '.join(sorted(founder_like))})"
        for key, item in value.items():
            where = f"{path}.{key}"
            if key in PRIVATE_MEMBERS and item not in (None, [], {}):
                yield f"{where} is private data (Reg. §66)"
            elif key in COMMITMENT_MEMBERS:
                if item is not None and not (isinstance(item, str) and _HEX64.fullmatch(item)):
                    yield f"{where} is not a commitment (64 hex digits)"
            else:
                yield from _walk(item, path=where)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _walk(item, path=f"{path}[{position}]")
