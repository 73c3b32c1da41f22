"""Issue 11: the quarter-end review (复盘) and the objective roll-up (`children_score`).

A tiny database (`tmp_db`, a parent objective with two children and a grandchild, a few shop rows) for the store,
the pre-fill, the overdue list, the roll-up, the JSON and the CLI; the demo (`db`, 2026-Q3 closed) for one AppTest
session: a review saved on the 复盘 page shows on 成员, and 总览 lists the reviews still missing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_engine import write

from shopkr.app import cli, review_tables
from shopkr.app.i18n import render
from shopkr.data import closing, store
from shopkr.domain import engine
from shopkr.domain.okr import validate

ROOT = Path(__file__).resolve().parents[1]
D = dt.date
CYCLE = "2026-11"  # implied: 2026-11-01 .. 2026-11-30
END = D(2026, 11, 30)
AFTER = D(2026, 12, 1)  # the day after the cycle: it has ended
SHOP = "复盘测试店"

OKRS = {
    "objectives": [
        {
            "id": "P",
            "cycle": CYCLE,
            "title": "公司目标",
            "owner": "老板",
            "level": "company",
            "key_results": [
                {"id": "P.KR1", "title": "支付金额 1 万", "metric": "gmv", "filters": {"shop": SHOP}, "target": 10000},
                {"id": "P.KR2", "title": "宣传册", "manual": 0.8},
            ],
        },
        {
            "id": "C1",
            "cycle": CYCLE,
            "title": "部门一",
            "owner": "李娜",
            "level": "department",
            "parent": "P",
            "origin": "bottom-up",
            "key_results": [{"id": "C1.KR1", "title": "手动一", "manual": 0.5}],
        },
        {
            "id": "C2",
            "cycle": CYCLE,
            "title": "部门二",
            "owner": "张伟",
            "level": "department",
            "parent": "P",
            "origin": "bottom-up",
            "key_results": [{"id": "C2.KR1", "title": "手动二", "manual": 0.9}],
        },
        {
            "id": "G1",
            "cycle": CYCLE,
            "title": "小组",
            "owner": "陈晨",
            "level": "team",
            "parent": "C1",
            "origin": "bottom-up",
            "key_results": [{"id": "G1.KR1", "title": "手动三", "manual": 0.2}],
        },
    ]
}
ROWS = [
    {"platform": "taobao", "shop": SHOP, "date": D(2026, 11, 1), "gmv": 3000.0, "visitors": 100, "buyers": 10},
    {"platform": "taobao", "shop": SHOP, "date": D(2026, 11, 2), "gmv": 1000.0, "visitors": 100, "buyers": 10},
]
LATE_ROW = {"platform": "taobao", "shop": SHOP, "date": D(2026, 11, 3), "gmv": 2000.0, "visitors": 100, "buyers": 10}


def definitions():
    okrs, problems = validate(OKRS)
    assert okrs is not None, problems
    return okrs


@pytest.fixture
def tiny(tmp_db: Path) -> Path:
    """The tiny OKRs and two days of one shop's data (P.KR1 scores 0.4)."""
    with store.connect(tmp_db) as con:
        store.save_okrs(con, definitions(), user="test")
        write(con, "shop_daily", ROWS)
    return tmp_db


def score(con, as_of: dt.date = AFTER) -> engine.CycleReport:
    return engine.score_cycle(con, store.read_okrs(con), CYCLE, as_of)


def counts(con) -> tuple:
    """What a refused save must leave as it was: review rows, history rows, the data version."""
    return (
        store.one(con, "SELECT count(*) FROM kr_reviews")[0],
        store.one(con, "SELECT count(*) FROM objective_reviews")[0],
        store.one(con, "SELECT count(*) FROM okr_changes")[0],
        store.get_meta(con, "data_version"),
    )


def review(objective: str = "C1", grades=(("C1.KR1", 0.6, 0.5),), **answers) -> store.ObjectiveReview:
    return store.ObjectiveReview(CYCLE, objective, tuple(store.KRGrade(*g) for g in grades), **answers)


FULL = {
    "worked": "详情页改版\n卖点讲清楚",
    "did_not_work": "流量没有起来",
    "decision": "change",
    "decision_note": "换主图",
}


