"""The 日报 as a phone-sized PNG card: a header (whose KRs, the cycle and the date) and per KR its value, target,
score, P(hit) where known, and a small progress chart (the traces of `charts.progress`: to-date value, target,
pace and forecast fan). Sent by `python -m shopkr notify --image` (WeCom) and downloaded from 我的KR (下载图片).

Rendering: plotly draws the card, kaleido (v1, https://github.com/plotly/Kaleido) turns it into PNG in a headless
Chromium. It works offline: the system Chromium is named explicitly (`kopts={"path": CHROMIUM}`, or the
`BROWSER_PATH` environment variable that choreographer reads), so kaleido never calls `get_chrome` to download one;
plotly.js comes from the plotly package itself (kaleido's PageGenerator uses plotly/package_data/plotly.min.js when
plotly is installed), and MathJax, which kaleido would otherwise load from a CDN, is turned off (`mathjax: False`).
The card is CARD_WIDTH CSS pixels wide at SCALE, i.e. 1080 px: a phone screen's width.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from shopkr.app import charts, numbers
from shopkr.app.escape import plain
from shopkr.app.i18n import Lang, status_label, t
from shopkr.domain.engine import CycleReport, KRResult

CARD_WIDTH = 360  # CSS pixels; x SCALE = 1080 px, a phone's screen width
SCALE = 3
HEADER = 78  # CSS pixels for the title and date
TEXT = 50  # per KR: its title and numbers
CHART = 112  # per KR: the small progress chart
GAP = 30  # between KRs (room for the x axis labels)
FOOTER = 34
MAX_KRS = 10  # more KRs: the first MAX_KRS and a footer "(…共 N 条，见 ShopKR)"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
SQL_SERIES_BUDGET = 3.0  # seconds for an SQL KR's daily series on the card (engine.kr_series runs it per day)


class CardError(Exception):
    """The card could not be rendered (no Chromium, kaleido missing or failing); the message says which."""


def chromium() -> str | None:
    """The Chromium to render with: $BROWSER_PATH when set (choreographer's own variable), else the first system
    browser found (CHROMIUM_CANDIDATES, then `chromium` on PATH); None when there is none. Never downloads."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if Path(env).is_file() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium")


def card_krs(report: CycleReport) -> list[KRResult]:
    """The KRs drawn on the card: the first MAX_KRS of the report, in report order."""
    return report.key_results[:MAX_KRS]


def series_for(con: Any, okrs: Any, report: CycleReport) -> dict[str, pd.DataFrame]:
    """The daily series (`engine.kr_series`) of each charted KR on the card (manual KRs have no chart); an SQL KR
    gets SQL_SERIES_BUDGET seconds; a KR whose series fails is left out (drawn without a chart)."""
    from shopkr.domain import engine

    out = {}
    for k in card_krs(report):
        if k.kind == "manual":
            continue
        try:
            out[k.id] = engine.kr_series(con, okrs, k.id, report.as_of, budget=SQL_SERIES_BUDGET)
        except (KeyError, ValueError):
            continue
    return out


def _labels(k: KRResult, lang: Lang) -> dict[str, str]:
    return {
        "value": t("ui.to_date", lang),
        "target": t("ui.target", lang),
        "pace": t(f"ui.pace_line.{k.pace_method or 'linear'}", lang),
        "forecast": t("ui.forecast", lang),
        "fan": t("ui.forecast_fan", lang),
    }


def numbers_line(k: KRResult, lang: Lang) -> str:
    """The card's line of figures for a KR: value / target · score · P(hit) (when known) · status."""
    sep = " · "
    parts = []
    if k.kind == "manual":
        parts.append(f"{t('ui.score', lang)} {numbers.fmt(k.score, 'score')}")
    else:
        value = numbers.fmt(k.value, k.unit, lang, compact=True, symbol=True)
        target = numbers.fmt(k.target, k.unit, lang, compact=True, symbol=True)
        parts += [f"{value} / {target}", f"{t('ui.score', lang)} {numbers.fmt(k.score, 'score')}"]
        if k.p_hit is not None:
            parts.append(f"{t('ui.p_hit', lang)} {numbers.fmt(k.p_hit, 'probability')}")
    parts.append(status_label(k.status, lang))
    return sep.join(parts)


