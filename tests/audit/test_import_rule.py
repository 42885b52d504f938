"""The auditor's toolkit imports no ledger or database code, directly or through what it imports.

`tamga audit` must run on an auditor's laptop from the Merkle code, the entry format and chain
reading alone: this test follows every project import of the auditor's modules,
transitively, and fails on the ledger, the API, database drivers or the node's own chain writer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AUDITOR = (
    "anchoring.audit",
    "anchoring.audit_bundle",
    "anchoring.audit_chain",
    "node.cli.audit",
    "anchoring.audit_replay",
    "anchoring.audit_report",
    "anchoring.audit_source",
    "anchoring.audit_witness",
    "anchoring.bundle_format",
    "anchoring.equivocation",
    "anchoring.extract",
    "anchoring.monitor",
)
FORBIDDEN_PROJECT = (
    "node.ledger",
    "node.cli.root",
    "node.cli.anchor",
    "node.cli.token",
    "node.cli.verify",
    "node.cli.witness",
    "node.cli.bundle",
    "node.scheduler",
    "node.operations",
    "api",
)
FORBIDDEN_THIRD_PARTY = {"sqlalchemy", "sqlmodel", "alembic", "psycopg", "fastapi", "apscheduler"}
# anchoring.artifacts reads the committed ABI and runtime code (stdlib JSON only).
ALLOWED_ANCHORING = set(AUDITOR) | {
    "anchoring",
    "anchoring.artifacts",
}


def _path(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(module: str) -> set[str]:
    path = _path(module)
    assert path is not None, module
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _closure(start: str) -> dict[str, str]:
    """Every module reachable from ``start``, with the module that imported it."""
    seen: dict[str, str] = {start: ""}
    todo = [start]
    while todo:
        current = todo.pop()
        for name in _imports(current):
            if name.split(".")[0] not in {"node", "anchoring", "api"}:
                seen.setdefault(name, current)
                continue
            if _path(name) is None or name in seen:
                continue
            seen[name] = current
            todo.append(name)
    return seen


@pytest.mark.parametrize("module", AUDITOR)
def test_the_auditor_imports_no_ledger_or_database_code(module: str) -> None:
    reached = _closure(module)
    bad = {
        name: via
        for name, via in reached.items()
        if name.startswith(FORBIDDEN_PROJECT)
        or name.split(".")[0] in FORBIDDEN_THIRD_PARTY
        or (name.startswith("anchoring.") and name not in ALLOWED_ANCHORING)
    }
    assert not bad, f"{module} reaches {bad} (module: imported by)"


def test_the_rule_sees_a_violation() -> None:
    """The walker is not blind: the node-side bundle builder does reach the ledger."""
    reached = _closure("anchoring.bundle")
    assert "node.ledger.service" in reached
    assert any(name.split(".")[0] == "sqlalchemy" for name in reached)
