"""Signed checkpoints: (origin, tree size, log root, state root, time), signed with EIP-191."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from node.errors import VerificationError

if TYPE_CHECKING:  # eth_account is imported only by what signs or verifies (fast CLI start)
    from eth_account.signers.local import LocalAccount

CHECKPOINT_FORMAT = "tamga-checkpoint/v1"


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC text with microseconds, e.g. ``2026-11-22T01:47:16.000000Z``.

    Raises:
        ValueError: ``moment`` is naive.
    """
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Inverse of ``format_time``.

    Raises:
        ValueError: the text is not in that format.
    """
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Checkpoint:
    """A tree head of the log plus the state root of the register at that size."""

    origin: str
    size: int
    log_root: bytes
    state_root: bytes
    state_size: int
    issued_at: datetime

    def body(self) -> bytes:
        """The exact bytes that are signed (a small signed-note style text, one field a line)."""
        lines = [
            CHECKPOINT_FORMAT,
            f"origin {self.origin}",
            f"size {self.size}",
            f"log_root {self.log_root.hex()}",
            f"state_root {self.state_root.hex()}",
            f"state_size {self.state_size}",
            f"time {format_time(self.issued_at)}",
        ]
        return ("\n".join(lines) + "\n").encode("utf-8")

    @classmethod
    def from_body(cls, body: bytes) -> Checkpoint:
        """Parse the signed text back (round trip of ``body``).

        Raises:
            VerificationError: the text is not a checkpoint body.
        """
        try:
            lines = body.decode("utf-8").split("\n")
            if lines[0] != CHECKPOINT_FORMAT or lines[-1] != "" or len(lines) != 8:
                raise ValueError("unexpected layout")
            fields = dict(line.split(" ", 1) for line in lines[1:-1])
            checkpoint = cls(
                origin=fields["origin"],
                size=int(fields["size"]),
                log_root=bytes.fromhex(fields["log_root"]),
                state_root=bytes.fromhex(fields["state_root"]),
                state_size=int(fields["state_size"]),
                issued_at=parse_time(fields["time"]),
            )
        except (UnicodeDecodeError, ValueError, KeyError) as exc:
            raise VerificationError(f"not a {CHECKPOINT_FORMAT} body: {exc}") from exc
        if checkpoint.body() != body:
            raise VerificationError("checkpoint body is not in canonical form")
        return checkpoint


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with the signer's address and its 65-byte EIP-191 signature."""

    checkpoint: Checkpoint
    signer: str
    signature: bytes


def sign_checkpoint(checkpoint: Checkpoint, account: LocalAccount) -> SignedCheckpoint:
    """Sign ``checkpoint.body()`` as an EIP-191 version 0x45 ("personal_sign") message."""
    from eth_account.messages import encode_defunct

    signed = account.sign_message(encode_defunct(primitive=checkpoint.body()))
    return SignedCheckpoint(
        checkpoint=checkpoint, signer=account.address, signature=bytes(signed.signature)
    )


def recover_signer(checkpoint: Checkpoint, signature: bytes) -> str:
    """The address that produced ``signature`` over the checkpoint (EIP-191).

    Raises:
        VerificationError: the signature is malformed.
    """
    from eth_account import Account
    from eth_account.messages import encode_defunct

    try:
        address: str = Account.recover_message(
            encode_defunct(primitive=checkpoint.body()), signature=signature
        )
    except Exception as exc:  # eth-keys raises several unrelated types for bad signatures
        raise VerificationError(f"checkpoint signature is malformed: {exc}") from exc
    return address


def verify_checkpoint_signature(
    signed: SignedCheckpoint, *, expected_signer: str | None = None
) -> None:
    """Check that the signature recovers to ``signed.signer`` (and to ``expected_signer`` if given).

    Raises:
        VerificationError: the signature does not match, naming expected and actual signer.
    """
    actual = recover_signer(signed.checkpoint, signed.signature)
    want = expected_signer or signed.signer
    if actual.lower() != want.lower():
        raise VerificationError(
            "checkpoint signature is not by the expected key",
            expected=want,
            actual=actual,
            where=f"checkpoint {signed.checkpoint.size}",
        )