# --- the roll-up: children_score ----------------------------------------------------------------------------------


def test_children_score_is_the_mean_of_the_direct_children(tiny):
    with store.connect(tiny) as con:
        report = score(con)
    by_id = {o.id: o for o in report.objectives}
    assert by_id["C1"].score == 0.5 and by_id["C2"].score == 0.9 and by_id["G1"].score == 0.2
    assert by_id["P"].score == pytest.approx((0.4 + 0.8) / 2)  # its own KRs only
    # direct children only: C1 and C2 (G1, P's grandchild, counts in C1's children_score, not in P's)
    assert by_id["P"].children_score == pytest.approx((0.5 + 0.9) / 2)
    assert by_id["C1"].children_score == pytest.approx(0.2)
    assert by_id["C2"].children_score is None and by_id["G1"].children_score is None


def test_children_score_in_the_json_and_the_score_command(tiny, capsys):
    with store.connect(tiny) as con:
        doc = engine.to_json(score(con))
    scores = {o["id"]: o["children_score"] for o in doc["objectives"]}
    assert scores["P"] == pytest.approx(0.7) and scores["C1"] == pytest.approx(0.2)
    assert scores["C2"] is None and scores["G1"] is None
    code = cli.main(["score", "--cycle", CYCLE, "--as-of", "2026-12-01", "--format", "json", "--db", str(tiny)])
    assert code == 0
    printed = {o["id"]: o["children_score"] for o in json.loads(capsys.readouterr().out)["objectives"]}
    assert printed["P"] == pytest.approx(0.7) and printed["G1"] is None


# --- saving, editing, history --------------------------------------------------------------------------------------


def test_save_then_edit_a_review_with_its_history(tiny):
    with store.connect(tiny) as con:
        first = store.save_review(con, review(**FULL), user="李娜", today=AFTER)
        assert {(c.entity, c.entity_id, c.field) for c in first} == {
            ("review", "C1.KR1", "grade"),
            ("review", "C1.KR1", "data_score"),
            ("review", "C1", "worked"),
            ("review", "C1", "did_not_work"),
            ("review", "C1", "decision"),
            ("review", "C1", "decision_note"),
        }
        (c1,) = [r for r in store.read_reviews(con, CYCLE) if r.objective_id == "C1"]
        assert c1.complete and c1.owner == "李娜" and c1.author == "李娜"
        assert c1.grades == (store.KRGrade("C1.KR1", 0.6, 0.5, "李娜", c1.grades[0].updated_at),)
        assert c1.grades[0].gap == pytest.approx(0.1)
        assert c1.worked == "详情页改版\n卖点讲清楚" and c1.decision == "change"
        history = store.run(
            con, "SELECT user_name, entity_id, field, old_value, new_value FROM okr_changes WHERE entity = 'review'"
        )
        assert ("李娜", "C1.KR1", "grade", None, "0.6") in history and len(history) == 6
        version = store.get_meta(con, "data_version")

        # the same review again: nothing differs, nothing written
        assert store.save_review(con, review(**FULL), user="李娜", today=AFTER) == []
        assert store.get_meta(con, "data_version") == version

        # an edit by someone else: the changed fields only, with their old values; the grade stays
        edited = store.save_review(con, review(grades=(), **{**FULL, "decision": "stop"}), user="王总", today=AFTER)
        assert [(c.field, c.old, c.new) for c in edited] == [("decision", "change", "stop")]
        after = store.read_review(con, CYCLE, "C1")
        assert after.decision == "stop" and after.author == "王总" and after.grades[0].grade == 0.6
        assert store.get_meta(con, "data_version") != version
        assert len(store.run(con, "SELECT 1 FROM okr_changes WHERE entity = 'review'")) == 7


def test_grades_first_answers_later(tiny):
    with store.connect(tiny) as con:
        store.save_review(con, review(), user="李娜", today=AFTER)
        partial = store.read_review(con, CYCLE, "C1")
        assert partial.started and partial.graded and not partial.complete
        assert review_tables.state(partial) == "incomplete"
        assert review_tables.missing_answers(partial, "zh") == ["做得好的", "没做好的", "继续 · 调整 · 停止"]
        store.save_review(con, review(grades=(), **FULL), user="李娜", today=AFTER)
        assert store.read_review(con, CYCLE, "C1").complete
        untouched = store.read_review(con, CYCLE, "P")
        assert not untouched.started and review_tables.state(untouched) == "not_started"


