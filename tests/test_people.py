"""Per-person summaries across cycles (shopkr/app/people_tables.py): who, levels, objectives, mean scores, earlier
cycles."""

from __future__ import annotations

import datetime as dt

import pytest

from shopkr.app import people_tables
from shopkr.domain.engine import CycleReport, ObjectiveResult
from shopkr.domain.okr import Cycle

Q3 = Cycle(id="2026-Q3", start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30))
Q4 = Cycle(id="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))
OCT = Cycle(id="2026-10", start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))
NOV = Cycle(id="2026-11", start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
Q1 = Cycle(id="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))


def obj(oid: str, owner: str, score: float, level: str = "individual", status: str = "on_track") -> ObjectiveResult:
    return ObjectiveResult(
        oid, f"title {oid}", owner, level, None, "top-down", "aspirational", score, score, status, ()
    )


def report(cycle: Cycle, *objectives: ObjectiveResult, closed: bool = False) -> CycleReport:
    closed_at = dt.datetime(2026, 10, 1, 9, 0) if closed else None
    return CycleReport(cycle, dt.date(2026, 11, 27), tuple(objectives), (), closed_at)


REPORTS = [
    report(
        Q4,
        obj("O3", "张伟", 0.39, "department"),
        obj("O4", "陈晨", 0.94, "team"),
        obj("O1", "王总", 0.42, "company"),
        obj("O2", "李娜", 0.5, "department"),
        obj("O2b", "李娜", 0.7, "individual"),
    ),
    report(
        Q3, obj("Q3-O1", "王总", 0.84, "company"), obj("Q3-O2", "李娜", 0.76), obj("Q3-O9", "老周", 0.3), closed=True
    ),
    report(Q1, obj("N1", "王总", 0.0, "company", "not_started")),
]


def by_name(persons: list[people_tables.Person]) -> dict[str, people_tables.Person]:
    return {p.name: p for p in persons}


def test_everyone_who_owns_okrs_in_any_cycle_ordered_by_level_then_appearance():
    persons = people_tables.people(REPORTS, "2026-Q4")
    # Owners of Q4 by highest level (company, department, team), ties by first appearance; then others by name.
    assert [p.name for p in persons] == ["王总", "张伟", "李娜", "陈晨", "老周"]


def test_current_cycle_objectives_levels_and_mean_score():
    li = by_name(people_tables.people(REPORTS, "2026-Q4"))["李娜"]
    assert [o.id for o in li.objectives] == ["O2", "O2b"]
    assert li.levels == ("department", "individual")
    assert li.score == pytest.approx(0.6)  # plain mean of 0.5 and 0.7
    assert li.status is None


def test_earlier_cycles_only_oldest_first_with_frozen_flag():
    persons = by_name(people_tables.people(REPORTS, "2026-Q4"))
    wang = persons["王总"]
    assert [h.cycle for h in wang.history] == ["2026-Q3"]  # 2027-Q1 is later: not history
    h = wang.history[0]
    assert (h.objectives, h.score, h.closed, h.start, h.end) == (1, 0.84, True, Q3.start, Q3.end)
    assert persons["陈晨"].history == ()


def test_owner_without_objectives_in_the_selected_cycle():
    zhou = by_name(people_tables.people(REPORTS, "2026-Q4"))["老周"]
    assert zhou.objectives == () and zhou.score is None and zhou.status is None
    assert zhou.levels == ("individual",)  # from the cycles they did own
    assert [h.cycle for h in zhou.history] == ["2026-Q3"]


def test_earliest_cycle_has_no_history_and_later_owners_still_listed():
    persons = people_tables.people(REPORTS, "2026-Q3")
    assert [p.name for p in persons][:3] == ["王总", "李娜", "老周"]
    assert all(p.history == () for p in persons)
    assert {p.name for p in persons} == {"王总", "李娜", "老周", "张伟", "陈晨"}


def test_not_started_cycle_is_grey():
    wang = by_name(people_tables.people(REPORTS, "2027-Q1"))["王总"]
    assert (wang.score, wang.status) == (0.0, "not_started")
    assert [h.cycle for h in wang.history] == ["2026-Q3", "2026-Q4"]


def test_overlapping_cycles_earlier_means_starts_earlier_or_ends_earlier():
    reports = [report(Q4, obj("A", "甲", 0.5)), report(OCT, obj("B", "甲", 0.6)), report(NOV, obj("C", "甲", 0.7))]
    (p,) = people_tables.people(reports, "2026-Q4")
    assert [h.cycle for h in p.history] == ["2026-10"]  # same start, ends earlier; 2026-11 starts later
    (p,) = people_tables.people(reports, "2026-11")
    assert [h.cycle for h in p.history] == ["2026-10", "2026-Q4"]


def test_unknown_cycle_raises():
    with pytest.raises(KeyError):
        people_tables.people(REPORTS, "2025-Q1")


@pytest.mark.parametrize(
    ("statuses", "scores", "expected"),
    [
        ([], [], (None, None)),
        (["on_track"], [0.7], (0.7, None)),
        (["on_track", "off_track"], [0.9, 0.1], (0.5, None)),
        (["not_started", "not_started"], [0.0, 0.0], (0.0, "not_started")),
        (["no_data"], [0.0], (0.0, "no_data")),
        (["no_data", "on_track"], [0.0, 0.8], (0.4, None)),  # one objective with data: show the colour
        (["done", "done"], [1.0, 0.6], (0.8, None)),
    ],
)
def test_mean_and_status(statuses, scores, expected):
    objectives = [obj(f"O{i}", "x", s, status=st) for i, (s, st) in enumerate(zip(scores, statuses, strict=True))]
    score, status = people_tables.mean_and_status(objectives)
    assert (score if score is None else round(score, 10), status) == expected


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ([], ()),
        (["individual", "company"], ("company", "individual")),
        (["team", "team", "department"], ("department", "team")),
    ],
)
def test_ordered_levels(levels, expected):
    assert people_tables.ordered_levels([obj(f"O{i}", "x", 0.5, lvl) for i, lvl in enumerate(levels)]) == expected


