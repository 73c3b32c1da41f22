"""Tests for shopkr.domain.ab_stats: every number is recomputed here independently with statsmodels/scipy."""

from __future__ import annotations

import functools
import gc
import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import beta as beta_dist
from scipy.stats import chi2_contingency, chisquare
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)

# The repo has no pyproject/conftest setting pytest's pythonpath yet, and tests/ is not a
# package, so `pytest tests/...` would not find shopkr; put the repo root on sys.path.
if importlib.util.find_spec("shopkr") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shopkr.domain.ab_stats import NOTE_CODES, TestResult, VariantData, analyze, to_dict


def make(trials: list[int], successes: list[int]) -> list[VariantData]:
    return [
        VariantData(id=f"v{i}", name=f"图{i}", trials=n, successes=s)
        for i, (n, s) in enumerate(zip(trials, successes, strict=True))
    ]


# Fixed data sets (v0 is the control unless stated otherwise).
# 8 arms, ~60k impressions each, control 2.0%, v5 2.67%, the rest 2.02-2.10%.
WINNER_8 = make(
    [60000, 59870, 60130, 60210, 59940, 60050, 59760, 60090],
    [1200, 1214, 1236, 1251, 1209, 1603, 1228, 1262],
)
# 4 arms, ~12k impressions each, all ~3.2%.
NO_DIFF = make([12000, 11950, 12080, 11990], [384, 390, 380, 395])
# v2 got 40% fewer impressions than the equal split promised; v1 would otherwise win.
SRM_BROKEN = make([20000, 20000, 12000], [400, 600, 240])
# Too few clicks (< 100) in every arm.
INSUFFICIENT = make([2000, 2000, 2000], [40, 60, 45])
# Control 3% vs challengers 2% and ~2.07%: control is significantly better than both.
CONTROL_BEST = make([30000, 30000, 30000], [900, 600, 620])
# One challenger significantly worse, the other not different: no control_best note.
ONE_LOSER = make([30000, 30000, 30000], [900, 600, 905])
# +100% lift: a winner, but flagged as suspicious.
SUSPICIOUS = make([10000, 10000], [200, 400])

DAYS = 7
FAST = 20_000  # fewer draws where the Bayesian numbers are not under test


@pytest.fixture(autouse=True, scope="module")
def _cheap_gc_collect():
    # statsmodels' multipletests(method="holm") calls gc.collect() on every call; with pytest,
    # hypothesis and scipy loaded that full collection costs ~70 ms and dominated this file's
    # runtime. Freezing the already-imported objects makes those collections cheap; unfreeze after.
    gc.freeze()
    yield
    gc.unfreeze()


@functools.cache
def _cached(data: tuple[VariantData, ...], weights: tuple[float, ...] | None) -> TestResult:
    return analyze(data, weights=weights, days=DAYS, draws=FAST)


def quick(data: list[VariantData], weights: list[float] | None = None) -> TestResult:
    """analyze() with few draws, memoised: several tests read the same data set."""
    return _cached(tuple(data), None if weights is None else tuple(weights))


@pytest.fixture(scope="module")
def winner_result() -> TestResult:
    return analyze(WINNER_8, days=DAYS)


@pytest.fixture(scope="module")
def no_diff_result() -> TestResult:
    return analyze(NO_DIFF, days=DAYS)


