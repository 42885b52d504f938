"""The checkpoint signing key: an encrypted keystore (Web3 Secret Storage v3) and password file."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from node.errors import SigningKeyError
from node.note import NoteSigner

if TYPE_CHECKING:  # eth_account loads only when a keystore is created or opened
    from eth_account.signers.local import LocalAccount

KEYSTORE_SCRYPT_N = 2**14


def create_keystore(
    *, key_file: Path, password_file: Path, private_key: bytes | None = None
) -> str:
    """Create a new encrypted keystore and a random password file (mode 0600); return the address.

    Raises:
        SigningKeyError: a keystore already exists there, or the files cannot be written.
    """
    from eth_account import Account

    if key_file.exists():
        raise SigningKeyError(f"a keystore already exists at {key_file}; refusing to overwrite it")
    key = private_key if private_key is not None else secrets.token_bytes(32)
    try:
        password = password_file.read_text().strip() if password_file.exists() else None
        if password is None:
            password = secrets.token_urlsafe(32)
            _write_private(password_file, password + "\n")
        keystore = Account.encrypt(key, password, kdf="scrypt", iterations=KEYSTORE_SCRYPT_N)
        _write_private(key_file, json.dumps(keystore))
    except OSError as exc:
        raise SigningKeyError(f"cannot write the keystore: {exc.strerror}") from exc
    address: str = Account.from_key(key).address
    return address


def load_account(*, key_file: Path, password_file: Path) -> LocalAccount:
    """Decrypt the keystore with the password from ``password_file``.

    Raises:
        SigningKeyError: a file is missing or the password does not open the keystore. The message
            never contains the key or the password.
    """
    from eth_account import Account

    try:
        keystore = json.loads(key_file.read_text())
        password = password_file.read_text().strip()
    except FileNotFoundError as exc:
        raise SigningKeyError(f"missing key material: {exc.filename} (run `tamga init`)") from exc
    except (OSError, ValueError) as exc:
        raise SigningKeyError(
            f"cannot read the keystore {key_file}: {exc.__class__.__name__}"
        ) from exc
    try:
        key = Account.decrypt(keystore, password)
    except ValueError:
        raise SigningKeyError(f"the password in {password_file} does not open {key_file}") from None
    account: LocalAccount = Account.from_key(key)
    return account


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


NOTE_KEY_DOMAIN = b"tamga/note-key/v1\n"


def note_seed(account: LocalAccount) -> bytes:
    """The Ed25519 seed of the node's C2SP note key, derived from the checkpoint key.

    seed = SHA-256("tamga/note-key/v1\\n" ‖ 32-byte secp256k1 checkpoint key). One key file
    holds both keys: backups, restores and rotations of the checkpoint key carry the note key
    with them, and nobody can hold one without the other. The derivation is one-way: the note
    key reveals nothing of the checkpoint key.
    """
    return hashlib.sha256(NOTE_KEY_DOMAIN + bytes(account.key)).digest()


def note_signer(account: LocalAccount, *, origin: str) -> NoteSigner:
    """The node's Ed25519 note signer: key name = the log's origin (c2sp.org/tlog-checkpoint).

    Raises:
        VerificationError: the origin is not a valid key name (spaces or '+').
    """
    return NoteSigner(name=origin, seed=note_seed(account))
