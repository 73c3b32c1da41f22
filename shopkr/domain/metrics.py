"""The metric catalogue and the SQL that turns KR scopes into daily sums.

SQL only reduces data to sufficient numbers (per KR and day: the sums of every additive column);
Python does the ratios. All metric KRs of a cycle are computed with one grouped query per
(table, filter signature), never one query per KR. Custom KR SQL runs here too, read-only and sandboxed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

import duckdb

from connectors.canonical import ROLLUPS, TABLES
from shopkr.domain.messages import Message

if TYPE_CHECKING:  # imported inside the functions that return frames: scoring a cycle needs no pandas
    import numpy as np
    import pandas as pd

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

    @functools.cache  # noqa: B019 (a few catalogue metrics, alive for the whole process anyway)
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


_T = TypeVar("_T")
# The scopes and the KR ends of one grouped query, from parallel lists bound as parameters.
_UNNEST_SCOPES = "unnest($rep::VARCHAR[]) AS rep, unnest($d0::DATE[]) AS d0, unnest($d1::DATE[]) AS d1"
_UNNEST_ENDS = "SELECT unnest($e_key::VARCHAR[]) AS key, unnest($e_rep::VARCHAR[]) AS rep, unnest($e_d1::DATE[]) AS d1"


def _rows(cur: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    """A query's column names and all its rows."""
    rows = cur.fetchall()
    return [d[0] for d in cur.description or []], rows


def _grouped(
    con: duckdb.DuckDBPyConnection,
    scopes: Mapping[str, Scope],
    select: Callable[[str, str, tuple[str, ...]], str],
    fetch: Callable[[duckdb.DuckDBPyConnection], _T],
    columns: set[str] | None = None,
) -> list[_T]:
    """One query per (table, filter signature). KRs that differ only in their window end share one scan: the
    daily sums of a scope are computed once up to the latest end, then cut at each KR's own end.
    `select(daily, ends, metrics)` builds the final query from the `daily` subquery (rep, date, rows, sums)
    and the `ends` relation (key, rep, d1). Only `columns` are summed (default: every additive column).
    `fetch(cursor)` reads each query's result (`_rows`: column names and rows; `_frame`: a DataFrame).

    The scopes and ends are bound parameters, parallel lists that one SELECT of `unnest`s zips into rows (the
    k-th element of each list makes the k-th row), so nothing is registered and no Arrow or pandas is needed."""
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
        for signature, members in sorted(groups.items()):
            table, names = signature
            params: dict[str, list] = {
                "rep": list(members),
                "d0": [s.start for s in members.values()],
                "d1": [last_end[rep] for rep in members],
            }
            # Filter names come from FILTERS (a whitelist), so they are safe as column and parameter names.
            for name in names:
                params[f"f_{name}"] = [dict(s.filters)[name] for s in members.values()]
            rows = ends[signature]
            params["e_key"] = [r[0] for r in rows]
            params["e_rep"] = [r[1] for r in rows]
            params["e_d1"] = [r[2] for r in rows]
            filters = "".join(f", unnest($f_{c}::VARCHAR[]) AS {c}" for c in names)
            kr_scopes = f"SELECT {_UNNEST_SCOPES}{filters}"
            on = " AND ".join([*(f"t.{c} = k.{c}" for c in names), "t.date BETWEEN k.d0 AND k.d1"])
            metrics = tuple(c for c in TABLES[table].metrics if columns is None or c in columns)
            sums = "".join(f", CAST(sum(t.{c}) AS DOUBLE) AS {c}" for c in metrics)
            rollup = ROLLUPS.get(table)
            if rollup is not None and rollup.serves(table, names):  # the same sums from the per-shop rollup
                source, count = rollup.table, "CAST(sum(t.rows) AS BIGINT)"
            else:
                source, count = table, "count(*)"
            daily = (
                f"SELECT k.rep, t.date, {count} AS rows{sums} FROM {source} t JOIN kr_scopes k ON {on} "
                "GROUP BY k.rep, t.date"
            )
            query = f"WITH kr_scopes AS ({kr_scopes}), kr_ends AS ({_UNNEST_ENDS}) {select(daily, 'kr_ends', metrics)}"
            out.append(fetch(cur.execute(query, params)))
    finally:
        cur.close()
    return out


