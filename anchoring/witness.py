"""`tamga witness`: a C2SP tlog-witness (own Ed25519 key, persistent state per origin)."""

from __future__ import annotations

import base64
import logging
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from anchoring.equivocation import build_evidence, write_evidence
from node.clock import Clock
from node.errors import RegistryError, SigningKeyError, VerificationError
from node.merkle.verify import verify_consistency
from node.note import (
    COSIGNATURE_V1,
    Note,
    NoteSigner,
    VerifierKey,
    check_key_name,
    parse_checkpoint_text,
    parse_note,
    parse_vkey,
    verify_note,
)

KEY_FILE = "witness.key"
STATE_FILE = "witness.sqlite"
logger = logging.getLogger("tamga.witness")

EVIDENCE_DIR = "evidence"
MAX_PROOF_LINES = 63
"""c2sp.org/tlog-witness: a client MUST NOT send more than 63 consistency proof lines."""
MAX_BODY_BYTES = 1 << 16
SIZE_CONTENT_TYPE = "text/x.tlog.size"
_OLD_LINE = re.compile(r"old (0|[1-9][0-9]*)")


class WitnessError(RegistryError):
    """The witness refused a request; ``status`` is the HTTP status c2sp.org/tlog-witness names."""

    def __init__(self, status: int, message: str, *, body: str | None = None) -> None:
        self.status = status
        self.message = message
        self.body = body if body is not None else message + "\n"
        self.content_type = "text/plain; charset=utf-8"
        super().__init__(f"{status}: {message}")


