"""Plotly figures for the pages. Pure: data and already-translated labels in, a figure out.

Score bands use one palette everywhere: red < 0.4, yellow 0.4-0.69, green >= 0.7, grey without data.
Text that comes from users (titles, owners, shop, creative and people names, cycle ids) is passed as plain text
and escaped here (`shopkr.app.escape.plain`): plotly renders <b>, <a href>, <br> and more in labels and hover text.
Multi-line text is given with "\n" and drawn with <br>.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd
import plotly.graph_objects as go

from shopkr.app import numbers
from shopkr.app.escape import plain, plain_lines
from shopkr.app.i18n import Lang

if TYPE_CHECKING:
    from shopkr.app.checkins import TimelinePoint

BAND = {"red": "#d64545", "yellow": "#e0a100", "green": "#2e9d5b", "grey": "#b0b5ba"}
INK = "#1f2933"
MUTED = "#7b8794"
ACCENT = "#2f6fde"
FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
GAP = "#eef1f4"  # days after the last data day
FAN = "rgba(47, 111, 222, 0.15)"  # the forecast band (10th-90th percentile), ACCENT at low opacity


def band(score: float | None, status: str | None = None) -> str:
    """The band of a score (see the module docstring)."""
    if score is None or status in ("no_data", "not_started", "error"):
        return "grey"
    return "red" if score < 0.4 else "yellow" if score < 0.7 else "green"


def _layout(fig: go.Figure, title: str | None = None, height: int = 320) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}} if title else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        font={"family": FONT, "color": INK, "size": 12},
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(showgrid=False, linecolor="#d9dee3")
    fig.update_yaxes(gridcolor="#eef1f4", zeroline=False)
    return fig


def tick_format(unit: str) -> str:
    """Axis tick format (d3) for a KR unit, from `shopkr.app.numbers.plotly_format`: rates with one decimal
    (3.8%), amounts and counts whole (12,345). An axis that needs 万 uses `numbers.axis` instead."""
    return numbers.plotly_format(unit, digits=_axis_digits(unit))


def _axis_digits(unit: str) -> int | None:
    """Decimals of an axis: one for rates (3.8%), else as `numbers.plotly_format`."""
    return 1 if unit == "rate" else None


def progress(
    series: pd.DataFrame,
    unit: str,
    labels: Mapping[str, str],
    title: str | None = None,
    height: int = 300,
    data_through: dt.date | None = None,
    as_of: dt.date | None = None,
    lang: Lang = "zh",
    notes: Sequence[Mark] = (),
) -> go.Figure:
    """To-date value per day against the target line and the linear pace line.

    `series` has date, value, target, pace; `labels` gives the names of "value", "target", "pace" and, for the
    gap mark, "data_through" (e.g. 数据截至 11-26). When the data stop before `as_of` (both given), the days from
    `data_through` to as_of (capped at the series' last date) are shaded with a dotted line at data_through.
    Numbers follow `shopkr.app.numbers` for the KR's `unit` in `lang`: the y axis in 万/亿 (zh) or K/M (en) for
    large amounts and counts, the hover text exactly as the page and the CLI write the value.
    `notes`: notes and A/B test marks on the KR's scope, drawn within the series' dates (`add_marks`).
    """
    fig = go.Figure()
    known = series.dropna(subset=["value"]) if "value" in series else series.iloc[0:0]
    hover = "%{x|%m-%d} %{customdata}<extra>%{fullData.name}</extra>"
    if "pace" in series and series["pace"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=series["date"],
                y=series["pace"],
                name=labels["pace"],
                mode="lines",
                line={"color": MUTED, "dash": "dot", "width": 1.5},
                customdata=numbers.hover_texts(series["pace"], unit, lang),
                hovertemplate=hover,
            )
        )
    if "target" in series and series["target"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=series["date"],
                y=series["target"],
                name=labels["target"],
                mode="lines",
                line={"color": BAND["green"], "dash": "dash", "width": 1.5},
                customdata=numbers.hover_texts(series["target"], unit, lang),
                hovertemplate=hover,
            )
        )
    _add_fan(fig, series, labels, unit, lang, hover)
    fig.add_trace(
        go.Scatter(
            x=known["date"],
            y=known["value"],
            name=labels["value"],
            mode="lines+markers",
            line={"color": ACCENT, "width": 2.5},
            marker={"size": 4},
            customdata=numbers.hover_texts(known["value"], unit, lang),
            hovertemplate=hover,
        )
    )
    if data_through is not None and as_of is not None and len(series):
        _mark_data_gap(fig, data_through, min(as_of, max(series["date"])), labels.get("data_through"))
    shown = [series[c] for c in ("value", "target", "pace", "fan_low", "fan_high") if c in series]
    fig.update_yaxes(**numbers.axis(pd.concat(shown) if shown else [], unit, lang, digits=_axis_digits(unit)))
    fig.update_xaxes(tickformat="%m-%d")  # 11-26, as 生意参谋 and the pages write dates
    if notes and len(series):
        add_marks(fig, notes, min(series["date"]), max(series["date"]))
    return _layout(fig, title, height)


def _add_fan(
    fig: go.Figure, series: pd.DataFrame, labels: Mapping[str, str], unit: str, lang: Lang, hover: str
) -> None:
    """The forecast from data_through to the deadline: the 10th-90th percentile band (`fan_low`/`fan_high`)
    shaded, the median (`fan_mid`) dashed. Drawn only where the series has them (metric KRs in a running cycle)."""
    if not {"fan_low", "fan_mid", "fan_high"} <= set(series.columns):
        return
    fan = series.dropna(subset=["fan_low", "fan_high", "fan_mid"])
    if fan.empty:
        return
    fig.add_trace(
        go.Scatter(
            x=fan["date"], y=fan["fan_high"], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fan["date"],
            y=fan["fan_low"],
            name=labels.get("fan", "10%-90%"),
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=FAN,
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=fan["date"],
            y=fan["fan_mid"],
            name=labels.get("forecast", "forecast"),
            mode="lines",
            line={"color": ACCENT, "dash": "dash", "width": 1.5},
            customdata=numbers.hover_texts(fan["fan_mid"], unit, lang),
            hovertemplate=hover,
        )
    )


def _mark_data_gap(fig: go.Figure, data_through: dt.date, end: dt.date, label: str | None) -> None:
    """Shade the days after the last data day up to `end` and label the edge, so no one reads them as zero."""
    if end <= data_through:
        return
    # Shapes and annotations are added separately: add_vline(annotation_text=...) fails on date axes.
    fig.add_shape(
        type="rect",
        xref="x",
        yref="paper",
        x0=data_through,
        x1=end,
        y0=0,
        y1=1,
        fillcolor=GAP,
        opacity=0.6,
        line_width=0,
        layer="below",
    )
    fig.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=data_through,
        x1=data_through,
        y0=0,
        y1=1,
        line={"color": MUTED, "dash": "dot", "width": 1},
    )
    if label:
        fig.add_annotation(
            x=data_through,
            y=0.02,  # at the foot of the band: the top holds the target line and the legend
            xref="x",
            yref="paper",
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            text=plain(label),
            font={"size": 11, "color": MUTED},
            bgcolor="rgba(255,255,255,0.85)",
        )


def objective_bars(objectives: pd.DataFrame, score_label: str, height: int | None = None) -> go.Figure:
    """Horizontal bars of objective scores coloured by band; columns label, score, status, text."""
    df = objectives.iloc[::-1]
    colours = [BAND[band(s, st)] for s, st in zip(df["score"], df["status"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=df["score"],
            y=[plain(x) for x in df["label"]],
            orientation="h",
            marker_color=colours,
            text=df["text"],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>" + score_label + " %{x:" + numbers.plotly_format("score") + "}<extra></extra>",
        )
    )
    for x in (0.4, 0.7):
        fig.add_vline(x=x, line={"color": "#c9ced4", "dash": "dot", "width": 1})
    fig.update_xaxes(range=[0, 1.15], tickformat=".1f", title=score_label)
    return _layout(fig, None, height or max(160, 46 * len(df) + 50))


def alignment_sunburst(nodes: pd.DataFrame, root_label: str, height: int = 420) -> go.Figure:
    """Alignment tree company → department → team → individual, coloured by score band.

    `nodes` has id, parent ('' for roots), label, score, status, hover."""
    ids = ["__root__", *nodes["id"]]
    parents = ["", *[p if p else "__root__" for p in nodes["parent"]]]
    labels = [plain(root_label), *[plain_lines(str(x).split("\n")) for x in nodes["label"]]]
    colours = ["#ffffff", *[BAND[band(s, st)] for s, st in zip(nodes["score"], nodes["status"], strict=True)]]
    hover = ["", *[plain_lines(str(x).split("\n")) for x in nodes["hover"]]]
    fig = go.Figure(
        go.Sunburst(
            ids=ids,
            parents=parents,
            labels=labels,
            marker={"colors": colours, "line": {"color": "white", "width": 2}},
            hovertext=hover,
            hoverinfo="text",
            insidetextorientation="radial",
            maxdepth=4,
        )
    )
    return _layout(fig, None, height)


def shop_attainment(shops: pd.DataFrame, labels: Mapping[str, str], height: int = 300, lang: Lang = "zh") -> go.Figure:
    """Per shop: GMV to date, projected GMV and the target, side by side (columns shop, value, projected, target).
    Amounts follow `shopkr.app.numbers` (unit yuan) in `lang`: a 万/亿 (zh) or K/M (en) axis, exact hover."""
    fig = go.Figure()
    names = [plain(x) for x in shops["shop"]]
    hover = "%{x}<br>%{customdata}<extra>%{fullData.name}</extra>"

    def money(column: str) -> dict[str, object]:
        return {"customdata": numbers.hover_texts(shops[column], "yuan", lang), "hovertemplate": hover}

    fig.add_trace(go.Bar(x=names, y=shops["value"], name=labels["value"], marker_color=ACCENT, **money("value")))
    fig.add_trace(
        go.Bar(x=names, y=shops["projected"], name=labels["projected"], marker_color="#9bb9f0", **money("projected"))
    )
    fig.add_trace(
        go.Scatter(
            x=names,
            y=shops["target"],
            name=labels["target"],
            **money("target"),
            mode="markers",
            marker={
                "symbol": "line-ew-open",
                "size": 46,
                "color": BAND["green"],
                "line": {"width": 3, "color": BAND["green"]},
            },
        )
    )
    fig.update_layout(barmode="group")
    amounts = pd.concat([shops["value"], shops["projected"], shops["target"]])
    fig.update_yaxes(**numbers.axis(amounts, "yuan", lang, zero=True))
    return _layout(fig, None, height)


def coverage(
    state: pd.DataFrame, counts: pd.DataFrame, labels: Mapping[str, str], height: int | None = None
) -> go.Figure:
    """The coverage calendar: one strip per shop and table, a cell per day; green with data, red for a gap
    inside the row's first..last date, light grey outside it. `state` and `counts` come from
    `shopkr.data.coverage.calendar`; `labels` names "data", "gap", "none" and "rows" (translated)."""
    colours = {"none": "#eef1f4", "gap": BAND["red"], "data": BAND["green"]}
    scale = [
        [0.0, colours["none"]],
        [0.33, colours["none"]],
        [0.34, colours["gap"]],
        [0.66, colours["gap"]],
        [0.67, colours["data"]],
        [1.0, colours["data"]],
    ]
    rows = list(state.index)[::-1]  # first row on top
    fig = go.Figure(
        go.Heatmap(
            z=state.loc[rows].values,
            x=list(state.columns),
            y=[plain(r) for r in rows],
            zmin=0,
            zmax=2,
            colorscale=scale,
            showscale=False,
            xgap=1,
            ygap=4,
            customdata=counts.loc[rows].values,
            hovertemplate="%{y}<br>%{x|%Y-%m-%d}: %{customdata} " + labels["rows"] + "<extra></extra>",
        )
    )
    for key in ("data", "gap", "none"):  # legend entries for the three cell kinds
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=labels[key],
                hoverinfo="skip",
                marker={
                    "symbol": "square",
                    "size": 12,
                    "color": colours[key],
                    "line": {"color": "#c9ced4", "width": 1},
                },
            )
        )
    fig.update_xaxes(tickformat="%m-%d", showgrid=False)
    fig.update_yaxes(showgrid=False, automargin=True)
    return _layout(fig, None, height or 90 + 30 * len(rows))


def score_grid(grid: pd.DataFrame, labels: Mapping[str, str], height: int | None = None) -> go.Figure:
    """People × cycles: a cell per person and cycle coloured by the band of their mean objective score,
    with the score written in it; empty where they owned nothing. `grid` comes from
    `shopkr.app.people_tables.score_grid` (person, cycle as an ordered categorical, score, status,
    objectives); `labels` names "score" and "objectives"."""
    order = {"grey": 0, "red": 1, "yellow": 2, "green": 3}
    people = list(dict.fromkeys(grid["person"]))
    cycles = (
        [str(c) for c in grid["cycle"].cat.categories] if hasattr(grid["cycle"], "cat") else sorted(set(grid["cycle"]))
    )
    z = pd.DataFrame(float("nan"), index=people, columns=cycles)
    text = pd.DataFrame("", index=people, columns=cycles)
    count = pd.DataFrame("", index=people, columns=cycles)
    for r in grid.itertuples(index=False):
        colour = band(r.score, r.status)
        z.loc[r.person, str(r.cycle)] = order[colour]
        text.loc[r.person, str(r.cycle)] = numbers.DASH if colour == "grey" else numbers.fmt(r.score, "score")
        count.loc[r.person, str(r.cycle)] = str(r.objectives)
    rows = people[::-1]  # first person on top
    scale = [[i / 3, BAND[name]] for name, i in order.items()]
    fig = go.Figure(
        go.Heatmap(
            z=z.loc[rows].values,
            x=[plain(c) for c in cycles],
            y=[plain(r) for r in rows],
            zmin=0,
            zmax=3,
            colorscale=scale,
            showscale=False,
            xgap=3,
            ygap=3,
            text=text.loc[rows].values,
            texttemplate="%{text}",
            textfont={"color": "white", "size": 13},
            customdata=count.loc[rows].values,
            hovertemplate="%{y} · %{x}<br>"
            + labels["score"]
            + " %{text}<br>"
            + labels["objectives"]
            + " %{customdata}<extra></extra>",
        )
    )
    fig.update_xaxes(side="top", type="category", showgrid=False, linecolor="white")
    fig.update_yaxes(type="category", showgrid=False, automargin=True)
    return _layout(fig, None, height or 50 + 34 * len(rows))


# --- main-image A/B tests ------------------------------------------------------------------------------

VARIANT_PALETTE = ("#2f6fde", "#e07b00", "#2e9d5b", "#9b51e0", "#d64545", "#0f9fb5", "#8d6e63", "#d16ba5")


def variant_colours(ids: Sequence[str], control: str, winner: str | None = None) -> dict[str, str]:
    """One colour per variant, the same in every A/B chart: the control dark ink, the winner green, the others
    a palette without green."""
    others = iter([c for c in VARIANT_PALETTE if c != BAND["green"]] * 2)
    return {i: INK if i == control else BAND["green"] if i == winner else next(others) for i in ids}


def forest(
    rows: pd.DataFrame, colours: Mapping[str, str], labels: Mapping[str, str], height: int | None = None
) -> go.Figure:
    """Rates with 95% intervals per variant (first row on top), the control's rate as a dotted line.

    `rows` has id, label, rate, ci_low, ci_high, role ("control", "winner" or ""); `labels` gives "rate"
    (axis title) and "control" (the name of the dotted line)."""
    df = rows.iloc[::-1]
    known = df.dropna(subset=["rate"])
    pct = numbers.plotly_format("rate")  # 2.67%, as the verdict and the tables write a rate
    symbols = ["diamond" if r == "control" else "star" if r == "winner" else "circle" for r in known["role"]]
    sizes = [13 if r in ("control", "winner") else 9 for r in known["role"]]
    fig = go.Figure(
        go.Scatter(
            x=known["rate"],
            y=[plain(x) for x in known["label"]],
            mode="markers+text",
            text=[
                "" if role == "control" else numbers.fmt(r, "rate")
                for r, role in zip(known["rate"], known["role"], strict=True)
            ],
            textposition="top center",
            textfont={"size": 11, "color": MUTED},
            marker={"color": [colours.get(i, ACCENT) for i in known["id"]], "symbol": symbols, "size": sizes},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": known["ci_high"] - known["rate"],
                "arrayminus": known["rate"] - known["ci_low"],
                "thickness": 2,
                "width": 6,
                "color": "#9aa5b1",
            },
            customdata=known[["ci_low", "ci_high"]].to_numpy(),
            hovertemplate=f"%{{y}}<br>%{{x:{pct}}} (95%: %{{customdata[0]:{pct}}} – %{{customdata[1]:{pct}}})"
            "<extra></extra>",
            showlegend=False,
        )
    )
    control = df[df["role"] == "control"].dropna(subset=["rate"])
    if not control.empty:
        rate = float(control["rate"].iloc[0])
        fig.add_vline(x=rate, line={"color": INK, "dash": "dot", "width": 1})
        fig.add_annotation(
            x=rate,
            y=1.0,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text=f"{labels['control']} {numbers.fmt(rate, 'rate')}",
            font={"size": 11, "color": INK},
        )
    fig.update_yaxes(categoryorder="array", categoryarray=[plain(x) for x in df["label"]], showgrid=False)
    fig.update_xaxes(tickformat=tick_format("rate"), title=labels["rate"], showgrid=True, gridcolor="#eef1f4")
    fig = _layout(fig, None, height or max(220, 44 * len(df) + 80))
    fig.update_layout(margin={"t": 30})
    return fig


def daily_rates(
    daily: pd.DataFrame, colours: Mapping[str, str], control: str, height: int = 320, notes: Sequence[Mark] = ()
) -> go.Figure:
    """The rate per day and variant (daily has date, creative_id, name, rate); the control is drawn dashed.
    `notes`: notes and A/B test marks on the test's shop and product, within the days shown (`add_marks`)."""
    fig = go.Figure()
    for cid, part in daily.groupby("creative_id", sort=False):
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["rate"],
                name=plain(part["name"].iloc[0]),
                mode="lines+markers",
                line={
                    "color": colours.get(cid, MUTED),
                    "width": 2.5 if cid == control else 1.6,
                    "dash": "dash" if cid == control else "solid",
                },
                marker={"size": 4},
                hovertemplate="%{x|%m-%d} %{y:" + numbers.plotly_format("rate") + "}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_yaxes(tickformat=tick_format("rate"))
    fig.update_xaxes(tickformat="%m-%d")
    if notes and not daily.empty:
        add_marks(fig, notes, min(daily["date"]), max(daily["date"]))
    return _layout(fig, None, height)


def daily_shares(
    daily: pd.DataFrame,
    colours: Mapping[str, str],
    intended_label: str,
    height: int = 320,
    notes: Sequence[Mark] = (),
) -> go.Figure:
    """Each variant's share of the day's impressions (daily has date, creative_id, name, share, intended), with
    the intended split dotted: a flat band means a stable split; drift is a Simpson's-paradox risk. `notes` as in
    `daily_rates`."""
    fig = go.Figure()
    intended = daily.groupby("creative_id", sort=False)["intended"].first()
    if not daily.empty and intended.nunique() == 1:
        dates = sorted(daily["date"].unique())
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=[float(intended.iloc[0])] * len(dates),
                name=intended_label,
                mode="lines",
                line={"color": MUTED, "dash": "dot", "width": 1.5},
                hoverinfo="skip",
            )
        )
    share = numbers.plotly_format("rate", digits=1)  # 33.3%
    for cid, part in daily.groupby("creative_id", sort=False):
        colour = colours.get(cid, MUTED)
        if intended.nunique() > 1:
            fig.add_trace(
                go.Scatter(
                    x=part["date"],
                    y=part["intended"],
                    mode="lines",
                    showlegend=False,
                    hoverinfo="skip",
                    line={"color": colour, "dash": "dot", "width": 1},
                )
            )
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["share"],
                name=plain(part["name"].iloc[0]),
                mode="lines+markers",
                line={"color": colour, "width": 1.6},
                marker={"size": 4},
                hovertemplate="%{x|%m-%d} %{y:" + share + "}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_yaxes(tickformat=numbers.plotly_format("rate", digits=0), rangemode="tozero")
    fig.update_xaxes(tickformat="%m-%d")
    if notes and not daily.empty:
        add_marks(fig, notes, min(daily["date"]), max(daily["date"]))
    return _layout(fig, None, height)


