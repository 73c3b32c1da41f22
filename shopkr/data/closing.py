"""Closing a cycle: freeze the engine's final grades in the database (kr_closings, objective_closings) and
lock the cycle. Closing again replaces the earlier grades; a closed cycle then reports the frozen grades.

Provisional closings (issue 10): when some KR's window still holds days whose values are settling (refunds,
attributed sales; shopkr/domain/maturation.py) at the closing date, the grades are frozen as provisional with
the day they become final (`Closing.final_on`). Closing again with `final=True`, or on or after that day, re-grades
and freezes them as final. The change history records both (`closed_provisional`, then `closed`)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import duckdb

from shopkr.data import store
from shopkr.domain import engine
from shopkr.domain.okr import OKRFile


def close_cycle(
    con: duckdb.DuckDBPyConnection,
    okrs: OKRFile,
    cycle_id: str,
    *,
    user: str,
    as_of: dt.date | None = None,
    final: bool = False,
    today: dt.date | None = None,
) -> engine.CycleReport:
    """Score `cycle_id` at `as_of` (engine.final_grades), store the grades with where each value came from, lock
    the cycle, and return the cycle's report as it now reads (the frozen grades; `report.closed_at` set).

    The grades are frozen as provisional (kept with `final_on`, see `closing_state`) while some of their values
    are still settling at the grading date and that day (`as_of` when given, else `today`, default the clock's
    date) is before the day they are final, unless `final` is True. KeyError for an unknown cycle."""
    grades = engine.final_grades(con, okrs, cycle_id, as_of)
    now = as_of or today or dt.date.today()
    if grades.final_on is not None and (final or now >= grades.final_on):
        final_krs = {
            i: dataclasses.replace(k, provisional=False, provisional_share=None) for i, k in grades.krs.items()
        }
        grades = dataclasses.replace(grades, krs=final_krs, final_on=None)
    store.save_closing(con, grades, user=user)
    return engine.score_cycle(con, okrs, cycle_id, grades.as_of)


def closing_state(con: duckdb.DuckDBPyConnection, cycle_id: str) -> engine.Closing | None:
    """The stored closing of `cycle_id` (None when it was never closed); `.provisional` and `.final_on` say
    whether its grades are still provisional and from when they are final."""
    return engine.read_closing(con, cycle_id)
