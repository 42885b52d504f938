"""Keys: the anchoring and checkpoint keys exist only in encrypted keystores
(mode 0600, password in a 0600 secret file); while `tamga up` runs and anchors, neither key nor
password is in any process's command line or environment (the node and its anvil), in its
output, in the data directory outside the keystores, in an export or a backup, or in an error
message. Rotation through the contract's role admin is tested in tests/anchoring."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account
from pydantic import SecretStr

from anchoring.keys import load_anchor_account
from node.errors import SigningKeyError
from node.settings import Settings
from tests.anchoring.test_up import Node

ROOT = Path(__file__).resolve().parents[2]
TAMGA = [sys.executable, "-c", "from node.cli import main; main()"]


def _secrets(keys: Path) -> dict[str, str]:
    """Every secret of the data directory's keys, in the spellings that could leak."""
    found: dict[str, str] = {}
    for name in ("anchor-key", "checkpoint-key"):
        password = (keys / f"{name}.password").read_text(encoding="utf-8").strip()
        keystore = json.loads((keys / f"{name}.json").read_text(encoding="utf-8"))
        key = bytes(Account.decrypt(keystore, password)).hex()
        found[f"{name} hex"] = key
        found[f"{name} 0x"] = "0x" + key
        found[f"{name} upper"] = key.upper()
        found[f"{name} password"] = password
    return found


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def _assert_absent(secrets: dict[str, str], text: str, where: str) -> None:
    for name, value in secrets.items():
        assert value not in text, f"{name} found in {where}"


@pytest.mark.slow
def test_keys_never_leave_their_keystores(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAMGA_")}
    env |= {"TAMGA_DATA_DIR": str(data), "TAMGA_API_PORT": "0", "PYTHONPATH": str(ROOT)}
    for command in (["init"], ["demo"], ["anchor", "key", "create"]):
        done = subprocess.run([*TAMGA, *command], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    keys = data / "keys"
    for file in keys.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    secrets = _secrets(keys)

    node = Node(env)
    node.wait_for("anchored ", timeout=120)
    processes = _descendants(node.process.pid)
    assert len(processes) >= 2, processes  # the node and its anvil
    for pid in processes:
        for part in ("cmdline", "environ"):
            raw = Path(f"/proc/{pid}/{part}").read_bytes().replace(b"\0", b" ")
            _assert_absent(secrets, raw.decode("utf-8", "replace"), f"/proc/{pid}/{part}")
    assert node.stop() == 0
    out, err = node.process.communicate(timeout=30)
    _assert_absent(secrets, "\n".join(node.seen) + out + err, "the node's output")

    # Everything the node wrote outside the keystores: database, anvil state, logs.
    for file in data.rglob("*"):
        if file.is_file() and file.parent != keys:
            _assert_absent(secrets, file.read_bytes().decode("latin-1"), str(file))

    # An export and a backup of the register, and the CLI's views of the node.
    exported = subprocess.run(
        [*TAMGA, "export", "--out", str(tmp_path / "export")],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert exported.returncode == 0, exported.stderr
    backed = subprocess.run(
        [*TAMGA, "backup", str(tmp_path / "backup")], cwd=ROOT, env=env, capture_output=True
    )
    assert backed.returncode == 0, backed.stderr
    for folder in ("export", "backup"):
        files = [f for f in (tmp_path / folder).rglob("*") if f.is_file()]
        assert files, folder
        for file in files:
            _assert_absent(secrets, file.read_bytes().decode("latin-1"), str(file))
    for command in (["anchor", "status"], ["anchor", "key", "show"], ["check"]):
        shown = subprocess.run(
            [*TAMGA, *command], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert shown.returncode == 0, (command, shown.stderr)
        _assert_absent(secrets, shown.stdout + shown.stderr, " ".join(command))


def test_errors_and_settings_never_show_the_password(tmp_path: Path) -> None:
    password = "correct horse battery staple 7731"
    settings = Settings(data_dir=tmp_path, anchor_key_password=SecretStr(password))
    assert password not in repr(settings) and password not in str(settings.model_dump())
    keystore = Account.encrypt(b"\x11" * 32, password, kdf="scrypt", iterations=2**4)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "anchor-key.json").write_text(json.dumps(keystore), encoding="utf-8")
    wrong = Settings(data_dir=tmp_path, anchor_key_password=SecretStr(password + "x"))
    with pytest.raises(SigningKeyError) as caught:
        load_anchor_account(wrong)
    text = f"{caught.value} {caught.value!r} {caught.value.__cause__!r}"
    assert password not in text and "11" * 32 not in text
    assert "does not open the anchoring keystore" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert load_anchor_account(settings).key == b"\x11" * 32