# --- check-ins (issue 11) ---------------------------------------------------------------------------------------

# How much of a note the hover of a check-in shows (the table under the chart has all of it).
HOVER_NOTE_MAX = 140


def checkin_timeline(
    points: Sequence[TimelinePoint], labels: Mapping[str, str], height: int = 300, lang: Lang = "zh"
) -> go.Figure:
    """A KR's check-ins over time: the owner's confidence / 10 (0-1) at each check-in against the data's P(hit) as
    computed on that day, where the KR has one (`shopkr.app.checkins.TimelinePoint`), on one 0-100% axis.

    `labels` names the two lines ("confidence", "p_hit") and gives the hover's first line as a template with
    `{confidence}` ("hover_confidence": 信心 {confidence}/10). Hover text: the confidence, the author and the start of
    the note (HOVER_NOTE_MAX characters), user text escaped (`escape.plain`); P(hit) as the pages write it."""
    fig = go.Figure()
    hover = "%{x|%m-%d} %{customdata}<extra>%{fullData.name}</extra>"
    dates = [p.date for p in points]
    texts = []
    for p in points:
        note = p.note if len(p.note) <= HOVER_NOTE_MAX else p.note[:HOVER_NOTE_MAX] + "…"
        lines = [f"{labels['hover_confidence'].format(confidence=p.confidence)} · {p.author}"]
        texts.append(plain_lines([*lines, note] if note else lines))
    known = list({p.date: p for p in points if p.p_hit is not None}.values())  # one P(hit) per day
    if known:
        fig.add_trace(
            go.Scatter(
                x=[p.date for p in known],
                y=[p.p_hit for p in known],
                name=labels["p_hit"],
                mode="lines+markers",
                line={"color": MUTED, "width": 2, "dash": "dot"},
                marker={"size": 7, "symbol": "diamond"},
                customdata=numbers.hover_texts([p.p_hit for p in known], "probability", lang),
                hovertemplate=hover,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=[p.share for p in points],
            name=labels["confidence"],
            mode="lines+markers",
            line={"color": ACCENT, "width": 2.5},
            marker={"size": 8},
            customdata=texts,
            hovertemplate=hover,
        )
    )
    fig.update_yaxes(range=[-0.03, 1.03], tickformat=numbers.plotly_format("probability", digits=0))
    fig.update_xaxes(tickformat="%m-%d")
    return _layout(fig, None, height)


