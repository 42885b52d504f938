"""API test fixtures: a populated ledger, the app on it, and tokens for every role."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import TOKEN_ID_BYTES, TOKEN_SECRET_BYTES, Role, Scope, TokenKind, make_token
from api.store import ApiStore
from node.chain.config import ChainSetting
from node.clock import FixedClock
from node.domain.filings import parse_miner_filing, parse_vasp_filing
from node.ledger.service import Ledger
from node.settings import Settings
from tests.support.scenario import NOW, open_ledger
from tests.unit.domain.lifecycle_samples import emission_filing, happy_path, issuer_filing
from tests.unit.domain.test_miners import filing as miner_filing
from tests.unit.domain.test_vasps import application as vasp_application

WALLET_KEY = bytes.fromhex("8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63")
OTHER_KEY = bytes.fromhex("c87509a1c067bbde78beb793e6fa76530b6382a4c0241e5e4a9ec0a0f44dc0d3")

# Founders' data planted in the register: it must never leave through a public route (Reg. §66).
PLANTED = {
    "name": "Planted Founder Zhyldyz Qx7",
    "identifier": "PASSPORT AN-PLANTED-4471",
    "citizenship": "KG-PLANTED",
    "address": "Planted street 99, Talas, flat PLNT",
    "name2": "Planted Holding LLC Zz9",
    "identifier2": "TIN PLANTED-00998877",
    "address2": "Osh, Planted lane 12",
}


def planted_founders() -> list[dict[str, Any]]:
    """The planted founders of the first issuer."""
    return [
        {
            "name": PLANTED["name"],
            "kind": "individual",
            "share_pct": "55",
            "identifier": PLANTED["identifier"],
            "citizenship": PLANTED["citizenship"],
            "address": PLANTED["address"],
        },
        {
            "name": PLANTED["name2"],
            "kind": "legal_entity",
            "share_pct": "45",
            "identifier": PLANTED["identifier2"],
            "address": PLANTED["address2"],
        },
    ]


def wallet() -> LocalAccount:
    """The key of the wallet declared by the second emission of the first issuer."""
    account: LocalAccount = Account.from_key(WALLET_KEY)
    return account


def other_wallet() -> LocalAccount:
    """A key that no issuer declared."""
    account: LocalAccount = Account.from_key(OTHER_KEY)
    return account


@dataclass
class ApiEnv:
    """A populated register behind the app, and a token of each role."""

    client: TestClient
    ledger: Ledger
    clock: FixedClock
    settings: Settings
    code: str  # the first issuer (planted founders)
    key: str  # its circulating emission (regno)
    wallet_key: str  # its second emission (registered), declaring wallet()
    other_code: str  # a second issuer
    other_key: str  # its emission (application only)
    certificate: str  # a registered miner (Law art. 14)
    licence: str  # a licence application (Law art. 30.1), its owners planted (private)
    tokens: dict[str, str]
    salt_hex: str

    def auth(self, who: str) -> dict[str, str]:
        """The Authorization header of token ``who``."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}


PLANTED_OWNERS: tuple[dict[str, str], ...] = (
    {
        "name": "Planted Owner Zhyldyzbek",
        "role": "beneficial_owner",
        "identifier": "ID PLANTED-OWNER-0421",
        "address": "Planted street 9, Naryn",
    },
)
"""A licence applicant's beneficial owner (Law art. 29.2 item 2): never on a public route."""


def vasp_filing() -> dict[str, Any]:
    """The sample licence application with the planted owners."""
    return {**vasp_application(), "owners": list(PLANTED_OWNERS)}


def _counter() -> Any:
    """Deterministic, distinct random bytes: a counter with its low bytes first, so that the
    token ids (the first bytes) of successive sessions differ too."""
    counter = iter(range(1, 10_000_000))
    return lambda n: next(counter).to_bytes(n, "little")


def add_token(
    store: ApiStore,
    clock: FixedClock,
    *,
    role: Role,
    seed: int,
    issuer: str | None = None,
    scopes: frozenset[Scope] | None = None,
    expires_in: timedelta | None = None,
) -> tuple[str, str]:
    """Store a token and return (id, text)."""
    from api.auth import ROLE_SCOPES

    issued = make_token(bytes([seed]) * (TOKEN_ID_BYTES + TOKEN_SECRET_BYTES))
    store.add_token(
        token_id=issued.token_id,
        name=f"{role.value} {seed}",
        kind=TokenKind.TOKEN,
        role=role,
        scopes=ROLE_SCOPES[role] if scopes is None else scopes,
        secret_hash=issued.secret_hash,
        created_at=clock.now(),
        issuer=issuer,
        expires_at=clock.now() + expires_in if expires_in else None,
    )
    return issued.token_id, issued.text