@pytest.mark.parametrize(
    ("bad", "today", "code"),
    [
        (review(), END, "review.error.not_ended"),  # the last day of the cycle: not ended yet
        (review(grades=(("C1.KR1", 1.5, 0.5),)), AFTER, "review.error.grade_range"),
        (review(grades=(("C1.KR1", 70, 0.5),)), AFTER, "review.error.grade_range"),
        (review(grades=(("C1.KR1", -0.1, 0.5),)), AFTER, "review.error.grade_range"),
        (review(grades=(("C1.KR1", "abc", 0.5),)), AFTER, "review.error.grade_not_number"),
        (review(grades=(("C1.KR1", math.nan, 0.5),)), AFTER, "review.error.grade_not_number"),
        (review(grades=(("C1.KR1", True, 0.5),)), AFTER, "review.error.grade_not_number"),
        (review(grades=(("C2.KR1", 0.5, 0.9),)), AFTER, "review.error.kr_not_in_objective"),
        (review(grades=(("C1.KR1", 0.5, 0.5), ("C1.KR1", 0.6, 0.5))), AFTER, "review.error.kr_twice"),
        (review(grades=(("C1.KR1", 0.5, 2.0),)), AFTER, "review.error.data_score"),
        (review(decision="pause"), AFTER, "review.error.decision"),
        (review(worked="好" * 4001), AFTER, "review.error.too_long"),
        (review("NOPE"), AFTER, "review.error.unknown_objective"),
        (store.ObjectiveReview("2025-Q1", "C1"), AFTER, "review.error.unknown_cycle"),
    ],
)
def test_refusals_write_nothing(tiny, bad, today, code):
    with store.connect(tiny) as con:
        before = counts(con)
        with pytest.raises(store.ReviewError) as exc:
            store.save_review(con, bad, user="李娜", today=today)
        assert exc.value.code == code
        assert counts(con) == before
    words = render(exc.value, "zh")
    assert words != code and not words.startswith("review.")  # a sentence a person reads


def test_a_blank_user_is_refused(tiny):
    with store.connect(tiny) as con, pytest.raises(store.ReviewError) as exc:
        store.save_review(con, review(), user="  ", today=AFTER)
    assert exc.value.code == "review.error.no_user"


def test_a_cycle_closed_before_its_end_can_be_reviewed(tiny):
    inside = D(2026, 11, 20)
    with store.connect(tiny) as con:
        with pytest.raises(store.ReviewError):
            store.save_review(con, review(), user="李娜", today=inside)
        closing.close_cycle(con, store.read_okrs(con), CYCLE, user="test", as_of=inside, final=True)
        assert store.save_review(con, review(), user="李娜", today=inside)
        assert store.review_cycles(con, inside) == [CYCLE]
    with store.connect(tiny) as con:
        assert store.review_cycles(con, END) == [CYCLE]  # closed
        store.run(con, "UPDATE okr_cycles SET closed_at = NULL")
        assert store.review_cycles(con, END) == [] and store.review_cycles(con, AFTER) == [CYCLE]


# --- the pre-fill: the frozen closing score, else the live score ------------------------------------------------------


