"""The issuers' portal over HTTP (issue 18): the wallet sign-in (EIP-4361) carried in the portal's
cookie with its CSRF token, the issuer's own emissions only, the application form with the
issuer fixed, the events an issuer files, sign-out; wrong roles refused. Both backends."""

from __future__ import annotations

import re
from typing import Any

from api.credentials import csrf_token
from tests.api.conftest import ApiEnv, wallet
from tests.api.test_api_public import problem
from tests.api.test_api_signin import _challenge, _sign
from tests.api.test_api_workbench import _person, _session
from tests.api.test_api_writes import BURN_BASIS


def portal_session(env: ApiEnv) -> tuple[str, str, dict[str, Any]]:
    """Sign in as the portal does: the cookie's text, the CSRF token, the answer."""
    message = _challenge(env, wallet().address).json()["message"]
    answer = env.client.post(
        "/v1/auth/signin",
        json={"message": message, "signature": _sign(wallet(), message), "cookie": True},
    )
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    value = re.match(r"tamga_session=([^;]+);", cookie)
    assert value is not None
    body: dict[str, Any] = answer.json()
    assert body["csrf_token"] == csrf_token(value.group(1))
    return value.group(1), body["csrf_token"], body


def test_an_issuer_signs_in_with_its_wallet_and_files_for_its_own_emission(
    env_any: ApiEnv,
) -> None:
    env = env_any
    assert 'id="wallet-signin"' in env.client.get("/portal").text
    # without the flag, sign-in answers a bearer token and sets no cookie (API clients)
    message = _challenge(env, wallet().address).json()["message"]
    bearer = env.client.post(
        "/v1/auth/signin", json={"message": message, "signature": _sign(wallet(), message)}
    )
    assert "set-cookie" not in bearer.headers and "csrf_token" not in bearer.json()
    env.client.cookies.clear()
    cookie, csrf, body = portal_session(env)
    assert body["issuer"] == env.code
    env.client.cookies.set("tamga_session", cookie)
    home = env.client.get("/portal?lang=en")
    assert home.status_code == 200
    assert "no-store" in home.headers["cache-control"]
    assert "script-src 'self'" in home.headers["content-security-policy"]
    assert f'<meta name="csrf-token" content="{csrf}">' in home.text
    assert f'data-key="{env.wallet_key}"' in home.text  # the emission declaring this wallet
    assert f'data-key="{env.key}"' not in home.text  # the issuer's other wallet (Reg. §5.5)
    assert f'data-key="{env.other_key}"' not in home.text  # another issuer's
    page = env.client.get(f"/portal/emissions/{env.wallet_key}?lang=ru")
    assert page.status_code == 200
    for kind in ("results_reported", "fee_paid", "partial_burn"):
        assert f'value="emission.{kind}"' in page.text
    assert 'value="emission.registered"' not in page.text  # the authority's decision
    assert f'data-endpoint="/v1/emissions/{env.wallet_key}/wallet-proof"' in page.text
    assert f'data-endpoint="/v1/emissions/{env.wallet_key}/sources"' in page.text
    # another issuer's emission, or one declaring another wallet: as if it did not exist
    assert env.client.get(f"/portal/emissions/{env.other_key}").status_code == 404
    assert env.client.get(f"/portal/emissions/{env.key}").status_code == 404
    # a fee payment filed with the cookie needs the CSRF token; with it, through the rules
    url = f"/v1/emissions/{env.wallet_key}/events"
    burn = {"kind": "fee_paid", "data": {"amount": "5.00"}}
    assert problem(env.client.post(url, json=burn), 403)["type"] == "/v1/problems/csrf-failed"
    filed = env.client.post(url, json=burn, headers={"X-CSRF-Token": csrf})
    assert filed.status_code == 201, filed.text
    for key in (env.other_key, env.key):
        other = env.client.post(
            f"/v1/emissions/{key}/events",
            json={"kind": "partial_burn", "data": {"amount": "1", "basis": BURN_BASIS}},
            headers={"X-CSRF-Token": csrf},
        )
        assert other.status_code == 403
    # the application form: the issuer is fixed (sent as given), never typed
    apply = env.client.get("/portal/apply?lang=ky").text
    assert f'data-fixed="{{&#34;issuer&#34;: &#34;{env.code}&#34;}}"' in apply
    assert 'data-field="issuer"' not in apply and 'data-field="name"' in apply
    # the workbench is not the issuer's
    assert 'id="signin"' in env.client.get("/workbench").text
    # sign-out needs the token, then the session is gone
    assert env.client.delete("/v1/auth/session").status_code == 403
    out = env.client.delete("/v1/auth/session", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 204 and "Max-Age=0" in out.headers["set-cookie"]
    env.client.cookies.set("tamga_session", cookie)
    assert 'id="wallet-signin"' in env.client.get("/portal").text
    assert env.client.post(url, json=burn, headers={"X-CSRF-Token": csrf}).status_code == 401


def test_staff_and_strangers_do_not_get_the_portal(env: ApiEnv) -> None:
    staff, _ = _session(env, _person(env))
    env.client.cookies.set("tamga_session", staff)
    assert 'id="wallet-signin"' in env.client.get("/portal").text
    assert env.client.get("/portal/apply", follow_redirects=False).status_code == 303
    assert env.client.delete("/v1/auth/session").status_code in (401, 403)
    env.client.cookies.clear()
    redirected = env.client.get(f"/portal/emissions/{env.key}", follow_redirects=False)
    assert redirected.status_code == 303
    # a wallet that no emission of the issuer declares gets no message to sign
    refused = problem(_challenge(env, "0x" + "12" * 20), 403)
    assert refused["rule"] == "wallet-declared"
