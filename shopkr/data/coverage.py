"""Date coverage of the canonical tables: which days have data per shop and table, and the gaps between.

Pure functions of the frames returned by `queries.coverage` and `queries.coverage_days`. A gap is a day
between a row's first and last date without any data; days before the first or after the last date are
not gaps (the data simply starts or ends there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd

KEY = ["shop", "platform", "table_name"]
SUMMARY_COLUMNS = [*KEY, "rows", "first_date", "last_date", "days", "missing_count", "missing", "missing_text"]


def as_dates(values: Iterable[object]) -> list[dt.date]:
    """Dates from date, datetime, pandas Timestamp or ISO text values (NULLs dropped)."""
    out = []
    for v in values:
        if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
            continue
        out.append(pd.Timestamp(v).date())
    return out


def missing_dates(dates: Iterable[object]) -> list[dt.date]:
    """Days between the first and last of `dates` (both ends included) that are not in `dates`, sorted.

    Duplicates and order do not matter; fewer than two distinct dates have no gaps."""
    present = set(as_dates(dates))
    if len(present) < 2:
        return []
    first, last = min(present), max(present)
    span = (last - first).days
    return [d for d in (first + dt.timedelta(days=i) for i in range(span + 1)) if d not in present]


def ranges(dates: Iterable[object]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive runs of `dates` as (first, last) pairs, sorted; a lone day is (day, day)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for d in sorted(set(as_dates(dates))):
        if runs and (d - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def format_ranges(dates: Iterable[object], limit: int = 8) -> str:
    """Dates as short text such as "10-03, 10-05~10-07"; the year is shown when runs span several years.

    More than `limit` runs end with "… (+N)" counting the runs left out; no dates give ""."""
    runs = ranges(dates)
    if not runs:
        return ""
    fmt = "%Y-%m-%d" if len({d.year for run in runs for d in run}) > 1 else "%m-%d"
    parts = [f"{a:{fmt}}" if a == b else f"{a:{fmt}}~{b:{fmt}}" for a, b in runs[:limit]]
    if len(runs) > limit:
        parts.append(f"… (+{len(runs) - limit})")
    return ", ".join(parts)


def summary(coverage: pd.DataFrame, days: pd.DataFrame, limit: int = 8) -> pd.DataFrame:
    """Per shop, platform and table: rows, first/last date, days with data, and the missing days between.

    `coverage` has table_name, platform, shop, rows, first_date, last_date, days (`queries.coverage`);
    `days` has table_name, platform, shop, date (`queries.coverage_days`). Adds missing_count, missing (a
    list of dates) and missing_text (see `format_ranges`). Sorted by shop, platform, table."""
    gaps: dict[tuple, list[dt.date]] = {}
    if not days.empty:
        for key, group in days.groupby(KEY, sort=False):
            gaps[tuple(key)] = missing_dates(group["date"])
    rows = []
    for r in coverage.itertuples(index=False):
        missing = gaps.get((r.shop, r.platform, r.table_name), [])
        first, last = as_dates([r.first_date]), as_dates([r.last_date])
        rows.append(
            {
                "shop": r.shop,
                "platform": r.platform,
                "table_name": r.table_name,
                "rows": int(r.rows),
                "first_date": first[0] if first else None,
                "last_date": last[0] if last else None,
                "days": int(r.days),
                "missing_count": len(missing),
                "missing": missing,
                "missing_text": format_ranges(missing, limit),
            }
        )
    out = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return out.sort_values(KEY, kind="stable").reset_index(drop=True)


def tables_with_gaps(summary_table: pd.DataFrame) -> int:
    """How many shop/table rows of a coverage summary miss at least one day."""
    return int((summary_table["missing_count"] > 0).sum())


def calendar(days: pd.DataFrame, table_labels: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coverage calendar as two frames with one row per "shop · table" and one column per date of the
    overall range: the state of each cell, 2 (data), 1 (a gap inside that row's first..last date) or 0 (before
    its first or after its last date), and the rows per cell. `table_labels` renames tables (e.g. translated)."""
    if days.empty:
        return pd.DataFrame(), pd.DataFrame()
    names = dict(table_labels or {})
    df = days.assign(date=as_dates(days["date"]))
    df["label"] = df["shop"] + " · " + df["table_name"].map(lambda t: names.get(t, t))
    all_dates = pd.date_range(min(df["date"]), max(df["date"])).date
    counts = df.pivot_table(index="label", columns="date", values="rows", aggfunc="sum").reindex(columns=all_dates)
    counts = counts.sort_index()
    state = pd.DataFrame(0, index=counts.index, columns=all_dates)
    for label, row in counts.iterrows():
        present = row.notna().to_numpy()
        hits = present.nonzero()[0]
        state.loc[label] = [2 if p else 1 if hits[0] <= i <= hits[-1] else 0 for i, p in enumerate(present)]
    return state, counts.fillna(0).astype(int)
