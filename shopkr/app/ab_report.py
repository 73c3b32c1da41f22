"""Main-image A/B tests on imported data: definitions (okr.ABTestDef) + creative queries + abtest.analyze.

`run_test` reads the window totals and daily rows of the test's creatives and analyses them; the plain-language
verdict (`verdict`, `message`), the terminal table, the JSON and the page's tables are built from its
`TestReport`. Thumbnails (optional images per variant) are files under `<db folder>/thumbnails/<test>/`.
Expected data problems (creatives without data, orders above clicks) are results with a message, never
exceptions.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from shopkr.app.i18n import Lang, t
from shopkr.app.numbers import fmt, formatter
from shopkr.app.score_text import _pad  # terminal alignment that counts CJK characters as two columns
from shopkr.data import queries, store
from shopkr.domain import ab_stats, roles
from shopkr.domain.okr import ABTestDef, OKRFile, Problem, validate
from shopkr.domain.roles import Identity

Tone = Literal["success", "info", "warning", "error"]

MIN_SUCCESSES = 100  # per variant before any verdict (GrowthBook uses 150 conversions)
SLOW_TEST_DAYS = 28  # beyond this, suggest testing fewer images
THUMBNAIL_TYPES = ("png", "jpg", "jpeg", "webp", "gif")
THUMBNAIL_MAX_PX = 480
# Upload limits: a main image is at most a few thousand pixels a side. A tiny file can declare a huge image (a
# decompression bomb: 20000 x 20000 pixels in 50 KB decodes to 400 MB+), so the size is read from the header and
# checked before anything is decoded.
THUMBNAIL_MAX_BYTES = 20 * 1024 * 1024  # 20 MB
THUMBNAIL_MAX_PIXELS = 36_000_000  # e.g. 6000 x 6000


@dataclass(frozen=True)
class TestReport:
    """Everything the page, the CLI and the JSON show about one test.

    `daily` has one row per date with data and variant: date, creative_id, name, impressions, clicks,
    orders, trials, successes, rate (successes/trials that day), share (the variant's share of that day's
    impressions) and intended (its intended share). `coverage` has per variant: creative_id, name, days,
    first_date, last_date. `result` is None only when the data cannot be analysed (`error` says why).
    """

    __test__ = False  # not a pytest test class despite the name

    test: ABTestDef
    result: ab_stats.TestResult | None
    names: dict[str, str]
    impressions: dict[str, int]
    clicks: dict[str, int]
    orders: dict[str, int | None]
    days: int
    first_date: dt.date | None
    last_date: dt.date | None
    daily: pd.DataFrame
    coverage: pd.DataFrame
    missing: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    error: str | None = None
    error_args: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """abtest's verdict, or "error" when the data could not be analysed."""
        return self.result.verdict if self.result else "error"


@dataclass(frozen=True)
class VerdictText:
    """The verdict in words: a headline, its tone (success/info/warning/error) and detail lines."""

    tone: Tone
    headline: str
    details: tuple[str, ...]


# --- running a test -------------------------------------------------------------------------------------


