"""The registry office's workbench over HTTP: a person's regulator token exchanged for a session
cookie (HttpOnly, SameSite=Strict), CSRF on every unsafe request made with it, sign-out, idle
timeout, no fixation, wrong roles refused; the inbox, the deadline board and its CSV, and the
decision forms posting to the same API routes. Both backends."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from api.auth import Role
from api.credentials import csrf_token
from api.schema import api_tokens
from api.store import ApiStore
from tests.api.conftest import ApiEnv, add_token
from tests.api.test_api_public import problem
from tests.api.test_api_signin import sign_in


def _person(env: ApiEnv, name: str = "Asel Asanova", seed: int = 40) -> str:
    """A personal regulator token (as `tamga token create --role regulator --name …` makes)."""
    store = ApiStore(env.ledger.store.engine)
    token_id, text = add_token(store, env.clock, role=Role.REGULATOR, seed=seed)
    # add_token names it "<role> <seed>"; a person's token carries the person's name
    with env.ledger.store.engine.begin() as conn:
        conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(name=name))
    return text


def _session(env: ApiEnv, token: str) -> tuple[str, str]:
    """Sign in; the session cookie's text and the CSRF token from the answer."""
    response = env.client.post("/v1/staff/session", json={"token": token})
    assert response.status_code == 200, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # the test server is plain HTTP (Secure only over TLS)
    value = re.match(r"tamga_session=([^;]+);", cookie)
    assert value is not None
    body = response.json()
    assert body["csrf_token"] == csrf_token(value.group(1))
    return value.group(1), body["csrf_token"]


