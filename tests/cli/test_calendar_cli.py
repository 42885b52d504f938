"""`tamga calendar correct|show`: a decree recorded from the command line moves later deadlines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cli_support import Invoke, emission_filing, head_size, issuer_filing, write_yaml
from typer.testing import Result

from node.domain.calendar import CalendarCorrections, CorrectedCalendar, kyrgyz_calendar

SATURDAY = date(2026, 11, 7)
FILED = date(2026, 11, 2)


def _decree(tamga: Invoke, *days: str) -> Result:
    args = [f"--day={day}" for day in days]
    return tamga(
        "calendar",
        "correct",
        *args,
        "--decree-number",
        "612",
        "--decree-date",
        "2026-10-30",
        "--issued-by",
        "Cabinet of Ministers",
        "--on",
        "2026-10-30",
        "--json",
    )


def test_a_recorded_decree_moves_the_deadline_of_a_later_application(
    initialised: Invoke, tmp_path: Path
) -> None:
    result = _decree(initialised, f"{SATURDAY}=working_day")
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert written["entry"]["kind"] == "calendar.corrected"
    assert written["entry"]["basis"]["type"] == "government_decree"
    shown = json.loads(initialised("calendar", "show", "--json").stdout)
    assert shown == [
        {
            "day": "2026-11-07",
            "becomes": "working_day",
            "entry": 0,
            "decree": "612 of 2026-10-30, Cabinet of Ministers",
        }
    ]
    issuer = initialised(
        "issuer", "add", str(write_yaml(tmp_path / "i.yaml", issuer_filing())), "--json"
    )
    code = json.loads(issuer.stdout)["code"]
    filed = initialised(
        "emission", "register", str(write_yaml(tmp_path / "e.yaml", emission_filing(code)))
    )
    assert filed.exit_code == 0, filed.output
    state = json.loads(initialised("emission", "show", "APP-000001", "--json").stdout)
    (decision,) = [d for d in state["emission"]["deadlines"] if d["name"] == "decision"]
    library = kyrgyz_calendar()
    corrected = CorrectedCalendar(library, CalendarCorrections(((SATURDAY, True),)))
    assert decision["due"] == corrected.add_working_days(FILED, 20).isoformat()
    assert decision["due"] != library.add_working_days(FILED, 20).isoformat()
    assert initialised("check").exit_code == 0


def test_a_bad_correction_is_one_line_and_writes_nothing(initialised: Invoke) -> None:
    before = head_size(initialised)
    bad = _decree(initialised, "2026-11-07=holiday")
    assert bad.exit_code == 3
    assert "[calendar-day; docs/regulatory-notes.md]" in bad.stderr
    twice = _decree(initialised, "2026-11-07=working_day", "2026-11-07=day_off")
    assert twice.exit_code == 3
    line = twice.stderr.strip()
    assert line.count("\n") == 0 and "days[1].day" in line and "calendar-day-repeated" in line
    assert head_size(initialised) == before
