"""C2SP signed notes, tlog checkpoints and tlog cosignatures (Ed25519), encoded and verified."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from node.checkpoint import Checkpoint, format_time, parse_time
from node.errors import VerificationError

if TYPE_CHECKING:  # cryptography loads where a note is signed or verified (fast CLI start)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# c2sp.org/signed-note §"Signature types"
ED25519 = 0x01
"""Signature type of plain Ed25519 note signatures (c2sp.org/signed-note)."""
COSIGNATURE_V1 = 0x04
"""Signature type of timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature)."""
SIGNATURE_TYPES = {ED25519: "Ed25519", COSIGNATURE_V1: "cosignature/v1"}

EM_DASH = "\u2014"
MAX_SIGNATURES = 100
"""Signature lines read from one note (c2sp.org/signed-note: at least 16 must be accepted)."""
MAX_TIMESTAMP = 2**63 - 1
STATE_EXTENSION = "tamga-state"
TIME_EXTENSION = "tamga-time"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: ``— <name> base64(key ID ‖ signature bytes)``."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """The signature line, ending in a newline (c2sp.org/signed-note)."""
        blob = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{EM_DASH} {self.name} {blob}\n"


@dataclass(frozen=True)
class Note:
    """A signed note: its text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def encode(self) -> str:
        """Text, a blank line, then one line per signature (c2sp.org/signed-note §Format).

        Raises:
            VerificationError: the note has no signature (a note needs at least one).
        """
        if not self.signatures:
            raise VerificationError("a signed note needs at least one signature", where="note")
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, extra: Iterable[NoteSignature]) -> Note:
        """The same note with ``extra`` signature lines appended (duplicates dropped)."""
        merged = list(self.signatures)
        for signature in extra:
            if signature not in merged:
                merged.append(signature)
        return Note(text=self.text, signatures=tuple(merged))


