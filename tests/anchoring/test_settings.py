"""Anchoring settings: a remote chain needs all three of URL, chain id and contract; the key's
password comes from the environment or a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from anchoring.keys import ensure_anchor_key, load_anchor_account
from node.chain.endpoint import configured_chain
from node.errors import ConfigError, SigningKeyError
from node.settings import Settings


def test_remote_chain_settings_must_be_complete(tmp_path: Path) -> None:
    assert not configured_chain(Settings(data_dir=tmp_path))
    complete = Settings(
        data_dir=tmp_path,
        rpc_url="http://127.0.0.1:8545",
        chain_id=1,
        contract_address="0x" + "11" * 20,
    )
    assert configured_chain(complete)
    with pytest.raises(ConfigError, match="TAMGA_CHAIN_ID and TAMGA_CONTRACT_ADDRESS must be"):
        configured_chain(Settings(data_dir=tmp_path, rpc_url="http://x"))
    with pytest.raises(ConfigError, match="TAMGA_RPC_URL is not"):
        configured_chain(Settings(data_dir=tmp_path, contract_address="0x" + "11" * 20))
    with pytest.raises(ConfigError, match="not an address"):
        configured_chain(complete.model_copy(update={"contract_address": "0x1234"}))


def test_password_from_file_or_environment(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    address, created = ensure_anchor_key(settings)
    assert created
    password_file = tmp_path / "keys" / "anchor-key.password"
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    assert load_anchor_account(settings).address == address
    assert ensure_anchor_key(settings) == (address, False)
    password = password_file.read_text().strip()
    password_file.unlink()
    with pytest.raises(SigningKeyError, match="set TAMGA_ANCHOR_KEY_PASSWORD or write it to"):
        load_anchor_account(settings)
    from_env = Settings(data_dir=tmp_path, anchor_key_password=password)
    assert load_anchor_account(from_env).address == address
    assert password not in repr(from_env)  # a SecretStr: never shown
