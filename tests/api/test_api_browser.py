"""The public pages in real headless Chromium (Debian's package, driven by playwright-core)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.app import create_app
from api.webguard import PAGE_POLICY
from node.chain.config import ChainTable
from tests.api.conftest import ApiEnv
from tests.verification.support import verifier

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("browser") / "register.mjs"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_browser(script: Path, *args: str, timeout: float = 180) -> dict[str, Any]:
    """Run one of the Chromium scripts under tests/api/browser/ with Node; the JSON it prints
    last (its script's failure, if any, is in ``error``)."""
    node = shutil.which("node")
    assert node is not None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [node, str(script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def serving(env: ApiEnv) -> Iterator[str]:
    """The app of ``env`` on a real loopback port (uvicorn in a thread), stopped at the end."""
    port = _free_port()
    app = create_app(env.settings, clock=env.clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served(env: ApiEnv) -> Iterator[str]:
    """The app on a real loopback port, stopped at teardown."""
    with serving(env) as url:
        yield url


def test_search_open_switch_language_in_chromium(served: str, env: ApiEnv) -> None:
    assert Path(CHROMIUM).exists(), "install Debian's chromium (make system-deps)"
    # a real verification run whose chain table knows no chain: a chain.unknown finding
    verifier(env.ledger, None, table=ChainTable(builtin=False)).run([env.wallet_key])
    result = run_browser(SCRIPT, served, str(ARTIFACTS), "wallet token", timeout=120)
    assert result["title"].startswith("Emission register")
    # the pages work under the strict policy the server sends: no violation on any page
    assert result["csp"] == PAGE_POLICY
    assert result["cspViolations"] == []
    assert result["rows"] == 1
    assert result["firstKey"] == env.wallet_key
    assert result["key"] == env.wallet_key
    assert result["statusEn"] == "Registered"
    assert result["timeline"] == 4  # applied, registered, checked on chain, finding
    assert result["findingRows"] == 1
    assert "Warning" in result["findings"]
    assert "The declared blockchain is not in the chain table" in result["findings"]
    assert "Checked" not in result["lastRun"] and "Unknown chain" in result["lastRun"]
    assert "Заявленного блокчейна нет в таблице сетей" in result["findingsRu"]
    assert "Предупреждение" in result["findingsRu"]
    assert result["lang"] == "ru"
    assert result["statusRu"] == "Зарегистрирована"
    assert result["langAfter"] == "ru"
    assert result["checkpointHeading"] == "Последняя контрольная точка"
    assert result["minersHeading"] == "Цифровой реестр майнеров"
    assert result["minerRows"] == 1
    assert result["minerHeading"].endswith(env.certificate)
    assert result["minerOverflows"] is False
    assert result["licencesHeading"] == "Реестр поставщиков услуг виртуальных активов"
    assert result["licenceHeading"].endswith(env.licence)
    assert result["licenceOverflows"] is False
    assert result["registerOverflows"] is False
    assert result["emissionOverflows"] is False
    for name in ("register-search.png", "emission-ru.png", "checkpoints-ru.png"):
        shot = ARTIFACTS / name
        assert shot.stat().st_size > 5_000
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


WORKBENCH = Path(__file__).with_name("browser") / "workbench.mjs"


def test_a_member_of_staff_receives_decides_and_cancels_in_chromium(
    served: str, env: ApiEnv
) -> None:
    """Issue 18: the workbench end to end in real Chromium, under its own strict policy, with
    no accessibility violation axe-core finds (WCAG 2.1 A/AA), usable at phone width."""
    import hashlib

    from api.auth import Role
    from api.schema import api_tokens
    from api.store import ApiStore
    from api.webguard import WORKBENCH_POLICY
    from tests.api.conftest import add_token
    from tests.api.test_api_workbench_reports import _burned, _findings

    _burned(env)  # a burn entered and one read on chain, then a checkpoint
    _findings(env)  # a critical and a warning finding on the same emission
    token_id, token = add_token(
        ApiStore(env.ledger.store.engine), env.clock, role=Role.REGULATOR, seed=77
    )
    with env.ledger.store.engine.begin() as conn:
        conn.execute(
            api_tokens.update().where(api_tokens.c.id == token_id).values(name="Asel Asanova")
        )
    result = run_browser(WORKBENCH, served, str(ARTIFACTS), token, env.other_key, env.key)
    assert "error" not in result, json.dumps(result)[:3000]
    assert result["pageErrors"] == [], result
    assert result["csp"] == WORKBENCH_POLICY
    assert result["cspViolations"] == []
    assert result["axe"] == {
        "signin": [],
        "inbox": [],
        "deadlines": [],
        "record": [],
        "supply": [],
        "findings": [],
        "health": [],
        "new": [],
    }
    assert not any(result["overflows"].values()), result["overflows"]
    assert "unknown, revoked or expired" in result["badSignIn"]
    assert result["staff"] == "Asel Asanova"
    (cookie,) = [c for c in result["cookies"] if c["name"] == "tamga_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert result["inboxHasKey"]
    assert "grounds" in result["refusalError"] and result["refusalInvalid"] == "true"
    assert result["sha256"] == hashlib.sha256(b"%PDF-1.4 decision R-77").hexdigest()
    assert result["registered"].startswith("emission.registered")
    assert result["statusAfter"] == "registered"
    assert result["cancelError"] == "" and result["cancelled"].startswith("emission.cancelled")
    assert result["statusCancelled"] == "cancelled"
    assert result["signedOut"]
    # a new issuer from the new-record form, refused first at its missing address
    assert "legal_address" in result["issuerError"]
    assert re.match(r"issuer · A\d{3} · #\d+$", result["issuerFiled"]), result["issuerFiled"]
    assert result["basisHiddenForFiling"] and result["basisShownForDecree"]
    filed = [i for i in env.ledger.issuers() if i.name == "Aizada Browser"]
    assert len(filed) == 1 and filed[0].region.value == "naryn"
    state = env.ledger.emission(env.other_key)
    assert state.status.value == "cancelled"
    registered = [e for _, e in env.ledger.history(state.application_no)][-2]
    assert registered.basis is not None and registered.basis.sha256 == result["sha256"]
    assert registered.recorded_by == "Asel Asanova"  # the person, in the log itself
    assert result["supplyHasKey"] and result["chart"]
    assert result["publishError"] == "" and result["publications"] == 1
    assert (result["findingsBefore"], result["findingsAfter"]) == (2, 1)
    assert result["balance"].startswith("unknown")
    for name in ("inbox", "deadlines", "record", "new", "supply", "findings", "health"):
        for lang in ("ky", "ru", "en"):
            assert (ARTIFACTS / f"workbench-{name}-{lang}.png").stat().st_size > 10_000
