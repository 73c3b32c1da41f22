"""Score a cycle's OKRs from the data: the KR values (few grouped queries), pace, status, daily series.

This is where definitions (okr.py), metric queries (metrics.py) and maths (scoring.py) meet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import numpy as np

from shopkr.domain import forecast, maturation, metrics, scoring
from shopkr.domain.messages import Message
from shopkr.domain.okr import (
    Cycle,
    KeyResult,
    ManualMeasure,
    MetricMeasure,
    Objective,
    OKRFile,
    Problem,
    SQLMeasure,
    cycle_warnings,
    resolve_cycles,
)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class KRResult:
    """A scored KR with where its value came from."""

    id: str
    title: str
    objective_id: str
    kind: scoring.Kind
    metric: str | None
    definition: str  # the catalogue formula, the SQL, or "manual"
    filters: dict[str, str]
    level: str | None
    unit: str
    value: float | None
    numerator: float | None
    denominator: float | None
    start: float | None
    target: float | None
    weight: float
    deadline: dt.date
    progress: float | None
    score: float
    projected_value: float | None
    projected_score: float
    status: scoring.Status
    advice: scoring.Advice | None
    data_through: dt.date | None
    covered_days: int
    previous_score: float | None = None  # the score one day earlier, for "change since yesterday"
    message: Message | None = None  # why there is no value (no data, SQL error): a code, words in app/i18n.py
    # The forecast (shopkr/domain/forecast.py; None for manual KRs and before the cycle): the pace the KR is held
    # to and why, where that pace says it should be on data_through, the 10th/90th percentile of the final value
    # (projected_value is the median), P(final reaches the target) and P(final score >= 0.7). SQL KRs pace
    # linearly and have no probabilities.
    pace_method: forecast.PaceMethod | None = None
    pace_reason: Message | None = None
    expected_to_date: float | None = None
    projected_low: float | None = None
    projected_high: float | None = None
    p_hit: float | None = None
    p_sweet: float | None = None
    forecast_note: Message | None = None  # why the forecast is simpler than asked (no data, a zero shape)
    provisional: bool = False  # the window holds days whose values are still settling (refunds, attribution)
    provisional_share: float | None = None  # the share of the value from those days
    # Which days are still settling and when they are final (shopkr/domain/maturation.py); None when none is.
    # A closed cycle's provisional KRs have `provisional` from the closing and no `settling`.
    settling: maturation.Settling | None = None


@dataclass(frozen=True)
class ObjectiveResult:
    """A scored objective and its KRs."""

    id: str
    title: str
    owner: str
    level: str
    parent: str | None
    origin: str
    type: str
    score: float
    projected_score: float
    status: scoring.Status
    key_results: tuple[KRResult, ...]
    # The roll-up (issue 11): the mean score of the objectives aligned to this one (their `parent` is its id, in
    # the same cycle), each with its own KR score; None when none is aligned to it. See `with_children_scores`.
    children_score: float | None = None


@dataclass(frozen=True)
class CycleReport:
    """The scores of every objective of a cycle at `as_of`."""

    cycle: Cycle
    as_of: dt.date
    objectives: tuple[ObjectiveResult, ...]
    warnings: tuple[Problem, ...] = ()  # the OKR-method warnings of the cycle
    closed_at: dt.datetime | None = None
    freshness: dict[str, dt.date] = field(default_factory=dict)  # shop -> last date with data
    final_on: dt.date | None = None  # a provisional closing: the day its grades become final (Closing.final_on)

    @property
    def key_results(self) -> list[KRResult]:
        """All KRs of the cycle."""
        return [k for o in self.objectives for k in o.key_results]


def current_cycle(okrs: OKRFile, today: dt.date) -> str | None:
    """The cycle containing today (the shortest if several), else the latest that has started, else None."""
    cycles = resolve_cycles(okrs)
    used = {o.cycle for o in okrs.objectives}
    candidates = [c for c in cycles.values() if c.id in used]
    inside = [c for c in candidates if c.start <= today <= c.end]
    if inside:
        return min(inside, key=lambda c: (c.days, c.id)).id
    started = [c for c in candidates if c.start <= today]
    if started:
        return max(started, key=lambda c: (c.end, -c.days)).id
    return min(candidates, key=lambda c: c.start).id if candidates else None


def _deadline(kr: KeyResult, cycle: Cycle) -> dt.date:
    return kr.deadline or cycle.end


def _scope(kr: KeyResult, cycle: Cycle, end: dt.date) -> metrics.Scope:
    return metrics.Scope.make(metrics.level_for(kr.filters, kr.level), kr.filters, cycle.start, end)


def _sql_params(kr: KeyResult, start: dt.date, end: dt.date) -> dict[str, object]:
    params: dict[str, object] = {"start": start, "end": end}
    for name in ("shop", "platform", "product_id"):
        params[name] = kr.filters.get(name)
    return params


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Execute and fetch everything (DuckDB refuses other work on a connection with a pending result)."""
    return con.execute(sql, params or []).fetchall()


