"""Issue 11, the demo shows the OKR rhythm: weekly check-ins, notes on the charts and the 2026-Q3 quarter-end reviews
(data/samples/rhythm.yaml, written by demo.load as the demo's owners), and 清除示例数据 / `demo clear` removes exactly
those rows when nobody changed them since, with their history rows; what others wrote stays."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import json
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shopkr.app import checkins as checkin_view
from shopkr.app.cli import main
from shopkr.data import closing, demo, store

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 1)  # the demo's data run to 2026-11-26; its last check-ins are on 11-27
RHYTHM_ENTITIES = ("checkin", "annotation", "kr_review", "objective_review")
RHYTHM_TABLES = ("checkins", "annotations", "kr_reviews", "objective_reviews")
RHYTHM_HISTORY = "('checkin', 'annotation', 'review')"


def counts(con) -> dict[str, int]:
    return {t: store.one(con, f"SELECT count(*) FROM {t}")[0] for t in RHYTHM_TABLES}


def rhythm_history(con) -> list[tuple]:
    sql = (
        f"SELECT id, user_name, entity, entity_id, field FROM okr_changes WHERE entity IN {RHYTHM_HISTORY} ORDER BY id"
    )
    return [tuple(r) for r in store.run(con, sql)]


# --- what the demo holds --------------------------------------------------------------------------------------


def test_the_demo_checks_in_weekly_with_a_stale_kr_and_a_confidence_far_from_p_hit(demo_db):
    with store.connect(demo_db) as con:
        okrs = store.read_okrs(con)
        rows = store.run(con, "SELECT kr_id, author, date, confidence, note, created_at FROM checkins ORDER BY id")
        owner = {k.id: o.owner for o in okrs.objectives if o.cycle == "2026-Q4" for k in o.key_results}
        authors = {r[1] for r in rows}
        assert len(authors) in (2, 3) and all(owner[r[0]] == r[1] for r in rows)  # each owner on their own KRs
        for name in authors:  # most KRs of each of those owners, weekly (7 days apart, some weeks skipped)
            mine = [k for k, o in owner.items() if o == name]
            checked = {r[0] for r in rows if r[1] == name}
            assert len(checked) >= len(mine) / 2
            for kr in checked:
                days = sorted(r[2] for r in rows if r[0] == kr)
                assert len(days) >= 5 and all((b - a).days in (7, 14) for a, b in itertools.pairwise(days))
        assert all(0 <= r[3] <= 10 and "下一步" in r[4] for r in rows)  # progress / obstacles / next step, in zh
        assert all(r[5] == dt.datetime.combine(r[2], demo.CHECKIN_TIME) for r in rows)  # made on its own day
        assert max(r[2] for r in rows) <= dt.date(2026, 11, 27)

        stale = store.stale_krs(con, "张伟", "2026-Q4", TODAY)  # 我的KR: no check-in for 7 days
        assert ("O3.KR2", dt.date(2026, 11, 13)) in [(s.kr_id, s.last) for s in stale]
        assert store.stale_krs(con, "李娜", "2026-Q4", TODAY) == []

        latest = store.latest_checkins(con, "2026-Q4", TODAY)["O2.KR1"]
        p_hit = checkin_view.p_hits(con, okrs, "O2.KR1", [latest.date])[latest.date]
    assert latest.author == "李娜" and p_hit is not None
    assert abs(latest.confidence / 10 - p_hit) >= checkin_view.GAP  # KR详情 calls this gap out


def test_the_demo_has_notes_on_the_charts(demo_db):
    with store.connect(demo_db) as con:
        notes = store.read_annotations(con)
        tests = store.read_okrs(con).ab_tests
    shop_range = [n for n in notes if n.shop == "暖居旗舰店" and n.product_id is None and not n.one_day]
    assert [(n.start, n.end) for n in shop_range] == [(dt.date(2026, 10, 20), dt.date(2026, 11, 11))]
    assert "双11" in shop_range[0].text and "预热" in shop_range[0].text
    assert [n for n in notes if n.shop == "暖居抖音小店" and n.product_id is None and n.one_day]
    (image,) = [n for n in notes if n.text == "主图换成5号"]
    assert (image.shop, image.product_id) in {(t.shop, str(t.product_id)) for t in tests}  # an A/B test's product
    assert image.start > max(t.end for t in tests if str(t.product_id) == image.product_id)  # after the test
    assert {n.author for n in notes} <= {o.owner for o in demo.definitions().objectives}


def test_the_demo_reviews_2026_q3_one_complete_one_partial_the_rest_missing(demo_db):
    with store.connect(demo_db) as con:
        reviews = {r.owner: r for r in store.read_reviews(con, "2026-Q3")}
        missing = store.missing_reviews(con, TODAY)
        frozen = {k: f.score for k, f in closing.closing_state(con, "2026-Q3").krs.items()}
    done = reviews["李娜"]
    assert done.complete and done.author == "李娜" and done.decision == "continue"
    for g in done.grades:  # near the frozen data score, not equal to it
        assert g.data_score == pytest.approx(frozen[g.kr_id]) and 0 < abs(g.grade - g.data_score) <= 0.1
    partial = reviews["张伟"]
    assert partial.started and not partial.complete and partial.worked and not partial.decision
    assert not reviews["王总"].started
    assert {(m.owner, m.missing, m.incomplete) for m in missing} == {("王总", ("Q3-O1",), ()), ("张伟", (), ("Q3-O3",))}


def test_every_rhythm_row_and_its_history_is_marked_as_the_demos(demo_db):
    with store.connect(demo_db) as con:
        marks = store.demo_marks(con)
        written = {
            "checkin": {str(r[0]) for r in store.run(con, "SELECT id FROM checkins")},
            "annotation": {str(r[0]) for r in store.run(con, "SELECT id FROM annotations")},
            "kr_review": {store.review_key(*r) for r in store.run(con, "SELECT cycle, kr_id FROM kr_reviews")},
            "objective_review": {
                store.review_key(*r) for r in store.run(con, "SELECT cycle, objective_id FROM objective_reviews")
            },
        }
        history = rhythm_history(con)
    assert {e: {i for m, i in marks.rhythm if m == e} for e in RHYTHM_ENTITIES} == written
    bodies = [json.loads(b) for b in marks.rhythm.values()]
    assert all(b["changes"] for b in bodies)  # each row knows the history rows of its write
    assert sorted(c for b in bodies for c in b["changes"]) == [h[0] for h in history]
    assert {h[0] for h in history} <= marks.changes
    assert {h[1] for h in history} == {"李娜", "张伟", "赵敏", "陈晨"}  # written as the demo's owners


# --- clearing ------------------------------------------------------------------------------------------------


def test_clear_removes_the_rhythm_and_its_history_rows(db):
    plan = demo.plan(db)
    assert {e: plan.rhythm_count(e) for e in RHYTHM_ENTITIES} == {
        "checkin": 52,
        "annotation": 3,
        "kr_review": 2,
        "objective_review": 2,
    }
    assert plan.kept_rhythm == () and not any(plan.others_rhythm.values())
    with store.connect(db) as con:
        assert set(h[0] for h in rhythm_history(con)) <= set(plan.changes)
    demo.clear(db, user="test")
    with store.connect(db) as con:
        assert counts(con) == dict.fromkeys(RHYTHM_TABLES, 0)
        assert rhythm_history(con) == []
        assert store.one(con, "SELECT count(*) FROM demo_rhythm")[0] == 0


def _others_and_edits(con) -> dict[str, object]:
    """What people do on the demo: 李娜 adds a check-in on her demo KR and edits the demo's check-in of 11-27 on that
    day; 王总 writes a shop note and a note on O2.KR1's chart; 李娜 updates the answers of her demo review."""
    added = store.save_checkin(
        con, "O2.KR1", confidence=6, note="年货节报名了", author="李娜", now=dt.datetime(2026, 12, 1, 9)
    )
    edited = store.save_checkin(
        con,
        "O2.KR3",
        confidence=8,
        note=None,
        author="李娜",
        date=dt.date(2026, 11, 27),
        now=dt.datetime(2026, 11, 27, 21),  # on the day it was made: the author may still edit it
    )
    assert not edited.created and edited.changed == ("confidence",)
    shop_note = store.add_annotation(
        con, start=dt.date(2026, 11, 30), text="新仓库启用", author="王总", shop="暖居旗舰店"
    )
    kr_note = store.add_annotation(con, start=dt.date(2026, 11, 30), text="年货节预热", author="王总", kr_id="O2.KR1")
    review = store.read_review(con, "2026-Q3", "Q3-O2")
    changed = dataclasses.replace(review, grades=(), did_not_work="详情页改版晚了两周")  # grades stay as they are
    assert store.save_review(con, changed, user="李娜", today=TODAY)
    return {"added": added.checkin.id, "edited": edited.checkin.id, "notes": {shop_note.id, kr_note.id}}