def _int(value: object) -> int:
    """A summed count from DuckDB/pandas as int (NULL/NaN -> 0)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    return int(value)


def _intended_shares(test: ABTestDef) -> dict[str, float]:
    weights = test.weights or [1.0] * len(test.variants)
    total = sum(weights)
    return {v: w / total for v, w in zip(test.variants, weights, strict=True)}


def run_test(con: duckdb.DuckDBPyConnection, test: ABTestDef) -> TestReport:
    """Read the test's creatives in its window and analyse them (ctr: clicks/impressions, cvr: orders/clicks)."""
    sums = queries.creative_sums(con, test.shop, test.variants, test.start, test.end).set_index("creative_id")
    raw_daily = queries.creative_daily_series(con, test.shop, test.variants, test.start, test.end)
    names = {v: test.names.get(v) or _name(sums, v) for v in test.variants}
    impressions = {v: _int(sums.at[v, "impressions"]) if v in sums.index else 0 for v in test.variants}
    clicks = {v: _int(sums.at[v, "clicks"]) if v in sums.index else 0 for v in test.variants}
    orders: dict[str, int | None] = {
        v: None if v not in sums.index or pd.isna(sums.at[v, "orders"]) else int(sums.at[v, "orders"])
        for v in test.variants
    }
    missing = tuple(v for v in test.variants if impressions[v] == 0)
    with_data = raw_daily[raw_daily["impressions"].fillna(0) > 0]
    days = int(with_data["date"].nunique())
    first = with_data["date"].min() if days else None
    last = with_data["date"].max() if days else None
    per_variant_days = with_data.groupby("creative_id")["date"].nunique()
    partial = tuple(v for v in test.variants if v not in missing and int(per_variant_days.get(v, 0)) < days)
    coverage = pd.DataFrame(
        {
            "creative_id": test.variants,
            "name": [names[v] for v in test.variants],
            "days": [int(per_variant_days.get(v, 0)) for v in test.variants],
            "first_date": [sums.at[v, "first_date"] if v in sums.index else None for v in test.variants],
            "last_date": [sums.at[v, "last_date"] if v in sums.index else None for v in test.variants],
        }
    )
    daily = _daily_frame(test, raw_daily, names)
    common = {
        "test": test,
        "names": names,
        "impressions": impressions,
        "clicks": clicks,
        "orders": orders,
        "days": days,
        "first_date": _date(first),
        "last_date": _date(last),
        "daily": daily,
        "coverage": coverage,
        "missing": missing,
        "partial": partial,
    }
    if test.metric == "cvr":
        unknown = [v for v in test.variants if v not in missing and orders[v] is None]
        if unknown:
            return TestReport(
                result=None, error="ab.err_no_orders", error_args={"names": _names(names, unknown)}, **common
            )
        over = [v for v in test.variants if (orders[v] or 0) > clicks[v]]
        if over:
            return TestReport(
                result=None, error="ab.err_orders_over_clicks", error_args={"names": _names(names, over)}, **common
            )
        data = [ab_stats.VariantData(v, names[v], clicks[v], orders[v] or 0) for v in test.variants]
        srm_counts: list[int] | None = [impressions[v] for v in test.variants]
    else:
        over = [v for v in test.variants if clicks[v] > impressions[v]]
        if over:
            return TestReport(
                result=None, error="ab.err_clicks_over_impressions", error_args={"names": _names(names, over)}, **common
            )
        data = [ab_stats.VariantData(v, names[v], impressions[v], clicks[v]) for v in test.variants]
        srm_counts = None
    result = ab_stats.analyze(
        data,
        control=test.control_id,
        weights=test.weights,
        metric=test.metric,
        days=days or None,
        min_successes=MIN_SUCCESSES,
        srm_counts=srm_counts,
    )
    return TestReport(result=result, **common)


def _name(sums: pd.DataFrame, creative_id: str) -> str:
    """The creative's imported name, else its id."""
    if creative_id in sums.index and pd.notna(sums.at[creative_id, "name"]) and sums.at[creative_id, "name"]:
        return str(sums.at[creative_id, "name"])
    return creative_id


def _date(value: object) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _names(names: dict[str, str], ids: list[str] | tuple[str, ...], quote: Callable[[str], str] = str) -> str:
    return "、".join(f"{quote(names[v])}（{quote(v)}）" if names[v] != v else quote(v) for v in ids)


