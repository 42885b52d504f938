"""`tamga rebuild`: recreate the register projection from the journal alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from node.domain.calendar import WorkingCalendar
from node.ledger.replay import replay
from node.ledger.store import SqlLedgerStore, iter_all


@dataclass(frozen=True)
class RebuildReport:
    """What a rebuild wrote."""

    entries: int
    issuers: int
    emissions: int
    versions: int


def rebuild_projection(
    store: SqlLedgerStore,
    *,
    calendar: WorkingCalendar,
    on_entry: Callable[[int], None] | None = None,
) -> RebuildReport:
    """Replace the projection (issuers, emissions, versions) with a replay of the journal.

    Runs in one write transaction: writers wait, readers see the old projection until it commits.

    Raises:
        VerificationError: the journal does not replay (the projection is left untouched).
        StorageError: the database failed.
    """
    with store.write() as writer:
        size, _ = writer.lock_head()
        sizes = {cp.size for cp in writer.checkpoints()}
        result = replay(
            iter_all(writer), calendar=calendar, checkpoint_sizes=sizes, on_entry=on_entry
        )
        writer.clear_projection()
        issuers = result.issuer_rows()
        emissions = result.emission_rows()
        for issuer in issuers:
            writer.put_issuer(issuer, exists=False)
        for emission in emissions:
            writer.put_emission(emission, exists=False)
        for subject in result.subject_rows():
            writer.put_subject(subject, exists=False)
        writer.add_versions(result.versions)
    return RebuildReport(
        entries=size, issuers=len(issuers), emissions=len(emissions), versions=len(result.versions)
    )