@dataclass(frozen=True)
class VerifierKey:
    """A public key with its name and signature type (the vkey of c2sp.org/signed-note)."""

    name: str
    sig_type: int
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        """SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] (c2sp.org/signed-note)."""
        return key_id(self.name, self.sig_type, self.public_key)

    def encode(self) -> str:
        """``<name>+<hex key ID>+<base64(type ‖ public key)>``."""
        material = base64.b64encode(bytes([self.sig_type]) + self.public_key).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{material}"

    def matches(self, signature: NoteSignature) -> bool:
        """Whether a signature line names this key (name and key ID both equal)."""
        return signature.name == self.name and signature.key_id == self.key_id


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """The 4-byte key ID: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4] (c2sp.org/signed-note)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[
        :4
    ]


def check_key_name(name: str, *, where: str = "key name") -> str:
    """A key name: non-empty, no Unicode spaces, no ``+`` (c2sp.org/signed-note §Format).

    Raises:
        VerificationError: the name breaks that rule.
    """
    if not name or "+" in name or any(c.isspace() for c in name) or _has_control(name):
        raise VerificationError(
            "a key name must be non-empty, without spaces, '+' or control characters",
            actual=name,
            where=where,
        )
    return name


def parse_vkey(text: str) -> VerifierKey:
    """Parse ``<name>+<hex key ID>+<base64(type ‖ public key)>``.

    Only Ed25519 (0x01) and cosignature/v1 (0x04) keys, 32-byte public keys, are accepted.

    Raises:
        VerificationError: the text is malformed, the type unknown, or the key ID does not
            match the name, type and key.
    """
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise VerificationError("a vkey is <name>+<hex key ID>+<base64 key>", actual=text)
    name, hex_id, material = parts
    check_key_name(name, where="vkey name")
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise VerificationError("vkey key ID must be 8 lowercase hex digits", actual=hex_id)
    raw = _b64decode(material, where="vkey key")
    if len(raw) != 33 or raw[0] not in SIGNATURE_TYPES:
        raise VerificationError(
            "vkey key must be a type byte (0x01 Ed25519 or 0x04 cosignature/v1) and 32 bytes",
            actual=raw[:1].hex() + f" ({len(raw)} bytes)",
            where="vkey key",
        )
    key = VerifierKey(name=name, sig_type=raw[0], public_key=raw[1:])
    if key.key_id.hex() != hex_id:
        raise VerificationError(
            "vkey key ID does not match its name and key",
            expected=key.key_id.hex(),
            actual=hex_id,
            where="vkey",
        )
    return key


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 signing key with its name, signing notes (type 0x01) or cosignatures (0x04)."""

    name: str
    seed: bytes
    sig_type: int = ED25519

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if len(self.seed) != 32:
            raise VerificationError("an Ed25519 seed is 32 bytes", actual=len(self.seed))
        if self.sig_type not in SIGNATURE_TYPES:
            raise VerificationError("unknown signature type", actual=self.sig_type)

    def _private(self) -> Ed25519PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> VerifierKey:
        """The matching public key."""
        public = self._private().public_key().public_bytes_raw()
        return VerifierKey(name=self.name, sig_type=self.sig_type, public_key=public)

    def sign(self, text: str) -> NoteSignature:
        """An Ed25519 note signature over ``text`` (c2sp.org/signed-note §Ed25519 signatures).

        Raises:
            VerificationError: the key is a cosigner key, or ``text`` is not valid note text.
        """
        if self.sig_type != ED25519:
            raise VerificationError("a cosigner key signs cosignatures, not notes")
        check_text(text)
        signature = self._private().sign(text.encode("utf-8"))
        return NoteSignature(name=self.name, key_id=self.verifier.key_id, signature=signature)

    def cosign(self, text: str, *, timestamp: int) -> NoteSignature:
        """A cosignature/v1 over checkpoint ``text`` at POSIX ``timestamp`` (tlog-cosignature).

        Raises:
            VerificationError: the key is not a cosigner key, the timestamp is out of range or
                ``text`` is not a checkpoint.
        """
        if self.sig_type != COSIGNATURE_V1:
            raise VerificationError("only a cosignature/v1 key (type 0x04) cosigns")
        parse_checkpoint_text(text)
        message = cosignature_message(text, timestamp)
        signature = self._private().sign(message)
        return NoteSignature(
            name=self.name,
            key_id=self.verifier.key_id,
            signature=timestamp.to_bytes(8, "big") + signature,
        )


