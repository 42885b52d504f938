"""The import rules of docs/architecture.md, checked on every module."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = ("node.domain", "node.merkle")
PURE_ALLOWED_THIRD_PARTY = {"pydantic", "holidays", "rfc8785", "typing_extensions"}
FORBIDDEN_IN_PURE = {
    "sqlalchemy",
    "sqlmodel",
    "web3",
    "fastapi",
    "psycopg",
    "alembic",
    "eth_account",
}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("node", "anchoring", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found.append((".".join(parts), path))
    return found


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = _modules()


def test_modules_found() -> None:
    names = {name for name, _ in MODULES}
    assert {"node.merkle.verify", "node.domain.register", "node.ledger.sequencer"} <= names


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_import_direction(module: str, path: Path) -> None:
    imports = _imports(path)
    if module.startswith("node") and not module.startswith("node.cli"):
        bad = {i for i in imports if i.split(".")[0] in {"anchoring", "api"}}
        assert not bad, f"{module} imports {bad}: node may not import anchoring or api"
    if module.startswith("anchoring"):
        bad = {i for i in imports if i.split(".")[0] == "api"}
        assert not bad, f"{module} imports {bad}: anchoring may not import api"


@pytest.mark.parametrize(
    ("module", "path"),
    [(m, p) for m, p in MODULES if m.startswith(PURE)],
    ids=[m for m, _ in MODULES if m.startswith(PURE)],
)
def test_pure_code_imports_no_io(module: str, path: Path) -> None:
    imports = _imports(path)
    bad = {i for i in imports if i.split(".")[0] in FORBIDDEN_IN_PURE}
    assert not bad, f"{module} is pure but imports {bad}"
    third_party = {
        i.split(".")[0] for i in imports if i.split(".")[0] not in sys.stdlib_module_names
    } - {"node"}
    assert third_party <= PURE_ALLOWED_THIRD_PARTY, f"{module} is pure but imports {third_party}"
    project = {i for i in imports if i.split(".")[0] == "node"}
    allowed_prefixes = ("node.errors", "node.types", *PURE)
    outside = {i for i in project if not i.startswith(allowed_prefixes)}
    assert not outside, f"{module} is pure but imports {outside}"


def test_verifiers_import_only_the_hasher() -> None:
    imports = _imports(ROOT / "node" / "merkle" / "verify.py")
    project = {i for i in imports if i.startswith("node")}
    assert project <= {"node.merkle.hasher", "node.errors", "node.types"}, project


TRANSPORT_MODULE = "node.chain.rpc"
"""The one JSON-RPC transport (failover, batching, retries, redaction, chain-id check)."""
_TRANSPORT_NAMES = {
    "Web3",
    "AsyncWeb3",
    "HTTPProvider",
    "AsyncHTTPProvider",
    "WebSocketProvider",
    "LegacyWebSocketProvider",
    "IPCProvider",
    "AutoProvider",
    "BaseProvider",
    "JSONBaseProvider",
}


def _json_rpc_transports(path: Path) -> list[str]:
    """What in ``path`` builds a JSON-RPC transport of its own: web3's providers or ``Web3``
    imported, constructed or subclassed, or a JSON-RPC request body written by hand (a
    ``"jsonrpc"`` key)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "web3":
            for alias in node.names:
                if alias.name in _TRANSPORT_NAMES or (node.module or "").startswith(
                    "web3.providers"
                ):
                    found.append(f"line {line}: imports {node.module}.{alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in _TRANSPORT_NAMES:
            found.append(f"line {line}: uses .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in _TRANSPORT_NAMES:
            found.append(f"line {line}: uses {node.id}")
        elif isinstance(node, ast.Dict) and any(
            isinstance(k, ast.Constant) and k.value == "jsonrpc" for k in node.keys
        ):
            found.append(f"line {line}: writes a JSON-RPC request body")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            if '"jsonrpc"' in text:
                found.append(f"line {line}: writes a JSON-RPC request body")
    return found


def test_one_json_rpc_transport() -> None:
    """Only node/chain/rpc.py talks JSON-RPC: every other chain reader or writer (the publisher's
    and the auditor's contract bindings, the verification, the local anvil's probe) goes through
    its RpcClient (``web3_for`` gives web3.py that client as its provider)."""
    offenders = {
        module: found
        for module, path in MODULES
        if module != TRANSPORT_MODULE and (found := _json_rpc_transports(path))
    }
    assert offenders == {}
    transport = dict(MODULES)[TRANSPORT_MODULE]
    assert _json_rpc_transports(transport)  # the check sees the one transport's provider


def replays(tree: ast.AST) -> list[int]:
    """Lines that build a register to replay into (``MemoryRegister()``) or apply entries to one
    in a loop (``….apply(…, calendar=…)`` inside ``for``/``while``)."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
            == "MemoryRegister"
        ):
            found.append(node.lineno)
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            for inner in ast.walk(node):
                if (
                    isinstance(inner, ast.Call)
                    and isinstance(inner.func, ast.Attribute)
                    and inner.func.attr == "apply"
                    and any(keyword.arg == "calendar" for keyword in inner.keywords)
                ):
                    found.append(inner.lineno)
    return sorted(found)


# The one replay, and the one scratch register of a dry run (a filing checked before it is
# written: one entry, not a replay).
REPLAY_HOMES = {"node.replay", "node.domain.register", "node.services.emissions"}


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_one_replay(module: str, path: Path) -> None:
    """Only node.replay replays entries through the domain rules; check, rebuild, the audit and
    the bundle verifier use it."""
    if module in REPLAY_HOMES:
        return
    lines = replays(ast.parse(path.read_text(encoding="utf-8")))
    assert not lines, (
        f"{module} replays entries itself at lines {lines}: use node.replay.ReplayCore"
    )


def test_the_replay_check_finds_a_second_replay() -> None:
    second = "def again(entries, register, cal):\n    for e in entries:\n"
    second += "        register.apply(e, calendar=cal)\n"
    assert replays(ast.parse(second)) == [3]
    assert replays(ast.parse("register.apply(e, calendar=cal)\n")) == []  # one entry only
    assert replays(ast.parse("from x import MemoryRegister\nr = MemoryRegister()\n")) == [2]
    core = (ROOT / "node" / "replay.py").read_text(encoding="utf-8")
    assert "self.register.apply(entry, calendar=self._calendar)" in core


SERVICES = [
    (name, path)
    for name, path in MODULES
    if name.startswith("node.services") or name == "anchoring.services"
]
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def test_services_found() -> None:
    names = {name for name, _ in SERVICES}
    assert {"node.services.database", "node.services.issuers", "anchoring.services"} <= names


@pytest.mark.parametrize(("module", "path"), SERVICES, ids=[m for m, _ in SERVICES])
def test_services_read_no_clock_and_raise_no_http_errors(module: str, path: Path) -> None:
    """Time comes from the Database's injected clock; HTTP errors exist only in api/."""
    assert not {i for i in _imports(path) if i.split(".")[0] in ("fastapi", "starlette", "api")}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in CLOCK_READS, f"{module} reads the clock"


@pytest.mark.parametrize(("module", "path"), SERVICES, ids=[m for m, _ in SERVICES])
def test_service_functions_take_the_database_then_keywords(module: str, path: Path) -> None:
    """Every public service function takes ``db`` first and the rest keyword-only, and says what
    it raises when it touches the database."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        positional = [a.arg for a in node.args.posonlyargs + node.args.args]
        if positional[:1] != ["db"]:
            continue
        assert positional == ["db"], f"{module}.{node.name}: {positional[1:]} not keyword-only"
        doc = ast.get_docstring(node) or ""
        assert "Raises:" in doc, f"{module}.{node.name} does not say what it raises"


def test_the_api_reads_no_ledger_table() -> None:
    """The API reaches the ledger's tables through its store and the services only."""
    for name, path in MODULES:
        if name.startswith("api."):
            assert "node.ledger.schema" not in _imports(path), name


def error_mappers(tree: ast.AST) -> list[str]:
    """Functions that map exception classes to exit statuses: ``isinstance(…, SomeError)`` in a
    function that raises ``typer.Exit``/``SystemExit`` or returns an ``EXIT_…`` name or an int."""
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        checks_errors = any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and len(node.args) == 2
            and any(
                isinstance(name, ast.Name)
                and name.id.endswith(("Error", "Violation", "NotFound", "Exception"))
                for name in ast.walk(node.args[1])
            )
            for node in ast.walk(func)
        )
        exits = any(
            (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and isinstance(node.exc.func, ast.Name | ast.Attribute)
                and (
                    node.exc.func.id if isinstance(node.exc.func, ast.Name) else node.exc.func.attr
                )
                in {"Exit", "SystemExit"}
            )
            or (
                isinstance(node, ast.Return)
                and (
                    (isinstance(node.value, ast.Name) and node.value.id.startswith("EXIT_"))
                    or (isinstance(node.value, ast.Constant) and type(node.value.value) is int)
                )
            )
            for node in ast.walk(func)
        )
        if checks_errors and exits:
            found.append(func.name)
    return found


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_one_cli_error_mapper(module: str, path: Path) -> None:
    """Errors become exit statuses in node/cli/errors.py alone (`tamga` and `tamga-audit`)."""
    if module == "node.cli.errors":
        assert error_mappers(ast.parse(path.read_text(encoding="utf-8"))) == ["exit_code"]
        return
    found = error_mappers(ast.parse(path.read_text(encoding="utf-8")))
    assert not found, f"{module} maps errors to exit statuses in {found}: use node.cli.errors"


SCHEDULERS = {
    "apscheduler.schedulers.blocking",
    "apscheduler.schedulers.background",
    "apscheduler.schedulers.asyncio",
}


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_one_job_runner(module: str, path: Path) -> None:
    """Checkpoints, anchors, witnesses and verification run on node.scheduler's one runner."""
    if module == "node.scheduler":
        assert SCHEDULERS & _imports(path)
        return
    found = SCHEDULERS & _imports(path)
    assert not found, f"{module} builds a scheduler of its own ({found}): use node.scheduler"
