"""The audit's witness policy: C2SP notes match the EIP-191 checkpoints, cosignatures counted."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from anchoring.audit_report import Check, Recorder
from node.checkpoint import Checkpoint, format_time, parse_time
from node.errors import ConfigError, VerificationError
from node.note import (
    COSIGNATURE_V1,
    ED25519,
    VerifierKey,
    checkpoint_from_text,
    parse_note,
    parse_signature_line,
    parse_vkey,
    verify_note,
    verify_signature,
)


@dataclass(frozen=True)
class WitnessPolicy:
    """The auditor's witnesses (cosignature/v1 vkeys), how many must cosign, and optionally the
    node's note key (else the key each checkpoint line names is used, and a note says so)."""

    witnesses: tuple[VerifierKey, ...]
    threshold: int
    note_key: VerifierKey | None = None


def parse_policy(
    witnesses: Sequence[str], *, threshold: int | None, note_key: str | None = None
) -> WitnessPolicy | None:
    """The policy of ``--witness VKEY… --witness-threshold K [--note-key VKEY]`` (None when no
    option is given). The threshold defaults to every witness given.

    Raises:
        ConfigError: a vkey is malformed or of the wrong type, or the threshold is out of range.
    """
    if not witnesses and threshold is None and note_key is None:
        return None
    keys: list[VerifierKey] = []
    for text in witnesses:
        keys.append(_key(text, COSIGNATURE_V1, option="--witness"))
    want = len(keys) if threshold is None else threshold
    if not 0 <= want <= len(keys):
        raise ConfigError(
            f"--witness-threshold {want} is not between 0 and the {len(keys)} witnesses given"
        )
    node_key = None if note_key is None else _key(note_key, ED25519, option="--note-key")
    return WitnessPolicy(witnesses=tuple(keys), threshold=want, note_key=node_key)


def _key(text: str, sig_type: int, *, option: str) -> VerifierKey:
    try:
        key = parse_vkey(text)
    except VerificationError as exc:
        raise ConfigError(f"{option} {text!r}: {exc}") from exc
    if key.sig_type != sig_type:
        raise ConfigError(
            f"{option} {text!r}: signature type {key.sig_type:#04x}, expected {sig_type:#04x}"
        )
    return key


def audit_checkpoint_witnesses(
    lines: Sequence[Mapping[str, Any]],
    *,
    policy: WitnessPolicy | None,
    rec: Recorder,
) -> dict[str, Any]:
    """Check the ``note``, ``note_key`` and ``cosignatures`` members of checkpoint lines
    (docs/export-format.md), in file order; return facts for the report.

    For each line with a note: the note's text must be exactly the C2SP form of the line's
    EIP-191 fields (origin, size, log root, state root and size, time), and the node's Ed25519
    signature must verify (c2sp.org/signed-note). With a policy, the cosignatures of the
    policy's witnesses are verified (c2sp.org/tlog-cosignature) and counted for the LAST
    checkpoint and every checkpoint that carries cosignatures: fewer valid ones than the
    threshold fails, naming the checkpoint and the missing witnesses. The last checkpoint must
    have a note under a policy.
    """
    facts: dict[str, Any] = {}
    if policy is None and any(line.get("cosignatures") for line in lines):
        rec.note("no witness policy given (--witness): cosignatures were not counted")
    elif policy is not None and policy.note_key is None:
        rec.note("node note key not pinned (--note-key): each note checked with its line's key")
    for number, line in enumerate(lines):
        last = number == len(lines) - 1
        where = f"checkpoint {line.get('tree_size')}"
        note_text = line.get("note")
        if note_text is None:
            if last and policy is not None:
                rec.failed(
                    Check.WITNESS,
                    where=where,
                    message="the latest checkpoint has no C2SP signed note to cosign",
                )
            continue
        text = _note(line, where=where, policy=policy, rec=rec)
        if text is None or policy is None:
            continue
        cosigned = line.get("cosignatures") or []
        if not last and not cosigned:
            continue
        valid = _cosignatures(text, cosigned, policy=policy, where=where, rec=rec)
        if last:
            facts["cosigned_by"] = [k.name for k in valid]
        missing = [k.encode() for k in policy.witnesses if k not in valid]
        if len(valid) < policy.threshold:
            rec.failed(
                Check.WITNESS,
                where=where,
                message=f"{len(valid)} valid cosignatures of the {policy.threshold} required; "
                f"missing: {', '.join(missing) or 'none'}",
                expected=f">= {policy.threshold}",
                actual=len(valid),
            )
        else:
            rec.passed(Check.WITNESS)
    if policy is not None:
        facts["witness_threshold"] = policy.threshold
    return facts


