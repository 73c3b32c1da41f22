"""Reads of the canonical tables, in one place. Values are bound parameters; identifiers come from TABLES."""

from __future__ import annotations

import duckdb
import pandas as pd

from connectors.canonical import TABLES


def coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per table, platform and shop: rows, first and last date, days with data."""
    parts = [
        f"""SELECT '{name}' AS table_name, platform, shop, count(*) AS rows, min(date) AS first_date,
        max(date) AS last_date, count(DISTINCT date) AS days FROM {name} GROUP BY platform, shop"""
        for name in TABLES
    ]
    return con.execute(" UNION ALL ".join(parts) + " ORDER BY shop, table_name").df()


def coverage_days(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per table, shop and date: rows on that day (for the coverage calendar)."""
    parts = [
        f"SELECT '{name}' AS table_name, platform, shop, date, count(*) AS rows FROM {name} GROUP BY ALL"
        for name in TABLES
    ]
    return con.execute(" UNION ALL ".join(parts) + " ORDER BY shop, table_name, date").df()


def import_history(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The most recent imports, newest first."""
    return con.execute(
        """SELECT id, imported_at, file_name, shop, source, table_name, status, rows_total, rows_new,
        rows_replaced, rows_unchanged, date_min, date_max, error, user_name
        FROM import_log ORDER BY id DESC LIMIT ?""",
        [limit],
    ).df()


def shops(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every (platform, shop) with any data."""
    parts = [f"SELECT DISTINCT platform, shop FROM {name}" for name in TABLES]
    return con.execute(" UNION ".join(parts) + " ORDER BY shop").df()


def okr_history(con: duckdb.DuckDBPyConnection, cycle: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Changes to definitions, newest first (optionally of one cycle)."""
    return con.execute(
        """SELECT changed_at, user_name, cycle, entity, entity_id, field, old_value, new_value, reason
        FROM okr_changes WHERE ? IS NULL OR cycle = ? ORDER BY id DESC LIMIT ?""",
        [cycle, cycle, limit],
    ).df()


def kr_history(con: duckdb.DuckDBPyConnection, kr_id: str) -> pd.DataFrame:
    """Changes to one KR, newest first."""
    return con.execute(
        """SELECT changed_at, user_name, field, old_value, new_value, reason FROM okr_changes
        WHERE entity = 'key_result' AND entity_id = ? ORDER BY id DESC""",
        [kr_id],
    ).df()