def test_clear_keeps_what_others_wrote_and_what_someone_changed(db):
    with store.connect(db) as con:
        mine = _others_and_edits(con)
        history_before = rhythm_history(con)
    plan = demo.plan(db)
    assert ("checkin", str(mine["edited"])) in plan.kept_rhythm
    review = {
        ("kr_review", store.review_key("2026-Q3", "Q3-O2.KR1")),
        ("objective_review", store.review_key("2026-Q3", "Q3-O2")),
    }
    assert review <= set(plan.kept_rhythm)  # the updated review stays whole, its untouched grade too
    assert {e: plan.rhythm_count(e) for e in RHYTHM_ENTITIES} == {
        "checkin": 51,
        "annotation": 3,
        "kr_review": 1,
        "objective_review": 1,
    }
    assert plan.others_rhythm == {"checkin": 1, "annotation": 1, "kr_review": 0, "objective_review": 0}

    demo.clear(db, user="test")
    with store.connect(db) as con:
        left = {r[0]: r[1:] for r in store.run(con, "SELECT id, kr_id, author, date, confidence FROM checkins")}
        notes = {r[0] for r in store.run(con, "SELECT id FROM annotations")}
        grades = store.run(con, "SELECT cycle, kr_id, grade FROM kr_reviews")
        answers = store.run(con, "SELECT objective_id, worked, did_not_work, decision FROM objective_reviews")
        history = rhythm_history(con)
    assert left == {
        mine["added"]: ("O2.KR1", "李娜", TODAY, 6),
        mine["edited"]: ("O2.KR3", "李娜", dt.date(2026, 11, 27), 8),
    }
    assert notes == mine["notes"]  # the demo's three notes are gone, 王总's stay (the KR note without its KR)
    assert grades == [("2026-Q3", "Q3-O2.KR1", 0.7)]
    assert [(a[0], a[2], a[3]) for a in answers] == [("Q3-O2", "详情页改版晚了两周", "continue")] and answers[0][1]
    # History: what stays keeps its rows (the demo's and the people's); what went took the demo's rows with it.
    about = {}
    for h in history:
        about.setdefault(h[3], []).append(h[1])
    assert sorted(about["O2.KR3"]) == ["李娜"] * 3  # the edited check-in: the demo's 2 rows + 李娜's edit
    assert sorted(about["O2.KR1"]) == ["李娜"] * 2  # 李娜's own new check-in only
    assert len(about["Q3-O2"]) == 5 and len(about["Q3-O2.KR1"]) == 2  # the review: 4 answers + 1 update; grade
    assert set(about) == {"O2.KR1", "O2.KR3", "Q3-O2", "Q3-O2.KR1", *(str(i) for i in mine["notes"])}
    assert {h[0] for h in history} < {h[0] for h in history_before}  # nothing new, the demo's other rows gone


