"""Everyone who owns OKRs, across cycles: their objectives in one cycle and their scores in earlier cycles.

Pure functions of scored cycles (`engine.CycleReport`, one per cycle; a closed cycle's report carries its
frozen grades). OKR scores are for learning and alignment, never for bonuses; the page says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from shopkr.app.escape import md
from shopkr.app.i18n import Lang, t
from shopkr.app.numbers import fmt
from shopkr.app.review_tables import Draft, answer_md, decision_text
from shopkr.data.store import ObjectiveReview
from shopkr.domain.engine import CycleReport, ObjectiveResult

LEVELS = ("company", "department", "team", "individual")
QUIET = ("not_started", "no_data")  # statuses without a score to colour


@dataclass(frozen=True)
class CycleScore:
    """One person's result in one cycle: objective count and mean objective score."""

    cycle: str
    start: dt.date
    end: dt.date
    objectives: int
    score: float | None  # plain mean of the person's objective scores; None without objectives
    status: str | None  # not_started / no_data when every objective has it, else None
    closed: bool  # grades frozen (cycle closed)


@dataclass(frozen=True)
class Person:
    """An OKR owner: levels, objectives and mean score in the selected cycle, earlier cycles oldest first."""

    name: str
    levels: tuple[str, ...]
    objectives: tuple[ObjectiveResult, ...]
    score: float | None
    status: str | None
    history: tuple[CycleScore, ...]


def mean_and_status(objectives: Sequence[ObjectiveResult]) -> tuple[float | None, str | None]:
    """Mean objective score (None without objectives) and the shared status when all are not_started or
    all are no_data (so the score shows grey), else None."""
    if not objectives:
        return None, None
    score = sum(o.score for o in objectives) / len(objectives)
    statuses = {o.status for o in objectives}
    status = statuses.pop() if len(statuses) == 1 and next(iter(statuses)) in QUIET else None
    return score, status


def ordered_levels(objectives: Sequence[ObjectiveResult]) -> tuple[str, ...]:
    """The distinct levels of the objectives, highest first (company, department, team, individual)."""
    found = {o.level for o in objectives}
    return tuple(level for level in LEVELS if level in found) + tuple(sorted(found - set(LEVELS)))


def _order(report: CycleReport) -> tuple[dt.date, dt.date, str]:
    return report.cycle.start, report.cycle.end, report.cycle.id


def people(reports: Sequence[CycleReport], cycle_id: str) -> list[Person]:
    """Every owner of any objective in `reports`, with their objectives in `cycle_id` and their results in
    the cycles before it (those starting earlier, or as early but ending earlier), oldest first.

    Owners of the selected cycle come first, by their highest level and then by first appearance; owners
    without objectives in it follow by name. Raises KeyError when `cycle_id` is not among the reports."""
    by_id = {r.cycle.id: r for r in reports}
    current = by_id[cycle_id]
    earlier = sorted((r for r in reports if _order(r) < _order(current)), key=_order)
    names: dict[str, None] = {o.owner: None for o in current.objectives}
    others = sorted({o.owner for r in reports for o in r.objectives} - set(names))
    result = []
    for name in [*names, *others]:
        mine = tuple(o for o in current.objectives if o.owner == name)
        ever = [o for r in reports for o in r.objectives if o.owner == name]
        score, status = mean_and_status(mine)
        history = []
        for r in earlier:
            theirs = [o for o in r.objectives if o.owner == name]
            if theirs:
                s, st = mean_and_status(theirs)
                closed = r.closed_at is not None
                history.append(CycleScore(r.cycle.id, r.cycle.start, r.cycle.end, len(theirs), s, st, closed))
        result.append(Person(name, ordered_levels(mine or ever), mine, score, status, tuple(history)))
    rank = {level: i for i, level in enumerate(LEVELS)}
    first = {name: i for i, name in enumerate(names)}

    def key(p: Person) -> tuple:
        if p.name in first:
            return (0, rank.get(p.levels[0], len(LEVELS)) if p.levels else len(LEVELS), first[p.name], "")
        return (1, 0, 0, p.name)

    return sorted(result, key=key)


def history_frame(person: Person, lang: Lang) -> pd.DataFrame:
    """A person's earlier cycles as a small table: cycle, objectives, mean score, graded (closed or live)."""
    rows = [
        {
            t("people.col.cycle", lang): h.cycle,
            t("people.col.objectives", lang): h.objectives,
            t("people.col.score", lang): None if h.score is None or h.status in QUIET else round(h.score, 2),
            t("people.col.graded", lang): t("people.closed" if h.closed else "people.live", lang),
        }
        for h in person.history
    ]
    keys = ["cycle", "objectives", "score", "graded"]
    return pd.DataFrame(rows, columns=[t("people.col." + k, lang) for k in keys])


