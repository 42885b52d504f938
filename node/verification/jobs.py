"""The verification job (run by node.scheduler's one job runner): verify every emission."""

from __future__ import annotations

import logging
from collections import Counter

from node.errors import RegistryError
from node.verification.service import RunReport, Verifier

logger = logging.getLogger("tamga.verification.job")


def verification_job(verifier: Verifier) -> RunReport | None:
    """Verify every emission and record the run; a RegistryError is logged, not raised (the
    next run retries)."""
    try:
        report = verifier.run()
    except RegistryError as exc:
        logger.error("verification run failed: %s", exc)
        return None
    outcomes = Counter(r.outcome.value for r in report.results)
    severities = Counter(f.severity.value for _, f in report.findings())
    logger.info(
        "verification run %s: %d emissions (%s), %d entries, open findings: %s",
        report.run,
        len(report.results),
        ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "none",
        report.entries,
        ", ".join(f"{k} {v}" for k, v in sorted(severities.items())) or "none",
    )
    return report
