"""`tamga audit` given the public API's URL: the export routes, with an auditor's token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_world import World, api_client
from fastapi.testclient import TestClient

from anchoring.audit import audit_export
from anchoring.audit_source import HttpSource
from node.domain.calendar import WorkingCalendar
from node.errors import ConfigError


@pytest.fixture
def api(world: World, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """The API on a copy of the register, and an auditor's bearer token."""
    with api_client(world.db, tmp_path / "api") as served:
        yield served


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
