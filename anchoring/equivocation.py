"""Equivocation evidence (``tamga.equivocation.v1``): two signed checkpoints, not one history.

Written, as RFC 8785 canonical JSON, by whoever sees them (the audit, the monitor, a witness);
re-verified by anyone with `verify_evidence` (`tamga audit equivocation FILE`). The evidence is
proven only when both signatures are valid by keys of one origin and the failing check really
fails:

- ``same-size-different-root``: both checkpoints are of one tree size and their log roots
  differ (RFC 9162 §2.1.1: one tree has one root);
- ``inconsistent``: ``consistency_proof`` (RFC 9162 §2.1.4.2, from the smaller ``a`` to the
  larger ``b``) leads to ``b``'s root but NOT to ``a``'s. A proof that leads to neither shows
  nothing about the log (anyone can write a wrong proof) and is refused. When ``a``'s size is
  a power of two, RFC 9162 leaves out the hash of the old tree (it is ``a``'s root itself);
  evidence then carries it as the proof's first hash, so the verifier can recompute ``b``'s
  root without assuming ``a``'s.

Signed checkpoints come in kinds: ``eip191`` (one line of checkpoints.jsonl, signed per
EIP-191) is built in; another kind (the C2SP signed note, ``note``) plugs in through
`register_kind` with a `CheckpointKind` that verifies its signature and says what it commits to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from node.checkpoint import Checkpoint, format_time, parse_time, recover_signer
from node.domain.canonical import canonical_json, parse_json
from node.errors import RuleViolation, VerificationError
from node.merkle.verify import consistency_path_roots, consistency_shape
from node.note import parse_checkpoint_text, parse_note, parse_vkey, verify_note

EVIDENCE_FORMAT: Final = "tamga.equivocation.v1"
SAME_SIZE: Final = "same-size-different-root"
INCONSISTENT: Final = "inconsistent"


@dataclass(frozen=True)
class CheckpointView:
    """What a signed checkpoint commits to, once its signature is verified."""

    kind: str
    origin: str
    size: int
    log_root: bytes
    signer: str
    """Who signed: an address (eip191) or a verifier key name (note)."""


class CheckpointKind(Protocol):
    """One kind of signed checkpoint in evidence (the extension point for new kinds)."""

    name: str

    def view(self, signed: Mapping[str, Any]) -> CheckpointView:
        """Verify ``signed``'s signature and say what it commits to.

        Raises:
            VerificationError: malformed, or the signature is not valid.
        """
        ...


class _Eip191Line(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["eip191"]
    origin: str
    tree_size: int = Field(ge=0)
    log_root: str = Field(pattern=r"^[0-9a-f]{64}$")
    state_root: str = Field(pattern=r"^[0-9a-f]{64}$")
    state_size: int = Field(ge=0)
    time: str
    signer: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$")


class Eip191Kind:
    """A checkpoints.jsonl line signed with EIP-191 ``personal_sign`` over the checkpoint body."""

    name = "eip191"

    def view(self, signed: Mapping[str, Any]) -> CheckpointView:
        """Recover the signer and check it is the line's ``signer``.

        Raises:
            VerificationError: malformed, or the signature recovers to another address.
        """
        try:
            line = _Eip191Line.model_validate(dict(signed))
            checkpoint = Checkpoint(
                origin=line.origin,
                size=line.tree_size,
                log_root=bytes.fromhex(line.log_root),
                state_root=bytes.fromhex(line.state_root),
                state_size=line.state_size,
                issued_at=parse_time(line.time),
            )
        except ValidationError as exc:
            raise VerificationError(f"not an eip191 signed checkpoint: {_first(exc)}") from exc
        except ValueError as exc:
            raise VerificationError(f"time is not RFC 3339 UTC: {exc}") from exc
        actual = recover_signer(checkpoint, bytes.fromhex(line.signature[2:]))
        if actual.lower() != line.signer.lower():
            raise VerificationError(
                f"the signature of checkpoint {line.tree_size} does not recover to its signer "
                "(EIP-191)",
                expected=line.signer,
                actual=actual,
            )
        return CheckpointView(
            kind=self.name,
            origin=line.origin,
            size=line.tree_size,
            log_root=checkpoint.log_root,
            signer=actual,
        )


class _NoteCheckpoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: Literal["note"]
    note: str
    key: str


class NoteKind:
    """A C2SP signed note (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) with the verifier key
    (``key``, a vkey) whose signature on it counts; ``signer`` is that vkey."""

    name = "note"

    def view(self, signed: Mapping[str, Any]) -> CheckpointView:
        """Verify the note's signature by ``key`` and read its checkpoint text.

        Raises:
            VerificationError: malformed, or no valid signature by ``key``.
        """
        try:
            wire = _NoteCheckpoint.model_validate(dict(signed))
        except ValidationError as exc:
            raise VerificationError(f"not a note signed checkpoint: {_first(exc)}") from exc
        key = parse_vkey(wire.key)
        note = parse_note(wire.note)
        verify_note(note, [key])
        checkpoint = parse_checkpoint_text(note.text)
        return CheckpointView(
            kind=self.name,
            origin=checkpoint.origin,
            size=checkpoint.size,
            log_root=checkpoint.root,
            signer=key.encode(),
        )


KINDS: dict[str, CheckpointKind] = {"eip191": Eip191Kind(), "note": NoteKind()}
"""The kinds of signed checkpoint evidence may hold, by ``kind``."""


def register_kind(kind: CheckpointKind) -> None:
    """Let evidence hold signed checkpoints of ``kind`` (e.g. the C2SP signed ``note``)."""
    KINDS[kind.name] = kind


def checkpoint_view(signed: Mapping[str, Any]) -> CheckpointView:
    """Verify one signed checkpoint of any registered kind.

    Raises:
        VerificationError: unknown kind, malformed, or a bad signature.
    """
    kind = KINDS.get(str(signed.get("kind")))
    if kind is None:
        raise VerificationError(
            "unknown kind of signed checkpoint",
            expected=" or ".join(sorted(KINDS)),
            actual=signed.get("kind"),
        )
    return kind.view(signed)


def eip191_checkpoint(line: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence form of one checkpoints.jsonl line (its signed members, ``kind`` eip191)."""
    members = ("origin", "tree_size", "log_root", "state_root", "state_size", "time")
    signed = {name: line[name] for name in members}
    return {"kind": "eip191", **signed, "signer": line["signer"], "signature": line["signature"]}