def score_cycle(
    con: duckdb.DuckDBPyConnection,
    okrs: OKRFile,
    cycle_id: str,
    as_of: dt.date | None = None,
    *,
    use_closing: bool = True,
    calendar: forecast.PromoCalendar | None = None,
) -> CycleReport:
    """Score every objective of `cycle_id` at `as_of` (default today); a closed cycle reports its frozen
    grades unless `use_closing` is False (used when closing again). Metric KRs are forecast along their pace
    (`_outlooks`: one grouped query for every KR's daily sums, the cycle and the two years before it) with
    `calendar` (default: the shipped promotion calendar, forecast.load_calendar()); their status comes from the
    forecast's median. KeyError for an unknown cycle."""
    cycles = resolve_cycles(okrs)
    if cycle_id not in cycles:
        raise KeyError(f"unknown cycle {cycle_id!r}; known: {', '.join(sorted(cycles)) or 'none'}")
    cycle = cycles[cycle_id]
    as_of = as_of or dt.date.today()
    objectives = [o for o in okrs.objectives if o.cycle == cycle_id]
    closing = read_closing(con, cycle_id) if use_closing else None
    krs = [(o, kr) for o in objectives for kr in o.key_results]
    eff = min(as_of, cycle.end)
    # One pass over the data for every metric KR: daily sums up to its window end.
    scopes = {
        kr.id: _scope(kr, cycle, min(eff, _deadline(kr, cycle)))
        for _, kr in krs
        if kr.metric is not None and as_of >= cycle.start
    }
    needed = {c for _, kr in krs if kr.metric for c in metrics.CATALOGUE[kr.metric].columns}
    now, before = metrics.totals(con, scopes, needed) if scopes else ({}, {})
    open_krs = [(o, kr) for o, kr in krs if closing is None or kr.id not in closing.krs]
    outlooks = _outlooks(con, open_krs, cycle, as_of, calendar)
    results: dict[str, KRResult] = {}
    for o, kr in krs:
        if closing is not None and kr.id in closing.krs:
            results[kr.id] = _from_closing(o, kr, cycle, closing.krs[kr.id])
            continue
        results[kr.id] = _finite(
            _score_kr(con, o, kr, cycle, as_of, now.get(kr.id), before.get(kr.id), outlooks.get(kr.id))
        )
    out = []
    for o in objectives:
        kr_results = tuple(results[kr.id] for kr in o.key_results)
        objective = scoring.score_objective(
            [_as_score(k) for k in kr_results], [k.weight for k in kr_results], o.type, ended=as_of > cycle.end
        )
        if closing is not None and o.id in closing.objectives:
            frozen = closing.objectives[o.id]
            objective = scoring.ObjectiveScore(frozen.score, frozen.score, frozen.status)
        out.append(
            ObjectiveResult(
                o.id,
                o.title,
                o.owner,
                o.level,
                o.parent,
                o.origin,
                o.type,
                objective.score,
                objective.projected_score,
                objective.status,
                kr_results,
            )
        )
    warnings = tuple(p for p in cycle_warnings(okrs, cycle_id) if p.severity == "warning")
    closed_at = closing.closed_at if closing else None
    final_on = closing.final_on if closing else None
    out = with_children_scores(out)
    return CycleReport(cycle, as_of, tuple(out), warnings, closed_at, freshness(con, as_of), final_on)


def with_children_scores(objectives: list[ObjectiveResult]) -> list[ObjectiveResult]:
    """The objectives with `children_score` set: the plain mean of the `score` of the objectives whose `parent` is
    its id (Quantive's "aggregated progress" of aligned objectives), None when none is aligned to it.

    Direct children only, each with its own KR score (not its children's): a grandchild already counts in its own
    parent's score line, so a recursive mean would count the same work twice and give deep branches more weight
    than the alignment says; one level also reads plainly ("the teams under this objective average 0.55").
    Children are looked up among `objectives` (one cycle's): an objective aligned to a parent in another cycle
    is not counted there."""
    kids: dict[str, list[float]] = {}
    for o in objectives:
        if o.parent is not None:
            kids.setdefault(o.parent, []).append(o.score)
    return [replace(o, children_score=sum(kids[o.id]) / len(kids[o.id]) if o.id in kids else None) for o in objectives]


@dataclass(frozen=True)
class _Outlook:
    """A metric KR's pace and its forecast at data_through (shopkr/domain/forecast.py), and the days of its
    window still settling (shopkr/domain/maturation.py; None when none is)."""

    pace: forecast.Pace
    forecast: forecast.Forecast
    settling: maturation.Settling | None = None


# Every KR's forecast uses the same seed: the same data give the same P(hit) in every run and process, and the
# random draws (forecast._draws, the costliest step when each KR has its own) are made once per window length.
# Common random numbers across KRs correlate their simulation noise, which no per-KR figure is affected by.
SEED = 20261201


def _outlooks(
    con: duckdb.DuckDBPyConnection,
    krs: list[tuple[Objective, KeyResult]],
    cycle: Cycle,
    as_of: dt.date,
    calendar: forecast.PromoCalendar | None,
) -> dict[str, _Outlook]:
    """The pace and forecast of every catalogue KR of `krs` that has started at `as_of`, keyed by KR id.

    One grouped query (`metrics.daily_arrays`) reads each KR's daily numerator and denominator sums from two
    years before the cycle start (forecast.history_window) to its window end; the first part is the history the
    pace is shaped from (last year's window and the promotion uplifts), the rest the actual days the forecast
    starts from (through the last day with data). KRs with the same scope, pace column, pace choice and deadline
    share one pace. A rate paces along its denominator (forecast.choose_pace) and, when that is last year's
    shape, its numerator along its own.

    Provisional values (`_settlings`): the days of each KR's window still settling at as_of (capped at the last
    data date of the KR's shop in its table) for a column its metric reads, from the maturation curves
    (maturation.curves over the revision history, one grouped query; defaults where there is too little), and the
    share of the KR's value from them. KRs whose metric reads refund_amount (refund_rate, refund_amount) are
    forecast from their expected final refunds: each settling day's refunds divided by the share matured at its
    age (maturation.corrected) before forecast.forecast_ratio / forecast_sum, when the curve is estimated from the
    shop's revisions (see CORRECT_WITH_DEFAULT)."""
    todo = [(o, kr) for o, kr in krs if kr.metric is not None and kr.target is not None and as_of >= cycle.start]
    if not todo:
        return {}
    calendar = calendar or forecast.load_calendar()
    h0 = forecast.history_window(cycle.start)[0]
    eff = min(as_of, cycle.end)
    scopes = {
        kr.id: metrics.Scope.make(
            metrics.level_for(kr.filters, kr.level), kr.filters, h0, min(eff, _deadline(kr, cycle))
        )
        for _, kr in todo
    }
    columns = {c for _, kr in todo for c in metrics.CATALOGUE[kr.metric].columns}  # type: ignore[index]
    days = metrics.daily_arrays(con, scopes, columns)
    settlings, days = _settlings(con, todo, cycle, as_of, scopes, days, h0)
    with np.errstate(all="ignore"):  # sums that overflow to inf: `_finite` makes such a KR an error
        outlooks = _forecast_all(todo, cycle, scopes, days, h0, calendar)
    return {i: replace(o, settling=settlings.get(i)) for i, o in outlooks.items()}


