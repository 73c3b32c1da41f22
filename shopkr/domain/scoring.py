"""KR and objective scoring: pure maths, no I/O and no clock (callers pass `as_of`).

Rules (the README states the same):
- progress = (value - start) / (target - start): works for decreasing KRs (target below start); unclamped.
- score = progress clamped to [0, 1]; a manual KR's score is its manual value.
- Projection: a sum extrapolates linearly over the days actually covered by data
  (value / covered_days * period_days); rates and SQL values project as themselves.
- Status in the cycle: aspirational on_track if projected_score >= 0.7, at_risk if >= 0.4, else off_track;
  committed on_track only at >= 1.0, at_risk at >= 0.7. After the cycle: done. A metric KR with no rows in its
  window: no_data (score 0). Before the cycle starts: not_started.
- Objective score = weighted mean of its KR scores; its status from the weighted mean of projected scores.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

KRType = Literal["aspirational", "committed"]
Kind = Literal["sum", "ratio", "sql", "manual"]
Status = Literal["on_track", "at_risk", "off_track", "done", "no_data", "not_started", "error"]
Advice = Literal["too_easy", "sweet_spot", "rethink"]

# Thresholds on the projected score: (on_track at or above, at_risk at or above).
THRESHOLDS: dict[str, tuple[float, float]] = {"aspirational": (0.7, 0.4), "committed": (1.0, 0.7)}
SWEET_SPOT = (0.6, 0.7)
RETHINK_BELOW = 0.4


def progress(value: float | None, start: float, target: float) -> float | None:
    """(value - start) / (target - start), unclamped; None without a value. target == start is invalid."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if target == start:
        raise ValueError("target equals start: progress is undefined")
    return (value - start) / (target - start)


def clamp(p: float | None) -> float:
    """A progress clamped to the 0.0-1.0 score scale (None counts as 0)."""
    if p is None:
        return 0.0
    return min(1.0, max(0.0, p))


def project(value: float | None, kind: Kind, covered_days: int, period_days: int) -> float | None:
    """Projected value at the deadline: sums scale by period/covered days; rates, SQL and manual stay as they are."""
    if value is None:
        return None
    if kind == "sum":
        if covered_days <= 0:
            return None
        return value / covered_days * period_days
    return value


def status(projected_score: float, kr_type: KRType, *, ended: bool) -> Status:
    """on_track / at_risk / off_track by the type's thresholds; done once the cycle has ended."""
    if ended:
        return "done"
    on, risk = THRESHOLDS[kr_type]
    if projected_score >= on - 1e-9:
        return "on_track"
    if projected_score >= risk - 1e-9:
        return "at_risk"
    return "off_track"


def advice(score: float, projected_score: float, kr_type: KRType, *, ended: bool) -> Advice | None:
    """What the OKR method says about a score: 1.0 on an aspirational KR at the end hints the target was
    too low; under 0.4 asks whether to rethink; 0.6-0.7 at the end is the sweet spot."""
    eps = 1e-9  # 3% -> 4% ending at 3.6% is progress 0.5999999999999998: that is 0.6
    final = score if ended else projected_score
    if ended and kr_type == "aspirational" and score >= 1.0 - eps:
        return "too_easy"
    if final < RETHINK_BELOW - eps:
        return "rethink"
    if ended and SWEET_SPOT[0] - eps <= score <= SWEET_SPOT[1] + eps:
        return "sweet_spot"
    return None


@dataclass(frozen=True)
class KRScore:
    """The scored state of one KR at `as_of`."""

    value: float | None
    progress: float | None
    score: float
    projected_value: float | None
    projected_score: float
    status: Status
    advice: Advice | None


def score_kr(
    *,
    kind: Kind,
    value: float | None,
    start: float | None,
    target: float | None,
    kr_type: KRType,
    covered_days: int,
    period_days: int,
    ended: bool,
    started: bool = True,
    manual: float | None = None,
    projected_value: float | None = None,
) -> KRScore:
    """Score one KR. Manual KRs use `manual`; metric KRs with no covered days are no_data (score 0).
    `projected_value`: the forecast's median final value (shopkr/domain/forecast.py), which then sets the
    projected score and the status; None: the linear projection (`project`)."""
    if not started:
        return KRScore(None, None, 0.0, None, 0.0, "not_started", None)
    if kind == "manual":
        s = clamp(manual)
        return KRScore(None, None, s, None, s, status(s, kr_type, ended=ended), advice(s, s, kr_type, ended=ended))
    if value is None or covered_days <= 0 or start is None or target is None:
        return KRScore(value, None, 0.0, None, 0.0, "no_data", None)
    p = progress(value, start, target)
    s = clamp(p)
    if projected_value is None:
        projected_value = project(value, kind, covered_days, period_days)
    ps = clamp(progress(projected_value, start, target))
    st = status(ps, kr_type, ended=ended)
    return KRScore(value, p, s, projected_value, ps, st, advice(s, ps, kr_type, ended=ended))


def weighted_mean(values: Sequence[float], weights: Sequence[float]) -> float | None:
    """Weighted mean; None when there is nothing to average (or all weights are 0)."""
    total = sum(weights)
    if not values or total <= 0:
        return None
    return sum(v * w for v, w in zip(values, weights, strict=True)) / total


@dataclass(frozen=True)
class ObjectiveScore:
    """An objective's score, projected score and status."""

    score: float
    projected_score: float
    status: Status


def score_objective(
    krs: Sequence[KRScore], weights: Sequence[float], kr_type: KRType, *, ended: bool
) -> ObjectiveScore:
    """Weighted mean of KR scores; status from the weighted mean of projected scores (KRs with data only)."""
    if not krs:
        return ObjectiveScore(0.0, 0.0, "no_data")
    if all(k.status == "not_started" for k in krs):
        return ObjectiveScore(0.0, 0.0, "not_started")
    score = weighted_mean([k.score for k in krs], weights) or 0.0
    projected = weighted_mean([k.projected_score for k in krs], weights) or 0.0
    with_data = [(k, w) for k, w in zip(krs, weights, strict=True) if k.status not in ("no_data", "error")]
    if not with_data:
        return ObjectiveScore(score, projected, "no_data")
    basis = weighted_mean([k.projected_score for k, _ in with_data], [w for _, w in with_data]) or 0.0
    return ObjectiveScore(score, projected, status(basis, kr_type, ended=ended))


def period_days(start: dt.date, deadline: dt.date) -> int:
    """Days from the cycle start to the deadline, both included."""
    return (deadline - start).days + 1


def window(cycle_start: dt.date, cycle_end: dt.date, deadline: dt.date, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """The scoring window: cycle start to min(as_of, deadline), with as_of capped at the cycle end."""
    as_of = min(as_of, cycle_end)
    return cycle_start, min(as_of, deadline)


def pace(start: float, target: float, day_index: int, total_days: int, kind: Kind) -> float:
    """The linear pace line at day `day_index` (1-based) of `total_days`: a sum accumulates from 0, so its
    to-date value should be target * day/total; a rate (or SQL) KR moves from start to target."""
    frac = min(1.0, max(0.0, day_index / total_days)) if total_days > 0 else 1.0
    if kind == "sum":
        return target * frac
    return start + (target - start) * frac