def test_prefill_is_the_live_score_until_closed_then_the_frozen_one(tiny):
    with store.connect(tiny) as con:
        live = review_tables.data_scores(score(con))
        assert live["P.KR1"] == pytest.approx(0.4) and live["P.KR2"] == 0.8
        write(con, "shop_daily", [LATE_ROW])  # a late import moves the live score
        assert review_tables.data_scores(score(con))["P.KR1"] == pytest.approx(0.6)
        closing.close_cycle(con, store.read_okrs(con), CYCLE, user="test", as_of=AFTER, final=True)
        write(con, "shop_daily", [{**LATE_ROW, "date": D(2026, 11, 4)}])  # after the closing: not counted
        report = score(con)
        assert review_tables.data_scores(report)["P.KR1"] == pytest.approx(0.6)  # frozen
        (p,) = review_tables.drafts(report, store.read_reviews(con, CYCLE), "老板")
        assert [(x.kr.id, x.grade, x.saved) for x in p.lines] == [("P.KR1", 0.6, None), ("P.KR2", 0.8, None)]
        # saved: the stored grade is shown, with the data score it was given beside
        form = review_tables.to_review(p, {"P.KR1": 0.7}, worked="a", did_not_work="b", decision="continue", note="")
        store.save_review(con, form, user="老板", today=AFTER)
        (p,) = review_tables.drafts(score(con), store.read_reviews(con, CYCLE), "老板")
        assert [(x.grade, x.saved.data_score) for x in p.lines] == [(0.7, pytest.approx(0.6)), (0.8, 0.8)]
        assert p.state == "complete" and p.review.decision_note is None  # empty text is no note


# --- overdue reviews: 14 days after the cycle's end ----------------------------------------------------------------


@pytest.mark.parametrize(("days", "listed"), [(13, False), (14, True), (15, True)])
def test_missing_reviews_are_listed_from_14_days_after_the_end(tiny, days, listed):
    today = END + dt.timedelta(days=days)
    with store.connect(tiny) as con:
        store.save_review(con, review(**FULL), user="李娜", today=AFTER)  # C1 complete
        store.save_review(con, review("C2", (("C2.KR1", 0.9, 0.9),)), user="张伟", today=AFTER)  # C2 started
        items = store.missing_reviews(con, today)
    if not listed:
        assert items == []
        return
    assert [(m.owner, m.cycle, m.missing, m.incomplete, m.objectives) for m in items] == [
        ("老板", CYCLE, ("P",), (), 1),
        ("张伟", CYCLE, (), ("C2",), 1),
        ("陈晨", CYCLE, ("G1",), (), 1),
    ]
    line = review_tables.overdue_line(items[1], today, "zh")
    assert line.startswith(f"张伟 · {CYCLE}（2026-11-30 结束，已过 {days} 天）")


# --- the command line ---------------------------------------------------------------------------------------------


def test_review_commands(tiny, capsys):
    db = ["--db", str(tiny)]
    assert cli.main(["review", "grade", CYCLE, "C1.KR1", "0.65", "--user", "李娜", *db]) == 0
    out = capsys.readouterr().out
    assert "C1.KR1 graded 0.65 (data score 0.50, +0.15)" in out and "incomplete" in out
    assert cli.main(["review", "answer", CYCLE, "C1", "--worked", "好", "--did-not-work", "差", *db]) == 0
    assert cli.main(["review", "answer", CYCLE, "C1", "--decision", "continue", "--note", "再来", *db]) == 0
    assert "review of C1: complete" in capsys.readouterr().out
    with store.connect(tiny) as con:
        c1 = store.read_review(con, CYCLE, "C1")
        assert (c1.worked, c1.did_not_work, c1.decision, c1.decision_note, c1.grades[0].grade) == (
            "好",
            "差",
            "continue",
            "再来",
            0.65,
        )
        assert c1.grades[0].author == "李娜"
        before = counts(con)
    assert cli.main(["review", "show", CYCLE, "--owner", "李娜", *db]) == 0
    shown = capsys.readouterr().out
    assert "C1  部门一  (李娜)" in shown and "complete" in shown and "What worked: 好" in shown
    assert "grade 0.65  data 0.50  grade − data = +0.15" in shown and "P.KR1" not in shown
    # refusals: exit 1, a message, nothing written
    assert cli.main(["review", "grade", CYCLE, "C1.KR1", "70", *db]) == 1
    assert "write 0.7 for 70%" in capsys.readouterr().err
    assert cli.main(["review", "grade", CYCLE, "NOPE.KR1", "0.5", *db]) == 1
    assert cli.main(["review", "answer", CYCLE, "C1", *db]) == 1
    assert cli.main(["review", "show", CYCLE, "--owner", "nobody", *db]) == 1
    with store.connect(tiny) as con:
        assert counts(con) == before
    capsys.readouterr()
    assert cli.main(["review", "missing", "--as-of", "2026-12-13", *db]) == 0
    assert capsys.readouterr().out.startswith("no review is missing")
    assert cli.main(["review", "missing", "--as-of", "2026-12-14", *db]) == 0
    listed = capsys.readouterr().out
    assert "老板 · 2026-11 (ended 2026-11-30, 14 days ago): 1 objective(s) not reviewed" in listed
    assert "missing: P" in listed and "李娜" not in listed


