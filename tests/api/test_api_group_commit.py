"""Concurrent API writes go through the ledger's group committer: no API-wide lock, each write
answered once with its own place in the log, a failing write fails alone (SQLite, PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.api.conftest import ApiEnv
from tests.api.test_api_writes import BURN_BASIS

WRITERS = 8
EACH = 4


def _burn(env: ApiEnv, amount: int) -> Any:
    return env.client.post(
        f"/v1/emissions/{env.key}/events",
        json={"kind": "partial_burn", "data": {"amount": str(amount), "basis": BURN_BASIS}},
        headers=env.auth("issuer"),
    )


def test_concurrent_writes_each_land_once_in_their_place(env_any: ApiEnv) -> None:
    env = env_any
    start = int(env.client.get("/v1/log").json()["tree_size"])
    burned = int(env.client.get(f"/v1/emissions/{env.key}").json()["burned"])

    def write(writer: int) -> list[tuple[int, int, int]]:
        answers = []
        for i in range(EACH):
            amount = writer * EACH + i + 1  # unique: tells the entries apart
            if writer == 0 and i == 1:
                amount = 10**15  # more than circulates: refused alone (Reg. §45)
            response = _burn(env, amount)
            answers.append((response.status_code, amount, response.json().get("tree_size", -1)))
        return answers

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        answers = [a for part in pool.map(write, range(WRITERS)) for a in part]

    refused = [a for a in answers if a[0] != 201]
    assert [(status, amount) for status, amount, _ in refused] == [(422, 10**15)]
    landed = [a for a in answers if a[0] == 201]
    total = WRITERS * EACH - 1
    assert sorted(size for _, _, size in landed) == list(range(start + 1, start + total + 1))
    entries = env.client.get("/v1/log/entries", params={"start": start, "limit": total + 5}).json()[
        "items"
    ]
    by_index = {int(item["index"]): item["entry"] for item in entries}
    assert len(by_index) == total
    for _, amount, size in landed:
        entry = by_index[size - 1]
        assert entry["kind"] == "emission.partial_burn"
        assert entry["amount"] == str(amount)
    expected = sum(amount for _, amount, _ in landed)
    after = int(env.client.get(f"/v1/emissions/{env.key}").json()["burned"])
    assert after == burned + expected
    committer = env.client.app.state.runtime.ledger.committer  # type: ignore[attr-defined]
    assert committer is not None
    assert committer.stats().requests == WRITERS * EACH