def _note(
    line: Mapping[str, Any], *, where: str, policy: WitnessPolicy | None, rec: Recorder
) -> str | None:
    try:
        note = parse_note(str(line["note"]))
        in_note = checkpoint_from_text(note.text)
        expected = _eip191(line)
        if in_note != expected:
            raise VerificationError(
                "the signed note is not the EIP-191 checkpoint's fields",
                expected=_describe(expected),
                actual=_describe(in_note),
            )
        named = line.get("note_key")
        key = policy.note_key if policy is not None and policy.note_key is not None else None
        if key is None:
            if not isinstance(named, str):
                raise VerificationError("no note_key names the node's note key")
            key = parse_vkey(named)
        elif isinstance(named, str) and named != key.encode():
            raise VerificationError(
                "note_key is not the pinned node note key", expected=key.encode(), actual=named
            )
        verify_note(note, [key])
    except VerificationError as exc:
        rec.error(Check.NOTE, exc, where=where)
        return None
    except (KeyError, TypeError, ValueError) as exc:
        rec.failed(Check.NOTE, where=where, message=f"checkpoint line is malformed: {exc}")
        return None
    rec.passed(Check.NOTE)
    return note.text


def _cosignatures(
    text: str, cosigned: object, *, policy: WitnessPolicy, where: str, rec: Recorder
) -> list[VerifierKey]:
    valid: list[VerifierKey] = []
    if not isinstance(cosigned, list):
        rec.failed(Check.WITNESS, where=where, message="cosignatures is not a list")
        return valid
    for item in cosigned:
        try:
            signature = parse_signature_line(str(item))
        except VerificationError as exc:
            rec.error(Check.WITNESS, exc, where=where)
            continue
        for key in policy.witnesses:
            if not key.matches(signature):
                continue  # c2sp.org/signed-note: unknown keys are ignored
            try:
                verify_signature(text, signature, key)
            except VerificationError as exc:
                rec.error(Check.WITNESS, exc, where=f"{where}, witness {key.name}")
                continue
            if key not in valid:
                valid.append(key)
    return valid


def _eip191(line: Mapping[str, Any]) -> Checkpoint:
    return Checkpoint(
        origin=str(line["origin"]),
        size=int(line["tree_size"]),
        log_root=bytes.fromhex(str(line["log_root"])),
        state_root=bytes.fromhex(str(line["state_root"])),
        state_size=int(line["state_size"]),
        issued_at=parse_time(str(line["time"])),
    )


def _describe(cp: Checkpoint) -> str:
    return (
        f"{cp.origin} size {cp.size} root {cp.log_root.hex()} state {cp.state_size} "
        f"{cp.state_root.hex()} time {format_time(cp.issued_at)}"
    )


def checkpoint_lines(data: bytes) -> list[dict[str, Any]]:
    """The JSON objects of a checkpoints.jsonl file (lines that are not objects are skipped:
    the main audit reports them).
    """
    found: list[dict[str, Any]] = []
    for raw in data.splitlines():
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def monitor_hook(
    policy: WitnessPolicy, *, now: Callable[[], datetime], grace: timedelta
) -> Callable[[str, Mapping[str, Any]], list[str]]:
    """A `tamga monitor` hook: the problems of one checkpoint line the monitor sees.

    A note that does not match its checkpoint or is not signed by the node's note key, and a
    cosignature line of a policy witness that does not verify, are problems at once. Fewer
    valid cosignatures than the threshold is a problem only once the checkpoint is older than
    ``grace``: the node submits a checkpoint to its witnesses just after cutting it, so a fresh
    one may not be cosigned yet.
    """

    def hook(_url: str, line: Mapping[str, Any]) -> list[str]:
        rec = Recorder()
        try:
            issued = parse_time(str(line.get("time")))
        except ValueError:
            return [f"checkpoint {line.get('tree_size')}: time is not RFC 3339 UTC"]
        where = f"checkpoint {line.get('tree_size')}"
        if now() - issued >= grace:
            audit_checkpoint_witnesses([line], policy=policy, rec=rec)
        elif line.get("note") is not None:  # too fresh to count: check what it already has
            text = _note(line, where=where, policy=policy, rec=rec)
            if text is not None:
                cosigned = line.get("cosignatures") or []
                _cosignatures(text, cosigned, policy=policy, where=where, rec=rec)
        report = rec.report(kind="monitor", subject="checkpoint", facts={})
        return [finding.line() for finding in report.findings]

    return hook