def test_a_demo_loaded_before_the_rhythm_clears_as_before_without_touching_rhythm_rows(db):
    with store.connect(db) as con:
        with store.transaction(con):
            store.run(con, "DELETE FROM demo_rhythm")
        before = counts(con)
        history = rhythm_history(con)
        demo_rows = {r[0] for r in store.run(con, "SELECT id FROM okr_changes WHERE user_name = ?", [demo.USER])}
    plan = demo.plan(db)
    assert plan.rhythm == () and plan.kept_rhythm == ()
    assert set(plan.changes) == demo_rows  # exactly the history rows it removed before
    assert len(plan.objectives) == 9
    demo.clear(db, user="test")
    with store.connect(db) as con:
        assert counts(con) == before and rhythm_history(con) == history
        assert store.read_okrs(con).objectives == []


def test_the_demo_never_writes_over_a_check_in_or_a_review_already_there(db):
    with store.connect(db) as con:
        first = store.checkins_of_kr(con, "O2.KR1")[0]
        again = demo.Rhythm(
            checkins=(demo.DemoCheckIn("O2.KR1", first.author, first.date, 0, "不该写进去"),),
            notes=(),
            reviews=(demo.DemoReview("2026-Q3", "Q3-O3", "张伟", TODAY, (("Q3-O3.KR1", 0.1),), decision="stop"),),
        )
        before = counts(con), rhythm_history(con), store.demo_marks(con)
        assert demo.write_rhythm(con, again) == []
        assert (counts(con), rhythm_history(con), store.demo_marks(con)) == before


