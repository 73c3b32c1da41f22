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


def cycle_locks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Locked or closed cycles: id, locked_at, locked_by, closed_at."""
    return con.execute(
        """SELECT id, locked_at, locked_by, closed_at FROM okr_cycles
        WHERE locked_at IS NOT NULL OR closed_at IS NOT NULL ORDER BY id"""
    ).df()


def kr_history(con: duckdb.DuckDBPyConnection, kr_id: str) -> pd.DataFrame:
    """Changes to one KR, newest first."""
    return con.execute(
        """SELECT changed_at, user_name, field, old_value, new_value, reason FROM okr_changes
        WHERE entity = 'key_result' AND entity_id = ? ORDER BY id DESC""",
        [kr_id],
    ).df()


def shop_sums(con: duckdb.DuckDBPyConnection, start: object, end: object) -> pd.DataFrame:
    """Per shop (shop_daily) between two dates: sums of gmv, buyers, visitors, refund_amount, and the last date."""
    return con.execute(
        """SELECT shop, any_value(platform) AS platform, sum(gmv) AS gmv, sum(buyers) AS buyers,
        sum(visitors) AS visitors, sum(refund_amount) AS refund_amount, max(date) AS last_date
        FROM shop_daily WHERE date BETWEEN ? AND ? GROUP BY shop ORDER BY shop""",
        [start, end],
    ).df()


# --- creatives (main-image A/B tests) --------------------------------------------------------------------


def creative_sums(
    con: duckdb.DuckDBPyConnection, shop: str, creative_ids: list[str] | tuple[str, ...], start: object, end: object
) -> pd.DataFrame:
    """Per creative of `creative_ids` in one shop between two dates (both included): creative_id, name (the
    latest name), impressions, clicks, orders, spend, gmv (NULL when the source has no such column), days
    with data, first_date, last_date. Creatives without a row in the window are absent from the result."""
    return con.execute(
        """SELECT creative_id, arg_max(creative_name, date) AS name, sum(impressions) AS impressions,
        sum(clicks) AS clicks, sum(orders) AS orders, sum(spend) AS spend, sum(gmv) AS gmv,
        count(DISTINCT date) AS days, min(date) AS first_date, max(date) AS last_date
        FROM creative_daily WHERE shop = ? AND list_contains(?::VARCHAR[], creative_id) AND date BETWEEN ? AND ?
        GROUP BY creative_id ORDER BY creative_id""",
        [shop, list(creative_ids), start, end],
    ).df()


def creative_daily_series(
    con: duckdb.DuckDBPyConnection, shop: str, creative_ids: list[str] | tuple[str, ...], start: object, end: object
) -> pd.DataFrame:
    """Per creative of `creative_ids` and date in the window: impressions, clicks, orders, spend, gmv (sums over
    platforms; days without a row are absent)."""
    return con.execute(
        """SELECT date, creative_id, sum(impressions) AS impressions, sum(clicks) AS clicks,
        sum(orders) AS orders, sum(spend) AS spend, sum(gmv) AS gmv
        FROM creative_daily WHERE shop = ? AND list_contains(?::VARCHAR[], creative_id) AND date BETWEEN ? AND ?
        GROUP BY date, creative_id ORDER BY date, creative_id""",
        [shop, list(creative_ids), start, end],
    ).df()


def creatives(
    con: duckdb.DuckDBPyConnection,
    shop: str | None = None,
    start: object = None,
    end: object = None,
    search: str | None = None,
) -> pd.DataFrame:
    """Imported creatives to pick A/B-test variants from: platform, shop, creative_id, name, product_id,
    impressions, clicks, days, first_date, last_date. Optional filters: shop, dates (NULL = open end), and
    `search` = part of the name or id (case-insensitive). Most impressions first."""
    text = (search or "").strip().lower() or None
    return con.execute(
        """SELECT any_value(platform) AS platform, shop, creative_id, arg_max(creative_name, date) AS name,
        arg_max(product_id, date) AS product_id, sum(impressions) AS impressions, sum(clicks) AS clicks,
        count(DISTINCT date) AS days, min(date) AS first_date, max(date) AS last_date
        FROM creative_daily
        WHERE (?::VARCHAR IS NULL OR shop = ?) AND (?::DATE IS NULL OR date >= ?) AND (?::DATE IS NULL OR date <= ?)
        AND (?::VARCHAR IS NULL OR contains(lower(creative_id), ?) OR contains(lower(coalesce(creative_name, '')), ?))
        GROUP BY shop, creative_id ORDER BY impressions DESC NULLS LAST, creative_id""",
        [shop, shop, start, start, end, end, text, text, text],
    ).df()