def score_grid(persons: Sequence[Person], cycle_id: str) -> pd.DataFrame:
    """Long frame of mean scores for a people × cycles chart: person, cycle, score, status, objectives.

    One row per person and cycle in which they own objectives: the earlier cycles and `cycle_id`. `cycle` is
    categorical, ordered oldest first with `cycle_id` last; people keep the given order."""
    rows, starts = [], {}
    for p in persons:
        for h in p.history:
            starts[h.cycle] = (h.start, h.end)
            rows.append(
                {"person": p.name, "cycle": h.cycle, "score": h.score, "status": h.status, "objectives": h.objectives}
            )
        if p.objectives:
            rows.append(
                {
                    "person": p.name,
                    "cycle": cycle_id,
                    "score": p.score,
                    "status": p.status,
                    "objectives": len(p.objectives),
                }
            )
    order = [*sorted(starts, key=lambda c: (*starts[c], c)), cycle_id]
    df = pd.DataFrame(rows, columns=["person", "cycle", "score", "status", "objectives"])
    df["cycle"] = pd.Categorical(df["cycle"], categories=order, ordered=True)
    return df


# --- quarter-end reviews (issue 11): past reviews next to past scores ------------------------------------------


@dataclass(frozen=True)
class ReviewedObjective:
    """One of a person's objectives in an earlier cycle with its score there and its review as stored (grades by
    KR, the answers; `titles` KR id -> title for the grade lines)."""

    id: str
    title: str
    score: float
    status: str
    review: ObjectiveReview
    titles: dict[str, str]


@dataclass(frozen=True)
class PastReview:
    """A person's quarter-end review of one earlier cycle: their objectives there, each with its review."""

    cycle: str
    objectives: tuple[ReviewedObjective, ...]

    @property
    def started(self) -> bool:
        """Anything saved for any of the objectives."""
        return any(o.review.started for o in self.objectives)

    @property
    def complete(self) -> bool:
        """Every objective's review complete (every KR graded, the three questions answered)."""
        return all(o.review.complete for o in self.objectives)


def past_reviews(
    reports: Sequence[CycleReport], reviews: Mapping[str, Sequence[ObjectiveReview]], cycle_id: str
) -> dict[str, list[PastReview]]:
    """Per owner, the reviews of the cycles before `cycle_id` (the cycles of `Person.history`, oldest first) in
    which they own objectives: each objective's score in that cycle beside its review (`reviews`: cycle id -> the
    stored reviews, `store.read_reviews`). Raises KeyError when `cycle_id` is not among the reports."""
    by_id = {r.cycle.id: r for r in reports}
    current = by_id[cycle_id]
    out: dict[str, list[PastReview]] = {}
    for r in sorted((r for r in reports if _order(r) < _order(current)), key=_order):
        stored = {x.objective_id: x for x in reviews.get(r.cycle.id, ())}
        mine: dict[str, list[ReviewedObjective]] = {}
        for o in r.objectives:
            review = stored.get(o.id) or ObjectiveReview(r.cycle.id, o.id, owner=o.owner)
            titles = {k.id: k.title for k in o.key_results}
            mine.setdefault(o.owner, []).append(ReviewedObjective(o.id, o.title, o.score, o.status, review, titles))
        for name, objectives in mine.items():
            out.setdefault(name, []).append(PastReview(r.cycle.id, tuple(objectives)))
    return out


def past_review_markdown(past: PastReview, lang: Lang) -> list[str]:
    """A past review as Markdown blocks (user text escaped): per objective a line with its score, the owner's grade
    of each KR beside the data score, the decision with its note, then the two answers."""
    blocks = []
    for o in past.objectives:
        r = o.review
        head = f"**{md(o.id)} {md(o.title)}** · {t('ui.score', lang)} {fmt(o.score, 'score')}"
        grades = [
            t("review.grade_line", lang, kr=md(g.kr_id), grade=fmt(g.grade, "score"), data=fmt(g.data_score, "score"))
            for g in r.grades
            if g.grade is not None
        ]
        lines = [head, " · ".join(grades) if grades else t("review.no_grades", lang)]
        lines.append(t("review.labelled", lang, label=t("review.q.decision", lang), text=md(decision_text(r, lang))))
        for q in ("worked", "did_not_work"):
            text = answer_md(getattr(r, q)) or "–"
            lines.append(t("review.labelled", lang, label=t(f"review.q.{q}", lang), text=text))
        blocks.append("  \n".join(lines))
    return blocks


def draft_markdown(draft: Draft, lang: Lang) -> list[str]:
    """One objective's review (a 复盘 page draft) as the read-only Markdown blocks of `past_review_markdown`, for a
    reader whose role may not edit it."""
    o = draft.objective
    titles = {k.id: k.title for k in o.key_results}
    reviewed = ReviewedObjective(o.id, o.title, o.score, o.status, draft.review, titles)
    return past_review_markdown(PastReview(draft.review.cycle, (reviewed,)), lang)
