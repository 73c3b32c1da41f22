"""Derived views of a scored cycle for the pages: pure functions of a CycleReport (and shop sums)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from shopkr.app.i18n import Lang, render, t
from shopkr.app.numbers import fmt
from shopkr.domain.engine import CycleReport, KRResult, ObjectiveResult
from shopkr.domain.scoring import weighted_mean

STALE_AFTER_DAYS = 2


def mean_score(objectives: list[ObjectiveResult]) -> float | None:
    """Plain mean of objective scores (None without objectives)."""
    return sum(o.score for o in objectives) / len(objectives) if objectives else None


def kr_counts(report: CycleReport) -> Counter[str]:
    """KRs per status (manual KRs included)."""
    return Counter(k.status for k in report.key_results)


def bottom_up_share(report: CycleReport) -> float | None:
    """Share of the cycle's objectives that came bottom-up."""
    objs = report.objectives
    return sum(o.origin == "bottom-up" for o in objs) / len(objs) if objs else None


def objective_frame(report: CycleReport, levels: tuple[str, ...], lang: Lang) -> pd.DataFrame:
    """Objectives on the given levels: label, score, status, text for a bar chart, plus fields for a table.
    `children` is the mean score of the objectives aligned to it (engine `children_score`, None without any);
    the text then ends with "· 下级 0.55" (children 0.55), beside the objective's own KR score."""
    rows = []
    for o in report.objectives:
        if o.level not in levels:
            continue
        children = ""
        if o.children_score is not None:
            children = " · " + t("review.children", lang, score=fmt(o.children_score, "score"))
        rows.append(
            {
                "id": o.id,
                "label": f"{o.title}（{o.owner}）" if lang == "zh" else f"{o.title} ({o.owner})",
                "score": o.score,
                "projected": o.projected_score,
                "status": o.status,
                "text": f"{fmt(o.score, 'score')} · {t('status.' + o.status, lang)}{children}",
                "level": t("level." + o.level, lang),
                "children": o.children_score,
            }
        )
    return pd.DataFrame(rows, columns=["id", "label", "score", "projected", "status", "text", "level", "children"])


def alignment_nodes(report: CycleReport, lang: Lang) -> pd.DataFrame:
    """Objectives as a tree (parent ids within the cycle; orphans hang at the root)."""
    ids = {o.id for o in report.objectives}
    rows = []
    for o in report.objectives:
        # Plain text, one line per "\n": charts.alignment_sunburst escapes it for plotly and draws the breaks.
        hover = (
            f"{o.title}\n{o.owner} · {t('level.' + o.level, lang)}\n"
            f"{t('ui.score', lang)} {fmt(o.score, 'score')} · {t('status.' + o.status, lang)}"
        )
        if o.children_score is not None:
            hover += " · " + t("review.children", lang, score=fmt(o.children_score, "score"))
        rows.append(
            {
                "id": o.id,
                "parent": o.parent if o.parent in ids else "",
                "label": f"{o.owner}\n{fmt(o.score, 'score')}",
                "score": o.score,
                "status": o.status,
                "hover": hover,
            }
        )
    return pd.DataFrame(rows, columns=["id", "parent", "label", "score", "status", "hover"])


def shop_gmv_krs(report: CycleReport) -> pd.DataFrame:
    """Shop-level GMV KRs (metric gmv, a shop filter, no product/creative): shop, value, projected, target,
    p_hit (None without a forecast)."""
    rows = []
    for k in report.key_results:
        if (
            k.metric == "gmv"
            and set(k.filters) <= {"shop", "platform"}
            and "shop" in k.filters
            and k.level in (None, "shop")
        ):
            rows.append(
                {
                    "shop": k.filters["shop"],
                    "kr": k.id,
                    "value": k.value or 0.0,
                    "share": (k.value or 0.0) / k.target if k.target else 0.0,  # of the target, for a bar
                    "projected": k.projected_value or 0.0,
                    "target": k.target,
                    "score": k.score,
                    "status": k.status,
                    "p_hit": k.p_hit,
                }
            )
    columns = ["shop", "kr", "value", "share", "projected", "target", "score", "status", "p_hit"]
    df = pd.DataFrame(rows, columns=columns)
    df["p_hit"] = df["p_hit"].astype(object).where(df["p_hit"].notna(), None)  # None, not NaN, without a forecast
    return df.drop_duplicates("shop")


def objective_p_hit(o: ObjectiveResult) -> float | None:
    """An objective's P(hit) as the weighted mean of its KRs' P(hit) (the expected weighted share of its KRs
    that reach their targets), over the KRs that have one; None when none has (manual and SQL KRs have none)."""
    pairs = [(k.p_hit, k.weight) for k in o.key_results if k.p_hit is not None]
    return weighted_mean([p for p, _ in pairs], [w for _, w in pairs]) if pairs else None


def shop_rates(sums: pd.DataFrame) -> pd.DataFrame:
    """From per-shop sums (shop, platform, gmv, buyers, visitors, refund_amount, last_date): conversion and
    refund rate as ratios of sums."""
    df = sums.copy()
    df["conversion_rate"] = df["buyers"] / df["visitors"].where(df["visitors"] > 0)
    df["refund_rate"] = df["refund_amount"] / df["gmv"].where(df["gmv"] > 0)
    return df


@dataclass(frozen=True)
class Attention:
    """One item of the "needs attention" list."""

    kind: str  # off_track | at_risk | no_data | error | stale
    text: str
    kr_id: str | None = None


def attention(report: CycleReport, today: dt.date, lang: Lang) -> list[Attention]:
    """Off-track and at-risk KRs, KRs without data or with errors, and shops whose data is over 2 days old."""
    items: list[Attention] = []
    order = {"error": 0, "off_track": 1, "no_data": 2, "at_risk": 3}
    krs = sorted(
        (k for k in report.key_results if k.status in order), key=lambda k: (order[k.status], k.projected_score)
    )
    for k in krs:
        detail = render(k.message, lang) if k.status in ("no_data", "error") and k.message else _kr_line(k, lang)
        items.append(
            Attention(k.status, f"{k.id} {k.title}：{detail}" if lang == "zh" else f"{k.id} {k.title}: {detail}", k.id)
        )
    if report.closed_at is None and report.as_of >= report.cycle.start:
        for shop, last in sorted(report.freshness.items()):
            days = (min(today, report.cycle.end + dt.timedelta(days=1)) - last).days
            if days > STALE_AFTER_DAYS:
                items.append(Attention("stale", t("overview.stale", lang, shop=shop, date=f"{last:%m-%d}", days=days)))
    return items


def _kr_line(k: KRResult, lang: Lang) -> str:
    return (
        f"{t('ui.score', lang)} {fmt(k.score, 'score')}，{t('ui.projected', lang)} {fmt(k.projected_score, 'score')}"
        if lang == "zh"
        else f"score {fmt(k.score, 'score')}, projected {fmt(k.projected_score, 'score')}"
    )


def owners(report: CycleReport) -> list[str]:
    """Owners with objectives in the cycle, in order of first appearance."""
    seen: dict[str, None] = {}
    for o in report.objectives:
        seen.setdefault(o.owner, None)
    return list(seen)