# Columns whose recent days the forecast corrects to their expected final value (issue 10: "rate KRs on refunds
# use the maturation curve to correct the recent days' expected final value in the forecast").
CORRECTED_COLUMNS = ("refund_amount",)
# Correct with the documented default curve too (True), or only with a curve estimated from the shop's own
# revisions (False). True, as issue 10 asks ("where there is too little history, use a documented default"):
# refunds by payment date keep arriving for about two weeks on every platform, whether or not this database has
# seen a re-pull. The cost: a back-fill pulled after its refunds settled is corrected too (upward, the cautious
# direction for a refund KR) until the shop's own revisions give it a curve.
CORRECT_WITH_DEFAULT = True


def _settlings(
    con: duckdb.DuckDBPyConnection,
    todo: list[tuple[Objective, KeyResult]],
    cycle: Cycle,
    as_of: dt.date,
    scopes: dict[str, metrics.Scope],
    days: dict[str, dict[str, np.ndarray]],
    h0: dt.date,
) -> tuple[dict[str, maturation.Settling], dict[str, dict[str, np.ndarray]]]:
    """Per KR id, the days of its window still settling (absent when none is), and `days` with the columns of
    CORRECTED_COLUMNS replaced by their expected final values where they settle (other arrays shared, not copied).
    Two grouped queries for all KRs: the revision history (`_revision_observations`) and each table's last data
    date per shop (`_last_dates`); both only when some KR reads a column that settles."""
    pairs = {(scopes[kr.id].table, c) for _, kr in todo for c in metrics.CATALOGUE[kr.metric].columns}  # type: ignore[index]
    estimated = maturation.curves(_revision_observations(con, pairs))
    settling_pairs = {(t, c) for t, c in pairs if maturation.curve_for(estimated, None, t, c) is not None}
    if not settling_pairs:
        return {}, days
    last = _last_dates(con, {t for t, _ in settling_pairs}, as_of)
    out: dict[str, maturation.Settling] = {}
    fixed = dict(days)
    n_hist = (cycle.start - h0).days
    for _, kr in todo:
        scope = scopes[kr.id]
        metric = metrics.CATALOGUE[kr.metric]  # type: ignore[index]
        shop = dict(scope.filters).get("shop")
        seen = [d for (t, s), d in last.items() if t == scope.table and (shop is None or s == shop)]
        arrays = days.get(kr.id)
        if not seen or arrays is None:
            continue
        reference = min(as_of, max(seen))
        found: list[tuple[str, maturation.Curve, tuple[dt.date, dt.date]]] = []
        for column in metric.columns:
            curve = maturation.curve_for(estimated, shop, scope.table, column)
            window = curve and maturation.settling_window(curve, reference, cycle.start, scope.end)
            values = arrays.get(column)
            if not window or values is None:
                continue
            part = values[(window[0] - h0).days : (window[1] - h0).days + 1]
            if np.isnan(part).all():
                continue
            found.append((column, curve, window))  # type: ignore[arg-type]
            if column in CORRECTED_COLUMNS and (curve.source == "history" or CORRECT_WITH_DEFAULT):  # type: ignore[union-attr]
                fixed[kr.id] = {**fixed[kr.id], column: maturation.corrected(values, h0, reference, curve)}  # type: ignore[arg-type]
        if not found:
            continue
        column, _, (first, end) = found[0]  # the numerator's when it settles (metric.columns lists it first)
        values = arrays[column]
        settling_sum = float(np.nansum(values[(first - h0).days : (end - h0).days + 1]))
        total = float(np.nansum(values[n_hist:]))
        out[kr.id] = maturation.Settling(
            first=min(w[0] for _, _, w in found),
            last=max(w[1] for _, _, w in found),
            final_on=max(w[1] + dt.timedelta(days=c.days) for _, c, w in found),
            columns=tuple(c for c, _, _ in found),
            share=settling_sum / total if total > 0 else None,
        )
    return out, fixed


def _revision_observations(con: duckdb.DuckDBPyConnection, pairs: set[tuple[str, str]]) -> list[maturation.Observation]:
    """The revision history of the (table, column) `pairs` as maturation observations, one grouped query: each
    revision's old value at its pull's age and its new value at its own, against the newest value of that
    (table, platform, shop, day, item, column), summed per (shop, table, column, day, age) over items."""
    names = sorted(f"{t}.{c}" for t, c in pairs)
    rows = _fetch(
        con,
        """WITH r AS (
            SELECT id, table_name, platform, shop, date, coalesce(item_id, '') AS item, column_name,
                TRY_CAST(old_value AS DOUBLE) AS old_v, TRY_CAST(new_value AS DOUBLE) AS new_v,
                old_data_through, data_through
            FROM revisions WHERE list_contains(?::VARCHAR[], table_name || '.' || column_name)),
        f AS (SELECT table_name, platform, shop, date, item, column_name, arg_max(new_v, id) AS final
            FROM r GROUP BY ALL),
        o AS (SELECT table_name, platform, shop, date, item, column_name, old_data_through AS through, old_v AS v
                FROM r
            UNION ALL SELECT table_name, platform, shop, date, item, column_name, data_through, new_v FROM r)
        SELECT o.shop, o.table_name, o.column_name, o.date, CAST(o.through - o.date AS BIGINT) AS age,
            sum(coalesce(o.v, 0)), sum(f.final)
        FROM o JOIN f USING (table_name, platform, shop, date, item, column_name)
        WHERE o.through IS NOT NULL AND f.final IS NOT NULL
        GROUP BY ALL""",
        [names],
    )
    return [maturation.Observation(r[0], r[1], r[2], r[3], int(r[4]), float(r[5]), float(r[6])) for r in rows]


