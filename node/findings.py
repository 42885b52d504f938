"""The one finding type: a failed check, where, what was expected and what was found.

Both areas that check something report with it: the token verification (node.verification, its
checks in ``node.verification.findings.Check``) and the log audit (anchoring.audit, its checks in
``anchoring.audit_report.Check``). Each area keeps its own check names (one StrEnum each, derived
from `CheckName`): the token checks carry a default severity and the paragraph they enforce, the
audit's checks a title.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from node.domain.verification import Severity


class CheckName(StrEnum):
    """Base of each area's check names (a member-less StrEnum, so it can be derived)."""

    @property
    def default_severity(self) -> Severity:
        """The severity of a finding of this check unless the finding says otherwise."""
        return Severity.CRITICAL

    @property
    def paragraph(self) -> str:
        """The paragraph (law, regulation, standard) the check enforces; empty when none."""
        return ""


@dataclass(frozen=True, slots=True)
class Finding:
    """A check that failed: where (entry, checkpoint, emission …), what, expected and actual.

    The token verification fills ``expected`` (the register) and ``actual`` (the chain) and the
    evidence (``subject``, ``tx_hashes``, ``addresses``); the audit ``where`` and ``message``.
    """

    check: CheckName
    expected: str | None = None
    actual: str | None = None
    where: str = ""
    message: str = ""
    subject: str = ""
    tx_hashes: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    note: str = ""
    severity: Severity | None = None  # None: the check's default

    @property
    def observed(self) -> str:
        """What the chain showed (the token verification's word for ``actual``)."""
        return self.actual or ""

    @property
    def id(self) -> str:
        """The finding's id: the check, and the subject when there is one."""
        return f"{self.check.value}:{self.subject}" if self.subject else self.check.value

    @property
    def level(self) -> Severity:
        """The severity (the check's default unless overridden)."""
        return self.severity or self.check.default_severity

    @property
    def paragraph(self) -> str:
        """The paragraph the check enforces."""
        return self.check.paragraph

    def to_json(self) -> dict[str, Any]:
        """JSON form of an audit finding (tamga.audit-report.v1)."""
        return {
            "check": self.check.value,
            "where": self.where,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
        }

    def line(self) -> str:
        """One line: ``where: message (expected …, got …) [check]``."""
        text = f"{self.where}: {self.message}"
        if self.expected is not None or self.actual is not None:
            text += f" (expected {self.expected}, got {self.actual})"
        return f"{text} [{self.check.value}]"
