"""EIP-4361 (Sign-In with Ethereum) messages: built for a challenge, checked at sign-in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.address import to_checksum_address

from node.checkpoint import format_time
from node.errors import VerificationError

ADDRESS_RE: Final = re.compile(r"^0x[0-9a-fA-F]{40}$")
STATEMENT: Final = (
    "Sign in to the Unified State Register of Virtual Asset Emissions as the issuer {issuer}, "
    "proving control of a wallet declared in its decision on issue (Reg. §5.5)."
)


@dataclass(frozen=True)
class SignInMessage:
    """The fields of an EIP-4361 message as Tamga issues them."""

    domain: str
    address: str
    statement: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: datetime
    expires_at: datetime
    issuer: str

    def text(self) -> str:
        """The exact message text the wallet signs (EIP-4361 §Message Format)."""
        return (
            f"{self.domain} wants you to sign in with your Ethereum account:\n"
            f"{self.address}\n\n"
            f"{self.statement}\n\n"
            f"URI: {self.uri}\n"
            "Version: 1\n"
            f"Chain ID: {self.chain_id}\n"
            f"Nonce: {self.nonce}\n"
            f"Issued At: {_rfc3339(self.issued_at)}\n"
            f"Expiration Time: {_rfc3339(self.expires_at)}\n"
            "Resources:\n"
            f"- urn:tamga:issuer:{self.issuer}"
        )


def checksum_address(address: str) -> str:
    """The EIP-55 form of an EVM address.

    Raises:
        ValueError: ``address`` is not 0x followed by 40 hex digits.
    """
    if not ADDRESS_RE.match(address):
        raise ValueError(f"{address!r} is not an EVM address (0x and 40 hex digits)")
    return str(to_checksum_address(address))


def nonce_of(text: str) -> str | None:
    """The ``Nonce:`` line of a message, if it has one."""
    for line in text.split("\n"):
        if line.startswith("Nonce: "):
            return line[len("Nonce: ") :]
    return None


def recover_signer(text: str, signature: str) -> str:
    """The address that signed ``text`` as an EIP-191 personal message (EIP-4361 for EOAs).

    Raises:
        VerificationError: the signature is malformed.
    """
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
        address: str = Account.recover_message(encode_defunct(text=text), signature=raw)
    except Exception as exc:  # eth-keys raises several unrelated types for bad signatures
        raise VerificationError(f"the signature is malformed: {exc}") from exc
    return address


def _rfc3339(moment: datetime) -> str:
    return format_time(moment)