def _last_dates(con: duckdb.DuckDBPyConnection, tables: set[str], as_of: dt.date) -> dict[tuple[str, str], dt.date]:
    """(table, shop) -> the last date with rows up to as_of, for the canonical `tables` (product_daily read from
    its per-shop rollup, the same dates). One grouped query per table."""
    out = {}
    for table in sorted(tables):
        source = metrics.ROLLUPS[table].table if table in metrics.ROLLUPS else table
        sql = f"SELECT shop, max(date) FROM {source} WHERE date <= ? GROUP BY shop"  # table from LEVEL_TABLE
        out.update({(table, r[0]): r[1] for r in _fetch(con, sql, [as_of])})
    return out


def _forecast_all(
    todo: list[tuple[Objective, KeyResult]],
    cycle: Cycle,
    scopes: dict[str, metrics.Scope],
    days: dict[str, dict[str, np.ndarray]],
    h0: dt.date,
    calendar: forecast.PromoCalendar,
) -> dict[str, _Outlook]:
    """`_outlooks`' loop: each KR's pace (shared by KRs with the same scope and choice) and forecast."""
    n_hist = (cycle.start - h0).days
    paces: dict[tuple, forecast.Pace] = {}

    def pace_of(kr: KeyResult, column: str, requested: str, values: np.ndarray) -> forecast.Pace:
        scope = scopes[kr.id]
        key = (scope.table, scope.filters, column, requested, _deadline(kr, cycle))
        if key not in paces:
            history = forecast.Daily(h0, values[:n_hist])
            paces[key] = forecast.choose_pace(
                requested,  # type: ignore[arg-type]
                cycle.start,
                _deadline(kr, cycle),
                last_year=history,
                history=history,
                calendar=calendar,
            )
        return paces[key]

    out: dict[str, _Outlook] = {}
    for _, kr in todo:
        metric = metrics.CATALOGUE[kr.metric]  # type: ignore[index]
        target = float(kr.target)  # type: ignore[arg-type]
        arrays = days.get(kr.id, {})
        empty = np.full((scopes[kr.id].end - h0).days + 1, np.nan)
        num = arrays.get(metric.numerator, empty)
        if metric.denominator is None:
            seen = np.flatnonzero(~np.isnan(num[n_hist:]))
            k = int(seen[-1]) + 1 if len(seen) else 0  # the days through data_through
            pace = pace_of(kr, metric.numerator, kr.pace, num)
            f = forecast.forecast_sum(
                num[n_hist : n_hist + k], pace, start_value=kr.start_value, target=target, seed=SEED
            )
            out[kr.id] = _Outlook(pace, f)
            continue
        den = arrays.get(metric.denominator, empty)
        seen = np.flatnonzero(~np.isnan(num[n_hist:]) & ~np.isnan(den[n_hist:]))
        k = int(seen[-1]) + 1 if len(seen) else 0
        pace = pace_of(kr, metric.denominator, kr.pace, den)
        num_pace = pace_of(kr, metric.numerator, "last_year", num) if pace.method == "last_year" else None
        f = forecast.forecast_ratio(
            num[n_hist : n_hist + k],
            den[n_hist : n_hist + k],
            pace,
            start_value=kr.start_value,
            target=target,
            num_pace=num_pace if num_pace is not None and num_pace.method == "last_year" else None,
            seed=SEED,
        )
        out[kr.id] = _Outlook(pace, f)
    return out


def _as_score(k: KRResult) -> scoring.KRScore:
    return scoring.KRScore(k.value, k.progress, k.score, k.projected_value, k.projected_score, k.status, k.advice)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Measured:
    """What measuring a KR gives, whatever its measure: the value and where it came from, and its score."""

    definition: str  # the catalogue formula, the SQL, or "manual"
    unit: str
    value: float | None
    numerator: float | None
    denominator: float | None
    covered_days: int
    data_through: dt.date | None
    score: scoring.KRScore
    previous_score: float | None = None
    message: Message | None = None
    outlook: _Outlook | None = None
    expected_to_date: float | None = None  # SQL KRs: the linear pace at the days covered


def _score_kr(
    con: duckdb.DuckDBPyConnection,
    o: Objective,
    kr: KeyResult,
    cycle: Cycle,
    as_of: dt.date,
    total: dict | None,
    total_before: dict | None,
    outlook: _Outlook | None = None,
) -> KRResult:
    """Measure the KR by its kind of measure, then build its result (in `_result`, the one place)."""
    deadline = _deadline(kr, cycle)
    score = functools.partial(
        scoring.score_kr,
        kr_type=o.type,
        period_days=scoring.period_days(cycle.start, deadline),
        ended=as_of > deadline,
        started=as_of >= cycle.start,
    )
    match kr.measure:
        case ManualMeasure(manual):
            s = score(kind="manual", value=None, start=None, target=None, covered_days=0, manual=manual)
            measured = _Measured("manual", "score", None, None, None, 0, None, s, previous_score=s.score)
        case SQLMeasure(sql):
            _, end = scoring.window(cycle.start, cycle.end, deadline, as_of)
            measured = _measure_sql(con, kr, sql, cycle, end, started=as_of >= cycle.start, score=score)
        case MetricMeasure(name):
            measured = _measure_metric(kr, metrics.CATALOGUE[name], cycle, as_of, total, total_before, score, outlook)
    return _result(o, kr, cycle, measured)


