"""shopkr.domain.scoring: the pure maths of KR and objective scores (README "Scoring rules")."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopkr.domain import scoring
from shopkr.domain.scoring import KRScore

approx = pytest.approx


# --- progress and score ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "start", "target", "expected_progress", "expected_score"),
    [
        # increasing sums and rates
        (4_000_000, 0, 8_000_000, 0.5, 0.5),
        (0.037, 0.034, 0.040, 0.5, 0.5),  # decimals: conversion rate 3.4% -> 4.0%
        (0.0376, 0.034, 0.040, 0.6, 0.6),
        # decreasing: refund rate 9% -> 6%
        (0.09, 0.09, 0.06, 0.0, 0.0),
        (0.075, 0.09, 0.06, 0.5, 0.5),
        (0.07, 0.09, 0.06, 2 / 3, 2 / 3),
        (0.06, 0.09, 0.06, 1.0, 1.0),
        (0.05, 0.09, 0.06, 4 / 3, 1.0),  # better than the target: unclamped progress, score 1
        (0.12, 0.09, 0.06, -1.0, 0.0),  # worse than the start: negative progress, score 0
        # start == current
        (105, 105, 120, 0.0, 0.0),
        # negative values: profit from -10,000 to 20,000
        (-10_000, -10_000, 20_000, 0.0, 0.0),
        (5_000, -10_000, 20_000, 0.5, 0.5),
        (-20_000, -10_000, 20_000, -1 / 3, 0.0),
        (0, -10_000, 20_000, 1 / 3, 1 / 3),
        (35_000, -10_000, 20_000, 1.5, 1.0),
        # below the start of an increasing KR
        (50, 100, 200, -0.5, 0.0),
        # above the target
        (300, 100, 200, 2.0, 1.0),
        # a decreasing target below zero
        (-5, 0, -10, 0.5, 0.5),
    ],
)
def test_progress_and_score(value, start, target, expected_progress, expected_score):
    p = scoring.progress(value, start, target)
    assert p == approx(expected_progress)
    assert scoring.clamp(p) == approx(expected_score)


@pytest.mark.parametrize(("start", "target"), [(0, 0), (0.05, 0.05), (-10, -10), (105.0, 105)])
def test_target_equal_to_start_raises(start, target):
    with pytest.raises(ValueError, match="target equals start"):
        scoring.progress(1.0, start, target)


@pytest.mark.parametrize("value", [None, float("nan")])
def test_progress_without_value_is_none_and_scores_zero(value):
    assert scoring.progress(value, 0, 10) is None
    assert scoring.clamp(None) == 0.0


def test_score_kr_reports_unclamped_progress_and_clamped_score():
    below = scoring.score_kr(
        kind="ratio",
        value=0.12,
        start=0.09,
        target=0.06,
        kr_type="aspirational",
        covered_days=10,
        period_days=92,
        ended=False,
    )
    assert below.progress == approx(-1.0)
    assert below.score == 0.0
    assert below.projected_score == 0.0
    above = scoring.score_kr(
        kind="sum",
        value=-20_000 + 45_000,
        start=-10_000,
        target=20_000,
        kr_type="aspirational",
        covered_days=92,
        period_days=92,
        ended=True,
    )
    assert above.progress == approx(35_000 / 30_000)
    assert above.score == 1.0


# --- projection -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "covered", "period", "expected"),
    [
        (3_000.0, "sum", 10, 92, 27_600.0),  # value / covered days x period days
        (3_000.0, "sum", 9, 92, 3_000 / 9 * 92),  # a missing day: 9 covered days, not 10 calendar days
        (3_000.0, "sum", 92, 92, 3_000.0),
        (-500.0, "sum", 5, 30, -3_000.0),
        (0.037, "ratio", 10, 92, 0.037),  # rates project as themselves
        (0.037, "ratio", 1, 92, 0.037),
        (42.0, "sql", 10, 92, 42.0),  # SQL values project as themselves
        (0.5, "manual", 0, 92, 0.5),
        (3_000.0, "sum", 0, 92, None),  # no covered days: no projection
        (None, "sum", 10, 92, None),
        (None, "ratio", 10, 92, None),
    ],
)
def test_project(value, kind, covered, period, expected):
    got = scoring.project(value, kind, covered, period)
    if expected is None:
        assert got is None
    else:
        assert got == approx(expected)


def test_projected_score_uses_projected_value():
    # 2,000,000 of 8,000,000 after 23 of 92 days: projected 8,000,000 -> projected score 1.0, on track.
    s = scoring.score_kr(
        kind="sum",
        value=2_000_000,
        start=0,
        target=8_000_000,
        kr_type="aspirational",
        covered_days=23,
        period_days=92,
        ended=False,
    )
    assert s.score == approx(0.25)
    assert s.projected_value == approx(8_000_000)
    assert s.projected_score == approx(1.0)
    assert s.status == "on_track"
    # a rate does not extrapolate: projected score equals the score
    r = scoring.score_kr(
        kind="ratio",
        value=0.075,
        start=0.09,
        target=0.06,
        kr_type="aspirational",
        covered_days=23,
        period_days=92,
        ended=False,
    )
    assert r.projected_value == approx(0.075)
    assert r.projected_score == approx(r.score) == approx(0.5)
    assert r.status == "at_risk"


# --- status and advice -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("projected", "kr_type", "expected"),
    [
        (0.7, "aspirational", "on_track"),
        (0.69999, "aspirational", "at_risk"),
        (0.4, "aspirational", "at_risk"),
        (0.39999, "aspirational", "off_track"),
        (1.0, "aspirational", "on_track"),
        (0.0, "aspirational", "off_track"),
        (1.0, "committed", "on_track"),
        (0.99999, "committed", "at_risk"),
        (0.7, "committed", "at_risk"),
        (0.69999, "committed", "off_track"),
        (0.4, "committed", "off_track"),
        (0.0, "committed", "off_track"),
    ],
)
def test_status_thresholds(projected, kr_type, expected):
    assert scoring.status(projected, kr_type, ended=False) == expected


@pytest.mark.parametrize(
    ("value", "start", "target", "kr_type", "expected"),
    [
        # thresholds reached through real float arithmetic: binary noise must not flip the status
        (0.07, 0.0, 0.1, "aspirational", "on_track"),
        (0.068, 0.09, 0.06, "aspirational", "on_track"),  # (0.068-0.09)/(0.06-0.09) = 0.7333
        (0.078, 0.09, 0.06, "aspirational", "at_risk"),  # 0.4 in decimal, 0.3999999999999999 in binary
        (0.079, 0.09, 0.06, "aspirational", "off_track"),
        (0.063, 0.09, 0.06, "committed", "at_risk"),  # 0.9
        (0.069, 0.09, 0.06, "committed", "at_risk"),  # 0.7 in decimal, 0.6999999999999997 in binary
        (0.06, 0.09, 0.06, "committed", "on_track"),
    ],
)
def test_status_from_rate_values_at_thresholds(value, start, target, kr_type, expected):
    s = scoring.score_kr(
        kind="ratio",
        value=value,
        start=start,
        target=target,
        kr_type=kr_type,
        covered_days=30,
        period_days=92,
        ended=False,
    )
    assert s.status == expected


@pytest.mark.parametrize("projected", [0.0, 0.39, 0.7, 1.0])
@pytest.mark.parametrize("kr_type", ["aspirational", "committed"])
def test_done_after_the_cycle(projected, kr_type):
    assert scoring.status(projected, kr_type, ended=True) == "done"


def test_score_kr_done_not_started_and_no_data():
    done = scoring.score_kr(
        kind="sum", value=10, start=0, target=100, kr_type="committed", covered_days=5, period_days=30, ended=True
    )
    assert done.status == "done"
    assert done.score == approx(0.1)
    before = scoring.score_kr(
        kind="sum",
        value=10,
        start=0,
        target=100,
        kr_type="aspirational",
        covered_days=5,
        period_days=30,
        ended=False,
        started=False,
    )
    assert before == KRScore(None, None, 0.0, None, 0.0, "not_started", None)
    nothing = scoring.score_kr(
        kind="sum",
        value=None,
        start=0,
        target=100,
        kr_type="aspirational",
        covered_days=0,
        period_days=30,
        ended=False,
    )
    assert (nothing.status, nothing.score, nothing.projected_score) == ("no_data", 0.0, 0.0)


@pytest.mark.parametrize(
    ("manual", "kr_type", "ended", "status"),
    [
        (0.5, "aspirational", False, "at_risk"),
        (0.7, "aspirational", False, "on_track"),
        (1.0, "committed", False, "on_track"),
        (0.9, "committed", False, "at_risk"),
        (0.3, "aspirational", True, "done"),
    ],
)
def test_manual_kr_score_is_its_value(manual, kr_type, ended, status):
    s = scoring.score_kr(
        kind="manual",
        value=None,
        start=None,
        target=None,
        kr_type=kr_type,
        covered_days=0,
        period_days=92,
        ended=ended,
        manual=manual,
    )
    assert s.score == manual
    assert s.projected_score == manual
    assert s.value is None
    assert s.status == status


@pytest.mark.parametrize(
    ("score", "projected", "kr_type", "ended", "expected"),
    [
        (1.0, 1.0, "aspirational", True, "too_easy"),  # 1.0 at the end: target may have been too low
        (1.0, 1.0, "committed", True, None),  # committed KRs are meant to hit 1.0
        (1.0, 1.0, "aspirational", False, None),  # not during the cycle
        (0.6, 0.6, "aspirational", True, "sweet_spot"),
        (0.65, 0.65, "aspirational", True, "sweet_spot"),
        (0.7, 0.7, "aspirational", True, "sweet_spot"),
        (0.71, 0.71, "aspirational", True, None),
        (0.59, 0.59, "aspirational", True, None),
        (0.39, 0.39, "aspirational", True, "rethink"),
        (0.1, 0.39, "aspirational", False, "rethink"),  # during the cycle the projection counts
        (0.1, 0.8, "aspirational", False, None),
        (0.4, 0.4, "committed", False, None),
        (0.65, 0.65, "aspirational", False, None),  # the sweet spot is a verdict at the end
    ],
)
def test_advice(score, projected, kr_type, ended, expected):
    assert scoring.advice(score, projected, kr_type, ended=ended) == expected


# --- objectives --------------------------------------------------------------------------------------------


def _kr(kind, value, start, target, kr_type="aspirational", covered=46, period=92, ended=False) -> KRScore:
    return scoring.score_kr(
        kind=kind,
        value=value,
        start=start,
        target=target,
        kr_type=kr_type,
        covered_days=covered,
        period_days=period,
        ended=ended,
    )


def test_objective_mixing_increasing_and_decreasing_krs_with_weights():
    gmv = _kr("sum", 2_000_000, 0, 8_000_000)  # score 0.25, projected 4,000,000 -> 0.5
    refund = _kr("ratio", 0.075, 0.09, 0.06)  # decreasing: score 0.5, projected 0.5
    cvr = _kr("ratio", 0.040, 0.034, 0.040)  # score 1.0
    assert (gmv.score, gmv.projected_score) == (approx(0.25), approx(0.5))
    assert refund.score == approx(0.5)
    obj = scoring.score_objective([gmv, refund, cvr], [2, 1, 1], "aspirational", ended=False)
    assert obj.score == approx((2 * 0.25 + 0.5 + 1.0) / 4)
    assert obj.projected_score == approx((2 * 0.5 + 0.5 + 1.0) / 4)
    assert obj.status == "at_risk"  # 0.625
    heavy = scoring.score_objective([gmv, refund, cvr], [1, 1, 6], "aspirational", ended=False)
    assert heavy.score == approx((0.25 + 0.5 + 6) / 8)
    assert heavy.status == "on_track"  # (0.5 + 0.5 + 6) / 8 = 0.875


def test_objective_status_comes_from_krs_with_data_only():
    good = _kr("ratio", 0.039, 0.034, 0.040)  # projected 0.8333
    missing = _kr("sum", None, 0, 1000, covered=0)
    error = KRScore(None, None, 0.0, None, 0.0, "error", None)
    assert missing.status == "no_data"
    obj = scoring.score_objective([good, missing, error], [1, 1, 1], "aspirational", ended=False)
    # the score counts the KRs without data as 0; the status looks at the KRs with data only
    assert obj.score == approx(good.score / 3)
    assert obj.status == "on_track"
    committed = scoring.score_objective([good, missing], [1, 1], "committed", ended=False)
    assert committed.status == "at_risk"  # 0.833 of the KR with data: committed needs 1.0
    none = scoring.score_objective([missing, error], [1, 1], "aspirational", ended=False)
    assert none.status == "no_data"
    assert scoring.score_objective([], [], "aspirational", ended=False).status == "no_data"


def test_objective_done_and_not_started():
    ended = _kr("sum", 100, 0, 1000, ended=True)
    assert scoring.score_objective([ended], [1], "aspirational", ended=True).status == "done"
    waiting = scoring.score_kr(
        kind="sum",
        value=None,
        start=0,
        target=10,
        kr_type="aspirational",
        covered_days=0,
        period_days=92,
        ended=False,
        started=False,
    )
    assert scoring.score_objective([waiting, waiting], [1, 1], "aspirational", ended=False).status == "not_started"


@pytest.mark.parametrize(
    ("values", "weights", "expected"),
    [([0.2, 0.8], [1, 1], 0.5), ([0.2, 0.8], [3, 1], 0.35), ([1.0], [0.5], 1.0), ([], [], None), ([0.5], [0], None)],
)
def test_weighted_mean(values, weights, expected):
    got = scoring.weighted_mean(values, weights)
    assert got == (approx(expected) if expected is not None else None)


# --- windows and pace --------------------------------------------------------------------------------------

Q4 = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    ("deadline", "as_of", "expected_end"),
    [
        (Q4[1], dt.date(2026, 11, 20), dt.date(2026, 11, 20)),
        (Q4[1], dt.date(2027, 2, 1), Q4[1]),  # as_of capped at the cycle end
        (dt.date(2026, 11, 15), dt.date(2026, 11, 20), dt.date(2026, 11, 15)),  # the KR's deadline
        (dt.date(2026, 11, 15), dt.date(2026, 11, 1), dt.date(2026, 11, 1)),
    ],
)
def test_window(deadline, as_of, expected_end):
    assert scoring.window(*Q4, deadline, as_of) == (Q4[0], expected_end)


@pytest.mark.parametrize(
    ("start", "deadline", "days"),
    [(Q4[0], Q4[1], 92), (Q4[0], Q4[0], 1), (dt.date(2026, 2, 1), dt.date(2026, 2, 28), 28)],
)
def test_period_days(start, deadline, days):
    assert scoring.period_days(start, deadline) == days


@pytest.mark.parametrize(
    ("start", "target", "day", "total", "kind", "expected"),
    [
        # a sum accumulates from 0 to the target, whatever its start
        (0, 9200, 1, 92, "sum", 100),
        (0, 9200, 46, 92, "sum", 4600),
        (0, 9200, 92, 92, "sum", 9200),
        (500, 9200, 46, 92, "sum", 4600),
        # a rate moves from its start to its target
        (0.034, 0.040, 46, 92, "ratio", 0.037),
        (0.034, 0.040, 92, 92, "ratio", 0.040),
        (0.09, 0.06, 46, 92, "ratio", 0.075),  # decreasing
        (0.09, 0.06, 92, 92, "ratio", 0.06),
        (10, 20, 0, 92, "sql", 10),
        (10, 20, 200, 92, "sql", 20),  # past the deadline: stays at the target
    ],
)
def test_pace(start, target, day, total, kind, expected):
    assert scoring.pace(start, target, day, total, kind) == approx(expected)


# --- property ----------------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)


@given(
    value=finite,
    start=finite,
    target=finite,
    kind=st.sampled_from(["sum", "ratio", "sql"]),
    covered=st.integers(1, 400),
    period=st.integers(1, 400),
)
def test_score_always_between_zero_and_one(value, start, target, kind, covered, period):
    if target == start:
        return
    s = scoring.score_kr(
        kind=kind,
        value=value,
        start=start,
        target=target,
        kr_type="aspirational",
        covered_days=covered,
        period_days=period,
        ended=False,
    )
    assert 0.0 <= s.score <= 1.0
    assert 0.0 <= s.projected_score <= 1.0
    assert not math.isnan(s.score)
    assert s.status in ("on_track", "at_risk", "off_track")


@pytest.mark.parametrize(
    ("value", "start", "target", "ended", "expected"),
    [(0.036, 0.03, 0.04, True, "sweet_spot"), (0.078, 0.09, 0.06, False, None)],
    ids=["sweet spot at 0.6", "not rethink at 0.4"],
)
def test_advice_tolerates_float_noise_like_status(value, start, target, ended, expected):
    s = scoring.score_kr(
        kind="ratio",
        value=value,
        start=start,
        target=target,
        kr_type="aspirational",
        covered_days=30,
        period_days=92,
        ended=ended,
    )
    assert s.advice == expected