def test_the_rhythm_file_is_checked(tmp_path):
    plan = demo.rhythm()
    assert len(plan.checkins) == 52 and len(plan.notes) == 3 and len(plan.reviews) == 2
    bad = tmp_path / "rhythm.yaml"
    bad.write_text("checkins:\n  - {kr: O2.KR1, author: 李娜, weeks: [[2026-10-09, 5]]}\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"checkins\[0\]\.weeks\[0\]"):
        demo.rhythm(bad)
    bad.write_text("notes:\n  - {start: 2026-10-09, shop: 店, author: 李娜}\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"notes\[0\]\.text"):
        demo.rhythm(bad)


# --- the plan in words ---------------------------------------------------------------------------------------


def test_cli_demo_clear_says_how_many_check_ins_notes_and_reviews_go_and_stay(db, capsys, monkeypatch):
    with store.connect(db) as con:
        _others_and_edits(con)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["demo", "clear", "--yes", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert (
        "remove: 51 check-ins, 3 notes on the charts, 1 objective review and 1 KR grade the demo wrote, unchanged "
        "since, with their history rows" in out
    )
    assert "keep:   1 check-in, 1 objective review and 1 KR grade the demo wrote and someone changed since" in out
    assert "keep:   1 check-in and 1 note on the charts others added to the removed demo objectives" in out
    assert "and the demo's 51 check-ins, 3 notes on the charts, 1 objective review and 1 KR grade." in out


def test_the_sidebar_says_how_many_go_and_stay(db):
    with store.connect(db) as con:
        _others_and_edits(con)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.sidebar.button(key="demo_clear").click().run()
    assert not at.exception, [e.value for e in at.exception]
    said = [m.value for m in at.sidebar.markdown]
    assert any("51 条打卡、3 条图表备注、1 份目标复盘和 1 个 KR 自评，以及它们的修改记录" in m for m in said)
    assert any(
        m.startswith("保留：示例写下、之后有人改过的 1 条打卡、0 条图表备注、1 份目标复盘和 1 个 KR 自评") for m in said
    )
    assert any(m.startswith("保留：别人在示例目标上写的 1 条打卡、1 条图表备注") for m in said)
    with store.connect(db) as con:
        assert counts(con)["checkins"] == 53  # nothing removed before the confirmation
