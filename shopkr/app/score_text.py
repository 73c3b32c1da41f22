"""Plain-text views of scores: the terminal table, CSV, and the 日报 text for WeChat/DingTalk groups."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Mapping

from shopkr.app.i18n import Lang, problem_line, render, status_label, t
from shopkr.app.numbers import fmt
from shopkr.domain.engine import KR_JSON_FIELDS, CheckInMark, CycleReport, KRResult

STATUS_MARK = {"on_track": "🟢", "at_risk": "🟡", "off_track": "🔴", "no_data": "⚪", "error": "⚠", "done": "✔"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """Left-justify counting CJK characters as two columns (terminal alignment)."""
    if _width(text) > width:
        while text and _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def score_table(report: CycleReport, lang: Lang = "zh") -> str:
    """What an operator reads in a terminal: objectives, their KRs, values, scores, pace status."""
    c = report.cycle
    lines = [
        f"{c.id}  {c.start} ~ {c.end}   as of {report.as_of}"
        + ("   (closed: final grades)" if report.closed_at else "")
    ]
    if report.freshness:
        lines.append("数据截至 data through: " + ", ".join(f"{s} {d:%m-%d}" for s, d in report.freshness.items()))
    lines.append("")
    header = (
        f"{_pad('', 2)}{_pad('KR', 40)} {'value':>13} {'target':>13} {'score':>5} {'proj':>5} {'P(hit)':>6}  status"
    )
    for o in report.objectives:
        lines.append(
            f"{o.id}  {o.title}  [{o.owner} · {t('level.' + o.level, lang)} · {t('type.' + o.type, lang)}]  "
            f"score {fmt(o.score, 'score')}  projected {fmt(o.projected_score, 'score')}  "
            f"{status_label(o.status, lang)}"
        )
        lines.append(header)
        for k in o.key_results:
            value = fmt(k.value, k.unit, lang) if k.kind != "manual" else "manual"
            target = fmt(k.target, k.unit, lang) if k.target is not None else ""
            note = ""
            if k.advice:
                note = "  " + t("advice." + k.advice, lang)
            if k.message and k.status in ("no_data", "error"):
                note = "  " + render(k.message, "en")  # the command line speaks English
            through = f"  {k.data_through:%m-%d}" if k.data_through else ""
            lines.append(
                f"  {_pad(k.id + ' ' + k.title, 40)} {value:>13} {target:>13} {fmt(k.score, 'score'):>5} "
                f"{fmt(k.projected_score, 'score'):>5} {fmt(k.p_hit, 'probability'):>6}  {status_label(k.status, lang)}"
                f"{through}{note}"
            )
        lines.append("")
    for w in report.warnings:
        lines.append(f"! {problem_line(w)}")
    return "\n".join(lines).rstrip() + "\n"


# Text starting with one of these is run as a formula by spreadsheet programs (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value as a CSV cell that a person opens in a spreadsheet: text (titles, owners, names, messages) that
    starts with = + - @ tab or CR gets a leading single quote ' so it is shown as text, never run as a
    formula (the OWASP CSV injection advice); numbers (int and float, negative ones too) stay numbers at full
    precision; None stays an empty cell; dates become ISO text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def score_csv(report: CycleReport, checkins: Mapping[str, CheckInMark] | None = None) -> str:
    """One row per KR with its objective, for spreadsheets: numbers at full precision (as Python writes a
    float), text cells guarded against formula injection (`csv_cell`). The last two columns are the latest
    check-in's `confidence` (0-10) and `last_checkin` (its date), empty without one, as in the JSON (`checkins`:
    KR id -> latest check-in dated on or before as_of, shopkr.data.store.latest_checkins)."""
    out = io.StringIO()
    writer = csv.writer(out)
    fields = [
        "cycle",
        "as_of",
        "objective_id",
        "objective",
        "owner",
        "objective_score",
        "objective_status",
        "kr_id",
        "kr",
        *KR_JSON_FIELDS[2:],  # metric .. provisional_share: the JSON's KR fields after id and title
        "confidence",  # issue 11: the latest check-in, as the JSON's KR fields of the same names
        "last_checkin",
    ]
    writer.writerow(fields)
    for o in report.objectives:
        for k in o.key_results:
            row = [
                report.cycle.id,
                report.as_of,
                o.id,
                o.title,
                o.owner,
                o.score,
                o.status,
                k.id,
                k.title,
                k.metric or ("sql" if k.kind == "sql" else "manual"),
                *(getattr(k, f) for f in KR_JSON_FIELDS[3:]),  # value .. provisional_share, as the header
                *((mark.confidence, mark.date) if (mark := (checkins or {}).get(k.id)) is not None else (None, None)),
            ]
            writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def _attention(krs: list[KRResult]) -> KRResult | None:
    order = {"error": 0, "no_data": 1, "off_track": 2, "at_risk": 3}
    candidates = [k for k in krs if k.status in order]
    if not candidates:
        return None
    return min(candidates, key=lambda k: (order[k.status], k.projected_score))


def daily_report(report: CycleReport, owner: str, lang: Lang = "zh") -> str:
    """The 日报: each of the owner's KRs with score, change since yesterday and status, and the one KR that
    needs attention, as plain text ready to paste into a WeChat or DingTalk group."""
    objectives = [o for o in report.objectives if o.owner == owner]
    if not objectives:
        return t("report.no_krs", lang, owner=owner, cycle=report.cycle.id) + "\n"
    lines = [t("report.title", lang, owner=owner, cycle=report.cycle.id, as_of=f"{report.as_of:%Y-%m-%d}")]
    krs: list[KRResult] = []
    for o in objectives:
        lines.append(
            t(
                "report.objective",
                lang,
                id=o.id,
                title=o.title,
                score=fmt(o.score, "score"),
                status=status_label(o.status, lang),
            )
        )
        for k in o.key_results:
            krs.append(k)
            mark = STATUS_MARK.get(k.status, "·")
            if k.kind == "manual":
                lines.append(
                    "  "
                    + t(
                        "report.manual",
                        lang,
                        mark=mark,
                        title=k.title,
                        score=fmt(k.score, "score"),
                        status=status_label(k.status, lang),
                    )
                )
                continue
            if k.previous_score is None:
                change = t("report.no_previous", lang)
            elif abs(k.score - k.previous_score) < 0.005:
                change = t("report.no_change", lang)
            else:
                change = t("report.change", lang, delta=fmt(k.score - k.previous_score, "score", signed=True))
            lines.append(
                "  "
                + t(
                    "report.kr",
                    lang,
                    mark=mark,
                    title=k.title,
                    value=fmt(k.value, k.unit, lang, compact=True),
                    target=fmt(k.target, k.unit, lang, compact=True),
                    score=fmt(k.score, "score"),
                    change=change,
                    projected=fmt(k.projected_score, "score"),
                    status=status_label(k.status, lang),
                )
                + (t("report.p_hit", lang, p=fmt(k.p_hit, 'probability')) if k.p_hit is not None else "")
            )
    worst = _attention(krs)
    if worst is None:
        lines.append(t("report.all_good", lang))
    else:
        reason = (
            render(worst.message, lang)
            if worst.message
            else (t("advice." + worst.advice, lang) if worst.advice else status_label(worst.status, lang))
        )
        lines.append(t("report.attention", lang, title=f"{worst.id} {worst.title}", reason=reason))
    shops = sorted({k.filters.get("shop") for k in krs if k.filters.get("shop")})
    fresh = [f"{s} {report.freshness[s]:%m-%d}" for s in shops if s in report.freshness]
    if fresh:
        lines.append(t("report.freshness", lang, shops="，".join(fresh) if lang == "zh" else ", ".join(fresh)))
    return "\n".join(lines) + "\n"
