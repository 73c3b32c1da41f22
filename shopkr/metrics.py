"""The metric catalogue and the SQL that turns KR scopes into daily sums.

SQL only reduces data to sufficient numbers (per KR and day: the sums of every additive column);
Python does the ratios. All metric KRs of a cycle are computed with one grouped query per
(table, filter signature), never one query per KR. Custom KR SQL runs here too, read-only and sandboxed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import duckdb
import pandas as pd
import pyarrow as pa

from connectors.canonical import TABLES

Level = Literal["shop", "product", "creative"]
LEVEL_TABLE: dict[str, str] = {"shop": "shop_daily", "product": "product_daily", "creative": "creative_daily"}
FILTERS = ("shop", "platform", "product_id", "creative_id")
SQL_PARAMS = ("start", "end", "shop", "platform", "product_id")


@dataclass(frozen=True)
class Metric:
    """A catalogue metric: a sum of one column, or a ratio of two sums (never a mean of daily ratios)."""

    name: str
    kind: Literal["sum", "ratio"]
    numerator: str
    denominator: str | None = None
    unit: Literal["yuan", "count", "rate", "multiple"] = "count"

    def levels(self) -> tuple[Level, ...]:
        """Levels whose table has the columns this metric needs."""
        cols = {self.numerator, self.denominator} - {None}
        return tuple(lv for lv, t in LEVEL_TABLE.items() if cols <= set(TABLES[t].metrics))  # type: ignore[misc]

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the metric reads."""
        return tuple(c for c in (self.numerator, self.denominator) if c)

    @property
    def formula(self) -> str:
        """The catalogue formula as SQL, e.g. SUM(buyers) / SUM(visitors)."""
        if self.denominator is None:
            return f"SUM({self.numerator})"
        return f"SUM({self.numerator}) / SUM({self.denominator})"


def _sum(name: str, unit: Literal["yuan", "count"] = "count") -> Metric:
    return Metric(name, "sum", name, unit=unit)


CATALOGUE: dict[str, Metric] = {
    m.name: m
    for m in (
        _sum("gmv", "yuan"),
        _sum("orders"),
        _sum("units"),
        _sum("buyers"),
        _sum("visitors"),
        _sum("pageviews"),
        _sum("impressions"),
        _sum("clicks"),
        _sum("refund_amount", "yuan"),
        _sum("cart_buyers"),
        _sum("ad_spend", "yuan"),
        _sum("spend", "yuan"),
        Metric("conversion_rate", "ratio", "buyers", "visitors", "rate"),
        Metric("aov", "ratio", "gmv", "buyers", "yuan"),
        Metric("ctr", "ratio", "clicks", "impressions", "rate"),
        Metric("refund_rate", "ratio", "refund_amount", "gmv", "rate"),
        Metric("cart_rate", "ratio", "cart_buyers", "visitors", "rate"),
        Metric("roi", "ratio", "gmv", "spend", "multiple"),
    )
}


def level_for(filters: Mapping[str, object], explicit: str | None = None) -> Level:
    """Which table a KR reads: explicit level, else product_id -> product, creative_id -> creative, else shop."""
    if explicit:
        return explicit  # type: ignore[return-value]
    if filters.get("creative_id") is not None:
        return "creative"
    if filters.get("product_id") is not None:
        return "product"
    return "shop"


@dataclass(frozen=True)
class Scope:
    """Which rows a KR reads: a level, equality filters (IDs as text), and a date window (inclusive)."""

    level: Level
    filters: tuple[tuple[str, str], ...]  # sorted (name, value) pairs
    start: dt.date
    end: dt.date

    @staticmethod
    def make(level: Level, filters: Mapping[str, object], start: dt.date, end: dt.date) -> Scope:
        """A scope with filter values normalised to text (IDs written as YAML numbers compare as text)."""
        pairs = tuple(sorted((k, str(v)) for k, v in filters.items() if v is not None and k in FILTERS))
        return Scope(level, pairs, start, end)

    @property
    def table(self) -> str:
        """The canonical table this scope reads."""
        return LEVEL_TABLE[self.level]