@dataclass(frozen=True)
class Evidence:
    """One piece of equivocation evidence (the ``tamga.equivocation.v1`` JSON)."""

    origin: str
    check: str
    a: Mapping[str, Any]
    b: Mapping[str, Any]
    consistency_proof: tuple[bytes, ...] | None
    detail: str
    seen_at: str
    seen_by: str

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        proof = self.consistency_proof
        return {
            "format": EVIDENCE_FORMAT,
            "origin": self.origin,
            "check": self.check,
            "a": dict(self.a),
            "b": dict(self.b),
            "consistency_proof": None if proof is None else [h.hex() for h in proof],
            "detail": self.detail,
            "seen_at": self.seen_at,
            "seen_by": self.seen_by,
        }

    def encode(self) -> bytes:
        """RFC 8785 canonical bytes."""
        return canonical_json(self.to_json())

    def file_name(self) -> str:
        """A file name naming the origin and both tree sizes."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.origin).strip("-") or "log"
        return f"equivocation-{slug}-{self.a.get('tree_size')}-{self.b.get('tree_size')}.json"


def build_evidence(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    proof: Sequence[bytes] | None,
    detail: str,
    seen_at: datetime,
    seen_by: str,
) -> Evidence:
    """Evidence that signed checkpoints ``a`` and ``b`` are not one history, verified first.

    The two are ordered (smaller tree first); ``proof`` is the consistency proof between them
    (None for two of one size). Only evidence that `verify_evidence` accepts is built.

    Raises:
        VerificationError: the two are one history, or the evidence would not prove it.
    """
    view_a, view_b = checkpoint_view(a), checkpoint_view(b)
    if view_a.size > view_b.size:
        a, b, view_a, view_b = b, a, view_b, view_a
    check = SAME_SIZE if view_a.size == view_b.size else INCONSISTENT
    evidence = Evidence(
        origin=view_a.origin,
        check=check,
        a=dict(a),
        b=dict(b),
        consistency_proof=None if check == SAME_SIZE else tuple(proof or ()),
        detail=detail,
        seen_at=format_time(seen_at),
        seen_by=seen_by,
    )
    verify_evidence(evidence)
    return evidence


def write_evidence(evidence: Evidence, directory: Path) -> Path:
    """Write ``evidence`` into ``directory`` (created if needed); returns the file's path.

    Raises:
        OSError: the file cannot be written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    data = evidence.encode()
    path = directory / evidence.file_name()
    number = 1
    while path.exists() and path.read_bytes() != data:  # never overwrite other evidence
        number += 1
        path = directory / evidence.file_name().replace(".json", f"-{number}.json")
    path.write_bytes(data)
    return path


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["tamga.equivocation.v1"]
    origin: str
    check: Literal["same-size-different-root", "inconsistent"]
    a: dict[str, Any]
    b: dict[str, Any]
    consistency_proof: list[str] | None
    detail: str
    seen_at: str
    seen_by: str


