"""The reducer's fast copy-with-changes of an emission state equals dataclasses.replace."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from node.domain.model import EmissionStatus
from node.domain.register import evolve_emission
from tests.unit.domain.lifecycle_samples import APP, fresh


def test_evolve_equals_replace_for_every_field() -> None:
    state = fresh("recognized_successful").emission(APP)
    assert state is not None
    for field in dataclasses.fields(state):
        value = getattr(state, field.name)
        changes = {field.name: value, "burned": state.burned + 7}
        assert evolve_emission(state, changes) == dataclasses.replace(state, **changes)
    changes = {"status": EmissionStatus.SUSPENDED, "status_since": date(2026, 9, 1)}
    new = evolve_emission(state, changes)
    assert new == dataclasses.replace(state, **changes)
    assert (new.status, state.status) == (EmissionStatus.SUSPENDED, EmissionStatus.CIRCULATING)


def test_an_unknown_field_is_refused() -> None:
    state = fresh("registered").emission(APP)
    assert state is not None
    with pytest.raises(TypeError, match="no field 'colour'"):
        evolve_emission(state, {"colour": "red"})