def _per_day(daily: str, ends: str, metrics: tuple[str, ...]) -> str:
    cols = "".join(f", d.{c}" for c in metrics)
    return f"SELECT e.key, d.date, d.rows{cols} FROM ({daily}) d JOIN {ends} e ON d.rep = e.rep AND d.date <= e.d1"


def _frame(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """A query's result as a DataFrame (pandas is loaded by DuckDB here, only for the callers that want frames)."""
    return cur.df()


def daily_sums(con: duckdb.DuckDBPyConnection, scopes: Mapping[str, Scope]) -> pd.DataFrame:
    """Per scope key and date: row count and the sum of every additive column.
    Columns: key, date, rows, <metric columns of the tables read>."""
    import pandas as pd

    frames = [f for f in _grouped(con, scopes, _per_day, _frame) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["key", "date", "rows"])
    out = pd.concat(frames, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out.sort_values(["key", "date"], ignore_index=True)


def daily_arrays(
    con: duckdb.DuckDBPyConnection, scopes: Mapping[str, Scope], columns: set[str]
) -> dict[str, dict[str, np.ndarray]]:
    """Per scope key, per column of `columns` the scope's tables have: the daily sums as a float array, element i
    for day scope.start + i through scope.end (NaN on a day without rows or with no value). One grouped query
    per table and filter set (`_grouped`); the rows come back as numpy arrays, not Python tuples, so two years of
    days for a thousand KRs stay cheap. Keys without any row in their window are absent."""
    import numpy as np

    out: dict[str, dict[str, np.ndarray]] = {}
    for got in _grouped(con, scopes, _per_day, lambda cur: cur.fetchnumpy(), columns):
        keys = got["key"]
        if len(keys) == 0:
            continue
        names = [c for c in got if c not in ("key", "date", "rows") and c in columns]
        order = np.argsort(keys, kind="stable")
        keys = np.asarray(keys)[order]
        dates = np.asarray(got["date"], dtype="datetime64[D]")[order]
        values = {c: np.ma.filled(np.ma.asarray(got[c], dtype=float), np.nan)[order] for c in names}
        bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(keys)], strict=True):
            key = str(keys[lo])
            scope = scopes[key]
            n = (scope.end - scope.start).days + 1
            at = (dates[lo:hi] - np.datetime64(scope.start, "D")).astype(np.int64)
            inside = (at >= 0) & (at < n)
            arrays = {}
            for c in names:
                daily = np.full(n, np.nan)
                daily[at[inside]] = values[c][lo:hi][inside]
                arrays[c] = daily
            out[key] = arrays
    return out


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
    for names, rows in _grouped(con, scopes, _window_totals, _rows, columns):
        # The query's columns: key, covered_days, data_through, the sums, then last_<sum> for each sum.
        cols = [c for c in names[3:] if not c.startswith("last_")]
        last = [names.index("last_" + c) for c in cols]
        for row in rows:
            current = {c: _number(v) for c, v in zip(cols, row[3 : 3 + len(cols)], strict=True)}
            previous = {
                c: None if current[c] is None else current[c] - (_number(row[n]) or 0.0)
                for c, n in zip(cols, last, strict=True)
            }
            covered, through = int(row[1]), row[2]
            now[row[0]] = {**current, "covered_days": covered, "data_through": through}
            before[row[0]] = {**previous, "covered_days": covered - 1, "data_through": None}
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
    import pandas as pd

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


# Limits of custom KR SQL. DuckDB can interrupt a query while it executes, not while it is parsed, bound or
# planned, and planning cost grows faster than the text: 80,000 UNION ALLs planned for 68 s, a chain of 400
# joins (18,000 characters) for over 5 minutes and 260 correlated subqueries for 7 s, each past the
# interrupt. So the text and the joins plus subqueries are capped before anything is planned (1,000 UNION ALLs
# or 50 joins or subqueries plan in under 0.1 s), and the timer starts before the first DuckDB call on the
# query's cursor, so parsing counts against the time limit too.
MAX_SQL_CHARS = 20_000
MAX_SQL_JOINS = 50  # joins plus subqueries
SHOWN_CHARS = 300  # an error message quotes at most this much of a query's text, value or DuckDB message