def _measure_sql(
    con: duckdb.DuckDBPyConnection,
    kr: KeyResult,
    sql: str,
    cycle: Cycle,
    end: dt.date,
    *,
    started: bool,
    score: Callable[..., scoring.KRScore],
) -> _Measured:
    """An SQL KR: its query over the window to `end`; a failing query is an `error` with the message why."""
    message = None
    value = None
    if started:
        try:
            value = metrics.run_sql(con, sql, _sql_params(kr, cycle.start, end))
        except metrics.SQLError as exc:
            message = exc.message
    covered = (end - cycle.start).days + 1 if value is not None else 0
    s = score(kind="sql", value=value, start=kr.start_value, target=kr.target, covered_days=covered)
    if message:
        s = scoring.KRScore(None, None, 0.0, None, 0.0, "error", None)
    elif value is None and started:
        message = Message("kr.sql_null")
    expected = None
    if started and kr.target is not None:
        period = scoring.period_days(cycle.start, _deadline(kr, cycle))
        expected = scoring.pace(kr.start_value, kr.target, (end - cycle.start).days + 1, period, "sql")
    return _Measured(sql, "number", s.value, None, None, covered, None, s, message=message, expected_to_date=expected)


def _measure_metric(
    kr: KeyResult,
    metric: metrics.Metric,
    cycle: Cycle,
    as_of: dt.date,
    total: dict | None,
    total_before: dict | None,
    score: Callable[..., scoring.KRScore],
    outlook: _Outlook | None = None,
) -> _Measured:
    """A catalogue KR from its window totals (`metrics.totals`), with the score one data day earlier; its
    projection from the forecast (`outlook`) when there is one, else linear."""
    reading = metrics.read(metric, total)
    median = outlook.forecast.projected_value if outlook is not None else None
    s = score(
        kind=metric.kind,
        value=reading.value,
        start=kr.start_value,
        target=kr.target,
        covered_days=reading.covered_days,
        projected_value=median if reading.value is not None else None,
    )
    previous = None
    prev_reading = metrics.read(metric, total_before)
    if prev_reading.covered_days:
        prev = score(
            kind=metric.kind,
            value=prev_reading.value,
            start=kr.start_value,
            target=kr.target,
            covered_days=prev_reading.covered_days,
        )
        previous = prev.score if prev.status != "no_data" else None
    message = None
    if s.status == "no_data" and as_of >= cycle.start:
        scope = ", ".join(f"{k}={v}" for k, v in kr.filters.items()) or Message("kr.all_shops")
        table = metrics.LEVEL_TABLE[metrics.level_for(kr.filters, kr.level)]
        if reading.covered_days:
            message = Message.make("kr.no_values", table=table, scope=scope, columns="/".join(metric.columns))
        else:
            _, end = scoring.window(cycle.start, cycle.end, _deadline(kr, cycle), as_of)
            message = Message.make("kr.no_rows", table=table, scope=scope, start=str(cycle.start), end=str(end))
    return _Measured(
        metric.formula,
        metric.unit,
        reading.value,
        reading.numerator,
        reading.denominator,
        reading.covered_days,
        reading.data_through,
        s,
        previous,
        message,
        outlook,
    )


def _result(o: Objective, kr: KeyResult, cycle: Cycle, m: _Measured) -> KRResult:
    """The one constructor of a KRResult: the KR's definition plus what measuring it gave."""
    s = m.score
    return KRResult(
        id=kr.id,
        title=kr.title,
        objective_id=o.id,
        kind=kr.kind,
        metric=kr.metric,
        definition=m.definition,
        filters=dict(kr.filters),
        level=kr.level,
        unit=m.unit,
        value=m.value,
        numerator=m.numerator,
        denominator=m.denominator,
        start=kr.start_value if kr.kind in ("sum", "sql") else kr.start,
        target=kr.target,
        weight=kr.weight,
        deadline=_deadline(kr, cycle),
        progress=s.progress,
        score=s.score,
        projected_value=s.projected_value,
        projected_score=s.projected_score,
        status=s.status,
        advice=s.advice,
        data_through=m.data_through,
        covered_days=m.covered_days,
        previous_score=m.previous_score,
        message=m.message,
        **_outlook_fields(kr, m),
    )


def _outlook_fields(kr: KeyResult, m: _Measured) -> dict[str, Any]:
    """The KRResult's forecast fields from what was measured (see KRResult)."""
    if kr.kind == "manual" or m.score.status == "not_started":
        return {}
    if m.outlook is None:  # SQL KRs, and metric KRs without a forecast, pace linearly
        return {"pace_method": "linear", "expected_to_date": m.expected_to_date}
    f, pace = m.outlook.forecast, m.outlook.pace
    has_value = m.value is not None
    settling = m.outlook.settling if has_value else None
    return {
        "provisional": settling is not None,
        "provisional_share": settling.share if settling is not None else None,
        "settling": settling,
        "pace_method": f.method,
        "pace_reason": pace.reason,
        "expected_to_date": f.expected_to_date,
        "projected_low": f.projected_low if has_value else None,
        "projected_high": f.projected_high if has_value else None,
        "p_hit": f.p_hit if has_value else None,
        "p_sweet": f.p_sweet if has_value else None,
        "forecast_note": f.reason,
    }


_NUMBERS = (
    "value",
    "numerator",
    "denominator",
    "start",
    "target",
    "progress",
    "projected_value",
    "expected_to_date",
    "projected_low",
    "projected_high",
    "p_hit",
    "p_sweet",
)


def _finite(k: KRResult) -> KRResult:
    """The KR as scored, or, when one of its numbers is not finite (amounts so large that their sum
    overflows to infinity, a ratio of such sums), status `error` with no numbers and a message saying which:
    a score computed from infinity would be meaningless (and JSON cannot carry it)."""
    bad = [f for f in _NUMBERS if isinstance(v := getattr(k, f), float) and not math.isfinite(v)]
    if not bad:
        return k
    return replace(
        k,
        value=None,
        numerator=None,
        denominator=None,
        progress=None,
        score=0.0,
        projected_value=None,
        projected_score=0.0,
        status="error",
        advice=None,
        previous_score=None,
        message=Message.make("kr.not_finite", fields=", ".join(bad)),
        expected_to_date=None,
        projected_low=None,
        projected_high=None,
        p_hit=None,
        p_sweet=None,
    )