def cosignature_message(text: str, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint text.

    Raises:
        VerificationError: the timestamp is negative or beyond 2^63 - 1.
    """
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise VerificationError("cosignature timestamp out of range", actual=timestamp)
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def check_text(text: str) -> None:
    """Note text rules: ends in a newline, no control characters but newline (c2sp.org/signed-note).

    Raises:
        VerificationError: naming the rule broken.
    """
    if not text.endswith("\n"):
        raise VerificationError("note text must end in a newline", where="note text")
    if _has_control(text.replace("\n", "")):
        raise VerificationError(
            "note text must not contain control characters other than newline", where="note text"
        )


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into text and signature lines (c2sp.org/signed-note §Format).

    Raises:
        VerificationError: the note is not UTF-8, has control characters, no blank line before
            the signatures, a malformed signature line, or more than 100 signatures.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise VerificationError("a note must be valid UTF-8", where="note") from exc
    if _has_control(data.replace("\n", "")):
        raise VerificationError(
            "a note must not contain control characters other than newline", where="note"
        )
    if not data.endswith("\n"):
        raise VerificationError("a note must end in a newline", where="note")
    split = data.rfind("\n\n")
    if split < 0:
        raise VerificationError("no blank line before the signature lines", where="note")
    text = data[: split + 1]
    lines = data[split + 2 :].split("\n")[:-1]
    if not lines:
        raise VerificationError("a signed note needs at least one signature line", where="note")
    if len(lines) > MAX_SIGNATURES:
        raise VerificationError(
            "too many signature lines", expected=f"<= {MAX_SIGNATURES}", actual=len(lines)
        )
    return Note(text=text, signatures=tuple(parse_signature_line(line) for line in lines))


def parse_signature_line(line: str) -> NoteSignature:
    """``— <name> <base64(key ID ‖ signature)>`` (without or with its newline).

    Raises:
        VerificationError: the line is malformed (naming the part).
    """
    body = line[:-1] if line.endswith("\n") else line
    prefix = EM_DASH + " "
    if not body.startswith(prefix):
        raise VerificationError(
            "a signature line starts with an em dash (U+2014) and a space",
            actual=body[:20],
            where="signature line",
        )
    parts = body[len(prefix) :].split(" ")
    if len(parts) != 2:
        raise VerificationError(
            "a signature line is '— <name> <base64>'", actual=body, where="signature line"
        )
    name = check_key_name(parts[0], where="signature line name")
    raw = _b64decode(parts[1], where=f"signature of {name}")
    if len(raw) < 5:
        raise VerificationError(
            "a signature is a 4-byte key ID and at least one byte",
            actual=len(raw),
            where=f"signature of {name}",
        )
    return NoteSignature(name=name, key_id=raw[:4], signature=raw[4:])


def verify_signature(text: str, signature: NoteSignature, key: VerifierKey) -> int | None:
    """Verify one signature line by ``key`` over note ``text``; return the cosignature's
    timestamp (None for a plain Ed25519 signature).

    Raises:
        VerificationError: the line is not by this key, or the signature does not verify.
    """
    if not key.matches(signature):
        raise VerificationError(
            "signature line is not by this key",
            expected=f"{key.name} {key.key_id.hex()}",
            actual=f"{signature.name} {signature.key_id.hex()}",
        )
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    public = Ed25519PublicKey.from_public_bytes(key.public_key)
    timestamp: int | None = None
    if key.sig_type == ED25519:
        message = text.encode("utf-8")
        raw = signature.signature
    else:
        if len(signature.signature) != 72:
            raise VerificationError(
                "a cosignature/v1 is an 8-byte timestamp and a 64-byte Ed25519 signature",
                expected=72,
                actual=len(signature.signature),
                where=f"cosignature of {key.name}",
            )
        timestamp = int.from_bytes(signature.signature[:8], "big")
        message = cosignature_message(text, timestamp)
        raw = signature.signature[8:]
    try:
        public.verify(raw, message)
    except InvalidSignature as exc:
        raise VerificationError(
            "signature does not verify", where=f"signature of {key.name}"
        ) from exc
    return timestamp


def verify_note(note: Note, keys: Sequence[VerifierKey]) -> list[VerifierKey]:
    """The keys among ``keys`` whose signatures on ``note`` verify; unknown lines are ignored.

    c2sp.org/signed-note §Signatures: a signature by a known key that fails rejects the note;
    a note with no verified known signature is rejected.

    Raises:
        VerificationError: a known key's signature fails, or no known key signed the note.
    """
    verified: list[VerifierKey] = []
    for signature in note.signatures:
        for key in keys:
            if key.matches(signature):
                verify_signature(note.text, signature, key)
                if key not in verified:
                    verified.append(key)
    if not verified:
        raise VerificationError(
            "no signature by a known key",
            expected=[k.encode() for k in keys],
            actual=[f"{s.name} {s.key_id.hex()}" for s in note.signatures],
            where="note",
        )
    return verified


# c2sp.org/tlog-checkpoint --------------------------------------------------------------------


@dataclass(frozen=True)
class TlogCheckpoint:
    """The checkpoint note text: origin, tree size, root hash and extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """``<origin>\\n<size>\\n<base64 root>\\n`` then one line per extension."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii")]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint_text(text: str) -> TlogCheckpoint:
    """Parse checkpoint note text (c2sp.org/tlog-checkpoint §Note text).

    Raises:
        VerificationError: fewer than three lines, an empty line, a tree size with leading
            zeroes or not decimal, a root hash that is not base64 of 32 bytes.
    """
    check_text(text)
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError(
            "a checkpoint has at least three lines", actual=len(lines), where="checkpoint"
        )
    if any(not line for line in lines):
        raise VerificationError("checkpoint lines must be non-empty", where="checkpoint")
    origin, size_text, root_text = lines[:3]
    if not _DECIMAL.fullmatch(size_text):
        raise VerificationError(
            "tree size must be ASCII decimal without leading zeroes",
            actual=size_text,
            where="checkpoint size",
        )
    root = _b64decode(root_text, where="checkpoint root hash")
    if len(root) != 32:
        raise VerificationError(
            "root hash must be 32 bytes", actual=len(root), where="checkpoint root hash"
        )
    return TlogCheckpoint(
        origin=origin, size=int(size_text), root=root, extensions=tuple(lines[3:])
    )


# Tamga's checkpoint as a C2SP note -----------------------------------------------------------


def checkpoint_text(checkpoint: Checkpoint) -> str:
    """The C2SP checkpoint text of a Tamga checkpoint.

    ``<origin>``, ``<size>``, ``<base64 log root>``, then two extension lines:
    ``tamga-state <state size> <base64 state root>`` and ``tamga-time <RFC 3339 time>``, the
    same fields the EIP-191 body signs.
    """
    return TlogCheckpoint(
        origin=checkpoint.origin,
        size=checkpoint.size,
        root=checkpoint.log_root,
        extensions=(
            f"{STATE_EXTENSION} {checkpoint.state_size} "
            + base64.b64encode(checkpoint.state_root).decode("ascii"),
            f"{TIME_EXTENSION} {format_time(checkpoint.issued_at)}",
        ),
    ).text()


def checkpoint_from_text(text: str) -> Checkpoint:
    """Inverse of ``checkpoint_text``.

    Raises:
        VerificationError: the text is not a checkpoint, or its extension lines are not the
            two Tamga lines in canonical form.
    """
    parsed = parse_checkpoint_text(text)
    try:
        if len(parsed.extensions) != 2:
            raise ValueError(f"{len(parsed.extensions)} extension lines, expected 2")
        state_name, state_size, state_root = parsed.extensions[0].split(" ")
        time_name, time_text = parsed.extensions[1].split(" ")
        if state_name != STATE_EXTENSION or time_name != TIME_EXTENSION:
            raise ValueError("extension lines must be tamga-state and tamga-time")
        if not _DECIMAL.fullmatch(state_size):
            raise ValueError("state size is not decimal")
        checkpoint = Checkpoint(
            origin=parsed.origin,
            size=parsed.size,
            log_root=parsed.root,
            state_root=_b64decode(state_root, where="tamga-state root"),
            state_size=int(state_size),
            issued_at=parse_time(time_text),
        )
    except ValueError as exc:
        raise VerificationError(
            f"not a Tamga checkpoint note: {exc}", where="checkpoint extension lines"
        ) from exc
    if checkpoint_text(checkpoint) != text:
        raise VerificationError(
            "checkpoint note text is not in canonical form", where="checkpoint note"
        )
    return checkpoint


def sign_checkpoint_note(checkpoint: Checkpoint, signer: NoteSigner) -> Note:
    """The checkpoint as a C2SP signed note, signed by the node's Ed25519 note key."""
    text = checkpoint_text(checkpoint)
    return Note(text=text, signatures=(signer.sign(text),))


def _has_control(text: str) -> bool:
    return any(ord(c) < 0x20 for c in text)


def _b64decode(text: str, *, where: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationError("not standard base64", actual=text, where=where) from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise VerificationError("base64 is not in canonical form", actual=text, where=where)
    return raw