# ---------------------------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "verdict", "winner", "must_have_notes"),
    [
        pytest.param(WINNER_8, "winner", "v5", (), id="8-variant-real-winner"),
        pytest.param(NO_DIFF, "no_winner_yet", None, (), id="no-difference"),
        pytest.param(SRM_BROKEN, "srm_failed", None, ("srm_split_broken_restart",), id="srm"),
        pytest.param(INSUFFICIENT, "insufficient_data", None, ("min_successes_not_reached",), id="few-clicks"),
        pytest.param(CONTROL_BEST, "no_winner_yet", None, ("control_best",), id="control-best"),
        pytest.param(ONE_LOSER, "no_winner_yet", None, (), id="one-loser"),
        pytest.param(SUSPICIOUS, "winner", "v1", ("suspicious_uplift",), id="suspicious-uplift"),
    ],
)
def test_verdict_table(data, verdict, winner, must_have_notes) -> None:
    r = quick(data)
    assert r.verdict == verdict
    assert r.winner == winner
    assert set(must_have_notes) <= set(r.notes)
    assert set(r.notes) <= set(NOTE_CODES)  # only machine-readable codes, never sentences
    if data is ONE_LOSER:
        assert "control_best" not in r.notes
    if verdict in ("winner", "srm_failed"):
        # The sample-size plan is only given while the test has to keep running.
        assert r.required_trials_per_variant is None and r.days_needed is None
    else:
        assert r.required_trials_per_variant is not None


def test_winner_is_highest_significant_rate(winner_result: TestResult) -> None:
    v5 = winner_result.variants[5]
    assert winner_result.winner == "v5"
    assert v5.p_adjusted is not None and v5.p_adjusted < 0.05 and v5.lift > 0
    others = [v for i, v in enumerate(winner_result.variants[1:], start=1) if i != 5]
    assert all(v.p_adjusted >= 0.05 for v in others)
    assert "suspicious_uplift" not in winner_result.notes  # +33.6% is below the 50% flag


def test_srm_overrides_an_otherwise_clear_winner() -> None:
    r = analyze(SRM_BROKEN, draws=FAST)
    v1 = r.variants[1]
    assert v1.p_adjusted < 1e-6 and v1.lift > 0  # would be a winner with a healthy split
    assert r.srm_p_value < 0.001
    assert r.verdict == "srm_failed" and r.winner is None


def test_multiple_significant_winners_pick_highest_rate() -> None:
    r = analyze(make([20000, 20000, 20000], [400, 560, 640]), draws=FAST)
    assert r.verdict == "winner" and r.winner == "v2"


# ---------------------------------------------------------------------------------------------
# Frequentist numbers vs statsmodels / scipy
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [WINNER_8, NO_DIFF, CONTROL_BEST], ids=["winner", "nodiff", "ctl"])
def test_wilson_ci_matches_statsmodels(data) -> None:
    r = quick(data)
    for v, res in zip(data, r.variants, strict=True):
        # Source: statsmodels.stats.proportion.proportion_confint(method="wilson"), 95%.
        low, high = proportion_confint(v.successes, v.trials, alpha=0.05, method="wilson")
        assert res.rate == pytest.approx(v.successes / v.trials, rel=1e-12)
        assert res.ci_low == pytest.approx(low, rel=1e-12)
        assert res.ci_high == pytest.approx(high, rel=1e-12)
        assert res.ci_low < res.rate < res.ci_high


@pytest.mark.parametrize("data", [WINNER_8, NO_DIFF, CONTROL_BEST], ids=["winner", "nodiff", "ctl"])
def test_ztest_holm_and_lift_ci_match_statsmodels(data) -> None:
    r = quick(data)
    c = data[0]
    expected_p = []
    for v, res in zip(data[1:], r.variants[1:], strict=True):
        # Source: statsmodels proportions_ztest, pooled two-proportion z-test, two-sided.
        _, p = proportions_ztest([v.successes, c.successes], [v.trials, c.trials])
        assert res.p_value == pytest.approx(p, rel=1e-10)
        expected_p.append(p)
        # Independent cross-check: pooled z² equals Pearson χ² without Yates (scipy).
        table = [[v.successes, v.trials - v.successes], [c.successes, c.trials - c.successes]]
        assert res.p_value == pytest.approx(chi2_contingency(table, correction=False).pvalue)
        # Source: statsmodels confint_proportions_2indep(compare="ratio", method="log-adjusted").
        low, high = confint_proportions_2indep(
            v.successes, v.trials, c.successes, c.trials, compare="ratio", method="log-adjusted"
        )
        assert res.lift == pytest.approx((v.successes / v.trials) / (c.successes / c.trials) - 1)
        assert res.lift_ci_low == pytest.approx(low - 1, rel=1e-12)
        assert res.lift_ci_high == pytest.approx(high - 1, rel=1e-12)
        assert res.lift_ci_low < res.lift < res.lift_ci_high
    # Source: statsmodels multipletests(method="holm") over the k−1 challengers.
    holm = multipletests(expected_p, method="holm")[1]
    assert [v.p_adjusted for v in r.variants[1:]] == pytest.approx(list(holm), rel=1e-10)
    # Control row carries no comparison numbers.
    ctl = r.variants[0]
    assert (ctl.lift, ctl.lift_ci_low, ctl.lift_ci_high, ctl.p_value, ctl.p_adjusted) == (None,) * 5
    assert ctl.prob_beat_control is None