def parse_evidence(data: bytes) -> Evidence:
    """Parse an evidence file (any JSON spelling; duplicate members are refused).

    Raises:
        VerificationError: not JSON, or not a tamga.equivocation.v1 document.
    """
    try:
        value = parse_json(data, field="evidence")
    except RuleViolation as exc:
        raise VerificationError(f"not JSON: {exc.message}", where="evidence") from exc
    try:
        wire = _Wire.model_validate(value)
    except ValidationError as exc:
        raise VerificationError(f"not {EVIDENCE_FORMAT}: {_first(exc)}") from exc
    proof: tuple[bytes, ...] | None = None
    if wire.consistency_proof is not None:
        try:
            proof = tuple(bytes.fromhex(h) for h in wire.consistency_proof)
        except ValueError as exc:
            raise VerificationError("consistency_proof holds a hash that is not hex") from exc
    return Evidence(
        origin=wire.origin,
        check=wire.check,
        a=wire.a,
        b=wire.b,
        consistency_proof=proof,
        detail=wire.detail,
        seen_at=wire.seen_at,
        seen_by=wire.seen_by,
    )


@dataclass(frozen=True)
class Proven:
    """Verified evidence: what it shows, in one sentence, and the two checkpoints."""

    a: CheckpointView
    b: CheckpointView
    summary: str