class WitnessConflict(WitnessError):
    """409: ``old`` is not the witness's size; the body is that size (text/x.tlog.size)."""

    def __init__(self, size: int, message: str) -> None:
        super().__init__(409, message, body=f"{size}\n")
        self.size = size
        self.content_type = SIZE_CONTENT_TYPE


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request body."""

    old: int
    proof: tuple[bytes, ...]
    note: Note


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse ``old <size>``, proof lines, an empty line and a checkpoint note.

    c2sp.org/tlog-witness §add-checkpoint.

    Raises:
        WitnessError: 400, naming what is malformed.
    """
    if len(body) > MAX_BODY_BYTES:
        raise WitnessError(400, f"request body larger than {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessError(400, "request body is not UTF-8") from None
    head, sep, note_text = text.partition("\n\n")
    if not sep:
        raise WitnessError(400, "no empty line between the proof lines and the checkpoint")
    lines = head.split("\n")
    match = _OLD_LINE.fullmatch(lines[0])
    if match is None:
        raise WitnessError(400, "first line must be 'old <size>' (decimal, no leading zeroes)")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise WitnessError(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof: list[bytes] = []
    for number, line in enumerate(proof_lines, start=2):
        try:
            raw = base64.b64decode(line, validate=True)
        except ValueError:
            raise WitnessError(400, f"proof line {number} is not base64") from None
        if len(raw) != 32 or base64.b64encode(raw).decode("ascii") != line:
            raise WitnessError(400, f"proof line {number} is not the base64 of a 32-byte hash")
        proof.append(raw)
    try:
        note = parse_note(note_text)
    except VerificationError as exc:
        raise WitnessError(400, f"checkpoint note: {exc}") from exc
    return AddCheckpoint(old=int(match.group(1)), proof=tuple(proof), note=note)


def encode_add_checkpoint(*, old: int, proof: Sequence[bytes], note: Note) -> bytes:
    """The add-checkpoint request body (inverse of ``parse_add_checkpoint``)."""
    lines = [f"old {old}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return ("\n".join(lines) + "\n\n" + note.encode()).encode("utf-8")


# keys ----------------------------------------------------------------------------------------


def init_witness(directory: Path, *, name: str, seed: bytes | None = None) -> VerifierKey:
    """Create the witness directory with a new Ed25519 cosigner key; return its vkey.

    The key file (mode 0600) holds ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ seed)>``.

    Raises:
        SigningKeyError: a key exists there already, or the file cannot be written.
        VerificationError: ``name`` is not a valid key name.
    """
    check_key_name(name, where="witness name")
    signer = NoteSigner(
        name=name,
        seed=seed if seed is not None else secrets.token_bytes(32),
        sig_type=COSIGNATURE_V1,
    )
    path = directory / KEY_FILE
    material = base64.b64encode(bytes([COSIGNATURE_V1]) + signer.seed).decode("ascii")
    text = f"PRIVATE+KEY+{name}+{signer.verifier.key_id.hex()}+{material}\n"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SigningKeyError(f"a witness key already exists at {path}") from None
    except OSError as exc:
        raise SigningKeyError(f"cannot write the witness key: {exc.strerror}") from exc
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return signer.verifier


def load_witness_signer(directory: Path) -> NoteSigner:
    """The witness's cosigner key from ``<directory>/witness.key``.

    Raises:
        SigningKeyError: the file is missing or malformed (the message never holds the key).
    """
    path = directory / KEY_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise SigningKeyError(f"no witness key at {path} (run `tamga witness init`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningKeyError(f"cannot read the witness key {path}") from exc
    parts = text.split("+", 4)
    try:
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise ValueError("layout")
        raw = base64.b64decode(parts[4], validate=True)
        if len(raw) != 33 or raw[0] != COSIGNATURE_V1:
            raise ValueError("key material")
        signer = NoteSigner(name=parts[2], seed=raw[1:], sig_type=COSIGNATURE_V1)
        if signer.verifier.key_id.hex() != parts[3]:
            raise ValueError("key ID")
    except (ValueError, VerificationError) as exc:
        raise SigningKeyError(f"the witness key file {path} is malformed") from exc
    return signer


# state ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latest:
    """The latest checkpoint the witness cosigned for one origin."""

    origin: str
    size: int
    root: bytes
    note: str
    key: str


class WitnessState:
    """Per-origin latest cosigned checkpoint in a SQLite file (checked and updated atomically).

    One connection for the process (WAL, ``synchronous=FULL``: a cosignature is answered only
    after its state is durable), used under a lock; ``BEGIN IMMEDIATE`` also serialises other
    processes opening the same file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        with _state_errors():
            self._conn = sqlite3.connect(
                path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS latest (origin TEXT PRIMARY KEY, size INTEGER NOT "
                "NULL, root BLOB NOT NULL, note TEXT NOT NULL, key TEXT NOT NULL, "
                "updated_at TEXT NOT NULL)"
            )

    def close(self) -> None:
        """Close the state file."""
        with self._lock:
            self._conn.close()

    def latest(self, origin: str) -> Latest | None:
        """The latest cosigned checkpoint of ``origin`` (None if none yet).

        Raises:
            WitnessError: 500, the state file cannot be read.
        """
        with self._lock, _state_errors():
            row = self._conn.execute(
                "SELECT size, root, note, key FROM latest WHERE origin = ?", (origin,)
            ).fetchone()
        if row is None:
            return None
        return Latest(origin=origin, size=row[0], root=row[1], note=row[2], key=row[3])

    @contextmanager
    def update(self, origin: str) -> Iterator[tuple[Latest | None, list[Latest]]]:
        """Read the latest checkpoint of ``origin`` and replace it in ONE transaction.

        Yields the current value and a list: append the new value to store it. The check and
        the write are atomic (a thread lock and ``BEGIN IMMEDIATE``), as c2sp.org/tlog-witness
        requires, so two racing requests cannot roll the witness back.

        Raises:
            WitnessError: 500, the state file failed.
        """
        with self._lock, _state_errors():
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    "SELECT size, root, note, key FROM latest WHERE origin = ?", (origin,)
                ).fetchone()
                current = (
                    None
                    if row is None
                    else Latest(origin=origin, size=row[0], root=row[1], note=row[2], key=row[3])
                )
                new: list[Latest] = []
                yield current, new
                for value in new:
                    conn.execute(
                        "INSERT INTO latest (origin, size, root, note, key, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, datetime('now')) ON CONFLICT(origin) DO UPDATE "
                        "SET size = excluded.size, root = excluded.root, note = excluded.note, "
                        "key = excluded.key, updated_at = excluded.updated_at",
                        (value.origin, value.size, value.root, value.note, value.key),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise


@contextmanager
def _state_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise WitnessError(500, f"witness state failed: {exc.__class__.__name__}") from exc


# the witness ---------------------------------------------------------------------------------


def parse_log_options(options: Sequence[str]) -> dict[str, list[VerifierKey]]:
    """``ORIGIN=VKEY`` options as the witness's configured logs (several keys per origin allowed).

    Raises:
        VerificationError: an option is not ORIGIN=VKEY, or the vkey is malformed or not Ed25519.
    """
    logs: dict[str, list[VerifierKey]] = {}
    for option in options:
        origin, sep, vkey = option.partition("=")
        if not sep or not origin:
            raise VerificationError("a log is ORIGIN=VKEY", actual=option, where="--log")
        key = parse_vkey(vkey)
        if key.sig_type != 0x01:
            raise VerificationError(
                "a log key must be an Ed25519 note key (type 0x01)",
                actual=key.sig_type,
                where="--log",
            )
        logs.setdefault(origin, []).append(key)
    return logs


class Witness:
    """The add-checkpoint logic of c2sp.org/tlog-witness over a ``WitnessState``."""

    def __init__(
        self,
        *,
        directory: Path,
        signer: NoteSigner,
        logs: Mapping[str, Sequence[VerifierKey]],
        clock: Clock,
    ) -> None:
        self.directory = directory
        self.signer = signer
        self.logs = {origin: list(keys) for origin, keys in logs.items()}
        self.clock = clock
        self.state = WitnessState(directory / STATE_FILE)

    def add_checkpoint(self, body: bytes) -> str:
        """Handle one add-checkpoint request; return the cosignature line(s) of a 200 answer.

        Raises:
            WitnessError: 400 malformed (or old > size), 404 unknown origin, 403 no valid
                signature by a configured log key, 409 old size not the witness's (body: its
                size) or same size with another root, 422 consistency proof does not verify.
                Refusals of a checkpoint that is not one history with the cosigned one write
                equivocation evidence first.
        """
        request = parse_add_checkpoint(body)
        try:
            checkpoint = parse_checkpoint_text(request.note.text)
        except VerificationError as exc:
            raise WitnessError(400, f"not a checkpoint: {exc}") from exc
        keys = self.logs.get(checkpoint.origin)
        if keys is None:
            raise WitnessError(404, f"unknown log origin {checkpoint.origin!r}")
        try:
            verified = verify_note(request.note, keys)
        except VerificationError as exc:
            raise WitnessError(403, f"checkpoint not signed by a known log key: {exc}") from exc
        if request.old > checkpoint.size:
            raise WitnessError(400, f"old size {request.old} > checkpoint size {checkpoint.size}")
        note_text = request.note.encode()
        with self.state.update(checkpoint.origin) as (current, new):
            have = 0 if current is None else current.size
            if request.old != have:
                raise WitnessConflict(have, f"old size {request.old} is not {have}")
            if current is not None and current.size == checkpoint.size:
                if request.proof:
                    raise WitnessError(422, "the consistency proof between equal sizes is empty")
                if current.root != checkpoint.root:
                    self._evidence(
                        current,
                        note_text,
                        verified[0],
                        proof=None,
                        detail=f"two checkpoints of size {checkpoint.size} with different roots",
                    )
                    raise WitnessConflict(have, "same size as the cosigned checkpoint, other root")
            elif current is None or request.old == 0:
                if request.proof:
                    raise WitnessError(422, "the consistency proof from size 0 must be empty")
            else:
                try:
                    verify_consistency(
                        size1=current.size,
                        size2=checkpoint.size,
                        root1=current.root,
                        root2=checkpoint.root,
                        proof=request.proof,
                    )
                except VerificationError as exc:
                    self._evidence(
                        current,
                        note_text,
                        verified[0],
                        proof=request.proof,
                        detail=f"no valid consistency proof from size {current.size} to "
                        f"{checkpoint.size}: {exc}",
                    )
                    raise WitnessError(422, f"consistency proof does not verify: {exc}") from exc
            cosignature = self.signer.cosign(
                request.note.text, timestamp=int(self.clock.now().timestamp())
            )
            cosigned = request.note.with_signatures([cosignature]).encode()
            new.append(
                Latest(
                    origin=checkpoint.origin,
                    size=checkpoint.size,
                    root=checkpoint.root,
                    note=cosigned,
                    key=verified[0].encode(),
                )
            )
        return cosignature.line()

    def latest_note(self, origin: str) -> str:
        """The latest cosigned checkpoint of ``origin``: the log's note plus our cosignature.

        Raises:
            WitnessError: 404 when the origin is unknown or nothing was cosigned yet.
        """
        if origin not in self.logs:
            raise WitnessError(404, f"unknown log origin {origin!r}")
        latest = self.state.latest(origin)
        if latest is None:
            raise WitnessError(404, f"no checkpoint of {origin!r} cosigned yet")
        return latest.note

    def _evidence(
        self,
        current: Latest,
        note: str,
        key: VerifierKey,
        *,
        proof: Sequence[bytes] | None,
        detail: str,
    ) -> Path | None:
        """Write equivocation evidence (anchoring/equivocation.py) when the refused checkpoint
        and the cosigned one are provably not one history; a proof that merely fails to verify
        proves nothing about the log (anyone can send a wrong proof) and writes none."""
        mine = {
            "kind": "note",
            "note": _strip_signatures(current.note, self.signer.verifier),
            "key": current.key,
        }
        theirs = {"kind": "note", "note": note, "key": key.encode()}
        try:
            evidence = build_evidence(
                mine,
                theirs,
                proof=proof,
                detail=detail,
                seen_at=self.clock.now(),
                seen_by=self.signer.verifier.encode(),
            )
        except VerificationError as exc:
            logger.warning("refused checkpoint of %s is not proven equivocation: %s", key, exc)
            return None
        path = write_evidence(evidence, self.directory / EVIDENCE_DIR)
        logger.warning("equivocation evidence written to %s: %s", path, detail)
        return path


def _strip_signatures(note: str, key: VerifierKey) -> str:
    """The stored note without ``key``'s signature lines (the log's signed form)."""
    parsed = parse_note(note)
    kept = tuple(s for s in parsed.signatures if not key.matches(s))
    return Note(text=parsed.text, signatures=kept).encode()