def test_holm_is_not_the_statsmodels_default() -> None:
    # Raw p-values chosen so that Holm and Holm-Šidák ('hs', the default) differ visibly.
    data = make([10000] * 4, [300, 345, 350, 352])
    r = analyze(data, draws=FAST)
    raw = [v.p_value for v in r.variants[1:]]
    holm = multipletests(raw, method="holm")[1]
    hs = multipletests(raw)[1]
    assert [v.p_adjusted for v in r.variants[1:]] == pytest.approx(list(holm), rel=1e-12)
    assert not np.allclose(holm, hs, rtol=1e-6)


@pytest.mark.parametrize(
    ("data", "weights"),
    [
        (WINNER_8, None),
        (SRM_BROKEN, None),
        (make([20000, 10000, 10000], [400, 200, 210]), [2, 1, 1]),  # weights get normalised
        (make([20000, 10000, 10000], [400, 200, 210]), None),  # same data, wrong expectation
    ],
    ids=["winner", "broken", "weighted-ok", "weighted-data-equal-weights"],
)
def test_srm_matches_scipy_chisquare(data, weights) -> None:
    r = quick(data, weights)
    obs = np.array([v.trials for v in data])
    w = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    # Source: scipy.stats.chisquare with expected counts total × normalised weights.
    expected = chisquare(obs, f_exp=obs.sum() * w / w.sum()).pvalue
    assert r.srm_p_value == pytest.approx(expected, rel=1e-10)
    assert (r.verdict == "srm_failed") == (expected < 0.001)


def test_power_and_days_needed(no_diff_result: TestResult) -> None:
    r = no_diff_result
    p = NO_DIFF[0].successes / NO_DIFF[0].trials
    k = len(NO_DIFF)
    # Source: statsmodels NormalIndPower.solve_power, +10% relative, 80% power, Bonferroni α/(k−1).
    n = NormalIndPower().solve_power(
        effect_size=proportion_effectsize(p * 1.1, p), alpha=0.05 / (k - 1), power=0.8, ratio=1
    )
    assert r.required_trials_per_variant == math.ceil(n)
    current = [v.trials for v in NO_DIFF]
    assert r.required_trials_per_variant > max(current)
    per_day = sum(current) / k / DAYS
    assert r.days_needed == math.ceil((math.ceil(n) - min(current)) / per_day)
    assert r.days_needed > 0


def test_power_uses_two_sample_bonferroni_for_two_variants() -> None:
    r = analyze(INSUFFICIENT[:2], days=3, draws=FAST)
    p = 40 / 2000
    n = NormalIndPower().solve_power(effect_size=proportion_effectsize(p * 1.1, p), alpha=0.05, power=0.8, ratio=1)
    assert r.verdict == "insufficient_data"
    assert r.required_trials_per_variant == math.ceil(n)
    assert r.days_needed == math.ceil((math.ceil(n) - 2000) / (4000 / 2 / 3))


@pytest.mark.parametrize("days", [None, 0])
def test_days_needed_none_without_days(days) -> None:
    r = analyze(NO_DIFF, days=days, draws=FAST)
    assert r.required_trials_per_variant is not None
    assert r.days_needed is None