@pytest.mark.parametrize(
    ("lang", "columns", "graded"),
    [
        ("zh", ["周期", "目标数", "平均得分", "成绩"], "已结算（成绩冻结）"),
        ("en", ["Cycle", "Objectives", "Mean score", "Grades"], "closed (frozen)"),
    ],
)
def test_history_frame(lang, columns, graded):
    li = by_name(people_tables.people(REPORTS, "2026-Q4"))["李娜"]
    frame = people_tables.history_frame(li, lang)
    assert frame.columns.tolist() == columns
    assert frame.values.tolist() == [["2026-Q3", 1, 0.76, graded]]
    chen = by_name(people_tables.people(REPORTS, "2026-Q4"))["陈晨"]
    assert people_tables.history_frame(chen, lang).empty


def test_history_frame_hides_scores_without_data_and_marks_live_cycles():
    reports = [report(Q4, obj("A", "甲", 0.5)), report(Q3, obj("B", "甲", 0.0, status="no_data"))]
    (p,) = people_tables.people(reports, "2026-Q4")
    assert people_tables.history_frame(p, "en").values.tolist() == [["2026-Q3", 1, None, "not closed (live)"]]


def test_score_grid_rows_and_cycle_order():
    persons = people_tables.people(REPORTS, "2026-Q4")
    grid = people_tables.score_grid(persons, "2026-Q4")
    assert list(grid["cycle"].cat.categories) == ["2026-Q3", "2026-Q4"]
    rows = [(r.person, r.cycle, round(r.score, 2), r.objectives) for r in grid.itertuples()]
    assert rows == [
        ("王总", "2026-Q3", 0.84, 1),
        ("王总", "2026-Q4", 0.42, 1),
        ("张伟", "2026-Q4", 0.39, 1),
        ("李娜", "2026-Q3", 0.76, 1),
        ("李娜", "2026-Q4", 0.6, 2),
        ("陈晨", "2026-Q4", 0.94, 1),
        ("老周", "2026-Q3", 0.3, 1),
    ]


def test_score_grid_chart_colours_by_band():
    from shopkr.app import charts

    grid = people_tables.score_grid(people_tables.people(REPORTS, "2026-Q4"), "2026-Q4")
    fig = charts.score_grid(grid, {"score": "Score", "objectives": "Objectives"})
    heat = fig.data[0]
    assert list(heat.x) == ["2026-Q3", "2026-Q4"]
    assert list(heat.y) == ["老周", "陈晨", "李娜", "张伟", "王总"]
    z = dict(zip(heat.y, heat.z.tolist(), strict=True))
    assert z["王总"] == [3, 2]  # 0.84 green, 0.42 yellow
    assert z["张伟"][1] == 1  # 0.39 red
    assert z["陈晨"][0] != z["陈晨"][0]  # NaN: no OKRs in Q3
    assert dict(zip(heat.y, heat.text.tolist(), strict=True))["李娜"] == ["0.76", "0.60"]
