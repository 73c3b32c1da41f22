"""The one number formatter (shopkr.app.numbers) and the views that use it: score text, A/B text, charts, pages.

Expected compact forms are CLDR's as babel ships them (zh_Hans_CN: 万 from 10,000, 亿 from 10^8, 万亿 from
10^12; en_US: K, M, B, T); rounding is half away from zero (四舍五入)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from shopkr.app import ab_report, charts, numbers, score_text
from shopkr.app.numbers import DASH, fmt
from shopkr.domain.engine import CycleReport, KRResult, ObjectiveResult
from shopkr.domain.metrics import CATALOGUE
from shopkr.domain.okr import Cycle

ROOT = Path(__file__).resolve().parent.parent
D = dt.date

# --- fmt: each unit in 简体中文 and English -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "lang", "options", "text"),
    [
        # yuan: whole yuan from 100, fen below; compact 万/亿 in zh, K/M/B in en
        (2_687_129.48, "yuan", "zh", {}, "2,687,129"),
        (2_687_129.48, "yuan", "en", {}, "2,687,129"),
        (12.5, "yuan", "zh", {}, "12.50"),
        (0, "yuan", "zh", {}, "0"),
        (50, "yuan", "zh", {"symbol": True}, "¥50"),  # whole yuan: no fen
        (-2_687_129.48, "yuan", "zh", {}, "-2,687,129"),
        (2_687_129.48, "yuan", "zh", {"compact": True}, "268.7万"),
        (2_687_129.48, "yuan", "en", {"compact": True}, "2.7M"),
        (123_456, "yuan", "zh", {"compact": True}, "12.3万"),
        (12_345_678, "yuan", "zh", {"compact": True}, "1234.6万"),
        (12_345_678, "yuan", "en", {"compact": True}, "12.3M"),
        (5_500_000, "yuan", "zh", {"compact": True, "symbol": True}, "¥550万"),
        (5_500_000, "yuan", "en", {"compact": True, "symbol": True}, "¥5.5M"),
        (-12_345, "yuan", "zh", {"compact": True, "symbol": True}, "-¥1.2万"),
        (-12_345, "yuan", "en", {"compact": True}, "-12.3K"),
        (1234.5, "yuan", "zh", {"symbol": True}, "¥1,235"),
        # 万 and 亿 thresholds, and rounding that reaches the next unit (babel alone writes 10000万)
        (9_999, "yuan", "zh", {"compact": True}, "9,999"),
        (10_000, "yuan", "zh", {"compact": True}, "1万"),
        (99_999_999, "yuan", "zh", {"compact": True}, "1亿"),
        (100_000_000, "yuan", "zh", {"compact": True}, "1亿"),
        (120_000_000, "yuan", "zh", {"compact": True}, "1.2亿"),
        (999, "count", "en", {"compact": True}, "999"),
        (1_000, "count", "en", {"compact": True}, "1K"),
        (999_999, "count", "en", {"compact": True}, "1M"),
        (1_200_000_000, "count", "en", {"compact": True}, "1.2B"),
        # huge amounts
        (1e12, "yuan", "zh", {"compact": True}, "1万亿"),
        (1.5e16, "yuan", "zh", {"compact": True}, "15000万亿"),
        (1.5e16, "yuan", "en", {"compact": True}, "15000T"),
        (1.5e16, "yuan", "zh", {}, "15,000,000,000,000,000"),
        # count and number: whole numbers without decimals
        (1_234, "count", "zh", {}, "1,234"),
        (0, "count", "en", {}, "0"),
        (-41_000, "count", "zh", {"compact": True}, "-4.1万"),
        (1_234.567, "number", "zh", {}, "1,234.57"),
        (0.5, "number", "en", {}, "0.50"),
        (68_081, "number", "zh", {"compact": True}, "6.8万"),
        (12, "count", "zh", {"signed": True}, "+12"),
        # rate: percent with two decimals; tiny rates keep two significant digits; compact does not apply
        (0.0375, "rate", "zh", {}, "3.75%"),
        (0.0375, "rate", "en", {"compact": True}, "3.75%"),
        (0, "rate", "zh", {}, "0.00%"),
        (-0.0375, "rate", "zh", {}, "-3.75%"),
        (0.0000123, "rate", "zh", {}, "0.0012%"),
        (-0.0000123, "rate", "en", {}, "-0.0012%"),
        (1.5, "rate", "zh", {}, "150.00%"),
        (0.3333, "rate", "zh", {"digits": 1}, "33.3%"),
        (0.344, "rate", "en", {"digits": 0}, "34%"),
        # multiple and score: two decimals
        (1.37, "multiple", "zh", {}, "1.37"),
        (0.5, "score", "en", {}, "0.50"),
        (0.04, "score", "zh", {"signed": True}, "+0.04"),
        (-0.04, "score", "zh", {"signed": True}, "-0.04"),
        # change: signed relative change, whole percent from 10%
        (0.3348, "change", "zh", {}, "+33%"),
        (0.041, "change", "en", {}, "+4.1%"),
        (-0.0385, "change", "zh", {}, "-3.9%"),  # half away from zero on 3.85, never -3.8%
        (0, "change", "zh", {}, "+0.0%"),
        (0.041, "change", "zh", {"digits": 1}, "+4.1%"),
        # probability: never a rounded 100% or 0%
        (0.33, "probability", "zh", {}, "33%"),
        (0.996, "probability", "zh", {}, "> 99%"),
        (0.004, "probability", "en", {}, "< 1%"),
        (1.0, "probability", "zh", {}, "100%"),
        (0.0, "probability", "zh", {}, "0%"),
        (0.9996, "probability", "zh", {"digits": 1}, "> 99.9%"),
        # p-values
        (0.0123, "p_value", "zh", {}, "0.012"),
        (4e-15, "p_value", "en", {}, "< 0.001"),
        (0.00005, "p_value", "zh", {"digits": 4}, "< 0.0001"),
        (1.0, "p_value", "zh", {}, "1.000"),
    ],
)
def test_fmt(value: float, unit: str, lang: str, options: dict, text: str) -> None:
    assert fmt(value, unit, lang, **options) == text


@pytest.mark.parametrize("unit", numbers.UNITS)
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("value", [None, math.nan, math.inf, -math.inf, pd.NA])
def test_missing_values_show_the_dash(value: object, unit: str, lang: str) -> None:
    assert fmt(value, unit, lang, compact=True, symbol=True) == DASH == "–"


def test_half_away_from_zero_and_no_negative_zero() -> None:
    assert fmt(0.125, "yuan") == "0.13"  # Python's f"{0.125:.2f}" gives 0.12
    assert fmt(2.675, "yuan") == "2.68"  # the decimal as written, not its binary neighbour 2.67499…
    assert fmt(-0.004, "yuan") == "0.00"
    assert fmt(-0.00004, "rate", digits=2) == "-0.0040%"  # a tiny rate is not rounded to zero
    assert fmt(-0.4, "count", compact=True) == "-0.40"


def test_numpy_and_integer_inputs() -> None:
    import numpy as np

    assert fmt(np.int64(41_000), "count", "zh", compact=True) == "4.1万"
    assert fmt(np.float64(0.0375), "rate") == "3.75%"
    assert fmt(True, "count") == "1"


def test_bad_unit_and_value() -> None:
    with pytest.raises(ValueError, match="unknown unit 'money'"):
        fmt(1, "money")
    with pytest.raises(TypeError):
        fmt("12", "count")
    with pytest.raises(ValueError):
        numbers.plotly_format("euro")
    with pytest.raises(ValueError):
        numbers.column_format("euro")


def test_units_cover_the_catalogue_and_the_engine() -> None:
    assert {m.unit for m in CATALOGUE.values()} | {"score", "number"} <= set(numbers.UNITS)


def test_formatter_scales_percent_columns() -> None:
    assert numbers.formatter("rate", scale=0.01)(2.6667) == "2.67%"
    assert numbers.formatter("change", scale=0.01, digits=1)(-3.85) == "-3.9%"
    assert numbers.formatter("count")(None) == DASH
    assert ab_report.NUMBER_FORMATS["prob_best"](99.96) == "> 99.9%"
    assert ab_report.NUMBER_FORMATS["trials"](41_000) == "41,000"


def test_part_units_follow_the_catalogue() -> None:
    assert numbers.part_units("aov") == ("yuan", "count")
    assert numbers.part_units("refund_rate") == ("yuan", "yuan")
    assert numbers.part_units("conversion_rate") == ("count", "count")
    assert numbers.part_units("gmv") == ("yuan", "yuan")
    assert numbers.part_units(None) == ("number", "number")


# --- charts and tables --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "digits", "d3"),
    [
        ("yuan", None, ",.0f"),
        ("count", None, ",.0f"),
        ("number", None, ",.2~f"),
        ("rate", None, ".2%"),
        ("rate", 1, ".1%"),
        ("multiple", None, ",.2f"),
        ("score", None, ".2f"),
        ("change", None, "+.1%"),
        ("probability", None, ".0%"),
        ("p_value", None, ".3f"),
    ],
)
def test_plotly_format(unit: str, digits: int | None, d3: str) -> None:
    assert numbers.plotly_format(unit, digits=digits) == d3


def test_axis_uses_wan_for_large_amounts_in_zh_and_m_in_en() -> None:
    zh = numbers.axis([31_512.96, 1_200_000, 2_687_129.48], "yuan", "zh")
    assert zh == {
        "tickmode": "array",
        "tickvals": [0.0, 5e5, 1e6, 1.5e6, 2e6, 2.5e6, 3e6],
        "ticktext": ["0", "50万", "100万", "150万", "200万", "250万", "300万"],
    }
    assert numbers.axis([0, 1_250_000], "yuan", "zh")["ticktext"] == ["0", "25万", "50万", "75万", "100万", "125万"]
    assert numbers.axis([2e8, 3e8], "count", "zh")["ticktext"] == ["2亿", "2.2亿", "2.4亿", "2.6亿", "2.8亿", "3亿"]
    assert numbers.axis([2e8, 3e8], "count", "zh", zero=True)["ticktext"][:2] == ["0", "5000万"]
    assert numbers.axis([3e6], "yuan", "zh")["ticktext"][-1] == "300万"  # one value: ticks from 0
    assert numbers.axis([0, 2_687_129.48], "yuan", "en")["ticktext"] == ["0", "500K", "1M", "1.5M", "2M", "2.5M", "3M"]
    assert numbers.axis([-5e6, 2e7], "yuan", "zh")["ticktext"][:2] == ["-500万", "0"]
    # a step under 1万 would mix 5,000 and 1万 on one axis: plain numbers instead
    assert numbers.axis([0, 12_500], "yuan", "zh") == {"tickformat": ",.0f"}
    assert numbers.axis([0, 12_500], "yuan", "en")["ticktext"][-1] == "12.5K"
    assert numbers.axis([0, 0.05], "rate", "zh", digits=1) == {"tickformat": ".1%"}
    assert numbers.axis([None, math.nan], "yuan", "zh") == {"tickformat": ",.0f"}


@pytest.mark.parametrize(
    ("lo", "hi", "ticks"),
    [
        (0, 2_687_129, [0, 5e5, 1e6, 1.5e6, 2e6, 2.5e6, 3e6]),
        (0, 5_500_000, [0, 1e6, 2e6, 3e6, 4e6, 5e6, 6e6]),
        (0, 12_500, [0, 2500, 5000, 7500, 10000, 12500]),
        (-5, 20, [-5, 0, 5, 10, 15, 20]),
        (0.01, 0.05, [0.01, 0.02, 0.03, 0.04, 0.05]),
        (7, 7, [7]),
    ],
)
def test_nice_ticks(lo: float, hi: float, ticks: list[float]) -> None:
    assert numbers.nice_ticks(lo, hi) == pytest.approx(ticks)


def test_column_formats() -> None:
    assert numbers.column_format("yuan") == "%,.2f"
    assert numbers.column_format("count") == "%,.0f"
    assert numbers.column_format("rate") == "percent"
    assert numbers.column_format("multiple") == "%,.2f"


def test_progress_chart_axis_and_hover_follow_the_formatter() -> None:
    dates = pd.date_range("2026-11-01", "2026-11-03").date
    series = pd.DataFrame(
        {"date": dates, "value": [1_000_000.0, 2_687_129.48, None], "target": 5_500_000.0, "pace": [0, 1e6, 2e6]}
    )
    labels = {"value": "累计值", "target": "目标", "pace": "进度线"}
    zh = charts.progress(series, "yuan", labels, lang="zh")
    assert zh.layout.yaxis.ticktext == ("0", "100万", "200万", "300万", "400万", "500万", "600万")
    value = next(t for t in zh.data if t.name == "累计值")
    assert list(value.customdata) == ["1,000,000", "2,687,129"]  # exactly what the page and the CLI write
    assert "%{customdata}" in value.hovertemplate
    en = charts.progress(series, "yuan", labels, lang="en")
    assert en.layout.yaxis.ticktext == ("0", "1M", "2M", "3M", "4M", "5M", "6M")
    rate = charts.progress(series.assign(value=[0.03, 0.0375, None], target=0.04, pace=0.01), "rate", labels)
    assert rate.layout.yaxis.tickformat == ".1%"
    assert list(next(t for t in rate.data if t.name == "累计值").customdata) == ["3.00%", "3.75%"]


def test_shop_attainment_axis_in_wan() -> None:
    shops = pd.DataFrame({"shop": ["暖居旗舰店"], "value": [2_687_129.48], "projected": [4e6], "target": [5.5e6]})
    fig = charts.shop_attainment(shops, {"value": "v", "projected": "p", "target": "t"}, lang="zh")
    assert fig.layout.yaxis.ticktext[-1] == "600万"
    assert list(fig.data[0].customdata) == ["2,687,129"]
    assert (
        charts.shop_attainment(shops, {"value": "v", "projected": "p", "target": "t"}, lang="en").layout.yaxis.ticktext[
            -1
        ]
        == "6M"
    )


# --- score text: the terminal table keeps full numbers, the 日报 says 万 --------------------------------------


def _kr(kr_id: str, title: str, unit: str, value: float, target: float, metric: str) -> KRResult:
    return KRResult(
        id=kr_id,
        title=title,
        objective_id="O1",
        kind="sum" if unit == "yuan" else "ratio",
        metric=metric,
        definition="",
        filters={"shop": "暖居旗舰店"},
        level=None,
        unit=unit,
        value=value,
        numerator=None,
        denominator=None,
        start=0.0,
        target=target,
        weight=1.0,
        deadline=D(2026, 12, 31),
        progress=0.5,
        score=0.5,
        projected_value=None,
        projected_score=0.8,
        status="on_track",
        advice=None,
        data_through=D(2026, 11, 26),
        covered_days=57,
        previous_score=0.46,
    )


@pytest.fixture
def report() -> CycleReport:
    krs = (
        _kr("O1.KR1", "天猫店Q4支付金额", "yuan", 2_687_129.48, 5_500_000, "gmv"),
        _kr("O1.KR2", "支付转化率", "rate", 0.0375, 0.04, "conversion_rate"),
    )
    objective = ObjectiveResult(
        "O1", "让更多顾客爱上暖居", "李娜", "company", None, "top-down", "aspirational", 0.5, 0.8, "on_track", krs
    )
    cycle = Cycle(id="2026-Q4", start=D(2026, 10, 1), end=D(2026, 12, 31))
    return CycleReport(cycle, D(2026, 11, 27), (objective,), freshness={"暖居旗舰店": D(2026, 11, 26)})


def test_daily_report_says_wan_in_zh_and_m_in_en(report: CycleReport) -> None:
    zh = score_text.daily_report(report, "李娜", "zh")
    assert "268.7万" in zh and "550万" in zh and "3.75%" in zh and "+0.04" in zh
    en = score_text.daily_report(report, "李娜", "en")
    assert "2.7M" in en and "5.5M" in en and "3.75%" in en


def test_score_table_keeps_full_amounts(report: CycleReport) -> None:
    table = score_text.score_table(report)
    assert "2,687,129" in table and "5,500,000" in table and "3.75%" in table and "万" not in table


def test_ab_counts_use_the_formatter() -> None:
    assert ab_report.fmt_count(68_081, "zh") == fmt(68_081, "count", "zh", compact=True) == "6.8万"
    assert ab_report.fmt_count(68_081, "en") == "68.1K"
    assert ab_report.fmt_lift(-0.0385, signed=False) == "3.9%"
    assert ab_report.fmt_srm_p(0.0779) == "= 0.0779"


# --- pages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "value", "target", "tick"), [("zh", "¥268.7万", "¥550万", "万"), ("en", "¥2.7M", "¥5.5M", "M")]
)
def test_kr_detail_shows_compact_amounts(db: Path, lang: str, value: str, target: str, tick: str) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update({"cycle": "2026-Q4", "kr": "O1.KR1", "lang": lang})
    at.switch_page("pages/kr_detail.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = {m.label: m.value for m in at.metric}
    label = {"zh": ("当前值", "目标"), "en": ("Value", "Target")}[lang]
    assert shown[label[0]] == value  # demo O1.KR1: 2,687,129.48 yuan of 5,500,000 on 2026-11-27
    assert shown[label[1]] == target
    axes = [json.loads(e.proto.spec)["layout"]["yaxis"] for e in at.get("plotly_chart")]
    assert any(tick in text for a in axes for text in a.get("ticktext", [])), axes