def test_sample_size_reached_note() -> None:
    # Two identical arms far above the planned sample size: no winner, and no point waiting.
    r = analyze(make([400000, 400000], [20000, 20010]), days=10, draws=FAST)
    assert r.verdict == "no_winner_yet"
    assert r.days_needed == 0
    assert "sample_size_reached" in r.notes


# ---------------------------------------------------------------------------------------------
# Bayesian numbers vs numerical integration (scipy.integrate.quad over Beta posteriors)
# ---------------------------------------------------------------------------------------------


def _posteriors(data: list[VariantData]):
    return [beta_dist(1 + v.successes, 1 + v.trials - v.successes) for v in data]


def _support(dists) -> tuple[float, float]:
    return min(d.ppf(1e-12) for d in dists), max(d.isf(1e-12) for d in dists)


def exact_prob_best(data: list[VariantData]) -> list[float]:
    """P(X_i is max) = ∫ f_i(x) Π_{j≠i} F_j(x) dx."""
    dists = _posteriors(data)
    lo, hi = _support(dists)
    out = []
    for i, di in enumerate(dists):
        others = [d for j, d in enumerate(dists) if j != i]

        def integrand(x, di=di, others=others):
            return di.pdf(x) * np.prod([d.cdf(x) for d in others])

        out.append(integrate.quad(integrand, lo, hi, limit=500, epsabs=1e-10)[0])
    return out


def exact_expected_loss(data: list[VariantData]) -> list[float]:
    """E[max − X_i] = E[max] − E[X_i]; E[max] = ∫_0^1 (1 − Π F_j(x)) dx."""
    dists = _posteriors(data)
    lo, hi = _support(dists)
    tail = integrate.quad(lambda x: 1 - np.prod([d.cdf(x) for d in dists]), lo, hi, limit=500, epsabs=1e-12)[0]
    e_max = lo + tail  # below lo every CDF is ~0, so the integrand is 1 there
    return [e_max - d.mean() for d in dists]


def test_prob_beat_control_two_variants_matches_integration() -> None:
    data = make([5000, 5000], [150, 170])
    r = analyze(data)
    a, b = _posteriors(data)
    lo, hi = _support([a, b])
    # P(B > A) = ∫ f_B(x) F_A(x) dx
    exact = integrate.quad(lambda x: b.pdf(x) * a.cdf(x), lo, hi, limit=500)[0]
    assert 0.8 < exact < 0.9  # a non-trivial probability, so the check has teeth
    assert r.variants[1].prob_beat_control == pytest.approx(exact, abs=0.005)
    # With two arms, P(best) of the challenger is the same event.
    assert r.variants[1].prob_best == pytest.approx(exact, abs=0.005)


def test_prob_best_and_loss_match_integration(no_diff_result: TestResult) -> None:
    r = no_diff_result
    best = exact_prob_best(NO_DIFF)
    loss = exact_expected_loss(NO_DIFF)
    assert sum(best) == pytest.approx(1.0, abs=1e-6)  # the integration itself is sound
    for res, pb, el in zip(r.variants, best, loss, strict=True):
        assert res.prob_best == pytest.approx(pb, abs=0.005)
        assert res.expected_loss == pytest.approx(el, abs=2e-5)


def test_prob_beat_control_matches_independent_monte_carlo(no_diff_result: TestResult) -> None:
    # An independent Monte Carlo (another generator, another seed) with 400k draws.
    rng = np.random.Generator(np.random.PCG64(12345))
    a = np.array([1 + v.successes for v in NO_DIFF])
    b = np.array([1 + v.trials - v.successes for v in NO_DIFF])
    x = rng.beta(a, b, size=(400_000, len(NO_DIFF)))
    for i, res in enumerate(no_diff_result.variants[1:], start=1):
        assert res.prob_beat_control == pytest.approx((x[:, i] > x[:, 0]).mean(), abs=0.005)