def populate_register(ledger: Ledger) -> dict[str, str]:
    """Two issuers; the first with a circulating emission and a registered one declaring
    wallet(); the second with one application. Then a checkpoint."""
    code, _ = ledger.register_issuer(
        issuer_filing(founders=planted_founders()), effective_on=date(2026, 2, 2)
    )
    app, _ = ledger.file_application(emission_filing(issuer=code))
    key = app
    for kind, on, data in happy_path():
        payload = {k: v for k, v in data.items() if k != "regno"}
        ledger.record_event(kind=f"emission.{kind}", emission=key, data=payload, effective_on=on)
        key = ledger.emission(app).regno or app
    app2, _ = ledger.file_application(
        emission_filing(
            issuer=code,
            name="Ala-Too Wallet Token",
            symbol="ATWT",
            issuer_wallet=wallet().address,
            contract_address="0x3333333333333333333333333333333333333333",
            blockchain="Polygon",
        )
    )
    ledger.record_event(
        kind="emission.registered",
        emission=app2,
        data={
            "basis": {
                "type": "authority_decision",
                "number": "R-2",
                "date": "2026-03-17",
                "issued_by": "Authority",
            }
        },
        effective_on=date(2026, 3, 17),
    )
    wallet_key = ledger.emission(app2).regno or app2
    other_code, _ = ledger.register_issuer(
        issuer_filing(name="Osh Stable Coins LLC", region="osh_city"),
        effective_on=date(2026, 2, 3),
    )
    other_app, _ = ledger.file_application(
        emission_filing("emission-stablecoin.yaml", issuer=other_code)
    )
    certificate, _ = ledger.register_miner(
        parse_miner_filing(miner_filing()), effective_on=date(2026, 11, 10)
    )
    licence, _ = ledger.apply_for_licence(
        parse_vasp_filing(json.loads(json.dumps(vasp_filing(), default=str))),
        owners=[dict(o) for o in PLANTED_OWNERS],
        minimum_charter_capital_som=Decimal("50000000"),
        effective_on=date(2026, 11, 10),
    )
    ledger.cut_checkpoint()
    return {
        "licence": licence,
        "certificate": certificate,
        "code": code,
        "key": key,
        "wallet_key": wallet_key,
        "other_code": other_code,
        "other_key": other_app,
    }


def build_chain_env(rpc_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    """``build_env`` on SQLite with the chain `tamga-local` read on a test anvil at ``rpc_url``
    (on-chain verification, wallet proofs)."""
    local = ChainSetting(name="tamga-local", chain_id=31337, rpc_urls=(rpc_url,), local=True)
    yield from build_env(
        f"sqlite:///{tmp_path / 'ledger.sqlite'}", tmp_path, chains=(local,), verify_confirmations=1
    )


def build_env(url: str, tmp_path: Path, **overrides: Any) -> Iterator[ApiEnv]:
    """Populate ``url``, build the app on it, make tokens; close everything afterwards."""
    clock = FixedClock(NOW)
    ledger = open_ledger(url, clock=clock)
    # salts that cannot occur by chance in a response, so the privacy test can search for them
    salts = iter(hashlib.sha256(b"planted salt %d" % i).digest() for i in range(1, 1000))
    ledger._random_bytes = lambda n: next(salts)[:n]
    names = populate_register(ledger)
    private = ledger.private_value(ledger.issuer(names["code"]).founders_commitment)
    store = ApiStore(ledger.store.engine)
    tokens: dict[str, str] = {}
    for seed, (name, role, issuer) in enumerate(
        [
            ("regulator", Role.REGULATOR, None),
            ("issuer", Role.ISSUER, names["code"]),
            ("other_issuer", Role.ISSUER, names["other_code"]),
            ("auditor", Role.AUDITOR, None),
        ],
        start=1,
    ):
        tokens[name] = add_token(store, clock, role=role, seed=seed, issuer=issuer)[1]
    tokens["regulator_no_founders"] = add_token(
        store, clock, role=Role.REGULATOR, seed=11, scopes=frozenset({Scope.REGISTER_WRITE})
    )[1]
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        api_rate_limit_per_minute=0,
        api_token_rate_limit_per_minute=0,
        api_public_url="http://testserver",
        **overrides,
    )
    app = create_app(settings, clock=clock, random_bytes=_counter())
    with TestClient(app) as client:
        yield ApiEnv(
            client=client,
            ledger=ledger,
            clock=clock,
            settings=settings,
            code=names["code"],
            key=names["key"],
            wallet_key=names["wallet_key"],
            other_code=names["other_code"],
            other_key=names["other_key"],
            certificate=names["certificate"],
            licence=names["licence"],
            tokens=tokens,
            salt_hex=private.salt.hex(),
        )
    ledger.close()


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    """The API on a populated SQLite register."""
    yield from build_env(sqlite_url, tmp_path)


@pytest.fixture
def env_any(database_url: str, tmp_path: Path) -> Iterator[ApiEnv]:
    """The API on a populated register, on SQLite and on PostgreSQL."""
    yield from build_env(database_url, tmp_path)