def _grouped(
    con: duckdb.DuckDBPyConnection,
    scopes: Mapping[str, Scope],
    select: Callable[[str, str, tuple[str, ...]], str],
    columns: set[str] | None = None,
) -> list[pd.DataFrame]:
    """One query per (table, filter signature). KRs that differ only in their window end share one scan: the
    daily sums of a scope are computed once up to the latest end, then cut at each KR's own end.
    `select(daily, ends, metrics)` builds the final query from the `daily` subquery (rep, date, rows, sums)
    and the `ends` view (key, rep, d1). Only `columns` are summed (default: every additive column)."""
    reps: dict[tuple, str] = {}
    last_end: dict[str, dt.date] = {}
    groups: dict[tuple[str, tuple[str, ...]], dict[str, Scope]] = defaultdict(dict)
    ends: dict[tuple[str, tuple[str, ...]], list[tuple[str, str, dt.date]]] = defaultdict(list)
    for key, scope in scopes.items():
        signature = (scope.table, tuple(name for name, _ in scope.filters))
        rep = reps.setdefault((scope.table, scope.filters, scope.start), f"s{len(reps)}")
        last_end[rep] = max(last_end.get(rep, scope.end), scope.end)
        groups[signature][rep] = scope
        ends[signature].append((key, rep, scope.end))
    out = []
    cur = con.cursor()
    try:
        for n, (signature, members) in enumerate(sorted(groups.items())):
            table, names = signature
            spec = {
                "rep": pa.array(list(members), pa.string()),
                "d0": pa.array([s.start for s in members.values()], pa.date32()),
                "d1": pa.array([last_end[rep] for rep in members], pa.date32()),
            }
            for name in names:
                spec[name] = pa.array([dict(s.filters)[name] for s in members.values()], pa.string())
            cur.register(f"kr_scopes_{n}", pa.table(spec))
            rows = ends[signature]
            cur.register(
                f"kr_ends_{n}",
                pa.table(
                    {
                        "key": pa.array([r[0] for r in rows], pa.string()),
                        "rep": pa.array([r[1] for r in rows], pa.string()),
                        "d1": pa.array([r[2] for r in rows], pa.date32()),
                    }
                ),
            )
            on = " AND ".join([*(f"t.{c} = k.{c}" for c in names), "t.date BETWEEN k.d0 AND k.d1"])
            metrics = tuple(c for c in TABLES[table].metrics if columns is None or c in columns)
            sums = "".join(f", CAST(sum(t.{c}) AS DOUBLE) AS {c}" for c in metrics)
            daily = (
                f"SELECT k.rep, t.date, count(*) AS rows{sums} FROM {table} t JOIN kr_scopes_{n} k ON {on} "
                "GROUP BY k.rep, t.date"
            )
            out.append(cur.execute(select(daily, f"kr_ends_{n}", metrics)).df())
            cur.unregister(f"kr_scopes_{n}")
            cur.unregister(f"kr_ends_{n}")
    finally:
        cur.close()
    return out


def _per_day(daily: str, ends: str, metrics: tuple[str, ...]) -> str:
    cols = "".join(f", d.{c}" for c in metrics)
    return f"SELECT e.key, d.date, d.rows{cols} FROM ({daily}) d JOIN {ends} e ON d.rep = e.rep AND d.date <= e.d1"


def daily_sums(con: duckdb.DuckDBPyConnection, scopes: Mapping[str, Scope]) -> pd.DataFrame:
    """Per scope key and date: row count and the sum of every additive column.
    Columns: key, date, rows, <metric columns of the tables read>."""
    frames = [f for f in _grouped(con, scopes, _per_day) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["key", "date", "rows"])
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out.sort_values(["key", "date"], ignore_index=True)


def _window_totals(daily: str, ends: str, metrics: tuple[str, ...]) -> str:
    # Per KR: the sums over its window, days with data, the last such day, and that day's sums (so the
    # value "as of the day before" is the total minus the last day).
    sums = "".join(f", sum(d.{c}) AS {c}" for c in metrics)
    last = "".join(f", arg_max(d.{c}, d.date) AS last_{c}" for c in metrics)
    return (
        f"SELECT e.key, count(*) AS covered_days, max(d.date) AS data_through{sums}{last} "
        f"FROM ({daily}) d JOIN {ends} e ON d.rep = e.rep AND d.date <= e.d1 GROUP BY e.key"
    )


def totals(
    con: duckdb.DuckDBPyConnection, scopes: Mapping[str, Scope], columns: set[str] | None = None
) -> tuple[dict[str, dict], dict[str, dict]]:
    """Per key, the window totals and the totals without the last day with data (for "since yesterday"),
    each a dict of column sums plus `covered_days` and `data_through`. All reduction happens in SQL; only
    `columns` are summed (default: all)."""
    now: dict[str, dict] = {}
    before: dict[str, dict] = {}
    for frame in _grouped(con, scopes, _window_totals, columns):
        cols = [
            c for c in frame.columns if c not in ("key", "covered_days", "data_through") and not c.startswith("last_")
        ]
        for row in frame.to_dict("records"):
            current = {c: _number(row[c]) for c in cols}
            previous = {
                c: None if current[c] is None else current[c] - (_number(row["last_" + c]) or 0.0) for c in cols
            }
            covered, through = int(row["covered_days"]), pd.Timestamp(row["data_through"]).date()
            now[row["key"]] = {**current, "covered_days": covered, "data_through": through}
            before[row["key"]] = {**previous, "covered_days": covered - 1, "data_through": None}
    return now, before


@dataclass(frozen=True)
class Reading:
    """A metric value over a window with where it came from (numerator and denominator for ratios)."""

    value: float | None
    numerator: float | None
    denominator: float | None
    covered_days: int
    data_through: dt.date | None


