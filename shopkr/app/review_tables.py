"""The quarter-end review (复盘) as the 复盘 page, 总览 and `python -m shopkr review` show it: each objective's KRs
with the data score and the grade it is pre-filled with, the review's state, the review as text and the list of
overdue reviews.

Pure functions of a scored cycle (`engine.CycleReport`; a closed cycle's report carries its frozen grades) and the
stored reviews (`store.ObjectiveReview` from `store.read_reviews`); the writes are `store.save_review`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from shopkr.app.escape import md
from shopkr.app.i18n import Lang, t
from shopkr.app.numbers import fmt
from shopkr.data.store import DECISIONS, KRGrade, MissingReview, ObjectiveReview
from shopkr.domain.engine import CycleReport, KRResult, ObjectiveResult

State = Literal["complete", "incomplete", "not_started"]
QUESTIONS = ("worked", "did_not_work", "decision")  # the three answers a complete review has


def data_scores(report: CycleReport) -> dict[str, float]:
    """The data score of each KR, by id: the frozen closing score when the report's cycle is closed (`okrs close`;
    kr_closings), else the engine's score at the report's as-of date (capped at the cycle end), 0.0-1.0."""
    return {k.id: k.score for k in report.key_results}


@dataclass(frozen=True)
class GradeLine:
    """One KR on the review form: the KR as scored, its data score now (full precision), the grade the form starts
    with (the stored grade, else the data score rounded to the two decimals scores are shown with) and the stored
    grade (None until saved; its `data_score` is the one it was given beside)."""

    kr: KRResult
    data_score: float
    grade: float
    saved: KRGrade | None


@dataclass(frozen=True)
class Draft:
    """One objective on the review form: the objective as scored, its review as stored, and a line per KR."""

    objective: ObjectiveResult
    review: ObjectiveReview
    lines: tuple[GradeLine, ...]

    @property
    def state(self) -> State:
        """complete, incomplete (something saved, not all) or not_started."""
        return state(self.review)


def state(review: ObjectiveReview) -> State:
    """A review's state: complete (every KR graded, the three questions answered), incomplete (something saved)
    or not_started."""
    if review.complete:
        return "complete"
    return "incomplete" if review.started else "not_started"


def drafts(report: CycleReport, reviews: Sequence[ObjectiveReview], owner: str | None = None) -> list[Draft]:
    """The review form of each objective of `report` (only `owner`'s when given), in the report's order: a stored
    grade is shown as stored, a KR without one starts at its data score (`data_scores`, rounded to 0.01)."""
    scores = data_scores(report)
    stored = {r.objective_id: r for r in reviews}
    out = []
    for o in report.objectives:
        if owner is not None and o.owner != owner:
            continue
        review = stored.get(o.id) or ObjectiveReview(
            report.cycle.id, o.id, tuple(KRGrade(k.id, None) for k in o.key_results), owner=o.owner
        )
        graded = {g.kr_id: g for g in review.grades if g.grade is not None}
        lines = tuple(
            GradeLine(
                k, scores[k.id], graded[k.id].grade if k.id in graded else round(scores[k.id], 2), graded.get(k.id)
            )  # type: ignore[arg-type]
            for k in o.key_results
        )
        out.append(Draft(o, review, lines))
    return out


def to_review(
    draft: Draft,
    grades: Mapping[str, float | None],
    *,
    worked: str | None,
    did_not_work: str | None,
    decision: str | None,
    note: str | None,
) -> ObjectiveReview:
    """What the form holds, as the review to save (`store.save_review`): each KR's grade as entered (`grades` by KR
    id; a KR missing there keeps the form's starting grade) beside its data score now, and the answers as typed."""
    return ObjectiveReview(
        draft.review.cycle,
        draft.objective.id,
        tuple(KRGrade(x.kr.id, grades.get(x.kr.id, x.grade), x.data_score) for x in draft.lines),
        worked,
        did_not_work,
        decision,  # type: ignore[arg-type]  # checked by store.save_review
        note,
    )


def missing_answers(review: ObjectiveReview, lang: Lang) -> list[str]:
    """The questions of a review still unanswered, in words (做得好的, 没做好的, 继续·调整·停止)."""
    return [t(f"review.q.{q}", lang) for q in QUESTIONS if not getattr(review, q)]


def decision_text(review: ObjectiveReview, lang: Lang) -> str:
    """The decision in words with its note (继续 / 调整：换主图 ...); "–" when not decided."""
    if not review.decision:
        return "–"
    word = t(f"review.decision.{review.decision}", lang)
    if not review.decision_note:
        return word
    return f"{word}：{review.decision_note}" if lang == "zh" else f"{word}: {review.decision_note}"


def state_text(review: ObjectiveReview, lang: Lang) -> str:
    """The review's state in words, with what is still missing when it is incomplete."""
    s = state(review)
    text = t(f"review.state.{s}", lang)
    if s != "incomplete":
        return text
    left = []
    graded = sum(g.grade is not None for g in review.grades)
    if graded < len(review.grades):
        left.append(t("review.graded_count", lang, n=graded, total=len(review.grades)))
    left += missing_answers(review, lang)
    sep = "、" if lang == "zh" else ", "
    return t("review.state_missing", lang, state=text, what=sep.join(left))


def answer_md(text: str | None) -> str:
    """A multi-line answer for Markdown: each line escaped (`escape.md`), the lines kept as line breaks."""
    return "  \n".join(md(line) for line in (text or "").splitlines() if line.strip())


def review_text(report: CycleReport, reviews: Sequence[ObjectiveReview], owner: str | None, lang: Lang) -> str:
    """The reviews of a cycle as plain text (`python -m shopkr review show`): per objective its state, each KR's
    grade beside the data score (and the difference), the three answers and the decision with its note."""
    c = report.cycle
    closed = t("review.closed" if report.closed_at else "review.not_closed", lang)
    lines = [t("review.show_head", lang, cycle=c.id, start=c.start, end=c.end, closed=closed)]
    found = drafts(report, reviews, owner)
    if not found:
        lines.append(t("review.no_objectives", lang, owner=owner or "-", cycle=c.id))
    for d in found:
        o = d.objective
        lines += ["", f"{o.id}  {o.title}  ({o.owner})  {t('ui.score', lang)} {fmt(o.score, 'score')}"]
        lines.append("  " + state_text(d.review, lang))
        for x in d.lines:
            grade = fmt(x.saved.grade, "score") if x.saved is not None else "–"
            gap = ""
            if x.saved is not None and x.saved.gap is not None:
                gap = "  " + t("review.gap", lang, gap=fmt(x.saved.gap, "score", signed=True))
            data = fmt(x.data_score, "score")
            lines.append(f"  {x.kr.id:<12} {t('review.grade', lang)} {grade:<5} {t('review.data', lang)} {data}{gap}")
        r = d.review
        for q in ("worked", "did_not_work"):
            answer = (getattr(r, q) or "–").replace("\n", "\n      ")
            lines.append(f"  {t(f'review.q.{q}', lang)}: {answer}")
        lines.append(f"  {t('review.q.decision', lang)}: {decision_text(r, lang)}")
        if r.author and r.updated_at:
            lines.append("  " + t("review.saved_by", lang, who=r.author, at=f"{r.updated_at:%Y-%m-%d %H:%M}"))
    return "\n".join(lines) + "\n"


def overdue_line(item: MissingReview, today: dt.date, lang: Lang) -> str:
    """One overdue review as plain text (escape it for Markdown): owner, cycle, end, days since, how many of the
    owner's objectives still need their review and how many of those are started."""
    return t(
        "review.overdue_line",
        lang,
        owner=item.owner,
        cycle=item.cycle,
        end=item.end.isoformat(),
        days=(today - item.end).days,
        n=item.objectives,
        started=len(item.incomplete),
    )


def decision_options() -> tuple[str, ...]:
    """The three decisions in form order: continue, change, stop."""
    return DECISIONS
