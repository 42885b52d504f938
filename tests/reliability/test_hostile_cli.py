"""Hostile input on the command line: malformed, wrongly encoded, huge, deeply
nested and alias-bomb filings; random registration numbers, codes and proof arguments. Every one
is a one-line error naming the problem (no traceback), a non-zero exit, and an unchanged
database file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from node.cli import CliOverrides, app
from node.clock import FixedClock
from tests.reliability.hostile_support import EXAMPLES
from tests.support.scenario import NOW

FILINGS = Path(__file__).resolve().parents[1] / "data" / "filings"
VALID_ISSUER = (FILINGS / "issuer-legal-entity.yaml").read_text(encoding="utf-8")

BILLION_LAUGHS = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    + ["name: *a8"]
)

HOSTILE_FILES: list[tuple[str, str, bytes]] = [
    ("empty", "issuer.yaml", b""),
    ("not YAML", "issuer.yaml", b"name: [unclosed\n  - : :"),
    ("a list", "issuer.yaml", b"- name: x\n"),
    ("a scalar", "issuer.yaml", b"just text"),
    ("binary junk", "issuer.yaml", bytes(range(256)) * 4),
    ("UTF-16", "issuer.yaml", VALID_ISSUER.encode("utf-16")),
    ("latin-1", "issuer.yaml", "name: Café Öl\n".encode("latin-1")),
    ("python object tag", "issuer.yaml", b"name: !!python/object/apply:os.system ['true']\n"),
    ("alias bomb", "issuer.yaml", BILLION_LAUGHS.encode()),
    ("nested 50,000 deep (JSON)", "issuer.json", b"[" * 50_000 + b"]" * 50_000),
    ("nested 5,000 deep (YAML)", "issuer.yaml", b"a: " + b"[" * 5_000 + b"]" * 5_000),
    ("NaN in JSON", "issuer.json", b'{"name": NaN}'),
    ("duplicate keys", "issuer.yaml", VALID_ISSUER.encode() + b"\nname: Second name\n"),
    (
        "huge name",
        "issuer.yaml",
        VALID_ISSUER.replace("name:", "name: " + "x" * 200_000 + " #", 1).encode(),
    ),
    ("unknown member", "issuer.yaml", VALID_ISSUER.encode() + b"\nextra_member: 1\n"),
    ("NUL in a field", "issuer.json", json.dumps({"name": "a\x00b"}).encode()),
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(
        app, list(args), obj=CliOverrides(clock=FixedClock(NOW)), env={"COLUMNS": "200"}
    )


def _assert_clean_error(result: Result, what: str) -> str:
    where = f"{what}: exit {result.exit_code}\n{result.output[-2000:]}"
    assert result.exit_code not in (0, None), where
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), (where, repr(result.exception))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, where
    assert "Traceback" not in result.output, where
    assert lines[0].startswith("error"), where
    return lines[0]


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with an initialised register holding one issuer."""
    data = Path(tmp_path_factory.mktemp("hostile-cli")) / "data"
    mp = pytest.MonkeyPatch()
    mp.setenv("TAMGA_DATA_DIR", str(data))
    try:
        assert _invoke("init").exit_code == 0
        added = _invoke("issuer", "add", str(FILINGS / "issuer-legal-entity.yaml"))
        assert added.exit_code == 0, added.output
    finally:
        mp.undo()
    return data


@pytest.fixture
def cli_env(ledger_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in [k for k in os.environ if k.startswith("TAMGA_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("TAMGA_DATA_DIR", str(ledger_dir))
    return ledger_dir / "tamga.sqlite"


@pytest.mark.parametrize(
    ("name", "filename", "content"), HOSTILE_FILES, ids=[h[0] for h in HOSTILE_FILES]
)
def test_hostile_filing_files(
    cli_env: Path, tmp_path: Path, name: str, filename: str, content: bytes
) -> None:
    before = _digest(cli_env)
    path = tmp_path / filename
    path.write_bytes(content)
    for command in (("issuer", "add", str(path)), ("emission", "register", str(path))):
        line = _assert_clean_error(_invoke(*command), f"{' '.join(command[:2])} {name}")
        assert len(line) < 2_000, line  # the huge value is not echoed back whole
        EXAMPLES["CLI hostile files"] += 1
    assert _digest(cli_env) == before


def test_missing_file_and_directory(cli_env: Path, tmp_path: Path) -> None:
    before = _digest(cli_env)
    for target in (tmp_path / "absent.yaml", tmp_path):
        line = _assert_clean_error(_invoke("issuer", "add", str(target)), str(target))
        assert str(target) in line, line
    assert _digest(cli_env) == before


CLI_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
TOKENS = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
).filter(lambda s: not s.startswith("-"))


@given(value=TOKENS)
@CLI_SETTINGS
def test_random_keys_and_proof_arguments(cli_env: Path, value: str) -> None:
    before = _digest(cli_env)
    for command in (
        ("emission", "show", value),
        ("issuer", "show", value),
        ("emission", "history", value),
        ("prove", "inclusion", value),
        ("prove", "consistency", value, "1"),
        ("prove", "state", value),
        ("issuer", "event", "A001", "updated", "--set", value),
    ):
        result = _invoke(*command)
        if result.exit_code == 0:  # e.g. an index or key that exists
            continue
        if result.exit_code == 2:  # click's usage error (e.g. not an integer): one clear line
            assert "Error" in result.stderr and "Traceback" not in result.output, result.output
        else:
            _assert_clean_error(result, f"{command} {value!r}")
        EXAMPLES["CLI random arguments"] += 1
    assert _digest(cli_env) == before