def test_a_person_signs_in_works_and_signs_out(env_any: ApiEnv) -> None:
    env = env_any
    token = _person(env)
    assert "Asel Asanova" not in env.client.get("/workbench").text
    cookie, csrf = _session(env, token)
    page = env.client.get("/workbench?lang=en")
    assert page.status_code == 200
    assert 'id="staff-name">Asel Asanova<' in page.text
    assert f'<meta name="csrf-token" content="{csrf}">' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    # the page holds the person's CSRF token: never in a shared cache, nor anything the cookie
    # authenticates (founders' data is read with it)
    assert "no-store" in page.headers["cache-control"]
    assert "public" not in page.headers["cache-control"]
    founders = env.client.get(f"/v1/issuers/{env.code}/founders")
    assert founders.status_code == 200, founders.text
    assert "no-store" in founders.headers["cache-control"]
    assert "public" not in founders.headers["cache-control"]
    # the public pages keep their script-free policy
    assert "script-src" not in env.client.get("/").headers["content-security-policy"]
    basis = {
        "type": "authority_decision",
        "number": "S-7",
        "date": "2026-11-20",
        "issued_by": "Authority",
        "sha256": "ab" * 32,  # the decision's file, hashed in the browser; the file stays out
    }
    event = {
        "kind": "suspended",
        "effective_on": "2026-11-20",
        "data": {"grounds": ["inspection"], "remedy_by": "2026-12-20", "basis": basis},
    }
    url = f"/v1/emissions/{env.key}/events"
    # the cookie alone does not write: a page of another site could make the browser send it
    refused = problem(env.client.post(url, json=event), 403)
    assert refused["type"] == "/v1/problems/csrf-failed"
    wrong = env.client.post(url, json=event, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    # with the session's token it goes through the rules like any other write
    answer = env.client.post(url, json=event, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text
    assert answer.json()["emission"]["status"] == "suspended"
    history = env.client.get(f"/v1/emissions/{env.key}/history").json()["items"]
    assert history[-1]["entry"]["basis"]["sha256"] == "ab" * 32
    # the decision is attributed in the log to the person of the session, by the server
    assert history[-1]["entry"]["recorded_by"] == "Asel Asanova"
    forged = dict(event, kind="resumed", data={"basis": basis, "recorded_by": "Someone Else"})
    refused_forgery = problem(
        env.client.post(url, json=forged, headers={"X-CSRF-Token": csrf}), 422
    )
    assert (refused_forgery["field"], refused_forgery["rule"]) == ("recorded_by", "reserved-field")
    # a refusal names field, rule and paragraph (the form shows them next to the field)
    bad = dict(event, data={"grounds": ["inspection"], "basis": basis})
    refused_rule = env.client.post(url, json=bad, headers={"X-CSRF-Token": csrf})
    assert refused_rule.status_code in (409, 422)
    assert refused_rule.json()["field"] and refused_rule.json()["rule"]
    # sign-out needs the token too, then revokes the session at once
    assert env.client.delete("/v1/staff/session").status_code == 403
    out = env.client.delete("/v1/staff/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204 and "Max-Age=0" in out.headers["set-cookie"]
    env.client.cookies.set("tamga_session", cookie)
    assert "Asel Asanova" not in env.client.get("/workbench").text
    again = env.client.post(url, json=event, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 401


def test_only_a_persons_regulator_token_opens_the_workbench(env: ApiEnv) -> None:
    for who in ("issuer", "auditor"):
        body = problem(env.client.post("/v1/staff/session", json={"token": env.tokens[who]}), 403)
        assert "registry office" in body["detail"]
    session = sign_in(env)  # an issuer's wallet session is no person's token either
    assert env.client.post("/v1/staff/session", json={"token": session["token"]}).status_code in (
        401,
        403,
    )
    problem(env.client.post("/v1/staff/session", json={"token": "tmg_nope_nope"}), 401)
    # a staff session cannot mint further sessions
    cookie, _ = _session(env, _person(env))
    assert env.client.post("/v1/staff/session", json={"token": cookie}).status_code == 403


def test_a_planted_cookie_never_becomes_a_session(env: ApiEnv) -> None:
    """Session fixation: a value set before sign-in is not honoured, sign-in issues a new one."""
    planted = "tmg_" + "a" * 12 + "_" + "b" * 43
    env.client.cookies.set("tamga_session", planted)
    assert 'id="signin"' in env.client.get("/workbench").text
    cookie, _ = _session(env, _person(env))
    assert cookie != planted
    env.client.cookies.set("tamga_session", cookie)
    assert 'id="staff-name"' in env.client.get("/workbench").text


def test_an_idle_session_ends(env: ApiEnv) -> None:
    cookie, _ = _session(env, _person(env))
    env.client.cookies.set("tamga_session", cookie)
    idle = env.settings.api_staff_idle_seconds
    env.clock.advance(timedelta(seconds=idle - 60))
    assert 'id="staff-name"' in env.client.get("/workbench").text  # a page view: 30 more min
    env.clock.advance(timedelta(seconds=idle - 60))
    assert 'id="staff-name"' in env.client.get("/workbench").text
    env.clock.advance(timedelta(seconds=idle + 1))
    assert 'id="signin"' in env.client.get("/workbench").text


def test_the_inbox_board_and_csv(env_any: ApiEnv) -> None:
    env = env_any
    cookie, _ = _session(env, _person(env))
    env.client.cookies.set("tamga_session", cookie)
    inbox = env.client.get("/workbench?lang=ru").text
    # the other issuer's application awaits the registration decision (Reg. §10)
    assert f'data-key="{env.other_key}"' in inbox
    assert "уполномоченный орган" in inbox
    board = env.client.get("/workbench/deadlines?lang=en").text
    assert 'id="csv"' in board
    answer = env.client.get("/workbench/deadlines?format=csv")
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows and {r["register"] for r in rows} <= {"emission", "miner", "vasp"}
    decision = [r for r in rows if r["key"] == env.other_key and r["deadline"] == "decision"]
    assert decision and decision[0]["owed_by"] == "authority" and decision[0]["rule"] == "Reg. §10"
    assert [r["due"] for r in rows] == sorted(r["due"] for r in rows)
    filtered = env.client.get("/workbench?register=vasp").text
    assert f'data-key="{env.other_key}"' not in filtered
    # without a session the board is not served
    env.client.cookies.clear()
    assert env.client.get("/workbench/deadlines", follow_redirects=False).status_code == 303


def test_the_record_page_offers_every_event_the_authority_decides(env: ApiEnv) -> None:
    cookie, _ = _session(env, _person(env))
    env.client.cookies.set("tamga_session", cookie)
    page = env.client.get(f"/workbench/records/{env.other_key}?lang=en").text
    assert f'data-endpoint="/v1/emissions/{env.other_key}/events"' in page
    for kind in ("registered", "refused", "suspended", "recognized_successful", "cancelled"):
        assert f'value="emission.{kind}"' in page
    # the refusal's grounds are the enumerated grounds of Reg. §17
    assert 'value="documents_nonconforming"' in page and 'data-field="grounds"' in page
    licence = env.client.get(f"/workbench/records/{env.licence}").text
    assert 'value="vasp.licence_granted"' in licence
    miner = env.client.get(f"/workbench/records/{env.certificate}").text
    assert 'value="miner.suspended"' in miner and 'value="miner.wallet_proved"' not in miner
    assert env.client.get("/workbench/records/KG9999Z9999").status_code == 404


def test_every_cli_write_that_opens_a_record_has_a_form(env: ApiEnv) -> None:
    """`tamga issuer add`, `emission register`, `miner register`, `vasp apply`, `calendar
    correct` and `tamga issuer event` each have a workbench form posting to their API route."""
    cookie, csrf = _session(env, _person(env))
    env.client.cookies.set("tamga_session", cookie)
    page = env.client.get("/workbench/new?lang=en").text
    for endpoint, wrap in (
        ("/v1/issuers", "filing"),
        ("/v1/emissions", "filing"),
        ("/v1/miners", "filing"),
        ("/v1/licences", "filing"),
        ("/v1/calendar/corrections", "top"),
    ):
        assert f'data-endpoint="{endpoint}" data-wrap="{wrap}"' in page
    # each form's inputs are its filing's members (an issuer: name, kind, address, region…)
    for name in ("name", "issuer_kind", "legal_address", "region", "founders", "days"):
        assert f'data-field="{name}"' in page
    assert 'value="legal_entity"' in page and 'value="bishkek"' in page
    # what the form sends for an issuer ({"filing": …}) goes through the rules like the CLI's
    body = {
        "filing": {
            "name": "Aizada Workbench",
            "issuer_kind": "individual_entrepreneur",
            "legal_address": "Osh, Lenin street 1",
            "region": "osh_city",
        },
        "effective_on": "2026-11-20",
    }
    answer = env.client.post("/v1/issuers", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text
    code = answer.json()["code"]
    # entered by a person in the workbench: the log names them (never taken from the body)
    ((_, entry),) = env.ledger.history(code)
    assert entry.recorded_by == "Asel Asanova"
    event = env.client.post(
        f"/v1/issuers/{code}/events",
        json={"kind": "updated", "effective_on": "2026-11-20", "data": {"legal_address": "Osh 2"}},
        headers={"X-CSRF-Token": csrf},
    )
    assert event.status_code == 201, event.text
    assert env.ledger.history(code)[-1][1].recorded_by == "Asel Asanova"
    by_token = env.client.post(
        "/v1/issuers",
        json={"filing": {**body["filing"], "name": "Token Filed"}, "effective_on": "2026-11-20"},
        headers=env.auth("regulator"),  # the header wins over the session cookie
    )
    assert by_token.status_code == 201, by_token.text
    ((_, untold),) = env.ledger.history(by_token.json()["code"])
    assert untold.recorded_by is None  # an API token names nobody
    refused = env.client.post(
        "/v1/issuers",
        json={"filing": {**body["filing"], "region": "atlantis"}, "effective_on": "2026-11-20"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 422 and "region" in refused.json()["field"]
    # the issuer's record page offers its events on its route
    record = env.client.get(f"/workbench/records/{code}?lang=en").text
    assert f'data-endpoint="/v1/issuers/{code}/events"' in record
    for kind in ("updated", "reorganized", "liquidated"):
        assert f'value="issuer.{kind}"' in record
    env.client.cookies.clear()
    assert env.client.get("/workbench/new", follow_redirects=False).status_code == 303


def test_a_miners_record_page_takes_the_miners_wallet_proof(env: ApiEnv) -> None:
    """`tamga miner prove-wallet` in the browser: the office fetches the statement with its
    session, the miner signs it elsewhere, the signature is posted to the same route."""
    cookie, csrf = _session(env, _person(env))
    env.client.cookies.set("tamga_session", cookie)
    page = env.client.get(f"/workbench/records/{env.certificate}?lang=en").text
    endpoint = f"/v1/miners/{env.certificate}/wallet-proof"
    assert f'id="wallet-proof" class="workbench-form" data-endpoint="{endpoint}"' in page
    assert 'id="proof-signature"' in page
    # the sample miner's proceeds wallet is on Bitcoin: the session gets the rule to show
    asked = problem(env.client.get(f"{endpoint}/statement"), 422)
    assert (asked["field"], asked["rule"]) == ("wallet.chain", "evm-chain")
    posted = env.client.post(
        endpoint,
        json={"signature": "0x" + "1b" * 65, "nonce": 1, "expiry": 1795251600},
        headers={"X-CSRF-Token": csrf},
    )
    assert posted.status_code == 422 and posted.json()["rule"] == "evm-chain"
    # an emission's record page has no miner proof form
    assert 'id="wallet-proof"' not in env.client.get(f"/workbench/records/{env.key}").text
