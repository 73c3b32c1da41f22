"""KR pace and forecast: the expected path to a KR's target and the forecast of its final value, pure maths.

No I/O (except `load_calendar` reading the calendar file), no clock (callers pass dates), seeded randomness only.

Pace (`choose_pace`): the expected share of the KR's period total on each day from cycle start to deadline.
  last_year  last year's daily values in the same calendar window, promotion days aligned to this year's dates
  calendar   an ordinary-day level (with the scope's weekday pattern) times each promotion phase's uplift, the
             uplift estimated from the scope's own history where it covers the event, else the calendar's default
  linear     equal weights (today's straight line)
  auto       last_year when last year's window has values on >= 90% of its days, else calendar when the window
             holds a calendar event, else linear

Forecast (`forecast_sum`, `forecast_ratio`): value at the deadline = value to date + the remaining share of the pace
scaled by the run rate against that shape (actual to date / the shape's share of the days with data), with an
uncertainty simulated from the scope's own day-to-day deviations from its shape (a moving-block bootstrap of the
daily ratios actual / expected), the sampling error of the run rate, and a year-on-year change of the shape. A rate
is the ratio of its forecast numerator and denominator sums. `fan` gives the 10th-90th percentile band per day and
`expected_path` the pace line, for the pages.

Accuracy and calibration are measured by bench/bench_forecast.py (a seeded backtest on synthetic shops); the
uncertainty priors (PRIOR_CV, DRIFT_SD, RATE_DRIFT_SHARE) were set there, not on real shops.

Typical caller (one KR; the engine reads the daily sums with grouped queries):

    cal = load_calendar()                                   # once per run
    pace = choose_pace("auto", cycle.start, deadline, last_year=ly, history=hist, calendar=cal)
    fc = forecast_sum(daily_values_to_date, pace, start_value=kr.start_value, target=kr.target)
    fc.projected_value, fc.p_hit, pace.method, pace.reason   # reason: a Message (code + params)

Every message here is a code with parameters (`Message`); the codes are listed in `CODES` below.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from shopkr.domain import scoring
from shopkr.domain.messages import Message, pydantic_message

PaceMethod = Literal["last_year", "calendar", "linear"]
RequestedPace = Literal["auto", "last_year", "calendar", "linear"]
PACE_METHODS: tuple[str, ...] = ("auto", "last_year", "calendar", "linear")

CALENDAR_FILE = Path(__file__).with_name("promo_calendar.yaml")

# --- constants (each one's source or reason) -------------------------------------------------------------------

# auto takes last year's shape when that window has values on at least this share of its days (issue 10).
AUTO_COVERAGE = 0.9
# History used by the calendar pace: up to two years before the cycle (issue 10), and the ordinary days within
# this many days either side of a past event form its ordinary-day level.
HISTORY_DAYS = 731
ORDINARY_RADIUS = 28
# A past phase counts toward the uplift estimate when its days have values on at least this share.
PHASE_COVERAGE = 0.8
# last_year alignment: the days this close to an event keep their distance to it (a judgement: the wait before a
# 预售 and the lull after 11-11 last about one to two weeks).
NEAR_EVENT = 10
# Simulated paths. 2,000 keeps the Monte Carlo error of a probability under 1.2 points (sqrt(.25/2000)).
PATHS = 2000
# Block length of the moving-block bootstrap (Kuensch 1989, "The jackknife and the bootstrap for general
# stationary observations", Ann. Statist. 17; Lahiri 2003, "Resampling Methods for Dependent Data"): one week, so
# a block keeps the weekday pattern and the serial correlation of a shop's daily deviations from its shape.
BLOCK = 7
# Daily ratios actual / expected are capped at this value before resampling: one freak day (a day whose expected
# share is tiny) must not be copied onto 11-11. Chosen by judgement, above any ordinary day-to-day swing.
RATIO_CAP = 5.0
# Prior for the run rate's sampling error while few days are in: a daily coefficient of variation of 0.3 (a
# judgement for a shop's daily GMV around its shape), worth PRIOR_BLOCKS blocks of evidence against the data's own
# batch-means estimate.
PRIOR_CV = 0.3
PRIOR_BLOCKS = 2.0
# The same for a rate (conversion, CTR): its daily coefficient of variation around its own shape, a judgement.
PRIOR_RATE_CV = 0.15
# Year-on-year change of the shape itself: a shop's 11-11 is not last year's 11-11. Each promotion phase in the
# window changes by its own log-normal factor, the ordinary days together by another (sd below, per pace method:
# (ordinary days per 30 days ahead, each promotion phase)). last_year: one year's shape, its phases re-drawn each
# year; calendar: uplifts from the shop's history (two samples at most) or, less sure, the file's defaults;
# linear: no phases.
# These are PRIORS, calibrated on the synthetic backtest (bench/bench_forecast.py), not measured on real shops;
# re-estimate them once stored forecasts can be compared with outcomes.
DRIFT_SD: dict[str, tuple[float, float]] = {
    "last_year": (0.05, 0.20),
    "calendar_history": (0.08, 0.30),
    "calendar_default": (0.08, 0.50),
    "linear": (0.15, 0.15),
}
# A rate without last year's numerator (forecast_ratio, _rate_shape): on a promotion phase the rate is the
# ordinary-day rate times the phase's traffic uplift (the denominator pace's level on the phase / on ordinary days)
# to the power of an elasticity, estimated from the phases seen so far (each against the ordinary days, once those
# have RATE_SPLIT_DAYS days with data) and shrunk toward RATE_ELASTICITY with sd RATE_ELASTICITY_SD (a judgement:
# without a phase seen, the rate is the ordinary days'; an elasticity beyond +-0.5 is unusual).
RATE_SPLIT_DAYS = 3
RATE_ELASTICITY = 0.0
RATE_ELASTICITY_SD = 0.25
# For rates, the rate's own year-on-year change per group, as a share of the sd above (conversion moves less
# than traffic); drawn independently of the denominator's.
RATE_DRIFT_SHARE = 0.3
# Recency weighting of the run rate (half-life in days; None = every day with data counts the same). The backtest
# decides whether it helps; see bench/bench_forecast.py.
HALF_LIFE: float | None = None

# Codes of the messages this module returns, with example parameters (the app layer renders them; see
# shopkr/domain/messages.py). Pace.reason, Forecast.reason, CalendarProblem.message.
CODES: dict[str, dict[str, object]] = {
    "pace.requested": {"method": "last_year"},
    "pace.auto_last_year": {"coverage": 0.98, "filled": 2},
    "pace.auto_calendar": {"coverage": 0.4, "events": "双11, 双12"},
    "pace.auto_linear": {"coverage": 0.0},
    "pace.no_last_year": {"coverage": 0.0, "fallback": "calendar"},
    "pace.calendar_no_event": {},
    "forecast.no_data": {},
    "forecast.shape_zero_to_date": {"method": "last_year"},
    "forecast.zero_run_rate": {},
    "calendar.unreadable": {"detail": "No such file or directory"},
    "calendar.bad_yaml": {"detail": "expected ':'"},
    "calendar.not_mapping": {},
    "calendar.end_before_start": {"start": "2026-10-20", "end": "2026-10-13"},
    "calendar.overlap": {"phase": "kickoff", "other": "presale"},
    "calendar.unknown_phase": {"phase": "wave2", "allowed": "presale, kickoff, day"},
}


# --- the promotion calendar ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _calendar_model() -> Any:
    """The pydantic model of the calendar file, built on first use (pydantic's model building costs ~15 ms at import,
    and the CLI's score path must stay light)."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
    from pydantic_core import PydanticCustomError

    class _Model(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def _text(value: Any) -> Any:  # `name: 618` in YAML is a number; it is meant as text
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    class _PhaseDef(_Model):
        name: str
        uplift: float = Field(gt=0, le=100)

        _name_text = field_validator("name", mode="before")(_text)

    class _PhaseDates(_Model):
        start: dt.date
        end: dt.date
        estimated: bool = False

        @model_validator(mode="after")
        def _ordered(self) -> _PhaseDates:
            if self.end < self.start:
                raise PydanticCustomError(
                    "calendar_end_before_start",
                    "end {end} is before start {start}",
                    {"start": str(self.start), "end": str(self.end)},
                )
            return self

    class _Event(_Model):
        name: str
        _name_text = field_validator("name", mode="before")(_text)
        phases: dict[str, _PhaseDef] = Field(min_length=1)
        years: dict[int, dict[str, _PhaseDates]] = Field(default_factory=dict)

        @field_validator("years")
        @classmethod
        def _years(cls, years: dict[int, dict[str, _PhaseDates]]) -> dict[int, dict[str, _PhaseDates]]:
            for year, phases in years.items():
                if not 2000 <= year <= 2100:
                    raise PydanticCustomError(
                        "less_than_equal" if year > 2100 else "greater_than_equal",
                        "year out of range",
                        {"le": 2100} if year > 2100 else {"ge": 2000},
                    )
                spans = sorted(phases.items(), key=lambda kv: kv[1].start)
                for (a_key, a), (b_key, b) in itertools.pairwise(spans):
                    if b.start <= a.end:
                        raise PydanticCustomError(
                            "calendar_overlap", "{phase} overlaps {other}", {"phase": b_key, "other": a_key}
                        )
            return years

        @model_validator(mode="after")
        def _known_phases(self) -> _Event:
            for phases in self.years.values():
                for key in phases:
                    if key not in self.phases:
                        raise PydanticCustomError(
                            "calendar_unknown_phase",
                            "unknown phase {phase}",
                            {"phase": key, "allowed": ", ".join(self.phases)},
                        )
            return self

    class _CalendarFile(_Model):
        version: Literal[1] = 1
        events: dict[str, _Event] = Field(default_factory=dict)

    return _CalendarFile


@dataclass(frozen=True)
class PhaseSpan:
    """One phase of one event in one year: its days (start..end, both included, China dates), its default uplift
    (ratio of a phase day to an ordinary day; the calendar file's assumption) and whether its dates are estimated."""

    event: str
    event_name: str
    phase: str
    phase_name: str
    year: int
    start: dt.date
    end: dt.date
    uplift: float
    estimated: bool


@dataclass(frozen=True)
class PromoCalendar:
    """The promotion calendar: every phase of every event in every year, sorted by start (see promo_calendar.yaml).
    Build it with `load_calendar` (or `calendar_from_dict`); it is immutable and safe to share between runs."""

    spans: tuple[PhaseSpan, ...]
    _memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def between(self, first: dt.date, last: dt.date) -> tuple[PhaseSpan, ...]:
        """The phases with at least one day in first..last (both included), by start."""
        return tuple(s for s in self.spans if s.end >= first and s.start <= last)

    def phase(self, event: str, year: int, phase: str) -> PhaseSpan | None:
        """One event's phase in one year, None when the calendar does not have it."""
        index = self._memo.get("index")
        if index is None:
            index = self._memo["index"] = {(s.event, s.year, s.phase): s for s in self.spans}
        return index.get((event, year, phase))

    def estimated(self) -> tuple[PhaseSpan, ...]:
        """The phases whose dates are estimates to be checked against the platform's announcement."""
        return tuple(s for s in self.spans if s.estimated)


@dataclass(frozen=True)
class CalendarProblem:
    """One error of a calendar file: `path` as in the file (`events.double11.years.2026.kickoff`), `message` a code
    with parameters (pydantic's error `type` and `ctx`, never its English text), `value` the value found."""

    path: str
    message: Message
    value: Any = None


class CalendarError(ValueError):
    """A calendar file that cannot be used; `problems` lists every error found."""

    def __init__(self, problems: Sequence[CalendarProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in self.problems))


def _calendar_problem(err: Mapping[str, Any]) -> CalendarProblem:
    path = ".".join(str(part) for part in err["loc"]) or "(file)"
    if err["type"].startswith("calendar_"):
        message = Message("calendar." + err["type"][len("calendar_") :], dict(err.get("ctx") or {}))
    else:
        message = pydantic_message(err)
    value = None if err["type"] in ("extra_forbidden", "missing") else err.get("input")
    if isinstance(value, dict | list):
        value = None
    return CalendarProblem(path, message, value)


def calendar_from_dict(doc: Mapping[str, Any]) -> PromoCalendar:
    """A calendar from its parsed YAML mapping (the shape of promo_calendar.yaml).

    Raises CalendarError with every problem: unknown keys (pydantic `extra_forbidden`), an end before its start
    (`calendar.end_before_start`), overlapping phases of one event in one year (`calendar.overlap`), a year's phase
    the event does not declare (`calendar.unknown_phase`), and pydantic's own types (dates, numbers, missing)."""
    from pydantic import ValidationError

    try:
        parsed = _calendar_model().model_validate(doc)
    except ValidationError as exc:
        raise CalendarError([_calendar_problem(e) for e in exc.errors()]) from None
    spans = [
        PhaseSpan(
            key,
            event.name,
            phase,
            event.phases[phase].name,
            year,
            d.start,
            d.end,
            event.phases[phase].uplift,
            d.estimated,
        )
        for key, event in parsed.events.items()
        for year, phases in event.years.items()
        for phase, d in phases.items()
    ]
    return PromoCalendar(tuple(sorted(spans, key=lambda s: (s.start, s.end, s.event, s.phase))))


# A user's own calendar (a copy of promo_calendar.yaml, edited or extended): this environment variable names it.
CALENDAR_ENV = "SHOPKR_PROMO_CALENDAR"


def load_calendar(path: Path | None = None) -> PromoCalendar:
    """The promotion calendar from a YAML file. None: the file named by the environment variable
    SHOPKR_PROMO_CALENDAR when it is set (a user's edited copy; read again when the file changes), else the
    shipped shopkr/domain/promo_calendar.yaml (cached).

    Raises CalendarError (its `problems` name the path and a code: `calendar.unreadable`, `calendar.bad_yaml`,
    `calendar.not_mapping`, or the validation codes of `calendar_from_dict`)."""
    if path is None:
        own = os.environ.get(CALENDAR_ENV)
        if not own:
            return _shipped_calendar()
        path = Path(own)
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            stamp = None
        return _cached_calendar(str(path), stamp)
    return _read_calendar(Path(path))


@lru_cache(maxsize=4)
def _cached_calendar(path: str, stamp: int | None) -> PromoCalendar:
    return _read_calendar(Path(path))


@lru_cache(maxsize=1)
def _shipped_calendar() -> PromoCalendar:
    return _read_calendar(CALENDAR_FILE)


def _read_calendar(path: Path) -> PromoCalendar:
    import yaml  # only the loader reads YAML: importing this module stays light

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError(
            [CalendarProblem(str(path), Message("calendar.unreadable", {"detail": str(exc)}))]
        ) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        detail = str(getattr(exc, "problem", exc))
        raise CalendarError([CalendarProblem(where, Message("calendar.bad_yaml", {"detail": detail}))]) from None
    if not isinstance(doc, dict):
        raise CalendarError([CalendarProblem("(file)", Message("calendar.not_mapping"), type(doc).__name__)])
    return calendar_from_dict(doc)


# --- dates ---------------------------------------------------------------------------------------------------


def shift_year(day: dt.date, years: int = -1) -> dt.date:
    """The same calendar day `years` years later (negative: earlier); Feb 29 becomes Feb 28 in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # Feb 29 -> a year without one
        return day.replace(year=day.year + years, day=28)


def last_year_window(start: dt.date, deadline: dt.date) -> tuple[dt.date, dt.date]:
    """The dates the caller reads for `last_year`: the same calendar window one year earlier (both included)."""
    return shift_year(start), shift_year(deadline)


def history_window(start: dt.date) -> tuple[dt.date, dt.date]:
    """The dates the caller reads for `history`: up to two years before the cycle start (start - 731 .. start - 1);
    it contains `last_year_window` for cycles up to a year long, so one mapping can serve both arguments."""
    return start - dt.timedelta(days=HISTORY_DAYS), start - dt.timedelta(days=1)


@lru_cache(maxsize=64)
def _dates(first: dt.date, n: int) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=i) for i in range(n))


@dataclass(frozen=True)
class Daily:
    """Daily values as an array: `values[i]` is day `first + i` (NaN: no data). Accepted wherever a mapping of
    date -> value is (`choose_pace`'s last_year and history), without a dict per KR: the engine reads every KR's
    days in one grouped query and slices."""

    first: dt.date
    values: np.ndarray

    def get(self, day: dt.date) -> float | None:
        """The value of `day` (None outside the array or without data), as a mapping's get."""
        i = (day - self.first).days
        if 0 <= i < len(self.values) and not np.isnan(self.values[i]):
            return float(self.values[i])
        return None

    def __len__(self) -> int:
        return len(self.values)


def _series(values: Mapping[dt.date, float | None] | Daily | None, first: dt.date, n: int) -> np.ndarray:
    """values[first + i] for i < n as floats; missing dates and None are NaN."""
    if isinstance(values, Daily):
        out = np.full(n, np.nan)
        lo = (first - values.first).days
        a, b = max(lo, 0), min(lo + n, len(values.values))
        if a < b:
            out[a - lo : b - lo] = values.values[a:b]
        return out
    if not values:
        return np.full(n, np.nan)
    get = values.get
    return np.array([get(d) for d in _dates(first, n)], dtype=float)  # None -> NaN


# --- pace ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Uplift:
    """The uplift a calendar pace used for one phase in the window: `uplift` (phase day / ordinary day), from the
    scope's own `history` (median over `samples` past years) or the calendar file's `default`."""

    event: str
    phase: str
    year: int
    uplift: float
    source: Literal["history", "default"]
    samples: int = 0


@dataclass(frozen=True)
class Pace:
    """The expected path of a KR: `weights[i]` is the expected share of the period total on day start + i, from the
    cycle start to the deadline inclusive (len = days, all >= 0, sum 1).

    `method` is the method used; `reason` says why, as a Message: pace.requested {method}, pace.auto_last_year
    {coverage, filled}, pace.auto_calendar {coverage, events}, pace.auto_linear {coverage}, pace.no_last_year
    {coverage, fallback} (last_year was asked for but there is nothing to shape from), pace.calendar_no_event.
    `coverage` is the share of last year's window with values (None when not looked at), `filled_days` how many of
    last year's days were filled from the same weekday's neighbours, `uplifts` the calendar's phases (calendar only).
    `groups[i]` says which calendar phase day i is in (0: an ordinary day; g >= 1: the g-th phase in the window)
    and `group_sd[g]` how much that group's level may change against last year (log sd, DRIFT_SD): the forecast's
    shape uncertainty. Build a Pace with `choose_pace`; the weights alone (groups empty) are a valid Pace too.
    """

    method: PaceMethod
    weights: tuple[float, ...]
    reason: Message
    start: dt.date
    deadline: dt.date
    coverage: float | None = None
    filled_days: int = 0
    uplifts: tuple[Uplift, ...] = ()
    groups: tuple[int, ...] = ()
    group_sd: tuple[float, ...] = (0.0,)
    _array: np.ndarray = field(default=None, compare=False, hash=False, repr=False)  # type: ignore[assignment]
    _groups: np.ndarray = field(default=None, compare=False, hash=False, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        array = np.asarray(self.weights, dtype=float)
        if array.ndim != 1 or len(array) != (self.deadline - self.start).days + 1:
            raise ValueError("weights must have one value per day from start to deadline")
        if not np.all(np.isfinite(array)) or np.any(array < 0) or abs(array.sum() - 1.0) > 1e-6:
            raise ValueError("weights must be finite, >= 0 and sum to 1")
        array.setflags(write=False)
        object.__setattr__(self, "_array", array)
        groups = np.asarray(self.groups or (0,) * len(array), dtype=np.intp)
        if len(groups) != len(array) or groups.min() < 0 or groups.max() >= len(self.group_sd):
            raise ValueError("groups must give each day an index into group_sd")
        groups.setflags(write=False)
        object.__setattr__(self, "_groups", groups)

    @property
    def days(self) -> int:
        """Days from start to deadline, both included."""
        return len(self.weights)

    @property
    def array(self) -> np.ndarray:
        """The weights as a read-only numpy array."""
        return self._array

    def cumulative(self) -> np.ndarray:
        """The expected cumulative share at the end of each day (the last is 1)."""
        return np.cumsum(self._array)

    def share_to(self, day: dt.date) -> float:
        """The expected share of the total by the end of `day` (0 before start, 1 from the deadline)."""
        i = (day - self.start).days
        if i < 0:
            return 0.0
        return float(self._array[: i + 1].sum()) if i < self.days - 1 else 1.0


def expected_path(pace: Pace, *, start_value: float, target: float, kind: Literal["sum", "ratio"]) -> np.ndarray:
    """Where the KR should be at the end of each day of the pace (the line pages draw instead of the straight one):
    a sum accumulates from 0, target x cumulative share (as scoring.pace does for the straight line); a rate moves
    from start_value to target along the cumulative share of its denominator. Shape (days,)."""
    c = pace.cumulative()
    if kind == "sum":
        return target * c
    return start_value + (target - start_value) * c


def _linear(n: int) -> np.ndarray:
    return np.full(n, 1.0 / n)


@lru_cache(maxsize=64)
def _flat(n: int) -> Pace:
    """A linear pace of n days for the forecast's fallback (only its groups and drift matter)."""
    day = dt.date(2000, 1, 1)
    return Pace(
        "linear",
        tuple(_linear(n).tolist()),
        Message("pace.requested", {"method": "linear"}),
        day,
        day + dt.timedelta(days=n - 1),
        group_sd=(DRIFT_SD["linear"][0],),
    )


def _groups(
    calendar: PromoCalendar, start: dt.date, deadline: dt.date
) -> tuple[tuple[int, ...], tuple[PhaseSpan, ...]]:
    """Per day of the window, 0 or the 1-based index of the calendar phase covering it (the first by start where
    two overlap), and the phases in the window."""
    key = ("groups", start, deadline)
    memo = calendar._memo.get(key)
    if memo is None:
        n = (deadline - start).days + 1
        spans = calendar.between(start, deadline)
        groups = np.zeros(n, dtype=np.intp)
        for g, span in enumerate(spans, start=1):
            a, b = max(0, _offset(span.start, start)), min(n, _offset(span.end, start) + 1)
            groups[a:b] = np.where(groups[a:b] == 0, g, groups[a:b])
        memo = calendar._memo[key] = (tuple(groups.tolist()), spans)
    return memo


def _as_pace(
    method: PaceMethod,
    weights: np.ndarray,
    reason: Message,
    start: dt.date,
    deadline: dt.date,
    calendar: PromoCalendar,
    **extra: Any,
) -> Pace:
    weights = np.clip(weights, 0.0, None)
    weights = weights / weights.sum()
    if method == "linear":
        ordinary, _ = DRIFT_SD["linear"]
        return Pace(method, tuple(weights.tolist()), reason, start, deadline, group_sd=(ordinary,), **extra)
    groups, spans = _groups(calendar, start, deadline)
    if method == "last_year":
        ordinary, phase = DRIFT_SD["last_year"]
        sds = (ordinary, *([phase] * len(spans)))
    else:
        source = {(u.event, u.phase, u.year): u.source for u in extra.get("uplifts", ())}
        ordinary = DRIFT_SD["calendar_history"][0]
        sds = (ordinary, *(DRIFT_SD["calendar_" + source.get((s.event, s.phase, s.year), "default")][1] for s in spans))
    return Pace(method, tuple(weights.tolist()), reason, start, deadline, groups=groups, group_sd=sds, **extra)


def _coverage(values: np.ndarray) -> float:
    """Share of days with a value; a run of zeros before the first positive value counts as no data (a product
    not yet on sale last year)."""
    finite = np.isfinite(values)
    positive = np.flatnonzero(finite & (values > 0))
    if len(positive) == 0:
        return 0.0
    finite[: positive[0]] = False
    return float(finite.mean())


def _fill(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Missing days filled with the mean of the same weekday one and two weeks either side (those that have
    values), else of the nearest days within 3, else the median of the window; the number filled."""
    y = values.copy()
    missing = np.flatnonzero(~np.isfinite(values))
    if len(missing) == 0:
        return y, 0
    n = len(values)
    median = float(np.nanmedian(values)) if np.isfinite(values).any() else 0.0
    for i in missing:
        for offsets in ((-7, 7, -14, 14), (-1, 1, -2, 2, -3, 3)):
            near = [values[i + o] for o in offsets if 0 <= i + o < n and np.isfinite(values[i + o])]
            if near:
                y[i] = sum(near) / len(near)
                break
        else:
            y[i] = median
    return y, len(missing)


def _offset(day: dt.date, first: dt.date) -> int:
    return (day - first).days


def _anchors(
    calendar: PromoCalendar, start: dt.date, deadline: dt.date, ly0: dt.date, n: int, n_ly: int
) -> tuple[np.ndarray, np.ndarray]:
    """Piecewise-linear map from this year's window (days since start, 0..n) to last year's (0..n_ly): anchored at
    both ends and at each phase's first day and the day after its last, paired with the same event's phase one
    year earlier; then, where they fit, at NEAR_EVENT days before an event's first phase and after its last, so
    the days around an event (the wait before a 预售, the lull after 11-11) keep their distance to it and only the
    ordinary days further away stretch or shrink. Anchors that would make the map non-increasing are dropped."""
    key = ("anchors", start, deadline)
    memo = calendar._memo.get(key)
    if memo is not None:
        return memo
    phases, near = [], []
    occurrences: dict[tuple[str, int], list[tuple[PhaseSpan, PhaseSpan]]] = {}
    for span in calendar.between(start, deadline):
        before = calendar.phase(span.event, span.year - 1, span.phase)
        if before is None:
            continue
        phases.append((_offset(span.start, start), _offset(before.start, ly0)))
        phases.append((_offset(span.end, start) + 1, _offset(before.end, ly0) + 1))
        occurrences.setdefault((span.event, span.year), []).append((span, before))
    for pairs in occurrences.values():
        first = min(pairs, key=lambda p: p[0].start)
        last = max(pairs, key=lambda p: p[0].end)
        near.append((_offset(first[0].start, start) - NEAR_EVENT, _offset(first[1].start, ly0) - NEAR_EVENT))
        near.append((_offset(last[0].end, start) + 1 + NEAR_EVENT, _offset(last[1].end, ly0) + 1 + NEAR_EVENT))
    t, s = [0.0], [0.0]
    for a, b in sorted(set(phases)):
        if t[-1] < a < n and s[-1] < b < n_ly:
            t.append(a)
            s.append(b)
    t.append(float(n))
    s.append(float(n_ly))
    for a, b in sorted(set(near)):
        i = int(np.searchsorted(t, a))
        if 0 < i < len(t) and t[i - 1] < a < t[i] and s[i - 1] < b < s[i]:
            t.insert(i, float(a))
            s.insert(i, float(b))
    result = (np.array(t, dtype=float), np.array(s, dtype=float))
    calendar._memo[key] = result
    return result


def _last_year_shape(
    start: dt.date, deadline: dt.date, values: np.ndarray, calendar: PromoCalendar
) -> tuple[np.ndarray | None, int]:
    """This window's weights from last year's values (`values`: last_year_window, NaN = missing), each day taking
    the mean daily value of the stretch of last year it maps to (`_anchors`): promotion days line up with this
    year's dates and ordinary days keep their daily level. None when last year has nothing positive."""
    n = (deadline - start).days + 1
    ly0, _ = last_year_window(start, deadline)
    y, filled = _fill(values)
    y = np.clip(y, 0.0, None)
    if not np.isfinite(y).all() or y.sum() <= 0:
        return None, filled
    t, s = _anchors(calendar, start, deadline, ly0, n, len(y))
    mapped = np.interp(np.arange(n + 1, dtype=float), t, s)  # last year's position of each day boundary
    cum = np.concatenate(([0.0], np.cumsum(y)))
    at = np.interp(mapped, np.arange(len(y) + 1, dtype=float), cum)  # piecewise-constant density integrated
    shape = np.diff(at) / np.diff(mapped)
    if shape.sum() <= 0:
        return None, filled
    return shape, filled


def _promo_mask(calendar: PromoCalendar, first: dt.date, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for span in calendar.between(first, first + dt.timedelta(days=n - 1)):
        a = max(0, _offset(span.start, first))
        b = min(n, _offset(span.end, first) + 1)
        mask[a:b] = True
    return mask


def _weekday_factors(h: np.ndarray, first: dt.date, ordinary: np.ndarray) -> np.ndarray:
    """Weekday factors (Monday first, mean 1) from the last 26 weeks of ordinary days: the median of each day's
    ratio to the mean of the ordinary days within 3 days of it; 1 for a weekday with fewer than 4 such days."""
    factors = np.ones(7)
    n = len(h)
    lo = max(0, n - 182)
    v = np.where(ordinary[lo:] & np.isfinite(h[lo:]) & (h[lo:] > 0), h[lo:], np.nan)
    if np.isfinite(v).sum() < 28:
        return factors
    filled = np.nan_to_num(v)
    counts = np.isfinite(v).astype(float)
    k = np.ones(7)
    local = np.convolve(filled, k, mode="same") / np.maximum(np.convolve(counts, k, mode="same"), 1)
    ratio = v / np.where(local > 0, local, np.nan)
    weekday = (np.arange(lo, n) + first.weekday()) % 7
    for w in range(7):
        r = ratio[(weekday == w) & np.isfinite(ratio)]
        if len(r) >= 4:
            factors[w] = float(np.median(r))
    return factors / factors.mean()


def _calendar_shape(
    start: dt.date, deadline: dt.date, history: Mapping[dt.date, float] | Daily | None, calendar: PromoCalendar
) -> tuple[np.ndarray, tuple[Uplift, ...]]:
    """Weights = weekday factor x uplift of the phase covering the day (1 on ordinary days; the larger where two
    events overlap). Each phase's uplift: the median over earlier years in `history` of (the phase's mean daily
    value / the median ordinary day within ORDINARY_RADIUS days of that year's event), weekday-adjusted, where the
    phase's days have values on >= 80% and there are >= 10 such ordinary days; else the calendar's default."""
    n = (deadline - start).days + 1
    h0, _ = history_window(start)
    nh = HISTORY_DAYS
    h = _series(history, h0, nh) if history else np.full(nh, np.nan)
    has_history = bool(np.isfinite(h).any())
    wd = np.ones(7)
    if has_history:
        hist_promo = _promo_mask(calendar, h0, nh)
        wd = _weekday_factors(h, h0, ~hist_promo)
        adj = h / wd[(np.arange(nh) + h0.weekday()) % 7]
    uplift = np.ones(n)
    covered = np.zeros(n, dtype=bool)
    used: list[Uplift] = []
    for span in calendar.between(start, deadline):
        samples = []
        if has_history:
            for year in range(span.year - 1, span.year - 3, -1):
                past = calendar.phase(span.event, year, span.phase)
                if past is None or past.start < h0 or past.end >= start:
                    continue
                a, b = _offset(past.start, h0), _offset(past.end, h0) + 1
                days = adj[a:b]
                if np.isfinite(days).mean() < PHASE_COVERAGE:
                    continue
                spans = [s for s in calendar.spans if s.event == span.event and s.year == year]
                lo = max(0, _offset(min(s.start for s in spans), h0) - ORDINARY_RADIUS)
                hi = min(nh, _offset(max(s.end for s in spans), h0) + 1 + ORDINARY_RADIUS)
                around = adj[lo:hi][~hist_promo[lo:hi]]
                around = around[np.isfinite(around)]
                if len(around) < 10:
                    continue
                base = float(np.median(around))
                if base > 0:
                    samples.append(float(np.nanmean(days)) / base)
        if samples:
            u = Uplift(span.event, span.phase, span.year, max(0.0, float(np.median(samples))), "history", len(samples))
        else:
            u = Uplift(span.event, span.phase, span.year, span.uplift, "default")
        used.append(u)
        a = max(0, _offset(span.start, start))
        b = min(n, _offset(span.end, start) + 1)
        # a day in two events' phases takes the larger uplift
        uplift[a:b] = np.where(covered[a:b], np.maximum(uplift[a:b], u.uplift), u.uplift)
        covered[a:b] = True
    weights = wd[(np.arange(n) + start.weekday()) % 7] * uplift
    if weights.sum() <= 0:
        weights = np.ones(n)
    return weights, tuple(used)


def choose_pace(
    requested: RequestedPace,
    start: dt.date,
    deadline: dt.date,
    *,
    last_year: Mapping[dt.date, float | None] | Daily | None,
    history: Mapping[dt.date, float | None] | Daily | None,
    calendar: PromoCalendar,
) -> Pace:
    """The pace of one KR's scope over start..deadline (both included).

    `last_year`: the scope's daily values keyed by date for `last_year_window(start, deadline)` (same calendar days
    one year earlier; Feb 29 maps to Feb 28); dates outside it are ignored, missing dates/None are days without
    data. `history`: daily values for `history_window(start)` (up to 2 years before start), used by the calendar
    pace; the same mapping may serve both. Values are the scope's additive daily sums (GMV in yuan, visitors, ...):
    for a rate, pass its denominator's values (and use the numerator's own pace as `forecast_ratio(num_pace=...)`).

    - last_year: last year's values, filled where missing (`_fill`), negative days as 0, aligned to this year's
      promotion dates by a piecewise-linear date map anchored at each phase's first day and the day after its last
      in both years (`_anchors`), each day taking the mean daily value of the stretch of last year it maps to.
    - calendar: weekday pattern x phase uplift (`_calendar_shape`).
    - linear: equal weights.
    - auto: last_year when last year's window has values on >= 90% of its days (`_coverage`), else calendar when
      the window holds a calendar event, else linear.
    An explicit last_year with nothing positive last year falls back (calendar if the window has an event, else
    linear) with reason pace.no_last_year. Raises ValueError for an unknown method or a deadline before start.
    """
    if requested not in PACE_METHODS:
        raise ValueError(f"unknown pace method {requested!r}")
    if deadline < start:
        raise ValueError("deadline before start")
    n = (deadline - start).days + 1
    events = calendar.between(start, deadline)

    def calendar_pace(reason: Message, coverage: float | None = None) -> Pace:
        weights, uplifts = _calendar_shape(start, deadline, history, calendar)
        return _as_pace("calendar", weights, reason, start, deadline, calendar, coverage=coverage, uplifts=uplifts)

    if requested == "linear":
        return _as_pace(
            "linear", _linear(n), Message("pace.requested", {"method": "linear"}), start, deadline, calendar
        )
    if requested == "calendar":
        reason = Message("pace.requested", {"method": "calendar"}) if events else Message("pace.calendar_no_event")
        return calendar_pace(reason)

    ly0, ly1 = last_year_window(start, deadline)
    values = _series(last_year, ly0, (ly1 - ly0).days + 1)
    coverage = round(_coverage(values), 4)
    shape, filled = (None, 0)
    if coverage > 0 and (requested == "last_year" or coverage >= AUTO_COVERAGE):
        shape, filled = _last_year_shape(start, deadline, values, calendar)
    if shape is not None:
        if requested == "last_year":
            reason = Message("pace.requested", {"method": "last_year"})
        else:
            reason = Message("pace.auto_last_year", {"coverage": coverage, "filled": filled})
        return _as_pace("last_year", shape, reason, start, deadline, calendar, coverage=coverage, filled_days=filled)
    if requested == "last_year":
        fallback = "calendar" if events else "linear"
        reason = Message("pace.no_last_year", {"coverage": coverage, "fallback": fallback})
        if events:
            return calendar_pace(reason, coverage)
        return _as_pace("linear", _linear(n), reason, start, deadline, calendar, coverage=coverage)
    if events:
        names = ", ".join(dict.fromkeys(s.event_name for s in events))
        return calendar_pace(Message("pace.auto_calendar", {"coverage": coverage, "events": names}), coverage)
    return _as_pace(
        "linear",
        _linear(n),
        Message("pace.auto_linear", {"coverage": coverage}),
        start,
        deadline,
        calendar,
        coverage=coverage,
    )


# --- forecast ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """A KR's forecast at data_through (the last day of the actual values given).

    method            the pace actually used (linear when the pace gave the days so far no share: see reason)
    value_to_date     the sum (or ratio of sums) of the days with data; None without data
    share_to_date     the pace's cumulative share at data_through (for rates, the denominator's)
    expected_to_date  where the pace says the KR should be at data_through: target x share for a sum (it accumulates
                      from 0, as scoring.pace), start + (target - start) x share for a rate
    projected_value   median of the simulated final values; projected_low / projected_high: 10th / 90th percentile
    projected_score   scoring.clamp(scoring.progress(projected_value, start, target))
    p_hit             P(final >= target) for an increasing KR, P(final <= target) when target < start
    p_sweet           P(final score >= 0.7)
    remaining_share   the pace's share of the days without data (missing days before data_through included)
    future_share      the pace's share of the days after data_through
    run_rate          the period total the run rate implies (sums; the numerator's for rates)
    den_to_date, den_remaining   rates: the denominator to date and the median of its remaining part (for `fan`)
    reason            None, or a Message: forecast.no_data, forecast.shape_zero_to_date {method},
                      forecast.zero_run_rate
    """

    method: PaceMethod
    value_to_date: float | None
    share_to_date: float
    expected_to_date: float
    projected_value: float | None
    projected_low: float | None
    projected_high: float | None
    projected_score: float | None
    p_hit: float | None
    p_sweet: float | None
    remaining_share: float
    future_share: float
    run_rate: float | None = None
    den_to_date: float | None = None
    den_remaining: float | None = None
    reason: Message | None = None


_RANDOM: dict[tuple[int, int, int, int], tuple[np.ndarray, np.ndarray, np.ndarray, dict]] = {}


def _draws(seed: int, paths: int, blocks: int, groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Uniforms (paths, blocks) for the block starts, standard normals (paths, 2) for the run rates' errors and
    (paths, 2 x groups) for the shape drift, and a dict for the block picks derived from the uniforms
    (`_block_sums`); one set per (seed, paths, blocks, groups), reused across KRs (each KR's result is still a
    function of its seed alone). Read-only once made, so threads may share it."""
    key = (seed, paths, blocks, groups)
    got = _RANDOM.get(key)
    if got is None:
        rng = np.random.default_rng(seed)
        got = (
            rng.random((paths, max(blocks, 1))),
            rng.standard_normal((paths, 2)),
            rng.standard_normal((paths, 2 * groups)),
            {},
        )
        if len(_RANDOM) > 256:
            _RANDOM.clear()
        _RANDOM[key] = got
    return got


def _recency(k: int, obs_index: np.ndarray, half_life: float | None) -> np.ndarray | None:
    if half_life is None:
        return None
    return 0.5 ** ((k - 1 - obs_index) / half_life)


class _Series:
    """One additive series against its shape: the run rate, the capped daily ratios and the level's error."""

    def __init__(
        self,
        x: np.ndarray,
        w: np.ndarray,
        obs_index: np.ndarray,
        k: int,
        half_life: float | None,
        groups: np.ndarray | None = None,
        group_sd: Sequence[float] = (0.0,),
    ) -> None:
        xo, wo = x[obs_index], w[obs_index]
        self.total = float(xo.sum())
        a = _recency(k, obs_index, half_life)
        if a is not None:
            xo, wo = a * xo, a * wo
        num, den = float(xo.sum()), float(wo.sum())
        self.level = max(num, 0.0) / den if den > 0 else 0.0  # the period total the run rate implies
        self.pooled = self.level  # the plain ratio estimator, before `_by_group`
        # Batch-means variance of the ratio estimator level = sum(x) / sum(w) (Cochran 1977, "Sampling Techniques",
        # ch. 6: linearised residuals x_i / level - w_i; blocks of BLOCK days for serial correlation: Flegal & Jones
        # 2010, Ann. Statist. 38), relative to the level; `rel` are the per-day terms.
        self.den = den
        if self.level > 0 and den > 0:
            self.rel = (xo / self.level - wo) / den
            self.weight2 = float((wo**2).sum()) / den**2
            self.var = _blend(self.rel, PRIOR_CV**2 * self.weight2)
        else:
            self.rel = np.zeros(len(obs_index))
            self.weight2 = 0.0
            self.var = 0.0
        if groups is not None and self.level > 0:
            self._by_group(xo, wo, groups[obs_index], group_sd)

    def _by_group(self, xo: np.ndarray, wo: np.ndarray, g_obs: np.ndarray, group_sd: Sequence[float]) -> None:
        """When the days so far include promotion phases: the run rate as the inverse-variance weighted mean (log
        scale) of the run rates of the ordinary days and of each phase, a phase's variance including its
        year-on-year change (group_sd), so one 预售 that ran better than last year does not set the level for
        11-11 alone. Keeps the pooled estimate when a group has no positive value."""
        sd = np.asarray(group_sd, dtype=float)
        counts = np.bincount(g_obs, minlength=len(sd))
        present = counts > 0
        if present.sum() == 1 and (present[0] or sd[present][0] <= 0):
            return
        sx = np.bincount(g_obs, weights=xo, minlength=len(sd))
        sw = np.bincount(g_obs, weights=wo, minlength=len(sd))
        if (sx[present] <= 0).any() or (sw[present] <= 0).any():
            return
        level = np.divide(sx, sw, out=np.ones(len(sd)), where=present)
        rel = (xo / level[g_obs] - wo) / sw[g_obs]
        prior = PRIOR_CV**2 * np.bincount(g_obs, weights=wo**2, minlength=len(sd)) / np.where(present, sw, 1) ** 2
        var = _group_var(rel, g_obs, counts, prior) + np.r_[0.0, sd[1:] ** 2]
        if (var[present] <= 0).any():
            return
        precision = 1.0 / var[present]
        self.level = math.exp(float((np.log(level[present]) * precision).sum() / precision.sum()))
        self.var = 1.0 / float(precision.sum())

    def ratios(self, x: np.ndarray, w: np.ndarray, used: np.ndarray) -> np.ndarray:
        """Daily actual / expected on the days used for resampling, capped at RATIO_CAP, floored at 0, mean 1."""
        e = np.clip(x[used] / (self.level * w[used]), 0.0, RATIO_CAP)
        mean = e.mean()
        return e / mean if mean > 0 else np.ones_like(e)


def _blend(rel: np.ndarray, prior_var: float) -> float:
    """The variance of sum(rel): the batch-means estimate over blocks of BLOCK days (sum of squared block sums,
    times m / (m - 1) because the residuals sum to 0 by construction; m blocks), weighted m against the prior's
    `prior_var` weighted PRIOR_BLOCKS."""
    blocks = np.add.reduceat(rel, np.arange(0, len(rel), BLOCK)) if len(rel) else np.zeros(0)
    m = len(blocks)
    if m < 2:
        return prior_var
    data = float((blocks**2).sum()) * m / (m - 1)
    return (m * data + PRIOR_BLOCKS * prior_var) / (m + PRIOR_BLOCKS)


def _group_var(rel: np.ndarray, g_obs: np.ndarray, counts: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """`_blend` for each group at once: per group g, the variance of the sum of rel over its days (g_obs == g, in
    date order, cut into blocks of BLOCK days), blended with prior[g]; prior[g] where a group has < 2 blocks."""
    n_groups = len(counts)
    order = np.argsort(g_obs, kind="stable")
    starts = np.cumsum(counts) - counts
    rank = np.empty(len(g_obs), dtype=np.intp)
    rank[order] = np.arange(len(g_obs)) - np.repeat(starts, counts)
    per = len(g_obs) // BLOCK + 1  # more blocks than any group can have
    block_sums = np.bincount(g_obs * per + rank // BLOCK, weights=rel, minlength=n_groups * per)
    squares = (block_sums**2).reshape(n_groups, per).sum(axis=1)
    m = -(-counts // BLOCK)
    data = squares * m / np.maximum(m - 1, 1)
    return np.where(m >= 2, (m * data + PRIOR_BLOCKS * prior) / (m + PRIOR_BLOCKS), prior)


def _block_sums(series: Sequence[tuple[np.ndarray, np.ndarray]], u: np.ndarray, picks: dict) -> np.ndarray:
    """Per path and series, sum_j w_future[j] x e*[j]: e* resampled in moving blocks of BLOCK days (Kuensch 1989)
    from `e`, for each (e, w_future) in `series` (all with the same lengths; the series share the resampled blocks,
    which keeps their correlation). The future days are cut into blocks; for each block and each possible start in
    `e`, the weighted sum is one matrix product, and each path picks one start per block (u: uniforms (paths,
    >= blocks); `picks` caches the picks made from u per shape). Returns (len(series), paths)."""
    e0, w0 = series[0]
    if len(w0) == 0:
        return np.zeros((len(series), len(u)))
    b = min(BLOCK, len(e0))
    q = -(-len(w0) // b)
    starts = len(e0) - b + 1
    m = np.empty((len(series), q, starts))
    for i, (e, w_future) in enumerate(series):
        wq = np.zeros(q * b)
        wq[: len(w_future)] = w_future
        m[i] = wq.reshape(q, b) @ np.lib.stride_tricks.sliding_window_view(e, b).T
    pick = picks.get((q, starts))
    if pick is None:
        pick = picks[q, starts] = (u[:, :q] * starts).astype(np.intp) + np.arange(q) * starts
    flat = m.reshape(len(series), q * starts)
    # a gather, then a product with ones: numpy's sum over a short last axis is ten times slower
    return np.take(flat, pick, axis=1) @ np.ones(q)


def _drift(pace: Pace, w: np.ndarray, unobserved: np.ndarray, k: int, y: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Per path, the factor by which the days without data move together against the run rate: each promotion
    phase by exp(sd x normal), the ordinary days together by exp(sd x sqrt(h / 30) x normal) where h is their
    mean distance in days after data_through (a level drifts further the further ahead), weighted by each group's
    share of those days, then divided by its median over the paths (the drift widens the forecast, it does not
    move its median). y: normals (paths, >= groups); k: days so far; 1 everywhere without days left."""
    sd = np.asarray(pace.group_sd, dtype=float) * scale
    groups = pace._groups[unobserved]
    wu = w[unobserved]
    weights = np.bincount(groups, weights=wu, minlength=len(sd))
    total = weights.sum()
    if total <= 0 or not sd.any():
        return np.ones(len(y))
    if weights[0] > 0:
        ordinary = groups == 0
        ahead = np.flatnonzero(unobserved)[ordinary] - (k - 1)
        h = float((wu[ordinary] * np.maximum(ahead, 1)).sum() / weights[0])
        sd[0] *= math.sqrt(h / 30.0)
    active = np.flatnonzero(weights > 0)
    d = np.exp(y[:, active] * sd[active]) @ (weights[active] / total)
    middle = len(d) // 2
    return d / np.partition(d, middle)[middle]


def _quantiles(final: np.ndarray) -> tuple[float, float, float]:
    p = len(final)
    ks = [round(0.1 * (p - 1)), round(0.5 * (p - 1)), round(0.9 * (p - 1))]
    part = np.partition(final, ks)
    return float(part[ks[0]]), float(part[ks[1]]), float(part[ks[2]])


def _probabilities(final: np.ndarray, start_value: float, target: float) -> tuple[float, float]:
    """P(hit the target) and P(score >= 0.7) over the simulated finals (score 0.7 = progress 0.7)."""
    sweet = start_value + 0.7 * (target - start_value)
    if target >= start_value:
        return float(np.count_nonzero(final >= target)) / len(final), float(np.count_nonzero(final >= sweet)) / len(
            final
        )
    return float(np.count_nonzero(final <= target)) / len(final), float(np.count_nonzero(final <= sweet)) / len(final)


def _score(value: float, start_value: float, target: float) -> float:
    return scoring.clamp(scoring.progress(value, start_value, target))


def _prepare(pace: Pace, lengths: Sequence[int]) -> tuple[int, int]:
    k = lengths[0]
    if any(n != k for n in lengths):
        raise ValueError("numerator and denominator must have the same length")
    if k > pace.days:
        raise ValueError("more actual days than the pace has (actual runs from the cycle start to data_through)")
    return k, pace.days


def _no_data(method: PaceMethod, share: float, expected: float, remaining: float, future: float) -> Forecast:
    """The forecast of a KR without a day of data yet: where the pace expects it, and no projection."""
    return Forecast(
        method,
        None,
        share,
        expected,
        None,
        None,
        None,
        None,
        None,
        None,
        remaining,
        future,
        reason=Message("forecast.no_data"),
    )


def forecast_sum(
    actual: Sequence[float] | np.ndarray,
    pace: Pace,
    *,
    start_value: float,
    target: float,
    seed: int = 0,
    paths: int = PATHS,
    half_life: float | None = HALF_LIFE,
) -> Forecast:
    """Forecast a sum KR's value at the deadline.

    `actual`: the scope's daily values from the cycle start to data_through inclusive (len = days so far, 0 when
    data_through is before the start; at most pace.days), NaN for a day without data (it is forecast like a future
    day). `start_value`, `target`: the KR's (target == start raises ValueError, as scoring.progress).

    Method: value to date V = sum of the days with data; run rate L (the period total the days so far imply) =
    V / (the pace's share of those days), the ratio estimator (Cochran 1977, ch. 6); when the days so far include
    promotion phases, the inverse-variance weighted mean (log scale) of that ratio on the ordinary days and on each
    phase, a phase's variance including its year-on-year change (so a 预售 that beat last year's does not alone
    set the level expected for 11-11); with `half_life`, days weighted 0.5^(age/half_life) (default None: it did
    not help on the backtest). Final = V + L x (the pace's share of the days without data).
    Uncertainty, `paths` seeded simulations: the days without data get the scope's own daily actual/expected
    ratios resampled in moving blocks of 7 days (Kuensch 1989), the run rate its batch-means sampling error
    (Flegal & Jones 2010; blended with a prior while few days are in: PRIOR_CV), and the remaining part a
    year-on-year change of the shape (each promotion phase, and the ordinary days together, log-normal with
    pace.group_sd, see DRIFT_SD; centred so it widens the interval without moving the median). Negative days count
    in V but the run rate is floored at 0 and resampled ratios at 0, so the remaining part is never negative.
    Cost: about 0.2 ms per KR (numpy, 2,000 paths; the random draws are cached per seed and window length).

    Edge cases: no day with data -> projections None, reason forecast.no_data; no day left -> the interval
    collapses to V; a pace that gives the days with data no share -> linear instead (reason
    forecast.shape_zero_to_date); a zero run rate (all zeros) -> V with certainty (reason forecast.zero_run_rate).
    Raises ValueError when `actual` is longer than the pace.
    """
    x = np.asarray(actual, dtype=float)
    k, n = _prepare(pace, [len(x)])
    w = pace.array
    method: PaceMethod = pace.method
    reason = None
    obs = np.isfinite(x)
    obs_index = np.flatnonzero(obs)
    if len(obs_index) and float(w[obs_index].sum()) <= 0:
        w, method = _linear(n), "linear"
        reason = Message("forecast.shape_zero_to_date", {"method": pace.method})
    share = float(w[:k].sum()) if k < n else 1.0
    expected = target * share
    future = float(w[k:].sum())
    remaining = future + float(w[:k][~obs].sum())
    if len(obs_index) == 0:
        return _no_data(method, share, expected, remaining, future)
    if method == pace.method:
        s = _Series(x, w, obs_index, k, half_life, pace._groups, pace.group_sd)
    else:
        s = _Series(x, w, obs_index, k, half_life)
    if s.level <= 0 or remaining <= 0:
        v = s.total
        hit, sweet = _probabilities(np.array([v]), start_value, target)
        if s.level <= 0 and remaining > 0 and reason is None:
            reason = Message("forecast.zero_run_rate")
        return Forecast(
            method,
            v,
            share,
            expected,
            v,
            v,
            v,
            _score(v, start_value, target),
            hit,
            sweet,
            remaining,
            future,
            s.level,
            reason=reason,
        )
    used = obs_index[w[obs_index] > 0]
    e = s.ratios(x, w, used)
    unobserved = np.ones(n, dtype=bool)
    unobserved[obs_index] = False
    w_left = w[unobserved]
    b = min(BLOCK, len(e))
    groups = len(pace.group_sd) if method == pace.method else 1
    u, z, y, picks = _draws(seed, paths, -(-len(w_left) // b), groups)
    (left,) = _block_sums([(e, w_left)], u, picks)
    drift = _drift(pace if method == pace.method else _flat(n), w, unobserved, k, y)
    final = s.total + s.level * np.exp(math.sqrt(s.var) * z[:, 0]) * left * drift
    low, mid, high = _quantiles(final)
    hit, sweet = _probabilities(final, start_value, target)
    return Forecast(
        method,
        s.total,
        share,
        expected,
        mid,
        low,
        high,
        _score(mid, start_value, target),
        hit,
        sweet,
        remaining,
        future,
        s.level,
        reason=reason,
    )


def _rate_shape(
    xn: np.ndarray,
    xd: np.ndarray,
    wd: np.ndarray,
    groups: np.ndarray,
    group_sd: Sequence[float],
    obs_index: np.ndarray,
) -> np.ndarray:
    """The numerator's shape when last year's numerator is not known: the denominator's shape times the rate on
    each day relative to an ordinary day, uplift_g ** beta on promotion phase g (uplift_g: the denominator shape's
    mean on the phase's days / on the ordinary days), beta = RATE_ELASTICITY updated (inverse-variance, log scale)
    by the phases seen so far: log(phase rate / ordinary-day rate) = beta x log(uplift_g) + error, the error's
    variance a daily rate CV of PRIOR_RATE_CV over the phase's days plus the rate's year-on-year change
    (RATE_DRIFT_SHARE x group_sd[g]); its error is left to the rate's drift per phase (`_drift`).

    Why not the rate seen so far on all promotion days together (the earlier estimator): the phases differ. Before
    the first 预售 day it set the promotion rate to the ordinary one (the backtest's rate forecast 7% low at 10-10);
    after 11-11 it carried the pooled rate, dominated by 11-11's, onto the smaller 双12 phases (1.6% high, truth
    outside the 80% interval for half of the KRs)."""
    n_groups = len(group_sd)
    if n_groups < 2:
        return wd
    counts = np.bincount(groups, minlength=n_groups)
    mean = np.bincount(groups, weights=wd, minlength=n_groups) / np.maximum(counts, 1)
    if counts[0] == 0 or mean[0] <= 0:
        return wd
    x = np.log(np.where((counts > 0) & (mean > 0), mean / mean[0], 1.0))
    x[0] = 0.0
    precision, moment = RATE_ELASTICITY_SD**-2, RATE_ELASTICITY * RATE_ELASTICITY_SD**-2
    g_obs = groups[obs_index]
    seen = np.bincount(g_obs, minlength=n_groups)
    sn = np.bincount(g_obs, weights=xn[obs_index], minlength=n_groups)
    sd = np.bincount(g_obs, weights=xd[obs_index], minlength=n_groups)
    if seen[0] >= RATE_SPLIT_DAYS and sn[0] > 0 and sd[0] > 0:
        ok = (seen > 0) & (sn > 0) & (sd > 0) & (x != 0)
        ok[0] = False
        if ok.any():
            y = np.log(sn[ok] / sd[ok] / (sn[0] / sd[0]))
            var = PRIOR_RATE_CV**2 / seen[ok] + (RATE_DRIFT_SHARE * np.asarray(group_sd, dtype=float)[ok]) ** 2
            precision += float((x[ok] ** 2 / var).sum())
            moment += float((x[ok] * y / var).sum())
    beta = moment / precision
    w = wd * np.exp(beta * x[groups])
    return w / w.sum()


def _rate_level(
    xn: np.ndarray,
    xd: np.ndarray,
    wn: np.ndarray,
    wd: np.ndarray,
    obs_index: np.ndarray,
    groups: np.ndarray | None,
    group_sd: Sequence[float],
) -> tuple[float, float]:
    """q = the numerator's run rate / the denominator's, and the variance of log q: the batch-means variance of
    the difference of their linearised residuals (prior: a daily rate CV of PRIOR_RATE_CV). With promotion phases
    in the days so far, the inverse-variance weighted mean over the ordinary days and each phase (as `_Series`),
    a phase's variance including the rate's year-on-year change (RATE_DRIFT_SHARE x its group_sd)."""
    an, ad, bn, bd = xn[obs_index], xd[obs_index], wn[obs_index], wd[obs_index]
    grouped = groups is not None
    g_obs = groups[obs_index] if grouped else np.zeros(len(obs_index), dtype=np.intp)  # type: ignore[index]
    sd = np.asarray(group_sd if grouped else (0.0,), dtype=float)
    counts = np.bincount(g_obs, minlength=len(sd))
    present = counts > 0
    if present.sum() == 1 and (present[0] or sd[present][0] <= 0):
        g_obs, sd = np.zeros(len(obs_index), dtype=np.intp), np.zeros(1)  # pooled: one group
        counts, present = np.array([len(obs_index)]), np.array([True])
    sums = [np.bincount(g_obs, weights=v, minlength=len(sd)) for v in (an, ad, bn, bd)]
    sxn, sxd, swn, swd = sums
    if any((v[present] <= 0).any() for v in sums):
        if len(sd) > 1:
            return _rate_level(xn, xd, wn, wd, obs_index, None, (0.0,))
        return 0.0, 0.0
    safe = np.where(present, 1.0, 0.0)
    ln = np.divide(sxn, swn, out=safe.copy(), where=present)
    ld = np.divide(sxd, swd, out=safe.copy(), where=present)
    rel = (an / ln[g_obs] - bn) / swn[g_obs] - (ad / ld[g_obs] - bd) / swd[g_obs]
    prior = PRIOR_RATE_CV**2 * np.bincount(g_obs, weights=bd**2, minlength=len(sd)) / np.where(present, swd, 1) ** 2
    var = _group_var(rel, g_obs, counts, prior) + np.r_[0.0, (RATE_DRIFT_SHARE * sd[1:]) ** 2]
    if (var[present] <= 0).any():
        return 0.0, 0.0
    precision = 1.0 / var[present]
    log_q = np.log(ln[present] / ld[present])
    return math.exp(float((log_q * precision).sum() / precision.sum())), 1.0 / float(precision.sum())


def forecast_ratio(
    num_actual: Sequence[float] | np.ndarray,
    den_actual: Sequence[float] | np.ndarray,
    pace: Pace,
    *,
    start_value: float,
    target: float,
    num_pace: Pace | None = None,
    seed: int = 0,
    paths: int = PATHS,
    half_life: float | None = HALF_LIFE,
) -> Forecast:
    """Forecast a rate KR (conversion = buyers / visitors, CTR, refund rate) at the deadline: the ratio of the
    forecast numerator and denominator sums.

    `num_actual`, `den_actual`: the daily numerator and denominator sums from the cycle start to data_through
    (same length, NaN for a day without data; a day counts when both have values). `pace`: the denominator's pace
    (a rate settles where the traffic is). `num_pace`: the numerator's own pace (e.g. last year's buyers; better
    when the rate itself has a seasonal shape, such as a higher conversion on 11-11), default `pace`.

    Each sum is forecast as in `forecast_sum` (its run rate against its pace); the simulation resamples the
    numerator's and the denominator's daily ratios with the same blocks (keeping their correlation), draws the two
    run rates' errors from their joint batch-means covariance, and the shape change: the denominator's
    DRIFT_SD, the rate's own RATE_DRIFT_SHARE of it. `expected_to_date` = start + (target - start) x the
    denominator pace's share to date. A path whose final denominator is 0 has no rate and counts as a miss.
    Edge cases as `forecast_sum`.
    """
    xn = np.asarray(num_actual, dtype=float)
    xd = np.asarray(den_actual, dtype=float)
    k, n = _prepare(pace, [len(xn), len(xd)])
    wd = pace.array
    if num_pace is not None and num_pace.days != n:
        raise ValueError("num_pace must cover the same days as pace")
    method: PaceMethod = pace.method
    reason = None
    obs = np.isfinite(xn) & np.isfinite(xd)
    obs_index = np.flatnonzero(obs)
    if num_pace is not None and num_pace.method == "last_year":
        wn = num_pace.array
    else:
        wn = _rate_shape(xn, xd, wd, pace._groups, pace.group_sd, obs_index)
    if len(obs_index) and (float(wd[obs_index].sum()) <= 0 or float(wn[obs_index].sum()) <= 0):
        wd = wn = _linear(n)
        method = "linear"
        reason = Message("forecast.shape_zero_to_date", {"method": pace.method})
    share = float(wd[:k].sum()) if k < n else 1.0
    expected = start_value + (target - start_value) * share
    future = float(wd[k:].sum())
    remaining = future + float(wd[:k][~obs].sum())
    if len(obs_index) == 0:
        return _no_data(method, share, expected, remaining, future)
    grouped = (pace._groups, pace.group_sd) if method == pace.method else (None, (0.0,))
    sn = _Series(xn, wn, obs_index, k, half_life, *grouped)
    sd = _Series(xd, wd, obs_index, k, half_life, *grouped)
    to_date = sn.total / sd.total if sd.total > 0 else None
    if to_date is None or sd.level <= 0 or remaining <= 0:
        # nothing left, or no traffic to carry a rate forward: the rate to date, with certainty
        if to_date is not None and remaining > 0 and reason is None:
            reason = Message("forecast.zero_run_rate")
        if to_date is None:
            return Forecast(
                method,
                None,
                share,
                expected,
                None,
                None,
                None,
                None,
                None,
                None,
                remaining,
                future,
                sn.level,
                sd.total,
                0.0,
                reason=reason or Message("forecast.zero_run_rate"),
            )
        hit, sweet = _probabilities(np.array([to_date]), start_value, target)
        return Forecast(
            method,
            to_date,
            share,
            expected,
            to_date,
            to_date,
            to_date,
            _score(to_date, start_value, target),
            hit,
            sweet,
            remaining,
            future,
            sn.level,
            sd.total,
            0.0,
            reason=reason,
        )
    used = obs_index[(wd[obs_index] > 0) & (wn[obs_index] > 0)]
    ed = sd.ratios(xd, wd, used)
    en = sn.ratios(xn, wn, used) if sn.level > 0 else np.zeros(len(used))
    unobserved = np.ones(n, dtype=bool)
    unobserved[obs_index] = False
    b = min(BLOCK, len(ed))
    groups = len(pace.group_sd) if method == pace.method else 1
    u, z, y, picks = _draws(seed, paths, -(-int(unobserved.sum()) // b), groups)
    left_d, left_n = _block_sums([(ed, wd[unobserved]), (en, wn[unobserved])], u, picks)
    # Level errors: the denominator's run rate, and the rate's (numerator over denominator run rate) on top.
    q, var_q = _rate_level(xn, xd, wn, wd, obs_index, grouped[0], grouped[1]) if sn.level > 0 else (0.0, 0.0)
    shape = pace if method == pace.method else _flat(n)
    ld = sd.level * np.exp(math.sqrt(sd.var) * z[:, 0])
    ln = ld * q * np.exp(math.sqrt(var_q) * z[:, 1])
    drift_d = _drift(shape, wd, unobserved, k, y[:, :groups])
    drift_n = drift_d * _drift(shape, wn, unobserved, k, y[:, groups:], RATE_DRIFT_SHARE)
    den_final = sd.total + ld * left_d * drift_d
    num_final = sn.total + ln * left_n * drift_n
    with np.errstate(divide="ignore", invalid="ignore"):
        final = np.where(den_final > 0, num_final / den_final, np.nan)
    valid = final[np.isfinite(final)]
    if len(valid) == 0:
        return Forecast(
            method,
            to_date,
            share,
            expected,
            None,
            None,
            None,
            None,
            0.0,
            0.0,
            remaining,
            future,
            sn.level,
            sd.total,
            0.0,
            reason=reason,
        )
    low, mid, high = _quantiles(valid)
    hit, sweet = _probabilities(valid, start_value, target)
    scale = len(valid) / len(final)  # paths without a rate are misses
    middle = len(den_final) // 2
    den_left = float(np.partition(den_final, middle)[middle]) - sd.total
    return Forecast(
        method,
        to_date,
        share,
        expected,
        mid,
        low,
        high,
        _score(mid, start_value, target),
        hit * scale,
        sweet * scale,
        remaining,
        future,
        sn.level,
        sd.total,
        den_left,
        reason=reason,
    )


def fan(forecast: Forecast, pace: Pace, data_through: dt.date) -> dict[str, np.ndarray]:
    """The forecast fan for a chart: for each day from data_through to the deadline, the KR's to-date value on the
    median, 10th and 90th percentile paths (keys "date_index" (days since the pace's start), "median", "low",
    "high"). Each path reaches its final quantile in proportion to the pace's remaining share (the missing days
    before data_through counted at data_through): exact at both ends, a drawing aid in between. Empty without a
    projection."""
    empty = {key: np.array([]) for key in ("date_index", "median", "low", "high")}
    if forecast.projected_value is None or forecast.value_to_date is None:
        return empty
    k = (data_through - pace.start).days + 1
    k = max(0, min(k, pace.days))
    w = pace.array if forecast.method == pace.method else _linear(pace.days)
    index = np.arange(max(k - 1, 0), pace.days)
    tail = np.concatenate(([0.0], np.cumsum(w[k:])))[: len(index)] if k > 0 else np.cumsum(w)
    missing = forecast.remaining_share - forecast.future_share
    frac = (missing + tail) / forecast.remaining_share if forecast.remaining_share > 0 else np.ones(len(index))
    v = forecast.value_to_date
    out: dict[str, np.ndarray] = {"date_index": index}
    for key, q in (
        ("median", forecast.projected_value),
        ("low", forecast.projected_low),
        ("high", forecast.projected_high),
    ):
        assert q is not None
        if forecast.den_to_date is None:
            out[key] = v + (q - v) * frac
        else:  # a rate: numerator and denominator both move toward their final values
            d0, dl = forecast.den_to_date, forecast.den_remaining or 0.0
            n0 = v * d0
            out[key] = (n0 + frac * (q * (d0 + dl) - n0)) / (d0 + frac * dl)
    return out
