"""The anchoring key: an encrypted keystore (Web3 Secret Storage v3) opened with a password taken
from the environment (TAMGA_ANCHOR_KEY_PASSWORD) or a secret file; neither is ever logged."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from node.errors import SigningKeyError
from node.keys import KEYSTORE_SCRYPT_N, create_keystore
from node.settings import Settings


def anchor_key_file(settings: Settings) -> Path:
    """The anchoring keystore's path (default ``<data_dir>/keys/anchor-key.json``)."""
    return settings.anchor_key_file or settings.data_dir / "keys" / "anchor-key.json"


def anchor_password_file(settings: Settings) -> Path:
    """The anchoring password file (default ``<data_dir>/keys/anchor-key.password``)."""
    return settings.anchor_key_password_file or settings.data_dir / "keys" / "anchor-key.password"


def ensure_anchor_key(settings: Settings) -> tuple[str, bool]:
    """Create the anchoring keystore (random key, random password file, mode 0600) if missing.

    Returns the address and whether it was created. With TAMGA_ANCHOR_KEY_PASSWORD set, a new
    keystore is encrypted with that password and no password file is written.

    Raises:
        SigningKeyError: the files cannot be written or the existing keystore cannot be opened.
    """
    key_file = anchor_key_file(settings)
    if key_file.exists():
        return load_anchor_account(settings).address, False
    if settings.anchor_key_password is not None:
        account: LocalAccount = Account.create()
        password = settings.anchor_key_password.get_secret_value()
        keystore = Account.encrypt(
            account.key, password, kdf="scrypt", iterations=KEYSTORE_SCRYPT_N
        )
        try:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(keystore))
        except OSError as exc:
            raise SigningKeyError(f"cannot write the keystore: {exc.strerror}") from exc
        return account.address, True
    address = create_keystore(key_file=key_file, password_file=anchor_password_file(settings))
    return address, True


def load_anchor_account(settings: Settings) -> LocalAccount:
    """Decrypt the anchoring keystore.

    The password is TAMGA_ANCHOR_KEY_PASSWORD when set, else the first line of the password file.

    Raises:
        SigningKeyError: the keystore or password is missing, or the password does not open it.
            The message names files, never the key or the password.
    """
    key_file = anchor_key_file(settings)
    try:
        keystore = json.loads(key_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SigningKeyError(
            f"no anchoring keystore at {key_file} (`tamga anchor key create` makes one)"
        ) from None
    except (OSError, ValueError) as exc:
        raise SigningKeyError(f"cannot read the anchoring keystore {key_file}") from exc
    if settings.anchor_key_password is not None:
        password = settings.anchor_key_password.get_secret_value()
        source = "TAMGA_ANCHOR_KEY_PASSWORD"
    else:
        password_file = anchor_password_file(settings)
        try:
            password = password_file.read_text(encoding="utf-8").strip()
        except OSError:
            raise SigningKeyError(
                f"no password for the anchoring keystore: set TAMGA_ANCHOR_KEY_PASSWORD or "
                f"write it to {password_file}"
            ) from None
        source = str(password_file)
    try:
        key = Account.decrypt(keystore, password)
    except ValueError:
        raise SigningKeyError(
            f"the password from {source} does not open the anchoring keystore {key_file}"
        ) from None
    account: LocalAccount = Account.from_key(key)
    return account