def test_prob_best_sums_to_one_and_winner_dominates(winner_result: TestResult) -> None:
    assert sum(v.prob_best for v in winner_result.variants) == pytest.approx(1.0, abs=1e-12)
    v5 = winner_result.variants[5]
    assert v5.prob_best > 0.99 and v5.prob_beat_control > 0.99
    assert v5.expected_loss == min(v.expected_loss for v in winner_result.variants)


def test_determinism_with_seed() -> None:
    r1 = analyze(NO_DIFF, draws=50_000, seed=7)
    r2 = analyze(NO_DIFF, draws=50_000, seed=7)
    r3 = analyze(NO_DIFF, draws=50_000, seed=8)
    assert r1 == r2
    assert to_dict(r1) == to_dict(r2)
    pb1 = [v.prob_best for v in r1.variants]
    pb3 = [v.prob_best for v in r3.variants]
    assert pb1 != pb3  # the seed is really used
    assert pb1 == pytest.approx(pb3, abs=0.01)


# ---------------------------------------------------------------------------------------------
# Output shape
# ---------------------------------------------------------------------------------------------

VARIANT_KEYS = {
    "id",
    "name",
    "impressions",
    "clicks",
    "rate",
    "ci_low",
    "ci_high",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "p_value",
    "p_adjusted",
    "prob_beat_control",
    "prob_best",
    "expected_loss",
}
TOP_KEYS = {
    "metric",
    "control",
    "variants",
    "srm_p_value",
    "winner",
    "verdict",
    "required_impressions_per_variant",
    "days_needed",
    "notes",
}


def _assert_plain(obj) -> None:
    if isinstance(obj, dict):
        for value in obj.values():
            _assert_plain(value)
    elif isinstance(obj, list):
        for value in obj:
            _assert_plain(value)
    else:
        assert obj is None or type(obj) in (str, int, float, bool), type(obj)


@pytest.mark.parametrize("data", [WINNER_8, NO_DIFF, SRM_BROKEN, make([0, 0], [0, 0]), make([100, 0], [0, 0])])
def test_to_dict_shape_and_json(data) -> None:
    d = to_dict(quick(data))
    assert set(d) == TOP_KEYS
    assert all(set(v) == VARIANT_KEYS for v in d["variants"])
    assert [v["id"] for v in d["variants"]] == [v.id for v in data]  # input order kept
    _assert_plain(d)
    json.dumps(d, allow_nan=False, ensure_ascii=False)


def test_to_dict_values(winner_result: TestResult) -> None:
    d = to_dict(winner_result)
    assert d["metric"] == "ctr" and d["control"] == "v0"
    assert d["winner"] == "v5" and d["verdict"] == "winner"
    assert d["variants"][5]["impressions"] == 60050 and d["variants"][5]["clicks"] == 1603
    assert d["required_impressions_per_variant"] is None


def test_cvr_metric_reuses_impression_keys() -> None:
    data = make([3000, 3100], [150, 180])  # clicks → orders
    r = analyze(data, metric="cvr", draws=FAST)
    d = to_dict(r)
    assert d["metric"] == "cvr"
    assert d["variants"][1]["impressions"] == 3100 and d["variants"][1]["clicks"] == 180


# A CVR test on the WINNER_8 images: clicks (the CVR trials) differ because the CTR differs,
# while the impression split itself is healthy. Orders are ~5% of clicks everywhere.
CVR_CLICKS = [v.successes for v in WINNER_8]
CVR_ORDERS = [round(c * 0.05) + (i % 3) for i, c in enumerate(CVR_CLICKS)]


def test_cvr_srm_is_not_run_on_clicks() -> None:
    data = make(CVR_CLICKS, CVR_ORDERS)
    # A chi-square on the clicks would (wrongly) call this split broken...
    assert chisquare(CVR_CLICKS).pvalue < 0.001
    r = analyze(data, metric="cvr", min_successes=50, draws=FAST)
    # ...so for cvr without srm_counts the check is skipped and flagged.
    assert r.srm_p_value is None and "srm_not_checked" in r.notes
    assert r.verdict == "no_winner_yet"