def freshness(con: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> dict[str, dt.date]:
    """Per shop, the last date with shop- or product-level data (up to as_of)."""
    rows = _fetch(
        con,
        "SELECT shop, max(date) FROM (SELECT shop, date FROM shop_daily UNION ALL SELECT shop, date FROM "
        f"{metrics.ROLLUPS['product_daily'].table}) WHERE ? IS NULL OR date <= ? GROUP BY shop ORDER BY shop",
        [as_of, as_of],
    )
    return {r[0]: r[1] for r in rows}


# --- daily series -------------------------------------------------------------------------------------


# An SQL KR's daily series runs its query once per day: all the days together get this many seconds.
SERIES_BUDGET = 10.0

Connect = Callable[[float], contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]]


def kr_series(
    con: duckdb.DuckDBPyConnection | None,
    okrs: OKRFile,
    kr_id: str,
    as_of: dt.date | None = None,
    *,
    connect: Connect | None = None,
    budget: float | None = None,
    timeout: float = 5.0,
    calendar: forecast.PromoCalendar | None = None,
) -> pd.DataFrame:
    """For one KR, each day of the cycle up to as_of: the to-date value (cumulative for sums, ratio of sums
    to date for rates), numerator and denominator that day and to date, the target and the pace line (the KR's
    pace as `score_cycle` forecasts it; linear for SQL KRs). Metric KRs have values only through the last day with
    data (data_through), none after it, and the forecast fan from data_through to the deadline (`fan_low`,
    `fan_mid`, `fan_high`: the to-date value on the 10th, 50th and 90th percentile paths, forecast.fan; NaN
    elsewhere); `frame.attrs["pace_method"]` names the pace (None for manual KRs).
    Columns: date, value, numerator, denominator, num_to_date, den_to_date, target, pace, score, fan_low,
    fan_mid, fan_high.

    A catalogue KR reads its daily sums on `con` in one query. An SQL KR runs its query once per day: each
    on its own short-lived connection from `connect(wait_seconds)` when given (e.g.
    `lambda wait: store.connect(wait=wait)`), so the database file is held for one query at a time and a
    writer in another process gets in between; else all on `con`. All days together get `budget` seconds
    (default SERIES_BUDGET; each query at most `timeout`); days not computed in time have no value, and
    `frame.attrs["incomplete_from"]` is the first of them (None when the series is complete). A day whose
    query fails has no value either. Raises KeyError for an unknown KR, ValueError without a connection."""
    import pandas as pd  # only here: the score/status CLI path must not pay for importing pandas

    o, kr = find_kr(okrs, kr_id)
    cycle = resolve_cycles(okrs)[o.cycle]
    as_of = as_of or dt.date.today()
    deadline = _deadline(kr, cycle)
    _, end = scoring.window(cycle.start, cycle.end, deadline, as_of)
    total = scoring.period_days(cycle.start, deadline)
    dates = pd.date_range(cycle.start, deadline).date
    frame = pd.DataFrame({"date": dates})
    incomplete_from = None
    if kr.metric is not None and end >= cycle.start:
        if con is None:
            raise ValueError("a catalogue KR's series needs a connection")
        metric = metrics.CATALOGUE[kr.metric]
        days = metrics.daily_sums(con, {kr.id: _scope(kr, cycle, end)})
        series = metrics.cumulative(metric, days.drop(columns=["key"])) if not days.empty else pd.DataFrame()
        frame = frame.merge(series, on="date", how="left") if not series.empty else frame
        if not series.empty:
            # Carry the to-date value over gaps between data days, never past the last day with data
            # (data_through): a flat line after it would read as days without sales.
            known = frame["date"] <= min(end, max(series["date"]))
            frame.loc[known, ["num_to_date", "den_to_date", "value"]] = frame.loc[
                known, ["num_to_date", "den_to_date", "value"]
            ].ffill()
    elif kr.sql is not None and end >= cycle.start:
        days = [d for d in dates if d <= end]
        limit = SERIES_BUDGET if budget is None else budget
        values, incomplete_from = _sql_series(con, kr, cycle.start, days, connect, limit, timeout)
        frame["value"] = values + [None] * (len(dates) - len(values))
    for col in ("value", "numerator", "denominator", "num_to_date", "den_to_date"):
        if col not in frame:
            frame[col] = None
    kind = kr.kind if kr.kind != "manual" else "ratio"
    start = kr.start_value
    frame["target"] = kr.target if kr.target is not None else None
    for col in ("fan_low", "fan_mid", "fan_high"):
        frame[col] = float("nan")
    frame.attrs["pace_method"] = None if kr.kind == "manual" else "linear"
    outlook = None
    if kr.metric is not None and con is not None:
        outlook = _outlooks(con, [(o, kr)], cycle, as_of, calendar).get(kr.id)
    if outlook is not None and kr.target is not None:
        frame["pace"] = forecast.expected_path(
            outlook.pace, start_value=start, target=kr.target, kind="ratio" if kr.kind == "ratio" else "sum"
        )
        frame.attrs["pace_method"] = outlook.pace.method
        known = frame["value"].notna()
        if known.any():
            band = forecast.fan(outlook.forecast, outlook.pace, frame["date"][known].max())
            for col, key in (("fan_low", "low"), ("fan_mid", "median"), ("fan_high", "high")):
                frame.loc[band["date_index"], col] = band[key]
    elif kr.target is not None:
        frame["pace"] = [scoring.pace(start, kr.target, i + 1, total, kind) for i in range(len(frame))]
    if kr.target is not None:
        frame["score"] = [
            scoring.clamp(scoring.progress(v, start, kr.target)) if v is not None and v == v else None
            for v in frame["value"]
        ]
    else:
        frame["pace"] = None
        frame["score"] = kr.manual
    frame.attrs["incomplete_from"] = incomplete_from
    return frame


