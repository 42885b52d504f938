"""`tamga audit` given the public API's URL: the export routes, with an auditor's token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_world import World
from fastapi.testclient import TestClient

from anchoring.audit import audit_export
from anchoring.audit_source import HttpSource
from api.app import create_app
from api.auth import (
    ROLE_SCOPES,
    TOKEN_ID_BYTES,
    TOKEN_SECRET_BYTES,
    Role,
    TokenKind,
    make_token,
)
from api.store import ApiStore
from node.clock import FixedClock
from node.domain.calendar import WorkingCalendar
from node.errors import ConfigError
from node.ledger.store import SqlLedgerStore
from node.settings import Settings
from tests.support.scenario import NOW


@pytest.fixture
def api(world: World, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """The API on a copy of the register, and an auditor's bearer token."""
    db = world.copy_db(tmp_path / "db")
    url = f"sqlite:///{db}"
    store = SqlLedgerStore.from_url(url)
    issued = make_token(bytes([7]) * (TOKEN_ID_BYTES + TOKEN_SECRET_BYTES))
    ApiStore(store.engine).add_token(
        token_id=issued.token_id,
        name="auditor",
        kind=TokenKind.TOKEN,
        role=Role.AUDITOR,
        scopes=ROLE_SCOPES[Role.AUDITOR],
        secret_hash=issued.secret_hash,
        created_at=NOW,
        issuer=None,
        expires_at=None,
    )
    store.dispose()
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        api_rate_limit_per_minute=0,
        api_token_rate_limit_per_minute=0,
    )
    with TestClient(create_app(settings, clock=FixedClock(NOW))) as client:
        yield client, issued.text


def test_the_api_export_audits_against_the_chain(
    api: tuple[TestClient, str], world: World, calendar: WorkingCalendar
) -> None:
    client, token = api
    source = HttpSource("http://testserver/", client=client, token=token)
    report = audit_export(source, chain=world.chain(), calendar=calendar, signers=[world.signer])
    assert report.ok, [f.line() for f in report.findings]
    assert report.facts["entries"] == max(world.sizes)
    tallies = {t.check.value: t for t in report.tallies}
    assert tallies["log-root"].checked == len(world.sizes)
    # the API's checkpoints carry no anchor data: the chain's events are checked all the same
    assert tallies["chain"].checked == 3 * len(world.sizes)
    assert tallies["latest-anchor"].checked == 1


def test_the_api_export_needs_a_token(api: tuple[TestClient, str]) -> None:
    client, _ = api
    client.headers.pop("Authorization", None)
    source = HttpSource("http://testserver/", client=client)
    with pytest.raises(ConfigError, match="HTTP 401"):
        source.read("manifest.json")
