"""Issue 8 item 14: an arm that was never served (zero impressions) has no Bayesian numbers, stays out of the
Monte Carlo and still counts in the SRM check; every consumer (tables, verdict, forest rows, JSON, CLI, page)
copes with the nulls. Expected numbers are computed independently with scipy (numerical integration over the
Beta posteriors, chi-square)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import beta as beta_dist
from scipy.stats import chisquare
from streamlit.testing.v1 import AppTest

from shopkr.app import ab_report, charts
from shopkr.app.cli import main
from shopkr.data import store
from shopkr.domain import ab_stats
from shopkr.domain.ab_stats import VariantData, analyze

ROOT = Path(__file__).resolve().parents[1]
FAST = 50_000


def exact_two_arm(a: VariantData, b: VariantData) -> tuple[float, float, float]:
    """For two Beta(1+s, 1+n-s) posteriors: P(B > A), E[max(A,B)] - E[A], E[max(A,B)] - E[B] (scipy quad)."""
    da = beta_dist(1 + a.successes, 1 + a.trials - a.successes)
    db = beta_dist(1 + b.successes, 1 + b.trials - b.successes)
    lo = min(da.ppf(1e-12), db.ppf(1e-12))
    hi = max(da.isf(1e-12), db.isf(1e-12))
    p_b = integrate.quad(lambda x: db.pdf(x) * da.cdf(x), lo, hi, limit=500)[0]
    e_max = lo + integrate.quad(lambda x: 1 - da.cdf(x) * db.cdf(x), lo, hi, limit=500, epsabs=1e-12)[0]
    return p_b, e_max - da.mean(), e_max - db.mean()


A = VariantData("A", "对照", 10_000, 300)
B = VariantData("B", "新图", 10_000, 380)
EMPTY = VariantData("C", "没投的图", 0, 0)


def test_unserved_arm_has_null_bayesian_numbers_and_is_left_out_of_the_monte_carlo() -> None:
    r = analyze([A, B, EMPTY], draws=FAST)
    c = r.variants[2]
    # today: P(beat control) 97% and P(best) 97% from a flat prior against 3%
    assert (c.prob_beat_control, c.prob_best, c.expected_loss) == (None, None, None)
    assert (c.rate, c.ci_low, c.ci_high, c.lift, c.p_value) == (None,) * 5
    p_b, loss_a, loss_b = exact_two_arm(A, B)
    assert 0.998 < p_b < 0.9999  # the served winner's P(best) is ~0.999, not ~0.03
    served_a, served_b = r.variants[0], r.variants[1]
    assert served_b.prob_best == pytest.approx(p_b, abs=0.002)
    assert served_b.prob_beat_control == pytest.approx(p_b, abs=0.002)
    assert served_a.prob_best == pytest.approx(1 - p_b, abs=0.002)
    assert served_a.prob_best + served_b.prob_best == pytest.approx(1.0, abs=1e-12)
    assert served_a.expected_loss == pytest.approx(loss_a, abs=2e-5)
    assert served_b.expected_loss == pytest.approx(loss_b, abs=2e-5)
    # the empty arm changes nothing for the served ones: same numbers as a two-arm test with the same seed
    two = analyze([A, B], draws=FAST)
    assert [(v.prob_best, v.expected_loss) for v in two.variants] == [
        (v.prob_best, v.expected_loss) for v in r.variants[:2]
    ]


def test_unserved_arm_still_counts_in_the_srm_check() -> None:
    r = analyze([A, B, EMPTY], draws=FAST)
    assert r.srm_p_value == pytest.approx(chisquare([10_000, 10_000, 0]).pvalue)
    assert r.verdict == "srm_failed" and r.winner is None
    # with srm_counts (the cvr path) the zero count is in the check too
    cvr = analyze([A, B, EMPTY], metric="cvr", srm_counts=[50_000, 50_000, 0], draws=FAST)
    assert cvr.srm_p_value == pytest.approx(chisquare([50_000, 50_000, 0]).pvalue)
    assert cvr.variants[2].prob_best is None


def test_unserved_control_leaves_nothing_to_compare_with() -> None:
    """A control that was never shown: P(beat control), lift and p are null for every arm; P(best) and expected
    loss are still shared among the served challengers (they compare with each other, not with the control)."""
    control = VariantData("C0", "对照", 0, 0)
    b = VariantData("B", "图B", 200, 9)
    c = VariantData("C", "图C", 200, 4)
    r = analyze([control, b, c], days=3, draws=FAST)
    assert all(v.prob_beat_control is None for v in r.variants)
    assert all(v.lift is None and v.p_value is None and v.p_adjusted is None for v in r.variants)
    assert r.variants[0].prob_best is None and r.variants[0].expected_loss is None
    p_c, loss_b, loss_c = exact_two_arm(b, c)
    assert r.variants[2].prob_best == pytest.approx(p_c, abs=0.005)
    assert r.variants[1].prob_best == pytest.approx(1 - p_c, abs=0.005)
    losses = (r.variants[1].expected_loss, r.variants[2].expected_loss)
    assert losses == pytest.approx((loss_b, loss_c), abs=3e-4)  # Monte Carlo error ~7e-5 at 50k draws
    # the empty control counts in the split check: an equal split with nothing shown to it is broken
    assert r.srm_p_value == pytest.approx(chisquare([0, 200, 200]).pvalue)
    assert r.verdict == "srm_failed" and r.winner is None
    # where the split cannot be judged (cvr without srm_counts) it is insufficient data
    cvr = analyze([control, b, c], metric="cvr", days=3, draws=FAST)
    assert cvr.verdict == "insufficient_data" and "zero_trials" in cvr.notes
    assert all(v.prob_beat_control is None for v in cvr.variants)
    json.dumps(ab_stats.to_dict(r), allow_nan=False)


def test_one_served_arm_has_no_best_of() -> None:
    r = analyze([VariantData("A", "a", 100, 5), VariantData("B", "b", 0, 0), VariantData("C", "c", 0, 0)], draws=FAST)
    assert all((v.prob_beat_control, v.prob_best, v.expected_loss) == (None, None, None) for v in r.variants)


def test_json_carries_nulls() -> None:
    d = ab_stats.to_dict(analyze([A, B, EMPTY], draws=FAST))
    text = json.dumps(d, allow_nan=False)
    c = json.loads(text)["variants"][2]
    assert (c["prob_beat_control"], c["prob_best"], c["expected_loss"]) == (None, None, None)


# --- consumers on imported data --------------------------------------------------------------------------


@pytest.fixture
def unserved(db: Path) -> tuple[Path, str, list[str]]:
    """The demo copy with a test T9: two of T1's creatives and one creative id that was never served."""
    with store.connect(db) as con:
        okrs = store.read_okrs(con)
        t1 = ab_report.find_test(okrs, "T1")
        t9 = t1.model_copy(
            update={"id": "T9", "title": "没投的图", "variants": [*t1.variants[:2], "999000111"], "control": None}
        )
        store.save_okrs(con, okrs.model_copy(update={"ab_tests": [*okrs.ab_tests, t9]}), user="test")
    return db, "T9", t9.variants