def _daily_frame(test: ABTestDef, raw: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    df = raw.copy()
    for col in ("impressions", "clicks", "orders"):
        df[col] = df[col].fillna(0).astype("int64")
    trials, successes = ("clicks", "orders") if test.metric == "cvr" else ("impressions", "clicks")
    df["trials"], df["successes"] = df[trials], df[successes]
    df["rate"] = (df["successes"] / df["trials"].where(df["trials"] > 0)).astype("float64")
    day_total = df.groupby("date")["impressions"].transform("sum")
    df["share"] = (df["impressions"] / day_total.where(day_total > 0)).astype("float64")
    df["intended"] = df["creative_id"].map(_intended_shares(test))
    df["name"] = df["creative_id"].map(names)
    columns = [
        "date",
        "creative_id",
        "name",
        "impressions",
        "clicks",
        "orders",
        "trials",
        "successes",
        "rate",
        "share",
        "intended",
    ]
    return df[columns].reset_index(drop=True)


def run_test_in_db(test: ABTestDef, db: str | Path | None = None) -> TestReport:
    """`run_test` on a short-lived connection (waits while another process writes)."""
    with store.connect(db, wait=60.0) as con:
        return run_test(con, test)


def find_test(okrs: OKRFile, test_id: str) -> ABTestDef | None:
    """The test with this id, or None."""
    return next((x for x in okrs.ab_tests if x.id == test_id), None)


# --- plain-language verdict -----------------------------------------------------------------------------


def fmt_lift(x: float | None, signed: bool = True) -> str:
    """A relative change (`numbers.fmt` unit "change"): +33%, -4.1% (one decimal under 10%); signed=False gives
    the size without a sign (33%), for sentences that say "higher"."""
    if x is None or signed:
        return fmt(x, "change")
    return fmt(abs(x), "change").removeprefix("+")


def fmt_p(p: float | None) -> str:
    """A p-value in a sentence, with its relation sign: "< 0.001", else "= 0.012" (`numbers.fmt` p_value)."""
    text = fmt(p, "p_value", digits=3)
    return text if p is None or text.startswith("<") else "= " + text


def fmt_srm_p(p: float | None) -> str:
    """The SRM p-value with its relation sign, precise near the 0.001 threshold: "= 0.0779", "< 0.0001"."""
    text = fmt(p, "p_value", digits=4)
    return text if p is None or text.startswith("<") else "= " + text


def fmt_count(n: float, lang: Lang) -> str:
    """A traffic count as people say it (`numbers.fmt` count, compact): 41,000 -> 4.1万 (zh) / 41K (en)."""
    return fmt(n, "count", lang, compact=True)


def verdict(report: TestReport, lang: Lang = "zh", quote: Callable[[str], str] = str) -> VerdictText:
    """The verdict panel: a headline in plain words for the operator, with the reasons as detail lines.

    Order: data errors, creatives without data (their zero impressions would also break the split),
    SRM, winner, not enough data, no winner yet. `quote` is applied to every user value in the text (creative
    names and ids): the page passes shopkr.app.escape.md, so a name cannot add Markdown to the panel."""
    r, test = report.result, report.test
    names = {v: quote(name) for v, name in report.names.items()}  # shown names; report.names stays raw
    metric = t(f"ab.metric_{test.metric}", lang)
    details: list[str] = []
    if report.partial:
        details.append(t("ab.partial", lang, names=_names(report.names, report.partial, quote), days=report.days))
    if r is None:
        args = {k: quote(v) if isinstance(v, str) else v for k, v in report.error_args.items()}
        return VerdictText("error", t(report.error or "ab.err_unknown", lang, **args), tuple(details))
    if report.missing:
        shown = _names(report.names, report.missing, quote)
        headline = t("ab.missing", lang, names=shown, start=test.start, end=test.end)
        return VerdictText("warning", headline, tuple(details))
    control = next(v for v in r.variants if v.id == r.control)
    if r.verdict == "srm_failed":
        headline = t("ab.srm_failed", lang, p=fmt_srm_p(r.srm_p_value))
        return VerdictText("error", headline, (*details, *_share_lines(report, lang, quote)))
    if r.verdict == "winner":
        w = next(v for v in r.variants if v.id == r.winner)
        headline = t(
            "ab.winner",
            lang,
            name=names[w.id],
            metric=metric,
            rate=fmt(w.rate, "rate"),
            lift=fmt_lift(w.lift, signed=False),
            p=fmt_p(w.p_adjusted),
        )
        details.append(
            t(
                "ab.winner_detail",
                lang,
                low=fmt_lift(w.lift_ci_low),
                high=fmt_lift(w.lift_ci_high),
                beat=fmt(w.prob_beat_control, "probability"),
                best=fmt(w.prob_best, "probability"),
                control=names[control.id],
                control_rate=fmt(control.rate, "rate"),
            )
        )
        if "suspicious_uplift" in r.notes:
            details.append(t("ab.suspicious", lang))
        return VerdictText("success", headline, tuple(details))
    if r.verdict == "insufficient_data":
        fewest = min(r.variants, key=lambda v: v.successes)
        headline = t(
            "ab.insufficient",
            lang,
            min=MIN_SUCCESSES,
            what=t(f"ab.success_{test.metric}", lang),
            name=names[fewest.id],
            have=fewest.successes,
        )
        return VerdictText("warning", headline, (*_plan_lines(report, lang, wait=True), *details))
    # no_winner_yet
    if "control_best" in r.notes:
        headline, tone = t("ab.control_best", lang, name=names[control.id]), "success"
    elif "sample_size_reached" in r.notes:
        headline, tone = t("ab.no_difference", lang), "info"
    else:
        headline, tone = _wait_text(report, lang), "info"
    challengers = [v for v in r.variants if v.id != r.control and v.rate is not None]
    if challengers and "control_best" not in r.notes:
        lead = max(challengers, key=lambda v: v.rate or 0.0)
        details.insert(
            0,
            t(
                "ab.leader",
                lang,
                name=names[lead.id],
                metric=metric,
                rate=fmt(lead.rate, "rate"),
                lift=fmt_lift(lead.lift),
                p=fmt_p(lead.p_adjusted),
                best=fmt(lead.prob_best, "probability"),
            ),
        )
    details[1:1] = _plan_lines(report, lang, wait=False)
    if r.days_needed is not None and r.days_needed > SLOW_TEST_DAYS:
        details.append(t("ab.fewer_images", lang))
    return VerdictText(tone, headline, tuple(details))  # type: ignore[arg-type]


def _remaining(report: TestReport) -> int | None:
    r = report.result
    if r is None or r.required_trials_per_variant is None:
        return None
    return max(0, r.required_trials_per_variant - min(v.trials for v in r.variants))


def _wait_text(report: TestReport, lang: Lang) -> str:
    """Headline of a test that has to keep running: how much more traffic, how many days."""
    r, more = report.result, _remaining(report)
    unit = t(f"ab.unit_{report.test.metric}", lang)
    if r is None or more is None:
        return t("ab.wait_unknown", lang)
    if r.days_needed is None:
        return t("ab.wait_no_traffic", lang, more=fmt_count(more, lang), unit=unit)
    return t("ab.wait", lang, more=fmt_count(more, lang), unit=unit, days=r.days_needed)


def _plan_lines(report: TestReport, lang: Lang, wait: bool) -> list[str]:
    """How the traffic still needed was planned (and, for insufficient data, how long that takes)."""
    r, more = report.result, _remaining(report)
    if r is None or more is None or r.required_trials_per_variant is None:
        return []
    unit = t(f"ab.unit_{report.test.metric}", lang)
    have = min(v.trials for v in r.variants)
    lines = [
        t(
            "ab.plan",
            lang,
            k=len(r.variants) - 1,
            need=fmt_count(r.required_trials_per_variant, lang),
            unit=unit,
            have=fmt_count(have, lang),
        )
    ]
    if wait and more > 0 and r.days_needed is not None:
        lines.append(t("ab.plan_wait", lang, more=fmt_count(more, lang), unit=unit, days=r.days_needed))
    return lines


def _share_lines(report: TestReport, lang: Lang, quote: Callable[[str], str] = str) -> list[str]:
    total = sum(report.impressions.values())
    if not total:
        return []
    intended = _intended_shares(report.test)
    parts = [
        t(
            "ab.share_item",
            lang,
            name=quote(report.names[v]),
            share=fmt(report.impressions[v] / total, "rate", digits=1),
            intended=fmt(intended[v], "rate", digits=1),
        )
        for v in report.test.variants
    ]
    return [t("ab.shares", lang, items="；".join(parts) if lang == "zh" else "; ".join(parts))]


def message(report: TestReport, lang: Lang = "zh") -> str:
    """The verdict as one line (the headline)."""
    return verdict(report, lang).headline


# --- tables and JSON ------------------------------------------------------------------------------------

_PERCENT_FIELDS = ("rate", "ci_low", "ci_high", "lift", "lift_ci_low", "lift_ci_high", "prob_beat_control", "prob_best")


def number_headers(metric: str) -> dict[str, str]:
    """Column of `numbers` -> its i18n key (the trial and success columns depend on the metric)."""
    return {
        "thumb": "ab.col_thumb",
        "role": "ab.col_role",
        "name": "ab.col_name",
        "trials": f"ab.col_trials_{metric}",
        "successes": f"ab.col_successes_{metric}",
        "rate": f"ab.metric_{metric}",
        "ci_low": "ab.col_ci_low",
        "ci_high": "ab.col_ci_high",
        "lift": "ab.col_lift",
        "lift_ci_low": "ab.col_lift_ci_low",
        "lift_ci_high": "ab.col_lift_ci_high",
        "p_value": "ab.col_p",
        "p_adjusted": "ab.col_p_adjusted",
        "prob_beat_control": "ab.col_beat",
        "prob_best": "ab.col_best",
        "expected_loss": "ab.col_loss",
        "creative_id": "ab.col_id",
    }


# Display of the `numbers` columns on the page (pandas Styler formatters from `shopkr.app.numbers`; the
# percentage columns are already in percent, hence scale 0.01; expected loss is in percentage points).
NUMBER_FORMATS: dict[str, Callable[[object], str]] = {
    "trials": formatter("count"),
    "successes": formatter("count"),
    "rate": formatter("rate", scale=0.01),
    "ci_low": formatter("rate", scale=0.01),
    "ci_high": formatter("rate", scale=0.01),
    "lift": formatter("change", scale=0.01, digits=1),
    "lift_ci_low": formatter("change", scale=0.01, digits=1),
    "lift_ci_high": formatter("change", scale=0.01, digits=1),
    "prob_beat_control": formatter("probability", scale=0.01, digits=1),
    "prob_best": formatter("probability", scale=0.01, digits=1),
    "expected_loss": formatter("number", digits=3),
}


def numbers(report: TestReport, lang: Lang | None = None, thumbs: dict[str, str | None] | None = None) -> pd.DataFrame:
    """One row per variant with every number: percentages in percent (2.67 = 2.67%), expected loss in
    percentage points, p-values as text ("< 0.001", "0.012"; empty for the control).

    Columns (see `number_headers`): thumb (only when `thumbs` is given), role, name, trials, successes, rate,
    ci_low, ci_high, lift, lift_ci_low, lift_ci_high, p_value, p_adjusted, prob_beat_control, prob_best,
    expected_loss, creative_id. With `lang`, headers and roles are translated."""
    r = report.result
    headers = number_headers(report.test.metric)
    if thumbs is None:
        headers.pop("thumb")
    rows = []
    for v in r.variants if r else ():
        role = "control" if v.id == r.control else "winner" if v.id == r.winner else ""
        rows.append(
            {
                "thumb": (thumbs or {}).get(v.id),
                "role": t(f"ab.role_{role}", lang) if lang and role else role,
                "name": v.name,
                "creative_id": v.id,
                "trials": v.trials,
                "successes": v.successes,
                **{k: _percent(getattr(v, k)) for k in _PERCENT_FIELDS},
                "p_value": fmt_p(v.p_value).removeprefix("= ") if v.p_value is not None else "–",
                "p_adjusted": fmt_p(v.p_adjusted).removeprefix("= ") if v.p_adjusted is not None else "–",
                "expected_loss": _percent(v.expected_loss),
            }
        )
    df = pd.DataFrame(rows, columns=list(number_headers(report.test.metric)))[list(headers)]
    # None -> NaN so the numbers stay numeric (an empty cell, not the text "None", for the control's lift).
    df[[*_PERCENT_FIELDS, "expected_loss"]] = df[[*_PERCENT_FIELDS, "expected_loss"]].astype("float64")
    return df.rename(columns={c: t(k, lang) for c, k in headers.items()}) if lang else df


def forest_rows(report: TestReport) -> pd.DataFrame:
    """Rows for charts.forest: id, label, rate, ci_low, ci_high (proportions), role."""
    r = report.result
    rows = [
        {
            "id": v.id,
            "label": v.name,
            "rate": v.rate,
            "ci_low": v.ci_low,
            "ci_high": v.ci_high,
            "role": "control" if v.id == r.control else "winner" if v.id == r.winner else "",
        }
        for v in (r.variants if r else ())
    ]
    return pd.DataFrame(rows, columns=["id", "label", "rate", "ci_low", "ci_high", "role"])


def _percent(x: float | None) -> float | None:
    return None if x is None else x * 100


def to_json(report: TestReport, lang: Lang = "zh") -> dict[str, Any]:
    """The CLI's JSON: test, metric, start, end, control, variants, srm_p_value, winner, verdict, message,
    required_impressions_per_variant, days_needed, notes. For cvr, impressions/clicks are the real counts
    and each variant also has orders (the rate is orders/clicks)."""
    test, r = report.test, report.result
    base: dict[str, Any] = {
        "test": test.id,
        "metric": test.metric,
        "start": test.start.isoformat(),
        "end": test.end.isoformat(),
        "control": test.control_id,
    }
    if r is None:
        variants = [
            {"id": v, "name": report.names[v], "impressions": report.impressions[v], "clicks": report.clicks[v]}
            for v in test.variants
        ]
        return {
            **base,
            "variants": variants,
            "srm_p_value": None,
            "winner": None,
            "verdict": "error",
            "message": message(report, lang),
            "required_impressions_per_variant": None,
            "days_needed": None,
            "notes": [],
        }
    d = ab_stats.to_dict(r)
    if test.metric == "cvr":
        for v in d["variants"]:
            v["impressions"], v["clicks"] = report.impressions[v["id"]], report.clicks[v["id"]]
            v["orders"] = report.orders[v["id"]]
    return {
        **base,
        "variants": d["variants"],
        "srm_p_value": d["srm_p_value"],
        "winner": d["winner"],
        "verdict": d["verdict"],
        "message": message(report, lang),
        "required_impressions_per_variant": d["required_impressions_per_variant"],
        "days_needed": d["days_needed"],
        "notes": d["notes"],
    }


def table_text(report: TestReport, lang: Lang = "zh") -> str:
    """The test as a terminal table with the verdict (CJK-aware alignment)."""
    test, r = report.test, report.result
    metric = t(f"ab.metric_{test.metric}", lang)
    lines = [
        f"{test.id} {test.title} · {test.shop} · {test.start}..{test.end} · {metric}",
        t("ab.data_days", lang, days=report.days, first=report.first_date or "–", last=report.last_date or "–"),
        "",
    ]
    heads = [
        ("", 2),
        (t("ab.col_name", lang), 16),
        (t(f"ab.col_trials_{test.metric}", lang), 11),
        (t(f"ab.col_successes_{test.metric}", lang), 8),
        (metric, 7),
        (t("ab.col_ci", lang), 15),
        (t("ab.col_lift", lang), 7),
        (t("ab.col_p_adjusted", lang), 10),
        (t("ab.col_beat", lang), 15),
        (t("ab.col_best", lang), 8),
    ]
    lines.append(" ".join(_pad(h, w) for h, w in heads).rstrip())
    if r is not None:
        for v in r.variants:
            mark = "◎" if v.id == r.control else "★" if v.id == r.winner else ""
            cells = [
                mark,
                v.name,
                fmt(v.trials, "count"),
                fmt(v.successes, "count"),
                fmt(v.rate, "rate"),
                f"{fmt(v.ci_low, 'rate')}-{fmt(v.ci_high, 'rate')}",
                fmt_lift(v.lift) if v.lift is not None else "",
                fmt_p(v.p_adjusted).removeprefix("= ") if v.p_adjusted is not None else "–",
                fmt(v.prob_beat_control, "probability") if v.prob_beat_control is not None else "",
                fmt(v.prob_best, "probability"),
            ]
            lines.append(" ".join(_pad(c, w) for c, (_, w) in zip(cells, heads, strict=True)).rstrip())
        lines.append("")
        lines.append(t("ab.legend", lang, srm=fmt_srm_p(r.srm_p_value)))
    text = verdict(report, lang)
    lines.append(f"{t('ab.verdict_label', lang)}: {text.headline}")
    lines.extend(f"  · {d}" for d in text.details)
    return "\n".join(lines)


# --- creating a test ------------------------------------------------------------------------------------

FORM_FIELDS = ("id", "title", "shop", "variants", "control", "start", "end", "metric", "product_id")


def next_test_id(okrs: OKRFile) -> str:
    """The first free id of the form T<n>."""
    taken = {x.id for x in okrs.ab_tests}
    n = 1
    while f"T{n}" in taken:
        n += 1
    return f"T{n}"


def add_test(
    con: duckdb.DuckDBPyConnection, draft: dict[str, Any], *, user: str
) -> tuple[ABTestDef | None, dict[str, list[str | Problem]]]:
    """Validate a new test together with the stored definitions and store it; returns (test, {}) or
    (None, {form field: [problems]}), each problem an i18n key or a validation `Problem` (a message code, shown
    with `i18n.render`). `draft` holds the ABTestDef fields (empty strings mean not given)."""
    doc_test = {k: v for k, v in draft.items() if v not in (None, "", [])}
    problems: dict[str, list[str | Problem]] = {}
    for name in ("id", "title"):
        if not str(doc_test.get(name, "")).strip():
            problems.setdefault(name, []).append("ab.err_required")
    if len(doc_test.get("variants", [])) < 2:
        problems.setdefault("variants", []).append("ab.err_variants")
    if problems:
        return None, problems
    stored = store.read_okrs(con)
    doc = stored.model_dump(mode="json", exclude_none=True)
    index = len(doc.get("ab_tests", []))
    doc["ab_tests"] = [*doc.get("ab_tests", []), doc_test]
    checked, found = validate(doc)
    problems = field_problems(found, index)
    if checked is None or problems:
        return None, problems or {"": [p for p in found if p.severity == "error"]}
    store.save_okrs(con, checked, user=user)
    return find_test(checked, doc_test["id"]), {}


def create_test(
    draft: dict[str, Any], *, who: Identity, db: str | Path | None = None
) -> tuple[ABTestDef | None, dict]:
    """`add_test` as `who` on a short-lived connection. Raises roles.Refused unless `who` may create A/B tests."""
    roles.check(who, "ab_test")
    with store.connect(db, wait=60.0) as con:
        return add_test(con, draft, user=who.name or "unknown")


def default_window(creatives: pd.DataFrame, days: int = 14) -> tuple[dt.date, dt.date] | None:
    """The last `days` days with creative data (from a `queries.creatives` frame), or None without data."""
    if creatives.empty:
        return None
    last = _date(creatives["last_date"].max())
    first = _date(creatives["first_date"].min())
    if last is None or first is None:
        return None
    return max(first, last - dt.timedelta(days=days - 1)), last


def common_product(creatives: pd.DataFrame, ids: list[str]) -> str | None:
    """The product all chosen creatives belong to (from a `queries.creatives` frame), or None."""
    products = set(creatives.loc[creatives["creative_id"].isin(ids), "product_id"].dropna())
    return str(products.pop()) if len(products) == 1 else None


def field_problems(problems: list[Problem], index: int) -> dict[str, list[str | Problem]]:
    """Errors of ab_tests[index] by form field ("" for errors elsewhere); a duplicate id becomes the i18n key
    ab.err_id_taken, the others stay Problems (rendered in the reader's language by the page)."""
    out: dict[str, list[str | Problem]] = {}
    prefix = f"ab_tests[{index}]"
    for p in problems:
        if p.severity != "error":
            continue
        if not p.path.startswith(prefix):
            out.setdefault("", []).append(p)
            continue
        rest = p.path[len(prefix) :].lstrip(".")
        name = re.split(r"[.\[]", rest)[0] if rest else ""
        found: str | Problem = "ab.err_id_taken" if name == "id" and p.code == "okr.duplicate_id" else p
        out.setdefault(name if name in FORM_FIELDS else "", []).append(found)
    return out


# --- thumbnails ---------------------------------------------------------------------------------------


def thumbnails_dir(db: str | Path | None = None) -> Path:
    """Where thumbnails live: `thumbnails/` next to the database file (data/thumbnails by default)."""
    return store.db_path(db).parent / "thumbnails"


def _safe(part: str) -> str:
    # Test and creative ids become folder and file names: keep letters, digits, - and _ only.
    cleaned = re.sub(r"[^\w\-]", "_", part, flags=re.ASCII).strip("._")
    return cleaned or "_"


class ThumbnailError(ValueError):
    """An upload that is not stored; `code` is its i18n key (ab.thumb_err_*), `values` the key's parameters."""

    def __init__(self, code: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


def save_thumbnail(root: Path, test_id: str, creative_id: str, filename: str, data: bytes) -> Path:
    """Store an uploaded image as <root>/<test>/<creative>.<ext> (shrunk to 480 px). ThumbnailError (a ValueError)
    if it is not an image, over THUMBNAIL_MAX_BYTES, or declares more than THUMBNAIL_MAX_PIXELS pixels (checked
    from the header, before decoding)."""
    import warnings

    from PIL import Image, UnidentifiedImageError  # Pillow comes with Streamlit

    ext = Path(filename).suffix.lower().lstrip(".")
    if ext not in THUMBNAIL_TYPES:
        raise ThumbnailError(
            "ab.thumb_err_type", f"{filename}: not an image ({', '.join(THUMBNAIL_TYPES)})", name=filename
        )
    if len(data) > THUMBNAIL_MAX_BYTES:
        mb = THUMBNAIL_MAX_BYTES // (1024 * 1024)
        raise ThumbnailError("ab.thumb_err_bytes", f"{filename}: larger than {mb} MB", name=filename, mb=mb)
    try:
        with warnings.catch_warnings():
            # Pillow warns above 89 M pixels and refuses above twice that; both are refusals here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # lazy: reads the header only
            width, height = image.size
            if width * height > THUMBNAIL_MAX_PIXELS:
                raise Image.DecompressionBombError(f"{width} x {height} pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        limit = f"{THUMBNAIL_MAX_PIXELS / 1e6:.0f}"
        raise ThumbnailError(
            "ab.thumb_err_pixels",
            f"{filename}: too many pixels ({exc}; at most {limit} million)",
            name=filename,
            mp=limit,
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ThumbnailError("ab.thumb_err_read", f"{filename}: cannot be read as an image", name=filename) from exc
    folder = root / _safe(test_id)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{_safe(creative_id)}.*"):
        old.unlink()
    target = folder / f"{_safe(creative_id)}.{ext}"
    if max(image.size) > THUMBNAIL_MAX_PX and ext != "gif":
        image.thumbnail((THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX))
        image.save(target)
    else:
        target.write_bytes(data)
    return target


def find_thumbnail(root: Path, test_id: str, creative_id: str) -> Path | None:
    """The stored image of a variant, or None."""
    folder = root / _safe(test_id)
    for ext in THUMBNAIL_TYPES:
        path = folder / f"{_safe(creative_id)}.{ext}"
        if path.is_file():
            return path
    return None


def thumbnail_urls(root: Path, test: ABTestDef) -> dict[str, str | None]:
    """Per variant a data: URL of its thumbnail (for an image column), or None."""
    out: dict[str, str | None] = {}
    for v in test.variants:
        path = find_thumbnail(root, test.id, v)
        if path is None:
            out[v] = None
            continue
        mime = "image/jpeg" if path.suffix in (".jpg", ".jpeg") else f"image/{path.suffix.lstrip('.')}"
        out[v] = f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"
    return out
