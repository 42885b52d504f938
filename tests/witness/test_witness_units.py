"""Witness request encoding, key files, configuration: round trips and refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from anchoring.witness import (
    WitnessError,
    encode_add_checkpoint,
    init_witness,
    load_witness_signer,
    parse_add_checkpoint,
    parse_log_options,
)
from node.errors import SigningKeyError, VerificationError
from node.note import COSIGNATURE_V1, Note, NoteSigner, TlogCheckpoint
from node.settings import Settings, WitnessSetting

TEXT = TlogCheckpoint(origin="o.example/log", size=3, root=bytes(range(32))).text()
LOG = NoteSigner(name="o.example/log", seed=bytes([3]) * 32)
NOTE = Note(text=TEXT, signatures=(LOG.sign(TEXT),))


def test_add_checkpoint_body_round_trips_and_matches_the_spec_layout() -> None:
    proof = (bytes([1]) * 32, bytes([2]) * 32)
    body = encode_add_checkpoint(old=2, proof=proof, note=NOTE)
    lines = body.decode().split("\n")
    assert lines[0] == "old 2"
    assert lines[3] == ""  # the empty line between the proof and the checkpoint
    assert body.decode().endswith(NOTE.encode())
    parsed = parse_add_checkpoint(body)
    assert (parsed.old, parsed.proof, parsed.note) == (2, proof, NOTE)
    assert parse_add_checkpoint(encode_add_checkpoint(old=0, proof=(), note=NOTE)).proof == ()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff", "not UTF-8"),
        (b"old 1\n", "no empty line"),
        (b"old 1\n" + NOTE.encode().encode(), "proof line 2 is not base64"),
        (b"old 01\n\n" + NOTE.encode().encode(), "'old <size>'"),
        (b"new 1\n\n" + NOTE.encode().encode(), "'old <size>'"),
        (b"old 1\nAAAA\n\n" + NOTE.encode().encode(), "proof line 2"),
        (b"old 1\n\n" + TEXT.encode(), "checkpoint note"),
        (
            b"old 1\n" + b"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n" * 64 + b"\n",
            "more than 63",
        ),
        (b"x" * 70_000, "larger than"),
    ],
)
def test_malformed_requests_are_400_naming_the_problem(body: bytes, reason: str) -> None:
    with pytest.raises(WitnessError, match=reason) as caught:
        parse_add_checkpoint(body)
    assert caught.value.status == 400


def test_witness_key_file(tmp_path: Path) -> None:
    key = init_witness(tmp_path / "w", name="w.example/one", seed=bytes([5]) * 32)
    assert key.sig_type == COSIGNATURE_V1
    assert (tmp_path / "w" / "witness.key").stat().st_mode & 0o777 == 0o600
    assert load_witness_signer(tmp_path / "w").verifier == key
    with pytest.raises(SigningKeyError, match="already exists"):
        init_witness(tmp_path / "w", name="w.example/one")
    (tmp_path / "w" / "witness.key").write_text("PRIVATE+KEY+w.example/one+00000000+AAAA\n")
    with pytest.raises(SigningKeyError, match="malformed"):
        load_witness_signer(tmp_path / "w")
    with pytest.raises(SigningKeyError, match="tamga witness init"):
        load_witness_signer(tmp_path / "none")
    with pytest.raises(VerificationError, match="key name"):
        init_witness(tmp_path / "x", name="has space")


def test_log_options() -> None:
    logs = parse_log_options([f"o.example/log={LOG.verifier.encode()}"])
    assert logs == {"o.example/log": [LOG.verifier]}
    with pytest.raises(VerificationError, match="ORIGIN=VKEY"):
        parse_log_options(["no-equals"])
    cosigner = NoteSigner(name="c", seed=bytes(32), sig_type=COSIGNATURE_V1).verifier.encode()
    with pytest.raises(VerificationError, match="Ed25519 note key"):
        parse_log_options(["o=" + cosigner])


def test_witnesses_setting_needs_cosignature_vkeys(monkeypatch: pytest.MonkeyPatch) -> None:
    witness = NoteSigner(name="w.example/one", seed=bytes(32), sig_type=COSIGNATURE_V1)
    entry = {"name": "one", "url": "http://127.0.0.1:1", "vkey": witness.verifier.encode()}
    monkeypatch.setenv("TAMGA_WITNESSES", json.dumps([entry]))
    assert Settings().witnesses == (WitnessSetting(**entry),)
    monkeypatch.setenv("TAMGA_WITNESSES", json.dumps([{**entry, "vkey": LOG.verifier.encode()}]))
    with pytest.raises(ValidationError, match="cosignature/v1"):
        Settings()
    monkeypatch.setenv("TAMGA_WITNESSES", json.dumps([{**entry, "vkey": "garbage"}]))
    with pytest.raises(ValidationError, match="vkey"):
        Settings()


def test_witness_cli_init_and_key(tmp_path: Path) -> None:
    tamga = str(Path(sys.executable).with_name("tamga"))
    made = subprocess.run(
        [tamga, "witness", "init", str(tmp_path / "w"), "--name", "w.example/cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    shown = subprocess.run(
        [tamga, "witness", "key", str(tmp_path / "w")], capture_output=True, text=True, check=True
    )
    assert made.stdout == shown.stdout and shown.stdout.startswith("w.example/cli+")
    again = subprocess.run(
        [tamga, "witness", "init", str(tmp_path / "w"), "--name", "w.example/cli"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode != 0 and "already exists" in again.stderr
