"""FastAPI dependencies: the app's runtime, the caller's token, and the checks of roles/scopes."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from api.auth import Principal, Role, Scope
from api.credentials import credentials
from api.problems import ApiProblem
from api.runtime import ApiRuntime

BEARER_CHALLENGE = 'Bearer realm="tamga"'


def get_runtime(request: Request) -> ApiRuntime:
    """The runtime of the app serving ``request``."""
    runtime: ApiRuntime = request.app.state.runtime
    return runtime


def get_principal(request: Request) -> Principal | None:
    """The caller's principal (resolved once by the gateway), or None for anonymous requests.

    Raises:
        StorageError: the database failed.
    """
    state = request.scope.setdefault("state", {})
    if "principal" not in state:
        authorization, _cookie = credentials(request.headers)
        state["principal"] = get_runtime(request).principal_for(authorization)
    principal: Principal | None = state["principal"]
    return principal


def require(scope: Scope, *roles: Role) -> Callable[[Request], Principal]:
    """A dependency that returns the caller's principal if it holds ``scope`` (and a role).

    The dependency raises ApiProblem 401 without a valid token, 403 without the scope or role.
    """

    def dependency(request: Request) -> Principal:
        principal = get_principal(request)
        if principal is None:
            detail = (
                "the token is unknown, revoked or expired"
                if request.headers.get("authorization")
                else "send Authorization: Bearer <token>"
            )
            raise ApiProblem(
                status=401,
                slug="unauthorized",
                detail=detail,
                headers={"WWW-Authenticate": BEARER_CHALLENGE},
            )
        if scope not in principal.scopes or (roles and principal.role not in roles):
            raise ApiProblem(
                status=403,
                slug="forbidden",
                detail=f"this needs scope {scope.value}"
                + (f" and role {' or '.join(r.value for r in roles)}" if roles else ""),
            )
        return principal

    return dependency