# --- notes on the charts (issue 11) ------------------------------------------------------------------------------

NOTE_COLOUR = "#8e44ad"  # notes people wrote
AB_COLOUR = "#e07b00"  # A/B test starts and ends
_BAND_FILL = {"note": "rgba(142, 68, 173, 0.09)", "ab": "rgba(224, 123, 0, 0.09)"}
MAX_LABELS = 4  # a chart with more marks than this shows no labels: lines and bands, the text in the hover only
LABEL_CHARS = 12  # a label is the start of the text; the hover has all of it


@dataclass(frozen=True)
class Mark:
    """A note or an A/B test's start or end on a time chart: one day (`start == end`, a dotted vertical line) or a
    range (a light band from `start` to `end`). `label`: the short text drawn beside it while the chart has at most
    MAX_LABELS marks (cut to LABEL_CHARS); `hover`: the full text, "\\n" between lines, shown on the small marker at
    the top of the line or band; `group`: the legend name of its kind (备注, A/B 测试); `kind`: "note" or "ab" (the
    colour). All plain text, escaped when drawn (`escape.plain`)."""

    start: dt.date
    end: dt.date
    label: str
    hover: str
    group: str
    kind: Literal["note", "ab"] = "note"


def _day(value: object) -> dt.date:
    return pd.Timestamp(value).date()


