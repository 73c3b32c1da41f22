"""Statistics for main-image (主图) A/B tests with up to 8 variants.

Pure functions only: no I/O, no clock, no UI; the only randomness is a seeded
numpy Generator for the Bayesian Monte Carlo. Design follows
/work/shared/reference/metrics_ab.md Part B (GrowthBook defaults: SRM p < 0.001,
suspicious uplift > 50%, Holm correction passed explicitly).

Every frequentist number comes from statsmodels/scipy. Only the Beta-posterior
Monte Carlo (P(beat control), P(best), expected loss) and the verdict logic are
written by hand, because no installed library provides them for k arms.

Caveat (reference B.5.3): the binomial model assumes independent trials. If one
shopper sees the image many times, the p-values and intervals are too narrow.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.stats import chisquare
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

Metric = Literal["ctr", "cvr"]
Verdict = Literal["srm_failed", "insufficient_data", "winner", "no_winner_yet"]

# Intervals are always 95% (the UI labels them so); `alpha` only drives the decision.
CI_ALPHA = 0.05
# GrowthBook DEFAULT_SRM_THRESHOLD: below this the traffic split is considered broken.
SRM_THRESHOLD = 0.001
# GrowthBook DEFAULT_MAX_PERCENT_CHANGE: a larger winning lift is more often a bug than real.
SUSPICIOUS_UPLIFT = 0.5
# Minimum detectable effect for the sample-size plan (GrowthBook DEFAULT_TARGET_MDE = 0.1).
TARGET_RELATIVE_LIFT = 0.1
TARGET_POWER = 0.8

# Machine-readable note codes; the UI owns the translated wording.
NOTE_CODES: dict[str, str] = {
    "srm_not_checked": "cvr without srm_counts: clicks depend on CTR, so they cannot be checked for SRM",
    "srm_split_broken_restart": "traffic split does not match the weights (SRM p < 0.001); "
    "fix assignment/logging and restart the test, do not read the results",
    "zero_trials": "at least one variant has no trials",
    "min_successes_not_reached": "at least one variant has fewer than min_successes successes",
    "control_best": "the control is significantly better than every challenger",
    "suspicious_uplift": "the winner's lift is above 50%; check for tracking problems",
    "sample_size_reached": "every variant has the planned sample size but no variant won",
    "sample_size_unknown": "control rate is unknown, 0 or too high, so no sample size can be planned",
}


@dataclass(frozen=True)
class VariantData:
    """Window totals for one variant: ctr → trials=impressions, successes=clicks; cvr → clicks, orders."""

    id: str
    name: str
    trials: int
    successes: int


@dataclass(frozen=True)
class VariantResult:
    """Per-variant statistics; rates and losses are proportions (0.02 = 2%), lifts relative (0.1 = +10%)."""

    id: str
    name: str
    trials: int
    successes: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    lift: float | None
    lift_ci_low: float | None
    lift_ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    prob_beat_control: float | None
    prob_best: float | None
    expected_loss: float | None


@dataclass(frozen=True)
class TestResult:
    """Outcome of `analyze`; `notes` holds codes from NOTE_CODES, not sentences."""

    __test__ = False  # not a pytest test class despite the name

    metric: Metric
    control: str
    variants: tuple[VariantResult, ...]
    srm_p_value: float | None
    verdict: Verdict
    winner: str | None
    required_trials_per_variant: int | None
    days_needed: int | None
    notes: tuple[str, ...]


def _count(value: Any, what: str) -> int:
    # operator.index accepts numpy integers but rejects floats/strings, so 1.5 clicks is an error.
    try:
        n = operator.index(value)
    except TypeError:
        raise ValueError(f"{what} must be an integer, got {value!r}") from None
    if n < 0:
        raise ValueError(f"{what} must be >= 0, got {n}")
    return n


def _validate(
    variants: Sequence[VariantData],
    control: str | None,
    weights: Sequence[float] | None,
    metric: str,
    days: int | None,
    alpha: float,
    min_successes: int,
    draws: int,
) -> tuple[int, np.ndarray]:
    if metric not in ("ctr", "cvr"):
        raise ValueError(f"metric must be 'ctr' or 'cvr', got {metric!r}")
    if len(variants) < 2:
        raise ValueError(f"an A/B test needs at least 2 variants, got {len(variants)}")
    ids = [v.id for v in variants]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"variant ids must be unique, duplicated: {duplicates}")
    for v in variants:
        trials = _count(v.trials, f"trials of variant {v.id!r}")
        successes = _count(v.successes, f"successes of variant {v.id!r}")
        if successes > trials:
            raise ValueError(f"variant {v.id!r} has more successes ({successes}) than trials ({trials})")
    if control is None:
        control_index = 0
    elif control in ids:
        control_index = ids.index(control)
    else:
        raise ValueError(f"control {control!r} is not one of the variant ids {ids}")
    if weights is None:
        w = np.full(len(variants), 1.0 / len(variants))
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(variants),):
            raise ValueError(f"weights must have one entry per variant ({len(variants)}), got {len(weights)}")
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise ValueError(f"weights must be finite and > 0, got {list(weights)}")
        w = w / w.sum()
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    _count(min_successes, "min_successes")
    if _count(draws, "draws") < 1:
        raise ValueError("draws must be >= 1")
    if days is not None:
        _count(days, "days")
    return control_index, w


def _posterior_summary(
    trials: np.ndarray, successes: np.ndarray, control_index: int, draws: int, seed: int
) -> tuple[list[float | None], list[float | None], list[float | None]]:
    """P(beat control), P(best) and expected loss per variant from Beta(1+s, 1+t−s) posteriors.

    Only served arms (trials > 0) take part: an arm that was never shown has no data, and its flat
    Beta(1, 1) prior would "beat" any real 3% rate almost always. Its three numbers are None, as are
    everyone's P(beat control) when the control was never served. P(best) and expected loss need at
    least two served arms (best of one is no comparison); then they sum/range over served arms only.
    """
    # Hand-written: scipy has the Beta distribution but nothing for "best of k arms";
    # Monte Carlo is the standard approach (reference B.3, "Bayesian posteriors").
    k = len(trials)
    beat: list[float | None] = [None] * k
    best: list[float | None] = [None] * k
    loss: list[float | None] = [None] * k
    served = np.flatnonzero(trials > 0)
    if len(served) < 2:
        return beat, best, loss
    rng = np.random.default_rng(seed)
    s, n = successes[served], trials[served]
    samples = rng.beta(1 + s, 1 + n - s, size=(draws, len(served)))
    # Counting argmax hits makes P(best) sum to exactly 1 across the served variants.
    hits = np.bincount(samples.argmax(axis=1), minlength=len(served)) / draws
    # Expected loss of shipping variant i = E[max_j rate_j − rate_i] (rate units).
    losses = (samples.max(axis=1, keepdims=True) - samples).mean(axis=0)
    control_column = np.flatnonzero(served == control_index)
    for column, i in enumerate(served):
        best[i], loss[i] = float(hits[column]), float(losses[column])
        # P(control beats itself) is meaningless; with an unserved control there is nothing to beat.
        if control_column.size and i != control_index:
            beat[i] = float((samples[:, column] > samples[:, control_column[0]]).mean())
    return beat, best, loss


def _required_trials(control_rate: float | None, alpha: float, k: int) -> int | None:
    """Trials per variant to detect a +10% relative lift at 80% power, Bonferroni α/(k−1)."""
    if control_rate is None or control_rate <= 0 or control_rate * (1 + TARGET_RELATIVE_LIFT) >= 1:
        # Cohen's h is 0 (or the target rate is impossible), so the power equation has no solution.
        return None
    effect = proportion_effectsize(control_rate * (1 + TARGET_RELATIVE_LIFT), control_rate)
    n = NormalIndPower().solve_power(effect_size=effect, alpha=alpha / (k - 1), power=TARGET_POWER, ratio=1.0)
    return math.ceil(float(n))


def analyze(
    variants: Sequence[VariantData],
    control: str | None = None,
    weights: Sequence[float] | None = None,
    metric: Metric = "ctr",
    days: int | None = None,
    alpha: float = 0.05,
    min_successes: int = 100,
    draws: int = 200_000,
    seed: int = 20261127,
    srm_counts: Sequence[int] | None = None,
) -> TestResult:
    """Analyse an A/B/n test (rates as proportions, 95% CIs, `days` = window length); ValueError on bad input."""
    # Raises ValueError for < 2 variants, duplicate ids, an unknown control, weights of the wrong
    # length or <= 0, successes > trials, negative/non-integer counts. Zero trials or zero successes
    # do not raise: statistics that are undefined become None and the verdict is insufficient_data.
    # An arm with zero trials (never served) has rate, interval, p, P(beat control), P(best) and
    # expected loss None and stays out of the Monte Carlo, but still counts in the SRM check (its
    # expected share against 0 observed is what flags the broken split, as in GrowthBook). A control
    # with zero trials leaves P(beat control), lift and p None for every arm.
    # srm_counts: per-variant counts of the randomised unit (impressions/visitors) for the SRM check;
    # default = trials for ctr. For cvr the trials are clicks, which differ by design whenever the
    # images' CTR differs, so a chi-square on them would flag a healthy split: without srm_counts
    # the cvr SRM check is skipped (srm_p_value None, note "srm_not_checked").
    control_index, w = _validate(variants, control, weights, metric, days, alpha, min_successes, draws)
    k = len(variants)
    if srm_counts is not None:
        if len(srm_counts) != k:
            raise ValueError(f"srm_counts must have one entry per variant ({k}), got {len(srm_counts)}")
        for c in srm_counts:
            _count(c, "srm_counts entry")
    trials = np.array([int(v.trials) for v in variants], dtype=np.int64)
    successes = np.array([int(v.successes) for v in variants], dtype=np.int64)
    n_c, s_c = int(trials[control_index]), int(successes[control_index])
    rate_c = s_c / n_c if n_c > 0 else None

    # --- frequentist, variant vs control -------------------------------------------------
    rows: list[dict[str, Any]] = []
    raw_p: dict[int, float] = {}
    for i in range(k):
        n, s = int(trials[i]), int(successes[i])
        row: dict[str, Any] = {
            "rate": s / n if n > 0 else None,
            "ci_low": None,
            "ci_high": None,
            "lift": None,
            "lift_ci_low": None,
            "lift_ci_high": None,
        }
        if n > 0:
            low, high = proportion_confint(s, n, alpha=CI_ALPHA, method="wilson")
            row["ci_low"], row["ci_high"] = float(low), float(high)
        if i != control_index and n > 0 and n_c > 0:
            if (s + s_c) in (0, n + n_c):
                # Pooled rate 0 or 1: both arms are identical (all 0% or all 100%), the z statistic
                # is 0/0; p = 1 is the exact answer (e.g. Fisher's test) for identical data.
                raw_p[i] = 1.0
            else:
                _, p = proportions_ztest([s, s_c], [n, n_c], alternative="two-sided")
                raw_p[i] = float(p)
            if rate_c:  # lift relative to a 0% control is undefined
                row["lift"] = row["rate"] / rate_c - 1.0
                low, high = confint_proportions_2indep(
                    s, n, s_c, n_c, compare="ratio", method="log-adjusted", alpha=CI_ALPHA
                )
                row["lift_ci_low"], row["lift_ci_high"] = float(low) - 1.0, float(high) - 1.0
        rows.append(row)

    # Holm over the testable challengers only (method passed explicitly: the default is Holm-Šidák).
    adjusted: dict[int, float] = {}
    if raw_p:
        order = sorted(raw_p)
        _, p_adj, _, _ = multipletests([raw_p[i] for i in order], alpha=alpha, method="holm")
        adjusted = {i: float(p) for i, p in zip(order, p_adj, strict=True)}

    # --- Bayesian --------------------------------------------------------------------------
    beat_control, prob_best, loss = _posterior_summary(trials, successes, control_index, draws, seed)

    results = tuple(
        VariantResult(
            id=v.id,
            name=v.name,
            trials=int(trials[i]),
            successes=int(successes[i]),
            p_value=raw_p.get(i),
            p_adjusted=adjusted.get(i),
            prob_beat_control=beat_control[i],
            prob_best=prob_best[i],
            expected_loss=loss[i],
            **rows[i],
        )
        for i, v in enumerate(variants)
    )

    # --- sample-ratio mismatch -------------------------------------------------------------
    total = int(trials.sum())
    srm_p: float | None = None
    notes: list[str] = []
    if srm_counts is not None:
        assigned = np.array([int(c) for c in srm_counts], dtype=np.int64)
    elif metric == "ctr":
        assigned = trials
    else:
        assigned = None
        notes.append("srm_not_checked")
    if assigned is not None and assigned.sum() > 0:
        srm_p = float(chisquare(assigned, f_exp=assigned.sum() * w).pvalue)

    # --- verdict (order matters: a broken split invalidates everything after it) -----------
    winner: str | None = None
    verdict: Verdict
    challengers = [r for i, r in enumerate(results) if i != control_index]
    if srm_p is not None and srm_p < SRM_THRESHOLD:
        verdict = "srm_failed"
        notes.append("srm_split_broken_restart")
    elif np.any(trials == 0) or np.any(successes < min_successes):
        verdict = "insufficient_data"
        if np.any(trials == 0):
            notes.append("zero_trials")
        if np.any(successes < min_successes):
            notes.append("min_successes_not_reached")
    else:
        significant_up = [
            r
            for r in challengers
            if r.p_adjusted is not None and r.p_adjusted < alpha and r.lift is not None and r.lift > 0
        ]
        if significant_up:
            verdict = "winner"
            best = max(significant_up, key=lambda r: r.rate or 0.0)
            winner = best.id
            if best.lift is not None and best.lift > SUSPICIOUS_UPLIFT:
                notes.append("suspicious_uplift")
        else:
            verdict = "no_winner_yet"
            if all(
                r.p_adjusted is not None and r.p_adjusted < alpha and r.lift is not None and r.lift < 0
                for r in challengers
            ):
                notes.append("control_best")

    # --- sample-size plan, only when the test has to keep running --------------------------
    required: int | None = None
    days_needed: int | None = None
    if verdict in ("no_winner_yet", "insufficient_data"):
        required = _required_trials(rate_c, alpha, k)
        if required is None:
            notes.append("sample_size_unknown")
        else:
            remaining = max(0, required - int(trials.min()))
            if remaining == 0 and verdict == "no_winner_yet":
                notes.append("sample_size_reached")
            per_variant_per_day = total / k / days if days else 0.0
            if remaining == 0:
                days_needed = 0 if days else None
            elif per_variant_per_day > 0:
                days_needed = math.ceil(remaining / per_variant_per_day)

    return TestResult(
        metric=metric,
        control=variants[control_index].id,
        variants=results,
        srm_p_value=srm_p,
        verdict=verdict,
        winner=winner,
        required_trials_per_variant=required,
        days_needed=days_needed,
        notes=tuple(notes),
    )


def _plain(x: float | None) -> float | None:
    # JSON has no NaN/inf and json.dumps rejects numpy scalars; map both to plain values.
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def to_dict(result: TestResult) -> dict[str, Any]:
    """JSON-ready dict (plain float/int/None); for cvr "impressions"/"clicks" hold trials/successes."""
    return {
        "metric": result.metric,
        "control": result.control,
        "variants": [
            {
                "id": v.id,
                "name": v.name,
                "impressions": int(v.trials),
                "clicks": int(v.successes),
                "rate": _plain(v.rate),
                "ci_low": _plain(v.ci_low),
                "ci_high": _plain(v.ci_high),
                "lift": _plain(v.lift),
                "lift_ci_low": _plain(v.lift_ci_low),
                "lift_ci_high": _plain(v.lift_ci_high),
                "p_value": _plain(v.p_value),
                "p_adjusted": _plain(v.p_adjusted),
                "prob_beat_control": _plain(v.prob_beat_control),
                "prob_best": _plain(v.prob_best),
                "expected_loss": _plain(v.expected_loss),
            }
            for v in result.variants
        ],
        "srm_p_value": _plain(result.srm_p_value),
        "winner": result.winner,
        "verdict": result.verdict,
        "required_impressions_per_variant": result.required_trials_per_variant,
        "days_needed": result.days_needed,
        "notes": list(result.notes),
    }