def _sql_series(
    con: duckdb.DuckDBPyConnection | None,
    kr: KeyResult,
    start: dt.date,
    days: list[dt.date],
    connect: Connect | None,
    budget: float,
    timeout: float,
) -> tuple[list[float | None], dt.date | None]:
    """The SQL KR's to-date value on each of `days` while the budget lasts (None where the query failed),
    and the first day left out because `budget` seconds ran out (None when every day ran). See `kr_series`."""
    if con is None and connect is None:
        raise ValueError("an SQL KR's series needs a connection or a way to open one")
    began = time.monotonic()

    def left() -> float:
        return budget - (time.monotonic() - began)

    values: list[float | None] = []
    for d in days:
        if left() <= 0:
            return values, d
        params = _sql_params(kr, start, d)
        try:
            if connect is None:
                values.append(metrics.run_sql(con, kr.sql, params, timeout=min(timeout, left())))  # type: ignore[arg-type]
            else:
                with connect(left()) as day_con:  # held for this one query only
                    values.append(metrics.run_sql(day_con, kr.sql, params, timeout=max(min(timeout, left()), 0.01)))
        except metrics.SQLTimeout:
            if left() <= 0.05:
                return values, d  # stopped by the budget rather than by the query's own limit
            values.append(None)
        except metrics.SQLError:
            values.append(None)
        except TimeoutError:  # store.DatabaseBusy: another process held the file
            return values, d  # another process held the file for the rest of the budget
    return values, None


def find_kr(okrs: OKRFile, kr_id: str) -> tuple[Objective, KeyResult]:
    """The objective and KR with this id (KeyError if none)."""
    for o in okrs.objectives:
        for kr in o.key_results:
            if kr.id == kr_id:
                return o, kr
    raise KeyError(f"no KR with id {kr_id!r}")


# --- closing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrozenKR:
    """One KR's final grade as frozen when its cycle was closed (a row of kr_closings). `query`, `source_rows`
    and `rows_hash` say where the value came from, so it can be reproduced or shown to have changed since."""

    kr_id: str
    objective_id: str
    value: float | None
    numerator: float | None
    denominator: float | None
    start: float | None
    target: float | None
    progress: float | None
    score: float | None
    status: scoring.Status
    data_through: dt.date | None
    query: str = ""
    source_rows: int | None = None
    rows_hash: str | None = None
    provisional: bool = False  # graded while some of its days were still settling (KRResult.provisional)
    provisional_share: float | None = None


@dataclass(frozen=True)
class FrozenObjective:
    """One objective's final grade (a row of objective_closings)."""

    objective_id: str
    score: float | None
    status: scoring.Status


@dataclass(frozen=True)
class Closing:
    """A cycle's final grades: per KR id and per objective id; `closed_at` is None until they are stored.
    `final_on`: for grades frozen while some KR's days were still settling (provisional), the day they all are
    final (the latest KRResult.settling.final_on); None when the grades are final."""

    cycle: str
    as_of: dt.date
    krs: dict[str, FrozenKR]
    objectives: dict[str, FrozenObjective]
    closed_at: dt.datetime | None = None
    final_on: dt.date | None = None

    @property
    def provisional(self) -> bool:
        """Frozen while some values were still settling (see `final_on`)."""
        return self.final_on is not None


def read_closing(con: duckdb.DuckDBPyConnection, cycle_id: str) -> Closing | None:
    """The stored final grades of a closed cycle, or None when it was never closed."""
    rows = _fetch(
        con,
        "SELECT kr_id, objective_id, value, numerator, denominator, start, target, progress, score, status, "
        "data_through, query, source_rows, rows_hash, closed_at, coalesce(provisional, false), provisional_share "
        "FROM kr_closings WHERE cycle = ?",
        [cycle_id],
    )
    if not rows:
        return None
    krs = {r[0]: FrozenKR(*r[:14], r[15], r[16]) for r in rows}
    objectives = {
        r[0]: FrozenObjective(*r)
        for r in _fetch(con, "SELECT objective_id, score, status FROM objective_closings WHERE cycle = ?", [cycle_id])
    }
    closed_at = rows[-1][14]
    final_on = _fetch(con, "SELECT final_on FROM okr_cycles WHERE id = ?", [cycle_id])
    return Closing(
        cycle_id,
        closed_at.date() if closed_at else dt.date.today(),
        krs,
        objectives,
        closed_at,
        final_on[0][0] if final_on else None,
    )


def _from_closing(o: Objective, kr: KeyResult, cycle: Cycle, frozen: FrozenKR) -> KRResult:
    """A KR of a closed cycle: its frozen grade, projected as itself."""
    metric = metrics.CATALOGUE.get(kr.metric or "")
    definition = metric.formula if metric else (kr.sql or "manual")
    score = frozen.score if frozen.score is not None else 0.0
    advice = scoring.advice(score, score, o.type, ended=True) if kr.kind != "manual" else None
    s = scoring.KRScore(frozen.value, frozen.progress, score, frozen.value, score, frozen.status, advice)  # type: ignore[arg-type]
    unit = metric.unit if metric else "number"
    measured = _Measured(
        definition,
        unit,
        frozen.value,
        frozen.numerator,
        frozen.denominator,
        0,
        frozen.data_through,
        s,
        frozen.score,
        Message("kr.frozen"),
    )
    return replace(
        _result(o, kr, cycle, measured), provisional=frozen.provisional, provisional_share=frozen.provisional_share
    )