def read(metric: Metric, total: Mapping[str, object] | None) -> Reading:
    """The metric from one key's totals (see `totals`): the sum, or the ratio of the sums."""
    if not total or not total.get("covered_days"):
        return Reading(None, None, None, 0, None)
    covered, through = int(total["covered_days"]), total.get("data_through")  # type: ignore[arg-type]
    num = _number(total.get(metric.numerator))
    if metric.denominator is None:
        return Reading(num, num, None, covered, through)  # type: ignore[arg-type]
    den = _number(total.get(metric.denominator))
    value = num / den if num is not None and den not in (None, 0) else None
    return Reading(value, num, den, covered, through)  # type: ignore[arg-type]


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def cumulative(metric: Metric, days: pd.DataFrame) -> pd.DataFrame:
    """To-date value per day (cumulative sums; ratio of cumulative sums for rates), with numerator and
    denominator per day and to date. Columns: date, numerator, denominator, num_to_date, den_to_date, value."""
    out = pd.DataFrame({"date": days["date"]})
    out["numerator"] = days[metric.numerator] if metric.numerator in days else float("nan")
    out["denominator"] = days[metric.denominator] if metric.denominator and metric.denominator in days else None
    out["num_to_date"] = pd.to_numeric(out["numerator"], errors="coerce").fillna(0).cumsum()
    if metric.denominator:
        out["den_to_date"] = pd.to_numeric(out["denominator"], errors="coerce").fillna(0).cumsum()
        out["value"] = out["num_to_date"] / out["den_to_date"].where(out["den_to_date"] != 0)
    else:
        out["den_to_date"] = None
        out["value"] = out["num_to_date"]
    return out.reset_index(drop=True)


# --- custom SQL ---------------------------------------------------------------------------------------


class SQLError(ValueError):
    """A custom KR query that is not allowed or did not give one number."""


def check_sql(sql: str) -> list[str]:
    """Problems with a custom KR query without running it: one SELECT/WITH statement, known parameters."""
    text = sql.strip()
    if not text.rstrip(";").strip():
        return ["the query is empty"]
    try:
        statements = duckdb.connect(":memory:").extract_statements(text)
    except duckdb.Error as exc:
        return [f"the query does not parse: {str(exc).splitlines()[0]}"]
    if len(statements) != 1:
        return [f"write exactly one SELECT statement (found {len(statements)})"]
    if statements[0].type != duckdb.StatementType.SELECT:
        return [f"only SELECT (or WITH ... SELECT) is allowed, not {statements[0].type.name}"]
    unknown = sorted(set(statements[0].named_parameters) - set(SQL_PARAMS))
    if unknown:
        return [f"unknown parameter ${unknown[0]}; allowed: " + ", ".join("$" + p for p in SQL_PARAMS)]
    return []


def run_sql(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object], timeout: float = 5.0
) -> float | None:
    """Run a custom KR query read-only with a time limit; it must return exactly one number (or NULL).

    The database connection has external access disabled and its configuration locked (store.CONFIG), so
    the query cannot read or write files; the READ ONLY transaction stops writes to the database itself.
    """
    problems = check_sql(sql)
    if problems:
        raise SQLError(problems[0])
    statement = duckdb.connect(":memory:").extract_statements(sql.strip())[0]
    # Drop a final semicolon even when comments follow it: the query is wrapped in parentheses below.
    text = re.sub(r";(\s|--[^\n]*)*$", "", statement.query.strip())
    used = statement.named_parameters
    values = {name: (str(params[name]) if name in params and params[name] is not None else None) for name in used}
    for name in ("start", "end"):
        if name in values and params.get(name) is not None:
            values[name] = params[name]  # dates stay dates
    cur = con.cursor()
    timer = threading.Timer(timeout, cur.interrupt)
    try:
        cur.execute("BEGIN TRANSACTION READ ONLY")
        timer.start()
        # Newlines keep a trailing -- comment from swallowing the closing parenthesis.
        rows = cur.execute(f"SELECT * FROM (\n{text}\n) AS kr_query LIMIT 2", values).fetchall()
        description = cur.description
    except duckdb.InterruptException:
        raise SQLError(f"the query took longer than {timeout:.0f} s and was stopped") from None
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        message = re.sub(r"^\w+ Error: ", "", message)
        raise SQLError(f"the query failed: {message}") from None
    finally:
        timer.cancel()
        try:
            cur.execute("ROLLBACK")
        except duckdb.Error:
            pass
        cur.close()
    if len(rows) != 1 or len(description or []) != 1:
        shape = f"{len(rows)}{'+' if len(rows) == 2 else ''} rows x {len(description or [])} columns"
        raise SQLError(f"the query must return exactly one number (one row, one column); it returned {shape}")
    value = rows[0][0]
    if value is None:
        return None
    if isinstance(value, bool) or (not isinstance(value, int | float) and not hasattr(value, "__float__")):
        raise SQLError(f"the query returned {value!r}, not a number")
    if not math.isfinite(float(value)):
        raise SQLError(f"the query returned {float(value)}, not a finite number")
    return float(value)
