"""`tamga issuer founders` and GET /v1/issuers/{code}/founders are one service: both check the
kept value against the commitment in the log and that entry against the root, and give the same
answer for a good and for a tampered value (Reg. §66)."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import update
from typer.testing import CliRunner, Result

from api.problems import PROBLEM_BASE
from node.cli import CliOverrides, app
from node.ledger.db import write_transaction
from node.ledger.schema import private_values
from tests.api.conftest import ApiEnv


def _cli(env: ApiEnv, *args: str) -> Result:
    variables: dict[str, str | None] = {k: None for k in os.environ if k.startswith("TAMGA_")}
    variables["TAMGA_DATA_DIR"] = str(env.settings.data_dir)
    variables["TAMGA_DATABASE_URL"] = env.settings.resolved_database_url
    return CliRunner().invoke(app, list(args), obj=CliOverrides(clock=env.clock), env=variables)


def _both(env: ApiEnv) -> tuple[Result, dict[str, object], int]:
    cli = _cli(env, "issuer", "founders", env.code, "--json")
    http = env.client.get(f"/v1/issuers/{env.code}/founders", headers=env.auth("regulator"))
    return cli, http.json(), http.status_code


def test_good_value_same_answer(env: ApiEnv) -> None:
    cli, body, status = _both(env)
    assert cli.exit_code == 0, cli.output
    printed = json.loads(cli.stdout)
    assert status == 200
    assert body == {k: printed[k] for k in ("issuer", "founders", "commitment", "salt")}
    assert printed["verified"] is True


@pytest.mark.parametrize(
    "tamper",
    [
        {"value": '[{"name":"Someone Else","share_pct":"100"}]'},  # another value
        {"salt": b"\x01" * 32},  # another salt
        {"entry_idx": 1},  # attached to another entry
    ],
    ids=["value", "salt", "entry"],
)
def test_tampered_value_same_refusal(env: ApiEnv, tamper: dict[str, object]) -> None:
    commitment = env.ledger.issuer(env.code).founders_commitment
    with write_transaction(env.ledger.store.engine) as conn:
        conn.execute(
            update(private_values).where(private_values.c.commitment == commitment).values(**tamper)
        )
    cli, body, status = _both(env)
    assert cli.exit_code == 4  # a failed verification
    assert cli.stdout == ""  # nothing private printed
    assert status == 422
    assert body["type"] == PROBLEM_BASE + "rule-violation"
    assert body["rule"] == "verification"
    assert "founders" not in body
    assert cli.stderr.strip() == f"error: verification failed: {body['detail']}"