class SQLError(ValueError):
    """A custom KR query that is not allowed or did not give one number: `message` says why as a message code
    ("sql.failed", "sql.shape", ...; the words are in shopkr/app/i18n.py), `code` and `params` are its parts."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = message.code
        self.params = message.params


class SQLTimeout(SQLError):
    """A custom KR query stopped by its time limit."""


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """`text` cut to `limit` characters, saying how long it was (a value or message echoed in an error)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def _failure(exc: duckdb.Error) -> str:
    """DuckDB's message without its "Binder Error: " prefix, first line only, shortened."""
    lines = str(exc).splitlines() or [""]
    return shorten(re.sub(r"^\w+ Error: ", "", lines[0]))


def _parse(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[duckdb.Statement | None, list[Message]]:
    """The one statement of a custom KR query, or the problems with it. The size is checked before DuckDB
    sees the text; parsing and the join count run on `con` (the caller's interruptible cursor)."""
    text = sql.strip()
    if not text.rstrip(";").strip():
        return None, [Message("sql.empty")]
    if len(text) > MAX_SQL_CHARS:
        return None, [Message.make("sql.too_long", n=len(text), max=MAX_SQL_CHARS)]
    try:
        statements = con.extract_statements(text)
    except duckdb.InterruptException:
        raise
    except duckdb.Error as exc:
        return None, [Message.make("sql.parse", detail=_failure(exc))]
    if len(statements) != 1:
        return None, [Message.make("sql.one_statement", n=len(statements))]
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        return None, [Message.make("sql.select_only", kind=statement.type.name)]
    unknown = sorted(set(statement.named_parameters) - set(SQL_PARAMS))
    if unknown:
        allowed = ", ".join("$" + p for p in SQL_PARAMS)
        return None, [Message.make("sql.unknown_param", name=unknown[0], allowed=allowed)]
    # The parse tree as JSON (parsing only, nothing is bound or planned). A user's text inside it is
    # JSON-escaped, so the exact text "type":"JOIN" only ever comes from a join node (a subquery likewise).
    try:
        tree = con.execute("SELECT json_serialize_sql(?)", [statement.query]).fetchone()[0]  # type: ignore[index]
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        tree = ""
    joins = tree.count('"type":"JOIN"') + tree.count('"type":"SUBQUERY"')
    if joins > MAX_SQL_JOINS:
        return None, [Message.make("sql.joins", n=joins, max=MAX_SQL_JOINS)]
    return statement, []


def check_sql(sql: str) -> list[Message]:
    """Problems with a custom KR query without running it (empty list: fine): at most MAX_SQL_CHARS
    characters (checked before parsing), one SELECT/WITH statement, only the parameters in SQL_PARAMS, at most
    MAX_SQL_JOINS joins plus subqueries. Each problem is a message code (sql.empty, sql.too_long, sql.parse,
    sql.one_statement, sql.select_only, sql.unknown_param, sql.joins); quoted DuckDB text is cut to SHOWN_CHARS."""
    con = duckdb.connect(":memory:")
    try:
        return _parse(con, sql)[1]
    finally:
        con.close()


def _without_final_semicolons(text: str) -> str:
    """The query without its final `;` (and the comments after it), found with DuckDB's own tokenizer so a
    `;` or `--` inside a comment or a string (`SELECT 1 /* ; -- */`) is left alone."""
    data = text.encode()  # token positions are byte offsets
    tokens = duckdb.tokenize(text)
    cut = len(data)
    for n in range(len(tokens) - 1, -1, -1):
        start, kind = tokens[n]
        end = tokens[n + 1][0] if n + 1 < len(tokens) else len(data)
        if kind == duckdb.token_type.comment:
            continue
        if kind == duckdb.token_type.operator and data[start:end].strip() == b";":
            cut = start
            continue
        break
    return data[:cut].decode().rstrip()


class _Deadline:
    """Interrupts a cursor once `seconds` have passed, then again every 50 ms until stopped: DuckDB forgets an
    interrupt that arrives between two statements (or while it parses), so one interrupt could be lost."""

    def __init__(self, cur: duckdb.DuckDBPyConnection, seconds: float) -> None:
        self.passed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(cur, seconds), daemon=True)
        self._thread.start()

    def _run(self, cur: duckdb.DuckDBPyConnection, seconds: float) -> None:
        if self._stop.wait(seconds):
            return
        self.passed = True
        while not self._stop.is_set():
            with contextlib.suppress(duckdb.Error):
                cur.interrupt()
            self._stop.wait(0.05)

    def stop(self) -> None:
        """No more interrupts (returns once the timer thread is done with the cursor)."""
        self._stop.set()
        self._thread.join()


