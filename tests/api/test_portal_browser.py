"""The issuers' portal in real headless Chromium (issue 18) with an injected EIP-1193 provider
backed by an anvil dev account: wallet sign-in, an application filed (refused first at its
field, the draft kept), the wallet proof signed in the browser (EIP-712), a source filed."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.webguard import WORKBENCH_POLICY
from tests.api.conftest import ApiEnv, build_chain_env
from tests.api.test_api_browser import ARTIFACTS, run_browser, serving
from tests.cli.cli_support import emission_filing
from tests.verification.support import TestChain, anvil_chain, register_token

PORTAL = Path(__file__).with_name("browser") / "portal.mjs"
DEV_ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
"""anvil's second default account (unlocked in anvil: it signs what the page's wallet asks)."""


@pytest.fixture(scope="module")
def chain() -> Iterator[TestChain]:
    with anvil_chain() as running:
        yield running


@pytest.fixture
def penv(chain: TestChain, tmp_path: Path) -> Iterator[ApiEnv]:
    yield from build_chain_env(chain.url, tmp_path)


def test_an_issuer_signs_in_files_and_proves_in_chromium(chain: TestChain, penv: ApiEnv) -> None:
    env = penv
    token = chain.token(chain.account(60))
    regno = register_token(env.ledger, contract=token, wallet=DEV_ACCOUNT, until="registered")
    filing = emission_filing(
        env.code,
        name="Browser Filed Som",
        symbol="BFSOM",
        issuer_wallet=DEV_ACCOUNT,
        blockchain="tamga-local",
    )
    with serving(env) as base:
        result = run_browser(
            PORTAL,
            base,
            str(ARTIFACTS),
            chain.url,
            DEV_ACCOUNT,
            env.code,
            regno,
            json.dumps(filing, default=str),
            timeout=240,
        )
    assert "error" not in result, json.dumps(result)[:3000]
    assert result["pageErrors"] == [], result
    assert result["csp"] == WORKBENCH_POLICY
    assert result["cspViolations"] == []
    assert result["axe"] == {"signin": [], "home": [], "apply": [], "emission": []}
    assert not any(result["overflows"].values()), result["overflows"]
    # signed in by the wallet: personal_sign and eth_signTypedData_v4 went to the wallet
    assert result["user"].startswith(env.code)
    assert result["listsKey"]
    assert "personal_sign" in result["walletCalls"]
    assert "eth_signTypedData_v4" in result["walletCalls"]
    # the application: refused at its field first, the draft kept, then filed
    assert "symbol" in result["symbolError"], result
    assert result["draftName"] == "Browser Filed Som" and result["draftStatus"]
    assert re.search(r"APP-\d{6}", result["filed"]), result["filed"]
    assert result["draftAfter"] is None
    filed = [e for e in env.ledger.emissions() if e.name == "Browser Filed Som"]
    assert len(filed) == 1 and filed[0].issuer == env.code
    item = result["collateralItem"]
    assert isinstance(item, list) and {"kind", "assessed_value", "registrar"} <= set(item[0])
    paper = hashlib.sha256(b"%PDF-1.4 white paper of Browser Filed Som").hexdigest()
    assert result["whitepaper"]["sha256"] == paper == filed[0].whitepaper.sha256
    # the wallet proof, signed in the browser, checked by recovery and recorded
    assert result["proofError"] == "" and "eoa" in result["proof"], result
    proof = env.ledger.emission(regno).verification
    assert proof is not None and proof.wallet_proof is not None
    assert proof.wallet_proof.wallet.lower() == DEV_ACCOUNT.lower()
    assert result["sourceError"] == "" and "source" in result["source"], result
    assert result["signedOut"]
    for name in ("signin", "home", "apply", "emission"):
        for lang in ("ky", "ru", "en"):
            shot = ARTIFACTS / f"portal-{name}-{lang}.png"
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
