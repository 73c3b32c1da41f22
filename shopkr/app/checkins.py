"""Check-ins (issue 11) as the pages and the command line show them: what a save did, the last check-in on a KR
card, the KRs without a check-in for a week, and one KR's timeline of confidence against the data's P(hit).

A check-in is an owner's confidence (a whole number 0-10) and a note on a KR for a day (shopkr.data.store:
`save_checkin` writes it, `checkins_of_kr` / `latest_checkins` / `stale_krs` read it). Its confidence / 10 is set
beside the forecast's P(hit) (shopkr/domain/forecast.py) as of the check-in's day: a wide gap between what the
owner feels and what the data project is worth a conversation.

No Streamlit, and no pandas at import: `score` and `checkin` on the command line load no data frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopkr.app.escape import md
from shopkr.app.i18n import Lang, t
from shopkr.app.numbers import fmt

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from shopkr.data.store import CheckIn, CheckInSave, StaleKR
    from shopkr.domain.forecast import PromoCalendar
    from shopkr.domain.okr import OKRFile

# A gap of this much between confidence / 10 and P(hit) (30 percentage points) is called out on KR详情.
GAP = 0.30


@dataclass(frozen=True)
class TimelinePoint:
    """One check-in on a KR's timeline with the KR's P(hit) as computed on its day (None where the KR has none:
    SQL and manual KRs, no data yet)."""

    date: dt.date
    author: str
    confidence: int
    note: str
    p_hit: float | None

    @property
    def share(self) -> float:
        """The confidence as a probability-like fraction: confidence / 10 (7 -> 0.7)."""
        return self.confidence / 10

    @property
    def gap(self) -> float | None:
        """|confidence / 10 - P(hit)| (0-1), None without a P(hit)."""
        return None if self.p_hit is None else abs(self.share - self.p_hit)


def p_hits(
    con: duckdb.DuckDBPyConnection,
    okrs: OKRFile,
    kr_id: str,
    days: Iterable[dt.date],
    calendar: PromoCalendar | None = None,
) -> dict[dt.date, float | None]:
    """Day -> the P(hit) of KR `kr_id` as `engine.score_cycle` computes it as of that day (the forecast from the
    data through that day, as the database holds them now; a closed cycle's frozen grades are not used), one
    scoring of that KR alone per distinct day. None where the KR has no P(hit) on that day (SQL and manual KRs,
    before its first data). KeyError for an unknown KR."""
    from shopkr.domain import engine  # the scoring (numpy, the forecast): only for the timeline

    o, kr = engine.find_kr(okrs, kr_id)
    # The KR alone (model_copy: no validation; an objective's parent may be left out): the forecast of one KR
    # does not depend on the others.
    alone = okrs.model_copy(update={"objectives": [o.model_copy(update={"key_results": [kr]})], "ab_tests": []})
    out: dict[dt.date, float | None] = {}
    for day in sorted(set(days)):
        report = engine.score_cycle(con, alone, o.cycle, day, use_closing=False, calendar=calendar)
        out[day] = report.key_results[0].p_hit
    return out


def timeline(checkins: Sequence[CheckIn], p_hit: Mapping[dt.date, float | None]) -> list[TimelinePoint]:
    """The check-ins (in the order given: `store.checkins_of_kr` gives timeline order) with the P(hit) of their day
    (`p_hits`; a day missing there has None)."""
    return [TimelinePoint(c.date, c.author, c.confidence, c.note, p_hit.get(c.date)) for c in checkins]


def large_gap(points: Sequence[TimelinePoint], threshold: float = GAP) -> TimelinePoint | None:
    """The latest check-in that has a P(hit), when its confidence / 10 and that P(hit) differ by `threshold` or
    more (0.30: 30 percentage points); else None (the latest one is what a conversation starts from)."""
    known = [p for p in points if p.p_hit is not None]
    if not known:
        return None
    last = known[-1]
    return last if last.gap is not None and last.gap >= threshold - 1e-9 else None


def gap_text(point: TimelinePoint, lang: Lang = "zh") -> str:
    """The one line KR详情 shows under a large gap (信心与数据预测相差较大，值得在1对1中聊一聊 ...)."""
    return t(
        "checkin.gap",
        lang,
        date=f"{point.date:%m-%d}",
        confidence=point.confidence,
        p_hit=fmt(point.p_hit, "probability", lang),
    )


def saved_text(saved: CheckInSave, lang: Lang = "zh") -> str:
    """What a save did, in words: new, edited (the same author's check-in of that day, made today) or unchanged,
    with the KR, the date, the confidence and the author (plain text: the CLI prints it; a page escapes it)."""
    c = saved.checkin
    key = "checkin.saved_new" if saved.created else "checkin.saved_edit" if saved.changed else "checkin.saved_same"
    return t(key, lang, kr=c.kr_id, date=c.date.isoformat(), confidence=c.confidence, author=c.author)


def note_text(note: str, lang: Lang = "zh") -> str:
    """The note line under a saved check-in (plain text), "" without a note."""
    return t("checkin.saved_note", lang, note=note) if note else ""


def last_markdown(checkin: CheckIn | None, lang: Lang = "zh") -> str:
    """The last check-in on a KR card as Markdown: its date, author and confidence, then its note, the user's
    text escaped (`escape.md`); "还没有打卡。" without one."""
    if checkin is None:
        return t("checkin.none_yet", lang)
    head = t(
        "checkin.last",
        lang,
        date=f"{checkin.date:%m-%d}",
        author=md(checkin.author),
        confidence=checkin.confidence,
    )
    return f"{head}  \n{md(checkin.note)}" if checkin.note else head


def stale_markdown(stale: Sequence[StaleKR], lang: Lang = "zh") -> list[str]:
    """One Markdown line per KR without a check-in for 7 days (titles escaped): when it was checked in last and how
    many days ago, or that it has no check-in yet this cycle."""
    lines = []
    for s in stale:
        if s.last is None:
            lines.append(t("checkin.stale_never", lang, kr=md(s.kr_id), title=md(s.title)))
        else:
            lines.append(
                t("checkin.stale_line", lang, kr=md(s.kr_id), title=md(s.title), date=f"{s.last:%m-%d}", days=s.days)
            )
    return lines


def table(points: Sequence[TimelinePoint], lang: Lang = "zh") -> pd.DataFrame:
    """The check-ins of a KR as KR详情's table, newest first: date, author, confidence (0-10), the P(hit) of that
    day as the pages write it (53%, – without one) and the note, with translated column names. A data frame shows
    cells as plain text, so user text needs no escaping here."""
    import pandas as pd

    rows = [(p.date, p.author, p.confidence, fmt(p.p_hit, "probability", lang), p.note) for p in reversed(points)]
    names = ("date", "author", "confidence", "p_hit", "note")
    return pd.DataFrame(rows, columns=[t(f"checkin.col.{n}", lang) for n in names])