def run_sql(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object], timeout: float = 5.0
) -> float | None:
    """Run a custom KR query read-only with a time limit; it must return exactly one number (or NULL).

    `params` maps start, end (dates), shop, platform, product_id to values (None: SQL NULL); only the ones
    the query uses are bound. `timeout` (seconds) covers everything from parsing to the last row: the timer
    starts before the first DuckDB call on the query's own cursor. Raises SQLTimeout when stopped by the
    limit, SQLError when the query is not allowed (see check_sql), fails, or does not give one finite number;
    each carries a message code (sql.timeout, sql.failed, sql.shape, sql.not_number, sql.not_finite or one of
    check_sql's) whose parameters quote at most SHOWN_CHARS characters of a value or DuckDB message.

    The database connection has external access disabled, its memory and temporary disk capped and its
    configuration locked (store.CONFIG), so the query cannot read or write files; the READ ONLY transaction
    stops writes to the database itself.
    """
    text = sql.strip()
    if len(text) > MAX_SQL_CHARS:  # refused before DuckDB sees it (the same message as check_sql)
        raise SQLError(check_sql(text)[0])
    cur = con.cursor()
    deadline = _Deadline(cur, timeout)  # before any DuckDB call on the cursor: parsing counts too
    began = False
    try:
        statement, problems = _parse(cur, text)
        if deadline.passed:
            raise duckdb.InterruptException("the time limit passed while parsing")
        if statement is None:
            raise SQLError(problems[0])
        query = _without_final_semicolons(statement.query.strip())
        used = statement.named_parameters
        values = {name: (str(params[name]) if params.get(name) is not None else None) for name in used}
        for name in ("start", "end"):
            if name in values and params.get(name) is not None:
                values[name] = params[name]  # dates stay dates
        cur.execute("BEGIN TRANSACTION READ ONLY")
        began = True
        # Newlines keep a trailing -- comment from swallowing the closing parenthesis.
        rows = cur.execute(f"SELECT * FROM (\n{query}\n) AS kr_query LIMIT 2", values).fetchall()
        description = cur.description
    except duckdb.InterruptException:
        raise SQLTimeout(Message.make("sql.timeout", seconds=timeout)) from None
    except duckdb.Error as exc:
        raise SQLError(Message.make("sql.failed", detail=_failure(exc))) from None
    finally:
        deadline.stop()
        if began:
            with contextlib.suppress(duckdb.Error):
                cur.execute("ROLLBACK")
        cur.close()
    if len(rows) != 1 or len(description or []) != 1:
        rows_found = f"{len(rows)}{'+' if len(rows) == 2 else ''}"
        raise SQLError(Message.make("sql.shape", rows=rows_found, columns=len(description or [])))
    value = rows[0][0]
    if value is None:
        return None
    if isinstance(value, bool) or (not isinstance(value, int | float) and not hasattr(value, "__float__")):
        raise SQLError(Message.make("sql.not_number", value=shorten(repr(value))))
    try:
        number = float(value)
    except (OverflowError, ValueError):
        number = math.inf
    if not math.isfinite(number):
        raise SQLError(Message.make("sql.not_finite", value=shorten(str(value))))
    return number