def final_grades(con: duckdb.DuckDBPyConnection, okrs: OKRFile, cycle_id: str, as_of: dt.date | None = None) -> Closing:
    """The final grades of a cycle as closing would freeze them: every KR scored at `as_of` (default the day
    after the cycle, or today if later) with its numerator, denominator, the query and a hash of the rows
    behind it, and whether it is provisional (some of its days still settling at as_of; `Closing.final_on` is
    then the day the last of them is final). Nothing is written: `shopkr.data.closing.close_cycle` stores them
    (and decides whether they are frozen as provisional). KeyError for an unknown cycle."""
    cycle = resolve_cycles(okrs)[cycle_id]
    final_day = as_of or max(dt.date.today(), cycle.end + dt.timedelta(days=1))
    report = score_cycle(con, okrs, cycle_id, final_day, use_closing=False)
    krs, objectives = {}, {}
    for o in report.objectives:
        objectives[o.id] = FrozenObjective(o.id, o.score, o.status)
        for k in o.key_results:
            _, kr = find_kr(okrs, k.id)
            query, n_rows, digest = _lineage(con, kr, cycle, final_day)
            krs[k.id] = FrozenKR(
                k.id,
                o.id,
                k.value,
                k.numerator,
                k.denominator,
                k.start,
                k.target,
                k.progress,
                k.score,
                k.status,
                k.data_through,
                query,
                n_rows,
                digest,
                k.provisional,
                k.provisional_share,
            )
    final_on = [k.settling.final_on for k in report.key_results if k.settling is not None]
    return Closing(cycle_id, report.as_of, krs, objectives, final_on=max(final_on) if final_on else None)


def _lineage(
    con: duckdb.DuckDBPyConnection, kr: KeyResult, cycle: Cycle, as_of: dt.date
) -> tuple[str, int | None, str | None]:
    """The single-KR SQL equivalent of a catalogue KR over its scoring window at as_of, the number of rows
    behind it and a hash of them (so the frozen value can be reproduced, or shown to have changed)."""
    if kr.metric is None:
        return (kr.sql or "manual", None, None)
    metric = metrics.CATALOGUE[kr.metric]
    _, end = scoring.window(cycle.start, cycle.end, _deadline(kr, cycle), as_of)
    scope = _scope(kr, cycle, end)
    where = " AND ".join([*(f"{k} = ?" for k, _ in scope.filters), "date BETWEEN ? AND ?"])
    params = [v for _, v in scope.filters] + [scope.start, scope.end]
    query = f"SELECT {metric.formula} FROM {scope.table} WHERE {where}"
    shown = query
    for p in params:
        shown = shown.replace("?", f"'{p}'", 1)
    cols = ", ".join(["date", *(c for c in (metric.numerator, metric.denominator) if c)])
    keys = [c for c in metrics.TABLES[scope.table].key if c not in ("date",)]
    row = _fetch(
        con,
        f"SELECT count(*), bit_xor(hash({', '.join(keys)}, {cols})) FROM {scope.table} WHERE {where}",
        params,
    )[0]
    digest = hashlib.sha256(f"{row[0]}:{row[1]}".encode()).hexdigest()[:16]
    return shown, int(row[0]), digest


# --- JSON ---------------------------------------------------------------------------------------------

KR_JSON_FIELDS = (
    "id",
    "title",
    "metric",
    "value",
    "numerator",
    "denominator",
    "start",
    "target",
    "progress",
    "score",
    "projected_value",
    "projected_score",
    "status",
    "data_through",
    "pace_method",
    "expected_to_date",
    "projected_low",
    "projected_high",
    "p_hit",
    "p_sweet",
    "provisional",
    "provisional_share",
)


class CheckInMark(Protocol):
    """What the JSON tells of a KR's latest check-in (issue 11; shopkr.data.store.CheckIn has these): the owner's
    confidence 0-10 and the day it is for."""

    @property
    def confidence(self) -> int: ...

    @property
    def date(self) -> dt.date: ...


def to_json(
    report: CycleReport,
    text: Callable[[Message | Problem], str] | None = None,
    checkins: Mapping[str, CheckInMark] | None = None,
) -> dict:
    """The `score --format json` document (see the README for its shape): numbers at full float precision
    (only the table and pages round), dates as ISO text, and never Infinity or NaN (such a KR is already an
    `error` from `score_cycle`; a non-finite number left anywhere becomes null), so
    `json.dumps(..., allow_nan=False)` always succeeds.

    `text` turns a KR's message and each warning into words (the CLI passes English from shopkr/app/i18n.py);
    without it they are given as their codes. Each KR also has `message_code` (null without a message).

    `checkins` maps a KR id to its latest check-in dated on or before as_of (shopkr.data.store.latest_checkins):
    each KR has `confidence` (its whole number 0-10) and `last_checkin` (its date), both null without one."""

    def words(m: Message | Problem) -> str:
        return text(m) if text is not None else (m.code if isinstance(m, Message) else str(m))

    def clean(v: Any) -> Any:
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, float):
            return v if math.isfinite(v) else None
        return v

    objectives = []
    for o in report.objectives:
        krs = []
        for k in o.key_results:
            d = asdict(k)
            item = {f: clean(d[f]) for f in KR_JSON_FIELDS}
            message = words(k.message) if k.message is not None else None
            item.update({"kind": k.kind, "advice": k.advice, "message": message, "weight": clean(k.weight)})
            item["message_code"] = k.message.code if k.message is not None else None
            item["pace_reason"] = words(k.pace_reason) if k.pace_reason is not None else None
            mark = (checkins or {}).get(k.id)
            item["confidence"] = int(mark.confidence) if mark is not None else None
            item["last_checkin"] = mark.date.isoformat() if mark is not None else None
            if k.kind == "manual":
                item["value"] = None
            krs.append(item)
        objectives.append(
            {
                "id": o.id,
                "title": o.title,
                "owner": o.owner,
                "level": o.level,
                "parent": o.parent,
                "type": o.type,
                "origin": o.origin,
                "score": clean(o.score),
                "projected_score": clean(o.projected_score),
                "status": o.status,
                "children_score": clean(o.children_score),
                "key_results": krs,
            }
        )
    return {
        "cycle": report.cycle.id,
        "start": report.cycle.start.isoformat(),
        "end": report.cycle.end.isoformat(),
        "as_of": report.as_of.isoformat(),
        "closed": report.closed_at is not None,
        "objectives": objectives,
        "warnings": [words(w) for w in report.warnings],
    }
