"""shopkr.domain.forecast (issue 10): the promotion calendar, the pace methods and the KR forecast.

Everything is seeded and pure; no timing assertions (bench/bench_forecast.py measures speed and accuracy).
"""

from __future__ import annotations

import ast
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from shopkr.domain import forecast as fc
from shopkr.domain import scoring
from shopkr.domain.forecast import CalendarError, Pace, calendar_from_dict, choose_pace, forecast_ratio, forecast_sum
from shopkr.domain.messages import Message

approx = pytest.approx
D = dt.date
Q4 = (D(2025, 10, 1), D(2025, 12, 31))


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture(scope="module")
def cal() -> fc.PromoCalendar:
    return fc.load_calendar()


def world(cal: fc.PromoCalendar, first: dt.date, last: dt.date, base: float = 100.0) -> dict[dt.date, float]:
    """Noiseless daily values: `base` on ordinary days, base x the calendar's default uplift on promotion days."""
    out = {}
    for d in days(first, last):
        up = [s.uplift for s in cal.spans if s.start <= d <= s.end]
        out[d] = base * (max(up) if up else 1.0)
    return out


def noisy(cal: fc.PromoCalendar, first: dt.date, last: dt.date, seed: int, sd: float = 0.15) -> dict[dt.date, float]:
    rng = np.random.default_rng(seed)
    return {d: v * math.exp(rng.normal(0, sd)) for d, v in world(cal, first, last).items()}


def last_year_pace(cal: fc.PromoCalendar, values: dict[dt.date, float] | None = None) -> Pace:
    start, end = Q4
    ly = values if values is not None else world(cal, *fc.last_year_window(start, end))
    return choose_pace("auto", start, end, last_year=ly, history=None, calendar=cal)


def flat_pace(n: int) -> Pace:
    first = D(2025, 7, 1)
    return Pace("linear", tuple([1.0 / n] * n), Message("pace.requested", {"method": "linear"}), first,
                first + dt.timedelta(days=n - 1))  # fmt: skip


# --- the shipped calendar --------------------------------------------------------------------------------

EVENTS = ("nianhuo", "women38", "mid618", "sept99", "double11", "double12")


def test_the_shipped_calendar_has_every_event_for_2024_to_2027(cal):
    for year in range(2024, 2028):
        for event in EVENTS:
            assert any(s.event == event and s.year == year for s in cal.spans), (event, year)
        assert cal.phase("double11", year, "day").start == D(year, 11, 11) == cal.phase("double11", year, "day").end
        assert cal.phase("double12", year, "day").start == D(year, 12, 12)
        for phase in ("presale", "kickoff"):
            assert cal.phase("double11", year, phase) is not None
    # the 预售 moves between years: that is what the last_year alignment is for
    assert cal.phase("double11", 2023, "presale").start == D(2023, 10, 24)
    assert cal.phase("double11", 2024, "presale").start == D(2024, 10, 14)
    # estimated dates are flagged, and 2026-2027 phases other than the fixed days are all estimates
    assert cal.estimated()
    future = [s for s in cal.spans if s.year >= 2026 and s.phase not in ("day",)]
    assert future and all(s.estimated for s in future)
    assert all(s.uplift > 0 for s in cal.spans)