def verify_evidence(evidence: Evidence, *, signers: Sequence[str] = ()) -> Proven:
    """Re-verify ``evidence`` from scratch (``signers``: the log's published keys, if pinned).

    Raises:
        VerificationError: a signature is invalid or by an unpinned key, the two are of
            different origins, or the failing check does not really fail (naming why).
    """
    view_a = _view(evidence.a, "a")
    view_b = _view(evidence.b, "b")
    pinned = {s.lower() for s in signers}
    for name, view in (("a", view_a), ("b", view_b)):
        if pinned and view.signer.lower() not in pinned:
            raise VerificationError(
                f"checkpoint {name} is signed by a key that is not the log's",
                expected=" or ".join(sorted(pinned)),
                actual=view.signer,
            )
    if view_a.origin != view_b.origin or view_a.origin != evidence.origin:
        raise VerificationError(
            "the two checkpoints are not of one origin",
            expected=evidence.origin,
            actual=f"{view_a.origin} / {view_b.origin}",
        )
    if evidence.check == SAME_SIZE:
        if view_a.size != view_b.size:
            raise VerificationError(
                "same-size-different-root, but the sizes differ",
                expected=view_a.size,
                actual=view_b.size,
            )
        if view_a.log_root == view_b.log_root:
            raise VerificationError(
                f"both checkpoints of size {view_a.size} have the same root: no equivocation",
                actual=view_a.log_root.hex(),
            )
        summary = (
            f"two signed checkpoints of {view_a.origin} at tree size {view_a.size} with "
            f"different roots ({view_a.log_root.hex()} by {view_a.signer}, "
            f"{view_b.log_root.hex()} by {view_b.signer})"
        )
        return Proven(a=view_a, b=view_b, summary=summary)
    if evidence.check != INCONSISTENT:
        raise VerificationError("unknown check", expected=INCONSISTENT, actual=evidence.check)
    if not view_a.size < view_b.size:
        raise VerificationError(
            "inconsistent needs a smaller a and a larger b",
            expected=f"< {view_b.size}",
            actual=view_a.size,
        )
    if view_a.size == 0:
        raise VerificationError("every tree extends the empty tree: no equivocation")
    old, new = consistency_roots(
        size1=view_a.size,
        size2=view_b.size,
        proof=evidence.consistency_proof or (),
        root1=view_a.log_root,
    )
    if new != view_b.log_root:
        raise VerificationError(
            "the consistency proof does not lead to b's root, so it shows nothing about the log",
            expected=view_b.log_root,
            actual=new,
        )
    if old == view_a.log_root:
        raise VerificationError(
            f"the consistency proof verifies: checkpoint {view_b.size} extends checkpoint "
            f"{view_a.size}, no equivocation"
        )
    summary = (
        f"signed checkpoint {view_b.size} of {view_a.origin} (by {view_b.signer}) does not "
        f"extend signed checkpoint {view_a.size} (by {view_a.signer}): its first "
        f"{view_a.size} entries have root {old.hex()}, not {view_a.log_root.hex()} "
        "(RFC 9162 §2.1.4)"
    )
    return Proven(a=view_a, b=view_b, summary=summary)


def consistency_roots(
    *, size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    """The old and new roots a consistency proof leads to (RFC 9162 §2.1.4.2).

    When ``size1`` is a power of two, RFC 9162 omits the old tree's hash (it is ``root1``): a
    proof one hash longer than the RFC's carries it first, and then ``root1`` is not used.

    Raises:
        VerificationError: the sizes are not 0 < size1 < size2, or the proof has a wrong length
            or a hash that is not 32 bytes.
    """
    if not 0 < size1 < size2:
        raise VerificationError("sizes are not 0 < size1 < size2", actual=f"{size1}, {size2}")
    if any(len(h) != 32 for h in proof):
        raise VerificationError("the consistency proof holds a hash that is not 32 bytes")
    shift, inner, border = consistency_shape(size1, size2)
    length = inner + border
    if size1 == 1 << shift and len(proof) == length:
        seed, path = root1, list(proof)
    elif len(proof) == length + 1:
        seed, path = proof[0], list(proof[1:])
    else:
        raise VerificationError(
            "the consistency proof has the wrong length",
            expected=length + (0 if size1 == 1 << shift else 1),
            actual=len(proof),
        )
    return consistency_path_roots(size1, size2, seed=seed, path=path)


def evidence_proof(size1: int, rfc_proof: Sequence[bytes], *, old_root: bytes) -> list[bytes]:
    """The proof as evidence carries it: RFC 9162's, with the old tree's root first when
    ``size1`` is a power of two (``old_root``: the root of the larger tree's first ``size1``
    leaves, as the prover computed it)."""
    if size1 & (size1 - 1) == 0:
        return [old_root, *rfc_proof]
    return list(rfc_proof)


def _view(signed: Mapping[str, Any], name: str) -> CheckpointView:
    try:
        return checkpoint_view(signed)
    except VerificationError as exc:
        raise VerificationError(f"checkpoint {name}: {exc}") from exc


def _first(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    location = ".".join(str(part) for part in error["loc"]) or "value"
    return f"{location}: {error['msg']}"