def test_okrs_close_points_to_the_review(tiny, capsys):
    assert cli.main(["okrs", "close", CYCLE, "--as-of", "2026-12-01", "--final", "--db", str(tiny)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("next: the quarter-end review (复盘)") and f"review show {CYCLE}" in last


# --- the pages: 复盘 saves, 成员 shows it, 总览 lists the missing ones and the roll-up ---------------------------

PAYLOAD = "**粗** [链接](http://evil.example/x.png)"


def test_review_page_saves_and_people_and_overview_show_it(db):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params.update({"lang": "zh", "cycle": "2026-Q3", "owner": "李娜"})
    at.run()
    at.switch_page("pages/review.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.subheader] == ["Q3-O2 天猫店详情页讲清楚卖点"]
    grade = at.number_input(key="review-grade-2026-Q3-Q3-O2.KR1")
    with store.connect(db) as con:
        frozen = review_tables.data_scores(engine.score_cycle(con, store.read_okrs(con), "2026-Q3"))["Q3-O2.KR1"]
    # The demo holds 李娜's own review of 2026-Q3 (data/samples/rhythm.yaml, grade 0.7): the form starts from the
    # saved grade (the pre-fill with the data score is test_prefill_is_the_live_score_until_closed_then_the_frozen_one).
    assert grade.value == 0.7 != round(frozen, 2)
    grade.set_value(0.6)
    at.text_area(key="review-worked-2026-Q3-Q3-O2").input(PAYLOAD)
    at.text_area(key="review-not-2026-Q3-Q3-O2").input("退货率偏高")
    at.radio(key="review-decision-2026-Q3-Q3-O2").set_value("change")
    next(b for b in at.button if b.label == "保存复盘").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value.startswith("已保存 Q3-O2 的复盘") for s in at.success)
    with store.connect(db) as con:
        saved = store.read_review(con, "2026-Q3", "Q3-O2")
    assert saved.complete and saved.grades[0].grade == 0.6 and saved.grades[0].data_score == pytest.approx(frozen)
    assert any("已完成" in m.value for m in at.markdown)  # shown as saved, still editable
    assert at.text_area(key="review-worked-2026-Q3-Q3-O2").value == PAYLOAD

    at.query_params["cycle"] = "2026-Q4"
    at.switch_page("pages/people.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "2026-Q3 复盘 · 已完成" in [e.label for e in at.expander]
    blocks = [m.value for m in at.markdown if "Q3-O2" in m.value]
    assert blocks and "自评 0.60" in blocks[0] and "调整" in blocks[0] and "退货率偏高" in blocks[0]
    assert "\\*\\*粗\\*\\* \\[链接\\]" in blocks[0] and "[链接](" not in blocks[0]  # shown as typed: escaped
    assert any(c.value == "2026-Q3 复盘：未填写" for c in at.caption)  # 王总, 张伟: not written

    at.switch_page("pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    overdue = [link.label for link in at.get("page_link") if "2026-Q3" in getattr(link, "label", "")]
    assert any(label.startswith("王总 · 2026-Q3") for label in overdue)
    assert any(label.startswith("张伟 · 2026-Q3") for label in overdue)
    assert not any(label.startswith("李娜") for label in overdue)  # hers is complete
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["text"]
    assert any("下级" in text for text in bars)  # O1's children_score beside its own score


def test_the_demo_okrs_roll_up(demo_db):
    with store.connect(demo_db) as con:
        report = engine.score_cycle(con, store.read_okrs(con), "2026-Q4", D(2026, 11, 26))
    by_id = {o.id: o for o in report.objectives}
    children = [by_id[i].score for i in ("O2", "O3", "O6")]  # the objectives whose parent is O1
    assert by_id["O1"].children_score == pytest.approx(sum(children) / 3)
    assert by_id["O5"].children_score is None