def test_the_shipped_calendar_is_cached_and_a_path_reads_a_copy(cal, tmp_path):
    assert fc.load_calendar() is cal
    copy = tmp_path / "my_calendar.yaml"
    copy.write_text(fc.CALENDAR_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    assert fc.load_calendar(copy) == cal


def test_the_calendar_file_imports_lazily():
    # The module parses no YAML and builds no pydantic model at import: the CLI's score path stays light.
    tree = ast.parse(Path(fc.__file__).read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {a.name for n in top for a in n.names} | {getattr(n, "module", None) for n in top}
    assert not names & {"yaml", "pydantic", "pydantic_core", "scipy", "pandas", "duckdb"}


# --- calendar validation: codes from pydantic's type and ctx ----------------------------------------------


def _doc(years: dict | None = None) -> dict:
    return {
        "version": 1,
        "events": {
            "double11": {
                "name": "双11",
                "phases": {"presale": {"name": "预售", "uplift": 1.5}, "day": {"name": "11-11", "uplift": 6}},
                "years": years or {2026: {"day": {"start": "2026-11-11", "end": "2026-11-11"}}},
            }
        },
    }


def _problems(doc: dict) -> list[fc.CalendarProblem]:
    with pytest.raises(CalendarError) as info:
        calendar_from_dict(doc)
    return list(info.value.problems)


def test_a_valid_calendar_dict():
    cal = calendar_from_dict(_doc())
    assert [(s.event, s.phase, s.year, s.start, s.estimated) for s in cal.spans] == [
        ("double11", "day", 2026, D(2026, 11, 11), False)
    ]


def test_end_before_start_is_a_code_with_the_dates():
    (p,) = _problems(_doc({2026: {"presale": {"start": "2026-10-20", "end": "2026-10-13"}}}))
    assert p.path == "events.double11.years.2026.presale"
    assert p.message == Message("calendar.end_before_start", {"start": "2026-10-20", "end": "2026-10-13"})


def test_overlapping_phases_of_one_event_are_refused():
    years = {
        2026: {
            "presale": {"start": "2026-10-13", "end": "2026-11-11"},
            "day": {"start": "2026-11-11", "end": "2026-11-11"},
        }
    }
    (p,) = _problems(_doc(years))
    assert p.path == "events.double11.years"
    assert p.message == Message("calendar.overlap", {"phase": "day", "other": "presale"})


def test_unknown_keys_and_phases_and_bad_values_are_each_reported():
    doc = _doc({2026: {"wave2": {"start": "2026-11-01", "end": "2026-11-02"}}})
    doc["events"]["double11"]["colour"] = "red"
    doc["events"]["double12"] = {"name": "双12", "phases": {"day": {"name": "12-12", "uplift": -1}}, "years": {}}
    doc["extra"] = 1
    problems = {(p.path, p.message.code) for p in _problems(doc)}
    assert ("extra", "pydantic.extra_forbidden") in problems
    assert ("events.double11.colour", "pydantic.extra_forbidden") in problems
    assert ("events.double12.phases.day.uplift", "pydantic.greater_than") in problems
    # the unknown phase is checked once the event's own fields are valid
    doc["events"]["double11"].pop("colour")
    doc.pop("extra")
    doc["events"].pop("double12")
    (p,) = _problems(doc)
    assert p.message == Message("calendar.unknown_phase", {"phase": "wave2", "allowed": "presale, day"})


def test_bad_dates_and_files(tmp_path):
    (p,) = _problems(_doc({2026: {"day": {"start": "2026-11-31", "end": "2026-12-01"}}}))
    assert p.path == "events.double11.years.2026.day.start" and p.message.code == "pydantic.date"
    broken = tmp_path / "broken.yaml"
    broken.write_text("events: [\n", encoding="utf-8")
    with pytest.raises(CalendarError) as info:
        fc.load_calendar(broken)
    assert info.value.problems[0].message.code == "calendar.bad_yaml"
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(CalendarError) as info:
        fc.load_calendar(listed)
    assert info.value.problems[0].message.code == "calendar.not_mapping"
    with pytest.raises(CalendarError) as info:
        fc.load_calendar(tmp_path / "missing.yaml")
    assert info.value.problems[0].message.code == "calendar.unreadable"


def test_every_code_the_module_writes_is_listed():
    tree = ast.parse(Path(fc.__file__).read_text(encoding="utf-8"))
    written = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "Message"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    custom = {"calendar.end_before_start", "calendar.overlap", "calendar.unknown_phase"}  # built from pydantic types
    assert written | custom == set(fc.CODES)


# --- dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [(D(2025, 10, 1), D(2024, 10, 1)), (D(2024, 2, 29), D(2023, 2, 28)), (D(2025, 3, 1), D(2024, 3, 1))],
)
def test_shift_year(day, expected):
    assert fc.shift_year(day) == expected


def test_windows():
    assert fc.last_year_window(*Q4) == (D(2024, 10, 1), D(2024, 12, 31))
    h0, h1 = fc.history_window(Q4[0])
    assert h1 == D(2025, 9, 30) and (h1 - h0).days + 1 == fc.HISTORY_DAYS
    assert h0 <= fc.last_year_window(*Q4)[0]


# --- pace methods --------------------------------------------------------------------------------------


def test_linear_pace(cal):
    p = choose_pace("linear", *Q4, last_year=None, history=None, calendar=cal)
    assert p.method == "linear" and p.days == 92 and p.reason == Message("pace.requested", {"method": "linear"})
    assert p.weights == approx([1 / 92] * 92)
    assert p.share_to(D(2025, 9, 30)) == 0 and p.share_to(D(2025, 10, 46 - 15)) == approx(31 / 92)
    assert p.share_to(Q4[1]) == 1


def test_auto_without_any_history_uses_the_calendar_defaults(cal):
    p = choose_pace("auto", *Q4, last_year=None, history=None, calendar=cal)
    assert p.method == "calendar"
    assert p.reason == Message("pace.auto_calendar", {"coverage": 0.0, "events": "双11, 双12"})
    assert {u.source for u in p.uplifts} == {"default"}
    w = np.array(p.weights)
    assert w.sum() == approx(1) and (w >= 0).all()
    # 11-11 weighs its default uplift times an ordinary day (no weekday pattern without history)
    assert w[(D(2025, 11, 11) - Q4[0]).days] / w[(D(2025, 10, 2) - Q4[0]).days] == approx(7.0)


def test_auto_without_an_event_in_the_window_is_linear(cal):
    p = choose_pace("auto", D(2025, 7, 1), D(2025, 7, 31), last_year=None, history=None, calendar=cal)
    assert p.method == "linear" and p.reason == Message("pace.auto_linear", {"coverage": 0.0})
    assert p.weights == approx([1 / 31] * 31)


@pytest.mark.parametrize(("kept", "method"), [(92, "last_year"), (83, "last_year"), (82, "calendar"), (46, "calendar")])
def test_auto_takes_last_year_from_90_percent_coverage(cal, kept, method):
    """A partial year (a shop that opened during last Q4) falls back to the calendar; 90% is enough."""
    ly_days = days(*fc.last_year_window(*Q4))
    full = world(cal, ly_days[0], ly_days[-1])
    partial = {d: full[d] for d in ly_days[len(ly_days) - kept :]}
    p = choose_pace("auto", *Q4, last_year=partial, history=partial, calendar=cal)
    assert p.method == method
    assert p.coverage == approx(kept / 92, abs=1e-4)
    if method == "calendar":
        assert p.reason.code == "pace.auto_calendar"
    else:
        assert p.reason == Message("pace.auto_last_year", {"coverage": p.coverage, "filled": 92 - kept})
        assert p.filled_days == 92 - kept


def test_zeros_before_last_years_first_sale_do_not_count_as_coverage(cal):
    ly_days = days(*fc.last_year_window(*Q4))
    values = {d: (0.0 if i < 40 else 100.0) for i, d in enumerate(ly_days)}
    p = choose_pace("auto", *Q4, last_year=values, history=None, calendar=cal)
    assert p.method == "calendar" and p.coverage == approx(52 / 92, abs=1e-4)


def test_explicit_last_year_without_data_falls_back_and_says_so(cal):
    p = choose_pace("last_year", *Q4, last_year={}, history=None, calendar=cal)
    assert p.method == "calendar"
    assert p.reason == Message("pace.no_last_year", {"coverage": 0.0, "fallback": "calendar"})
    p = choose_pace("last_year", D(2025, 7, 1), D(2025, 7, 31), last_year=None, history=None, calendar=cal)
    assert p.method == "linear" and p.reason.params["fallback"] == "linear"


def test_calendar_without_an_event_says_so(cal):
    p = choose_pace("calendar", D(2025, 7, 1), D(2025, 7, 31), last_year=None, history=None, calendar=cal)
    assert p.method == "calendar" and p.reason == Message("pace.calendar_no_event")


def test_bad_requests_raise(cal):
    with pytest.raises(ValueError):
        choose_pace("seasonal", *Q4, last_year=None, history=None, calendar=cal)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        choose_pace("linear", Q4[1], Q4[0], last_year=None, history=None, calendar=cal)
    with pytest.raises(ValueError):
        Pace("linear", (0.5, 0.6), Message("pace.requested"), D(2025, 1, 1), D(2025, 1, 2))
    with pytest.raises(ValueError):
        Pace("linear", (1.0,), Message("pace.requested"), D(2025, 1, 1), D(2025, 1, 2))


def test_last_year_shape_is_last_years_values(cal):
    p = last_year_pace(cal)
    assert p.method == "last_year" and p.coverage == 1.0
    w = np.array(p.weights)
    ordinary = w[(D(2025, 12, 20) - Q4[0]).days]
    # 11-11 is 11-11 in both years; 双12 too; ordinary days keep their level
    assert w[(D(2025, 11, 11) - Q4[0]).days] / ordinary == approx(7.0)
    assert w[(D(2025, 12, 12) - Q4[0]).days] / ordinary == approx(2.0)
    assert w[(D(2025, 10, 5) - Q4[0]).days] / ordinary == approx(1.0)
    # the 预售 (2024: 7 days from 10-14, 2025: 5 days from 10-15) sits on this year's days at last year's level
    presale = [(d - Q4[0]).days for d in days(D(2025, 10, 15), D(2025, 10, 19))]
    assert w[presale] / ordinary == approx([1.6] * 5)


def test_a_presale_that_started_six_days_earlier_last_year_lines_up():
    phases = {"presale": {"name": "预售", "uplift": 2}, "day": {"name": "11-11", "uplift": 6}}
    doc = {
        "events": {
            "double11": {
                "name": "双11",
                "phases": phases,
                "years": {
                    2024: {"presale": {"start": "2024-10-14", "end": "2024-10-18"}},
                    2025: {"presale": {"start": "2025-10-20", "end": "2025-10-24"}},
                },
            }
        }
    }
    cal = calendar_from_dict(doc)
    start, end = D(2025, 10, 1), D(2025, 10, 31)
    ly = {
        d: (500.0 if D(2024, 10, 14) <= d <= D(2024, 10, 18) else 100.0) for d in days(D(2024, 10, 1), D(2024, 10, 31))
    }
    p = choose_pace("last_year", start, end, last_year=ly, history=None, calendar=cal)
    w = np.array(p.weights) * sum(ly.values())
    presale = [(d - start).days for d in days(D(2025, 10, 20), D(2025, 10, 24))]
    assert w[presale] == approx([500.0] * 5)
    others = np.delete(w, presale)
    assert others == approx([100.0] * 26)
    # without the calendar's dates the spike would sit six days early
    plain = choose_pace("last_year", start, end, last_year=ly, history=None, calendar=calendar_from_dict({}))
    assert np.argmax(plain.weights) == (D(2025, 10, 14) - start).days


def test_missing_days_last_year_are_filled_from_the_same_weekday(cal):
    ly_days = days(*fc.last_year_window(*Q4))
    values = {d: 100.0 + (50.0 if d.weekday() == 5 else 0.0) for d in ly_days}
    gone = D(2024, 12, 14)  # a Saturday
    assert gone.weekday() == 5
    del values[gone]
    p = choose_pace("auto", *Q4, last_year=values, history=None, calendar=cal)
    assert p.filled_days == 1
    i = (fc.shift_year(gone, 1) - Q4[0]).days
    assert p.weights[i] == approx(p.weights[i - 7])


def test_a_leap_day_window(cal):
    start, end = D(2024, 2, 1), D(2024, 2, 29)
    ly = {d: 100.0 for d in days(*fc.last_year_window(start, end))}
    assert len(ly) == 28
    p = choose_pace("last_year", start, end, last_year=ly, history=None, calendar=cal)
    assert p.days == 29 and sum(p.weights) == approx(1) and p.weights == approx([1 / 29] * 29)


def test_calendar_uplift_and_weekday_pattern_from_the_shops_history(cal):
    """The shop's own 11-11 is 4x an ordinary day (not the default 7x) and its Saturdays 1.5x: both are learnt."""
    start, end = Q4
    h0, h1 = fc.history_window(start)
    history = {}
    for d in days(h0, h1):
        v = 100.0 * (1.5 if d.weekday() == 5 else 1.0)
        if d.month == 11 and d.day == 11:
            v *= 4.0
        history[d] = v
    p = choose_pace("calendar", start, end, last_year=None, history=history, calendar=cal)
    up = {(u.event, u.phase): u for u in p.uplifts}
    assert up["double11", "day"].source == "history" and up["double11", "day"].samples == 2
    assert up["double11", "day"].uplift == approx(4.0, rel=0.02)
    assert up["double11", "presale"].uplift == approx(1.0, rel=0.02)  # this shop has no 预售 bump
    w = np.array(p.weights)
    sat, fri = (D(2025, 12, 20) - start).days, (D(2025, 12, 19) - start).days
    assert w[sat] / w[fri] == approx(1.5, rel=0.02)


# --- forecast of a sum ------------------------------------------------------------------------------------


def test_a_series_that_follows_last_years_shape_x_1_2_forecasts_exactly_1_2(cal):
    pace = last_year_pace(cal)
    ly_total = sum(world(cal, *fc.last_year_window(*Q4)).values())
    actual = 1.2 * ly_total * np.array(pace.weights)
    target = 1.2 * ly_total
    previous = None
    for k in (10, 30, 41, 60, 85):
        f = forecast_sum(actual[:k], pace, start_value=0, target=target)
        assert f.method == "last_year" and f.reason is None
        assert f.projected_value == approx(target, rel=2e-3)
        assert f.value_to_date == approx(actual[:k].sum())
        assert f.expected_to_date == approx(target * pace.cumulative()[k - 1])
        assert f.projected_low <= f.projected_value <= f.projected_high
        width = (f.projected_high - f.projected_low) / target
        assert width < 0.25
        if previous is not None:
            assert width < previous  # the more days in, the narrower
        previous = width
        assert f.projected_score == approx(1.0, abs=2e-3)
    assert width < 0.02  # 85 of 92 days in


def test_the_forecast_is_seeded(cal):
    pace = last_year_pace(cal)
    actual = np.array(list(noisy(cal, Q4[0], D(2025, 10, 30), seed=3).values()))
    a = forecast_sum(actual, pace, start_value=0, target=20_000, seed=5)
    assert forecast_sum(actual, pace, start_value=0, target=20_000, seed=5) == a
    b = forecast_sum(actual, pace, start_value=0, target=20_000, seed=6)
    assert b.projected_value == approx(a.projected_value, rel=0.02)


def test_p_hit_falls_as_the_target_rises_and_p_sweet_is_at_least_p_hit(cal):
    pace = last_year_pace(cal)
    actual = np.array(list(noisy(cal, Q4[0], D(2025, 10, 25), seed=4).values()))
    results = [forecast_sum(actual, pace, start_value=0, target=t) for t in np.linspace(10_000, 40_000, 31)]
    hits = [r.p_hit for r in results]
    assert hits == sorted(hits, reverse=True)
    assert hits[0] > 0.99 and hits[-1] < 0.01
    assert all(r.p_sweet >= r.p_hit for r in results)
    mid = min(results, key=lambda r: abs(r.p_hit - 0.5))
    assert mid.projected_value == approx(mid.expected_to_date / mid.share_to_date, rel=0.05)


def test_against_the_shape_not_a_straight_line(cal):
    """In October a shop on last year's path reads on track, where the linear projection says far off."""
    pace = last_year_pace(cal)
    ly_total = sum(world(cal, *fc.last_year_window(*Q4)).values())
    actual = ly_total * np.array(pace.weights[:12])  # 10-12: before the 预售
    f = forecast_sum(actual, pace, start_value=0, target=ly_total)
    linear = scoring.project(float(actual.sum()), "sum", 12, 92)
    assert f.projected_value == approx(ly_total, rel=2e-3)
    assert f.p_hit == approx(0.5, abs=0.1)
    assert linear < 0.85 * ly_total


def test_a_decreasing_sum_kr(cal):
    """Refund amount from 60,000 last quarter down to 40,000: a hit is a final value at or below the target."""
    pace = last_year_pace(cal)
    ly_total = sum(world(cal, *fc.last_year_window(*Q4)).values())
    scale = 45_000 / ly_total
    actual = scale * ly_total * np.array(pace.weights[:50])
    over = forecast_sum(actual, pace, start_value=60_000, target=40_000)
    assert over.projected_value == approx(45_000, rel=2e-3)
    assert over.projected_score == approx(scoring.clamp(scoring.progress(over.projected_value, 60_000, 40_000)))
    assert over.projected_score == approx(0.75, abs=0.01)
    assert over.p_hit < 0.05 and 0.5 < over.p_sweet < 1  # sweet spot at 60,000 - 0.7 x 20,000 = 46,000
    under = forecast_sum(actual, pace, start_value=60_000, target=50_000)
    assert under.p_hit > 0.95
    assert over.expected_to_date == approx(40_000 * pace.cumulative()[49])


# --- edge cases ---------------------------------------------------------------------------------------


def test_no_data_yet(cal):
    pace = last_year_pace(cal)
    for actual in ([], [math.nan] * 5):
        f = forecast_sum(actual, pace, start_value=0, target=10_000)
        assert f.reason == Message("forecast.no_data")
        assert f.value_to_date is None and f.projected_value is None and f.p_hit is None and f.p_sweet is None
        assert f.remaining_share == approx(1.0)
    assert forecast_sum([], pace, start_value=0, target=10_000).expected_to_date == 0


def test_data_through_the_deadline_collapses_the_interval(cal):
    pace = last_year_pace(cal)
    actual = np.array(list(noisy(cal, *Q4, seed=1).values()))
    total = float(actual.sum())
    f = forecast_sum(actual, pace, start_value=0, target=total * 0.9)
    assert f.projected_value == f.projected_low == f.projected_high == approx(total)
    assert f.p_hit == 1.0 and f.remaining_share == 0 and f.share_to_date == 1.0
    assert forecast_sum(actual, pace, start_value=0, target=total * 1.1).p_hit == 0.0


def test_all_zeros_so_far(cal):
    pace = last_year_pace(cal)
    f = forecast_sum(np.zeros(20), pace, start_value=0, target=10_000)
    assert f.reason == Message("forecast.zero_run_rate")
    assert f.projected_value == f.projected_low == f.projected_high == 0
    assert f.p_hit == 0 and f.projected_score == 0


def test_a_shape_with_no_share_so_far_falls_back_to_linear():
    """All of last year's sales came later: the days so far carry no expected share, so the run rate is linear."""
    start = D(2025, 7, 1)
    weights = np.r_[np.zeros(10), np.full(21, 1 / 21)]
    pace = Pace("last_year", tuple(weights), Message("pace.requested", {"method": "last_year"}), start,
                D(2025, 7, 31))  # fmt: skip
    f = forecast_sum(np.full(5, 100.0), pace, start_value=0, target=3_000)
    assert f.method == "linear" and f.reason == Message("forecast.shape_zero_to_date", {"method": "last_year"})
    assert f.projected_value == approx(3_100, rel=0.01)
    assert f.expected_to_date == approx(3_000 * 5 / 31)


def test_missing_and_negative_days(cal):
    pace = flat_pace(30)
    actual = np.full(20, 100.0)
    actual[[3, 4]] = np.nan  # no export for two days: forecast like days still to come
    actual[7] = -50.0  # a day of net refunds
    f = forecast_sum(actual, pace, start_value=0, target=3_000)
    v = float(np.nansum(actual))
    assert f.value_to_date == approx(v)
    assert f.remaining_share == approx(12 / 30) and f.future_share == approx(10 / 30)
    assert f.projected_value == approx(v + v / 18 * 12, rel=0.02)
    assert f.projected_low >= v  # the remaining part is never negative


def test_a_target_already_passed(cal):
    pace = last_year_pace(cal)
    actual = np.array(list(noisy(cal, Q4[0], D(2025, 11, 20), seed=2).values()))
    f = forecast_sum(actual, pace, start_value=0, target=float(actual.sum()) * 0.8)
    assert f.p_hit == 1.0 and f.p_sweet == 1.0 and f.projected_score == 1.0


def test_more_days_than_the_pace_is_an_error():
    with pytest.raises(ValueError):
        forecast_sum(np.ones(31), flat_pace(30), start_value=0, target=10)
    with pytest.raises(ValueError):
        forecast_sum(np.ones(3), flat_pace(30), start_value=5, target=5)  # target == start, as scoring.progress


# --- forecast of a rate -----------------------------------------------------------------------------------


def test_a_rate_kr_settles_where_the_traffic_is(cal):
    """Conversion 3% every day on traffic that follows last year's shape: the forecast is 3%, narrow."""
    pace = last_year_pace(cal)
    visitors = 50_000 * np.array(pace.weights)
    buyers = 0.03 * visitors
    f = forecast_ratio(buyers[:40], visitors[:40], pace, start_value=0.02, target=0.035)
    assert f.projected_value == approx(0.03, rel=1e-3)
    assert f.value_to_date == approx(0.03)
    assert f.expected_to_date == approx(0.02 + 0.015 * pace.cumulative()[39])
    assert f.projected_score == approx(scoring.clamp(scoring.progress(0.03, 0.02, 0.035)), abs=0.005)
    assert f.projected_high - f.projected_low < 0.004
    assert f.p_hit < 0.05
    assert forecast_ratio(buyers[:40], visitors[:40], pace, start_value=0.02, target=0.028).p_hit > 0.95


def test_a_rate_with_its_own_seasonal_shape(cal):
    """Conversion doubles on 11-11. With last year's buyers as the numerator's pace the forecast knows it; with
    the promotion-day rate seen so far (the 预售 and 尾款 days), it knows part of it."""
    start, end = Q4
    ly_days = days(*fc.last_year_window(start, end))
    ly_vis = world(cal, ly_days[0], ly_days[-1], base=10_000)
    rate = {d: (0.06 if (d.month, d.day) == (11, 11) else 0.03) for d in ly_vis}
    ly_buy = {d: v * rate[d] for d, v in ly_vis.items()}
    den_pace = choose_pace("auto", start, end, last_year=ly_vis, history=None, calendar=cal)
    num_pace = choose_pace("auto", start, end, last_year=ly_buy, history=None, calendar=cal)
    vis = np.array([ly_vis[fc.shift_year(d)] for d in days(start, end)])
    buy = np.array(
        [v * (0.06 if (d.month, d.day) == (11, 11) else 0.03) for v, d in zip(vis, days(start, end), strict=True)]
    )
    truth = buy.sum() / vis.sum()
    k = 30
    own = forecast_ratio(buy[:k], vis[:k], den_pace, num_pace=num_pace, start_value=0.02, target=0.04)
    flat = forecast_ratio(buy[:k], vis[:k], den_pace, start_value=0.02, target=0.04)
    assert own.projected_value == approx(truth, rel=2e-3)
    assert flat.projected_value == approx(0.03, rel=2e-3)  # no promotion day with a different rate yet


def test_a_rate_without_last_years_numerator_scales_with_each_phase(cal):
    """Without last year's buyers, the rate on a promotion phase follows the phase's traffic uplift (here the square
    root of it: 11-11 converts at 3% x sqrt(7)). After 11-11 the forecast must give the smaller 双12 phases their own
    smaller rate, not the promotion days' pooled rate so far (11-11's, mostly): that earlier estimator forecast this
    rate 3.4% too high."""
    start, end = Q4
    ly = world(cal, *fc.last_year_window(start, end))
    pace = choose_pace("calendar", start, end, last_year=None, history=ly, calendar=cal)
    vis = 10_000 * np.array(pace.weights)
    uplift = {d: max([s.uplift for s in cal.spans if s.start <= d <= s.end] or [1.0]) for d in days(start, end)}
    buy = vis * 0.03 * np.sqrt([uplift[d] for d in days(start, end)])
    truth = buy.sum() / vis.sum()
    k = (D(2025, 11, 20) - start).days + 1
    f = forecast_ratio(buy[:k], vis[:k], pace, start_value=0.02, target=0.05)
    assert f.projected_value == approx(truth, rel=2e-3)
    assert f.projected_low <= truth <= f.projected_high


def test_a_decreasing_rate_kr(cal):
    """Refund rate from 8% to 5%: currently 6%, so the target is missed but the sweet spot is likely."""
    pace = last_year_pace(cal)
    gmv = 100_000 * np.array(pace.weights)
    refunds = 0.06 * gmv
    f = forecast_ratio(refunds[:45], gmv[:45], pace, start_value=0.08, target=0.05)
    assert f.projected_value == approx(0.06, rel=1e-3)
    assert f.projected_score == approx(2 / 3, abs=0.01)
    assert f.p_hit < 0.05 and f.p_sweet < 0.05
    assert forecast_ratio(refunds[:45], gmv[:45], pace, start_value=0.08, target=0.065).p_hit > 0.95


def test_rate_edge_cases(cal):
    pace = last_year_pace(cal)
    vis = 50_000 * np.array(pace.weights)
    buy = 0.03 * vis
    none = forecast_ratio([], [], pace, start_value=0.02, target=0.04)
    assert none.reason == Message("forecast.no_data") and none.projected_value is None
    done = forecast_ratio(buy, vis, pace, start_value=0.02, target=0.04)
    assert done.projected_value == done.projected_low == done.projected_high == approx(0.03)
    no_traffic = forecast_ratio(np.zeros(10), np.zeros(10), pace, start_value=0.02, target=0.04)
    assert no_traffic.value_to_date is None and no_traffic.reason == Message("forecast.zero_run_rate")
    with pytest.raises(ValueError):
        forecast_ratio(buy[:5], vis[:6], pace, start_value=0.02, target=0.04)


# --- paths for the pages --------------------------------------------------------------------------------


def test_expected_path_and_fan(cal):
    pace = last_year_pace(cal)
    path = fc.expected_path(pace, start_value=0, target=1_000, kind="sum")
    assert path[-1] == approx(1_000) and (np.diff(path) >= 0).all()
    rate = fc.expected_path(pace, start_value=0.02, target=0.04, kind="ratio")
    assert rate[-1] == approx(0.04) and rate[0] > 0.02
    actual = np.array(list(noisy(cal, Q4[0], D(2025, 10, 30), seed=8).values()))
    f = forecast_sum(actual, pace, start_value=0, target=20_000)
    fan = fc.fan(f, pace, D(2025, 10, 30))
    assert fan["date_index"][0] == 29 and fan["date_index"][-1] == 91
    for key, end in (("median", f.projected_value), ("low", f.projected_low), ("high", f.projected_high)):
        assert fan[key][0] == approx(f.value_to_date) and fan[key][-1] == approx(end)
        assert (np.diff(fan[key]) >= -1e-9).all()
    assert (fan["low"] <= fan["median"] + 1e-9).all() and (fan["median"] <= fan["high"] + 1e-9).all()
    assert fc.fan(forecast_sum([], pace, start_value=0, target=1), pace, Q4[0])["median"].size == 0


def test_daily_arrays_give_the_same_pace_as_mappings():
    """The engine passes `Daily` arrays instead of dicts: the pace must not depend on which."""
    start, deadline = dt.date(2026, 10, 1), dt.date(2026, 12, 31)
    first = fc.history_window(start)[0]
    rng = np.random.default_rng(3)
    values = rng.gamma(5.0, 100.0, fc.HISTORY_DAYS)
    values[::11] = np.nan  # days without data
    mapping = {first + dt.timedelta(days=i): (None if np.isnan(v) else float(v)) for i, v in enumerate(values)}
    daily = fc.Daily(first, values)
    calendar = fc.load_calendar()
    for method in ("auto", "last_year", "calendar"):
        a = fc.choose_pace(method, start, deadline, last_year=mapping, history=mapping, calendar=calendar)
        b = fc.choose_pace(method, start, deadline, last_year=daily, history=daily, calendar=calendar)
        assert a.method == b.method and np.allclose(a.array, b.array), method
    assert daily.get(first) == mapping[first] and daily.get(first - dt.timedelta(days=1)) is None


def test_a_users_calendar_named_by_the_environment_replaces_the_shipped_one(tmp_path, monkeypatch):
    own = tmp_path / "promo_calendar.yaml"
    shipped = fc.CALENDAR_FILE.read_text(encoding="utf-8")
    own.write_text(shipped.replace("version: 1", "version: 1\n# my shop's copy"), encoding="utf-8")
    monkeypatch.setenv(fc.CALENDAR_ENV, str(own))
    assert fc.load_calendar() == fc.load_calendar(fc.CALENDAR_FILE)
    own.write_text("events:\n  x: 1\n", encoding="utf-8")  # edited into something invalid: read again
    with pytest.raises(CalendarError):
        fc.load_calendar()
    monkeypatch.delenv(fc.CALENDAR_ENV)
    assert fc.load_calendar() is fc.load_calendar()  # the shipped one, cached


def test_the_cli_says_which_calendar_file_is_wrong(tmp_path):
    import os
    import subprocess
    import sys

    bad = tmp_path / "cal.yaml"
    bad.write_text(
        "events:\n  double11: {name: 双11, phases: {day: {name: 11-11, uplift: 7}}, years: "
        "{2026: {day: {start: 2026-11-11, end: 2026-11-10}}}}\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[1]
    okrs = tmp_path / "okrs.yaml"
    okrs.write_text(
        "cycles:\n  - {id: Q, start: 2026-10-01, end: 2026-12-31}\nobjectives:\n  - {id: O1, cycle: Q, title: t, "
        "owner: a, origin: bottom-up, key_results: [{id: K, title: k, metric: gmv, target: 5}]}\n",
        encoding="utf-8",
    )
    db = tmp_path / "x.duckdb"
    env = {**os.environ, fc.CALENDAR_ENV: str(bad)}
    run = [sys.executable, "-m", "shopkr"]
    assert subprocess.run([*run, "okrs", "load", str(okrs), "--db", str(db)], cwd=root, env=env).returncode == 0
    done = subprocess.run(
        [*run, "score", "--db", str(db), "--cycle", "Q", "--as-of", "2026-11-02"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert str(bad) in done.stderr and "ends 2026-11-10, before its start 2026-11-11" in done.stderr
