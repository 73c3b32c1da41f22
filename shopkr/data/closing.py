"""Closing a cycle: freeze the engine's final grades in the database (kr_closings, objective_closings) and
lock the cycle. Closing again replaces the earlier grades; a closed cycle then reports the frozen grades."""

from __future__ import annotations

import datetime as dt

import duckdb

from shopkr.data import store
from shopkr.domain import engine
from shopkr.domain.okr import OKRFile


def close_cycle(
    con: duckdb.DuckDBPyConnection, okrs: OKRFile, cycle_id: str, *, user: str, as_of: dt.date | None = None
) -> engine.CycleReport:
    """Score `cycle_id` at `as_of` (engine.final_grades), store the grades with where each value came from, lock
    the cycle, and return the cycle's report as it now reads (the frozen grades). KeyError for an unknown cycle."""
    grades = engine.final_grades(con, okrs, cycle_id, as_of)
    store.save_closing(con, grades, user=user)
    return engine.score_cycle(con, okrs, cycle_id, grades.as_of)