def figure(
    report: CycleReport, series: Mapping[str, pd.DataFrame], lang: Lang = "zh", subject: str | None = None
) -> go.Figure:
    """The card as one plotly figure, CARD_WIDTH CSS pixels wide and as tall as its KRs need (pure: no browser).

    `series` maps KR id to its `engine.kr_series` frame (KRs without one get no chart); `subject` is the owner or
    shop the header names (default: the report's owners). User text is escaped for plotly (`escape.plain`)."""
    krs = card_krs(report)
    total = len(report.key_results)
    height = HEADER + len(krs) * (TEXT + CHART + GAP) + (FOOTER if total > len(krs) else 0) + 8
    fig = go.Figure()
    owners = ", ".join(dict.fromkeys(o.owner for o in report.objectives))
    who = subject or owners
    annotations: list[dict[str, Any]] = [
        _text(14, t("notify.card_title", lang, who=plain(who)), 17, charts.INK, bold=True),
        _text(42, t("notify.card_date", lang, cycle=plain(report.cycle.id), as_of=f"{report.as_of:%Y-%m-%d}"), 12),
    ]
    layout: dict[str, Any] = {}
    top = HEADER
    for i, k in enumerate(krs, start=1):
        colour = charts.BAND[charts.band(k.score, k.status)]
        annotations.append(
            _text(top, f"<span style='color:{colour}'>●</span> {plain(k.id + ' ' + k.title)}", 13, charts.INK)
        )
        annotations.append(_text(top + 21, plain(numbers_line(k, lang)), 12))
        y1 = 1 - (top + TEXT) / height
        y0 = 1 - (top + TEXT + CHART) / height
        frame = series.get(k.id)
        xa, ya = f"xaxis{i}", f"yaxis{i}"
        layout[xa] = {
            "domain": [0.17, 0.95],
            "anchor": f"y{i}",
            "tickformat": "%m-%d",
            "nticks": 4,
            "showgrid": False,
            "linecolor": "#d9dee3",
            "tickfont": {"size": 9},
        }
        layout[ya] = {
            "domain": [y0, y1],
            "anchor": f"x{i}",
            "gridcolor": "#eef1f4",
            "zeroline": False,
            "nticks": 4,
            "tickfont": {"size": 9},
        }
        if frame is not None and len(frame):
            small = charts.progress(frame, k.unit, _labels(k, lang), lang=lang)
            for trace in small.data:
                trace.update(xaxis=f"x{i}", yaxis=f"y{i}", showlegend=False)
                if getattr(trace, "marker", None) is not None and trace.mode and "markers" in trace.mode:
                    trace.update(mode="lines")
                fig.add_trace(trace)
            shown = [frame[c] for c in ("value", "target", "pace", "fan_low", "fan_high") if c in frame]
            layout[ya].update(
                numbers.axis(pd.concat(shown) if shown else [], k.unit, lang, digits=1 if k.unit == "rate" else None)
            )
        else:
            layout[xa]["visible"] = False
            layout[ya]["visible"] = False
            annotations.append(_text(top + TEXT + CHART / 2 - 8, t("notify.card_no_chart", lang), 11))
        top += TEXT + CHART + GAP
    if total > len(krs):
        annotations.append(_text(top, t("notify.truncated", lang, total=total), 12))
    for a in annotations:
        a["y"] = 1 - a["y"] / height  # _text counts pixels from the top; paper coordinates from the bottom
    fig.update_layout(
        width=CARD_WIDTH,
        height=height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        font={"family": charts.FONT, "color": charts.INK, "size": 12},
        paper_bgcolor="white",
        plot_bgcolor="white",
        showlegend=False,
        annotations=annotations,
        **layout,
    )
    return fig


def _text(top: float, text: str, size: int, colour: str = charts.MUTED, bold: bool = False) -> dict[str, Any]:
    """A left-aligned line of text `top` CSS pixels from the card's top (converted to paper y in `figure`)."""
    return {
        "text": f"<b>{text}</b>" if bold else text,
        "x": 0.04,
        "xref": "paper",
        "y": top,
        "yref": "paper",
        "xanchor": "left",
        "yanchor": "top",
        "showarrow": False,
        "align": "left",
        "font": {"size": size, "color": colour},
    }


def png(fig: go.Figure) -> bytes:
    """The figure as PNG bytes at SCALE (kaleido with the system Chromium, MathJax off: nothing is downloaded).
    Raises CardError without a Chromium or when kaleido fails."""
    browser = chromium()
    if browser is None:
        raise CardError("no Chromium found (install Debian's chromium, or set BROWSER_PATH to a Chrome/Chromium)")
    try:
        import kaleido
    except ImportError as exc:  # pragma: no cover - pinned in requirements.txt
        raise CardError(f"kaleido is not installed: {exc}") from None
    opts = {"format": "png", "width": fig.layout.width, "height": fig.layout.height, "scale": SCALE}
    try:
        return kaleido.calc_fig_sync(fig, opts=opts, kopts={"path": browser, "mathjax": False})
    except Exception as exc:  # kaleido/choreographer raise many types (browser crash, timeout, JS error)
        raise CardError(f"{type(exc).__name__}: {exc}") from None


def render_png(
    report: CycleReport, series: Mapping[str, pd.DataFrame], lang: Lang = "zh", subject: str | None = None
) -> bytes:
    """The card of `report` (already restricted to whose KRs it shows) as PNG bytes; see `figure` and `png`."""
    return png(figure(report, series, lang, subject))


def owner_png(report: CycleReport, owner: str, series: Mapping[str, pd.DataFrame], lang: Lang = "zh") -> bytes:
    """我的KR's 下载图片: the card of one owner's KRs (the same card `notify --image` sends for --owner)."""
    from shopkr.app.notify import select

    return render_png(select(report, owner=owner), series, lang, subject=owner)


def file_name(subject: str, as_of: dt.date) -> str:
    """The download's file name: shopkr-<subject>-<date>.png."""
    return f"shopkr-{subject}-{as_of:%Y%m%d}.png"