def test_cvr_srm_uses_srm_counts() -> None:
    data = make(CVR_CLICKS, CVR_ORDERS)
    impressions = [v.trials for v in WINNER_8]
    r = analyze(data, metric="cvr", min_successes=50, draws=FAST, srm_counts=impressions)
    # Source: scipy.stats.chisquare on the impressions with an equal split.
    assert r.srm_p_value == pytest.approx(chisquare(impressions).pvalue, rel=1e-10)
    assert r.verdict != "srm_failed" and "srm_not_checked" not in r.notes
    broken = [*impressions[:-1], impressions[-1] * 6 // 10]
    assert analyze(data, metric="cvr", draws=FAST, srm_counts=broken).verdict == "srm_failed"


def test_explicit_control_not_first() -> None:
    data = make([10000, 10000, 10000], [250, 200, 210])
    r = analyze(data, control="v1", draws=FAST)
    assert r.control == "v1"
    assert [v.id for v in r.variants] == ["v0", "v1", "v2"]
    assert r.variants[1].p_value is None and r.variants[1].prob_beat_control is None
    _, p = proportions_ztest([250, 200], [10000, 10000])
    assert r.variants[0].p_value == pytest.approx(p)
    assert r.variants[0].lift == pytest.approx(0.25)


# ---------------------------------------------------------------------------------------------
# Edge cases
# ---------------------------------------------------------------------------------------------


def test_variant_with_zero_trials_small_test() -> None:
    r = analyze(make([5, 5, 0], [1, 2, 0]), days=1, draws=FAST)
    z = r.variants[2]
    assert (z.rate, z.ci_low, z.ci_high, z.lift, z.p_value, z.p_adjusted) == (None,) * 6
    # never served: no posterior to speak of (issue 8 item 14; was a flat prior's ~50%)
    assert (z.prob_beat_control, z.prob_best, z.expected_loss) == (None, None, None)
    # Holm runs over the one testable challenger only.
    assert r.variants[1].p_adjusted == pytest.approx(r.variants[1].p_value)
    assert r.verdict == "insufficient_data"
    assert {"zero_trials", "min_successes_not_reached"} <= set(r.notes)


def test_variant_with_zero_trials_large_test_is_srm() -> None:
    # Under an equal split, an arm with no traffic at all is a broken split.
    r = analyze(make([5000, 5000, 0], [150, 150, 0]), draws=FAST)
    assert r.verdict == "srm_failed" and r.winner is None


def test_zero_trials_everywhere() -> None:
    r = analyze(make([0, 0, 0], [0, 0, 0]), days=3, draws=FAST)
    assert r.srm_p_value is None
    assert r.verdict == "insufficient_data"
    assert r.required_trials_per_variant is None and r.days_needed is None
    assert all(v.prob_best is None and v.expected_loss is None for v in r.variants)  # issue 8 item 14


def test_zero_successes_everywhere() -> None:
    r = analyze(make([1000, 1000, 1000], [0, 0, 0]), days=3, draws=FAST)
    assert r.verdict == "insufficient_data"
    for v in r.variants[1:]:
        assert v.rate == 0.0 and v.ci_low == pytest.approx(0.0, abs=1e-12) and v.ci_high > 0
        assert v.lift is None and v.lift_ci_low is None  # relative to a 0% control: undefined
        assert v.p_value == 1.0 and v.p_adjusted == 1.0  # identical data
    assert r.required_trials_per_variant is None  # cannot plan from a 0% baseline
    assert "sample_size_unknown" in r.notes
    json.dumps(to_dict(r), allow_nan=False)


def test_control_with_zero_rate_but_challenger_clicks() -> None:
    r = analyze(make([1000, 1000], [0, 5]), draws=FAST)
    assert r.variants[1].lift is None
    assert 0 < r.variants[1].p_value < 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"variants": make([100, 100], [1, 2]), "control": "nope"}, "control 'nope'"),
        ({"variants": make([100], [1])}, "at least 2 variants"),
        ({"variants": []}, "at least 2 variants"),
        ({"variants": make([100, 100], [1, 2]), "weights": [1.0]}, "one entry per variant"),
        ({"variants": make([100, 100], [1, 2]), "weights": [1, 1, 1]}, "one entry per variant"),
        ({"variants": make([100, 100], [1, 2]), "weights": [1, 0]}, "> 0"),
        ({"variants": make([100, 100], [1, 2]), "weights": [1, -1]}, "> 0"),
        ({"variants": make([100, 100], [1, 2]), "weights": [1, float("nan")]}, "finite"),
        (
            {"variants": [VariantData("a", "A", 10, 1), VariantData("a", "B", 10, 1)]},
            "unique",
        ),
        ({"variants": make([100, 100], [1, 200])}, "more successes"),
        ({"variants": make([100, -1], [1, 0])}, ">= 0"),
        ({"variants": make([100, 100.5], [1, 2])}, "integer"),  # type: ignore[list-item]
        ({"variants": make([100, 100], [1, 2]), "metric": "gmv"}, "metric"),
        ({"variants": make([100, 100], [1, 2]), "alpha": 0}, "alpha"),
        ({"variants": make([100, 100], [1, 2]), "draws": 0}, "draws"),
        ({"variants": make([100, 100], [1, 2]), "days": -1}, "days"),
        ({"variants": make([100, 100], [1, 2]), "srm_counts": [100]}, "srm_counts"),
        ({"variants": make([100, 100], [1, 2]), "srm_counts": [100, -5]}, "srm_counts"),
    ],
)
def test_invalid_input_raises(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        analyze(**kwargs)


def test_numpy_integer_counts_are_accepted() -> None:
    data = make([np.int64(1000), np.int32(1000)], [np.int64(10), np.int64(12)])
    d = to_dict(analyze(data, draws=FAST))
    json.dumps(d, allow_nan=False)


# ---------------------------------------------------------------------------------------------
# Property test
# ---------------------------------------------------------------------------------------------


@st.composite
def small_tests(draw):
    k = draw(st.integers(min_value=2, max_value=8))
    trials = draw(st.lists(st.integers(0, 300), min_size=k, max_size=k))
    successes = [draw(st.integers(0, n)) for n in trials]
    return make(trials, successes)


@settings(max_examples=50, deadline=None)
@given(data=small_tests(), min_successes=st.integers(0, 5), seed=st.integers(0, 2**32 - 1))
def test_probabilities_are_valid(data, min_successes, seed) -> None:
    r = analyze(data, days=3, min_successes=min_successes, draws=2_000, seed=seed)
    served = [v for v in r.variants if v.trials > 0]
    if len(served) >= 2:  # P(best) is shared among the served arms only (issue 8 item 14)
        assert sum(v.prob_best for v in served) == pytest.approx(1.0, abs=1e-9)
    for v in r.variants:
        if v.trials == 0 or len(served) < 2:
            assert v.prob_best is None and v.expected_loss is None and v.prob_beat_control is None
            continue
        assert 0.0 <= v.prob_best <= 1.0
        assert v.prob_beat_control is None or 0.0 <= v.prob_beat_control <= 1.0
        assert v.expected_loss >= 0.0
        for p in (v.p_value, v.p_adjusted):
            assert p is None or 0.0 <= p <= 1.0
        if v.p_value is not None:
            assert v.p_adjusted >= v.p_value - 1e-12  # Holm never lowers a p-value
    assert r.verdict in ("srm_failed", "insufficient_data", "winner", "no_winner_yet")
    assert (r.winner is not None) == (r.verdict == "winner")
    json.dumps(to_dict(r), allow_nan=False)
