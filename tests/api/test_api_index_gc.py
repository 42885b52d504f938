"""The read model of a large register is frozen out of the cyclic GC after a full load (a full
collection over it stalled requests: docs/benchmarks.md, HTTP API)."""

from __future__ import annotations

import gc

from api.index import FREEZE_AT, RegisterIndex
from tests.api.conftest import ApiEnv


def test_a_full_load_of_a_large_read_model_is_frozen(env: ApiEnv) -> None:
    assert FREEZE_AT == 1000
    frozen = gc.get_freeze_count()
    try:
        small = RegisterIndex(env.ledger).current()  # 3 emissions: below the threshold
        assert len(small.emissions) == 3 and gc.get_freeze_count() == frozen
        large = RegisterIndex(env.ledger, freeze_at=3).current()
        assert gc.get_freeze_count() > frozen
        assert gc.is_tracked(large.emissions) and len(large.emissions) == 3
    finally:
        gc.unfreeze()