def test_report_tables_verdict_and_forest_cope_with_nulls(unserved: tuple[Path, str, list[str]]) -> None:
    db, test_id, variants = unserved
    with store.connect(db) as con:
        report = ab_report.run_test(con, ab_report.find_test(store.read_okrs(con), test_id))
    r = report.result
    assert r is not None and report.missing == ("999000111",)
    empty = r.variants[2]
    assert (empty.trials, empty.prob_best, empty.prob_beat_control, empty.expected_loss) == (0, None, None, None)
    served = r.variants[:2]
    assert sum(v.prob_best for v in served) == pytest.approx(1.0, abs=1e-12)
    table = ab_report.numbers(report).set_index("creative_id")
    assert all(math.isnan(table.at["999000111", c]) for c in ("prob_beat_control", "prob_best", "expected_loss"))
    assert table.loc[variants[:2], "prob_best"].sum() == pytest.approx(100.0)
    text = ab_report.table_text(report, "zh")
    assert "999000111" in text and "nan" not in text.lower() and "None" not in text
    for lang in ("zh", "en"):
        v = ab_report.verdict(report, lang)
        assert v.tone == "warning" and "999000111" in v.headline
    rows = ab_report.forest_rows(report)
    rate = rows.set_index("id").at["999000111", "rate"]
    assert rate is None or math.isnan(rate)
    colours = charts.variant_colours(variants, variants[0])
    fig = charts.forest(rows, colours, {"rate": "点击率", "control": "对照"})
    assert len(fig.data[0].x) == 2  # the unserved arm has no point
    doc = ab_report.to_json(report)
    json.dumps(doc, allow_nan=False)
    assert doc["variants"][2]["prob_best"] is None and doc["variants"][2]["expected_loss"] is None


def test_cli_prints_nulls_and_dashes(unserved: tuple[Path, str, list[str]], capsys: pytest.CaptureFixture) -> None:
    db, test_id, _ = unserved
    assert main(["abtest", test_id, "--db", str(db), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    empty = doc["variants"][2]
    assert (empty["impressions"], empty["prob_beat_control"], empty["prob_best"], empty["expected_loss"]) == (
        0,
        None,
        None,
        None,
    )
    assert main(["abtest", test_id, "--db", str(db)]) == 0
    table = capsys.readouterr().out
    row = next(x for x in table.splitlines() if x.lstrip().startswith("999000111"))
    assert "nan" not in table.lower() and "None" not in table
    assert row.split()[1:3] == ["0", "0"] and row.count("–") >= 3  # impressions, clicks; no rate, P(best)


def test_page_shows_the_unserved_arm_without_numbers(unserved: tuple[Path, str, list[str]]) -> None:
    _, test_id, _ = unserved
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["test"] = test_id
    at.run()
    at.switch_page("pages/abtest.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox[0].value == test_id
    assert any("999000111" in w.value for w in at.warning)
    table = at.dataframe[0].value
    row = table[table["素材ID"] == "999000111"].iloc[0]
    assert all(np.isnan(row[c]) for c in ("胜过对照", "最好概率", "预期损失（百分点）"))
    assert table["最好概率"].sum() == pytest.approx(100.0)