def add_marks(
    fig: go.Figure, marks: Sequence[Mark], first: object = None, last: object = None, *, labels: bool = True
) -> go.Figure:
    """Draw `marks` on a figure whose x axis is dates: a dotted vertical line per one-day mark, a light band per
    range, a small triangle at the top of each with the hover text, and, while there are at most MAX_LABELS marks
    (and `labels`), the start of each label beside it, staggered so neighbours do not overlap. Marks outside
    `first`..`last` (when given) are left out and ranges clipped to them, so a note never widens the axis. The
    triangles live on a hidden 0-1 axis over the plot (the y axis keeps its range). Returns the figure."""
    lo = _day(first) if first is not None else None
    hi = _day(last) if last is not None else None
    shown: list[Mark] = []
    for m in marks:
        start, end = m.start, max(m.end, m.start)
        if (hi is not None and start > hi) or (lo is not None and end < lo):
            continue
        start, end = max(start, lo) if lo else start, min(end, hi) if hi else end
        shown.append(dataclasses.replace(m, start=start, end=end))
    if not shown:
        return fig
    colours = {"note": NOTE_COLOUR, "ab": AB_COLOUR}
    with_labels = labels and len(shown) <= MAX_LABELS
    for i, m in enumerate(shown):
        colour = colours[m.kind]
        if m.start == m.end:
            fig.add_shape(
                type="line",
                xref="x",
                yref="paper",
                x0=m.start,
                x1=m.start,
                y0=0,
                y1=1,
                line={"color": colour, "dash": "dot", "width": 1.3},
            )
        else:
            fig.add_shape(
                type="rect",
                xref="x",
                yref="paper",
                x0=m.start,
                x1=m.end,
                y0=0,
                y1=1,
                fillcolor=_BAND_FILL[m.kind],
                line_width=0,
                layer="below",
            )
        if with_labels:
            text = m.label if len(m.label) <= LABEL_CHARS else m.label[:LABEL_CHARS] + "…"
            fig.add_annotation(
                x=m.start,
                y=0.93 - 0.09 * (i % MAX_LABELS),  # staggered below the triangles
                xref="x",
                yref="paper",
                xanchor="left",
                yanchor="top",
                xshift=3,
                showarrow=False,
                text=plain(text),
                font={"size": 10, "color": colour},
                bgcolor="rgba(255,255,255,0.8)",
            )
    axis = _free_y_axis(fig)
    fig.update_layout({f"yaxis{axis}": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True}})
    for group in dict.fromkeys(m.group for m in shown):
        part = [m for m in shown if m.group == group]
        fig.add_trace(
            go.Scatter(
                x=[m.start for m in part],
                y=[0.985] * len(part),
                yaxis=f"y{axis}",
                name=plain(group),
                mode="markers",
                marker={"symbol": "triangle-down", "size": 10, "color": [colours[m.kind] for m in part]},
                hovertext=[plain_lines(m.hover.split("\n")) for m in part],
                hoverinfo="text",
                cliponaxis=False,
            )
        )
    return fig


def _free_y_axis(fig: go.Figure) -> int:
    """The first y axis number (2, 3, ...) the figure does not use yet."""
    used = {getattr(t, "yaxis", None) or "y" for t in fig.data}
    used |= {"y" + key[len("yaxis") :] for key in fig.layout.to_plotly_json() if key.startswith("yaxis")}
    n = 2
    while f"y{n}" in used:
        n += 1
    return n
