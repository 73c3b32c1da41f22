"""Issue 11, check-ins: an owner's confidence 0-10 and a note on a KR for a day (store.save_checkin), editable by
its author on the day it was made and kept in the change history; `python -m shopkr checkin`; `score --format
json/csv` with `confidence` and `last_checkin`; the KRs without a check-in for 7 days; KR详情's timeline of
confidence against P(hit); and the 我的KR quick check-in.

A tiny database (two owners, a cycle around today, three weeks of one shop's GMV) built once per module and copied
per test. Dates are relative to today because the pages score as of today."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from connectors import Parsed
from connectors.canonical import TABLES
from shopkr.app import charts, checkins, okr_form
from shopkr.app.cli import main
from shopkr.app.i18n import render
from shopkr.data import queries, store
from shopkr.domain import engine
from shopkr.domain.okr import validate

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.timedelta(days=1)
TODAY = dt.date.today()
START = TODAY - 20 * DAY
END = TODAY + 20 * DAY
SHOP = "测试店"
CYCLE = "NOW"
YAML = f"""
cycles:
  - {{id: {CYCLE}, start: {START}, end: {END}}}
objectives:
  - id: O1
    cycle: {CYCLE}
    title: 店铺增长
    owner: 李娜
    level: team
    key_results:
      - {{id: O1.KR1, title: GMV 达到 6 万, metric: gmv, filters: {{shop: {SHOP}}}, target: 60000}}
      - {{id: O1.KR2, title: 好评率, manual: 0.5}}
  - id: O2
    cycle: {CYCLE}
    title: 内容
    owner: 王强
    level: team
    key_results:
      - {{id: O2.KR1, title: 短视频, manual: 0.4}}
"""


def _shop_rows() -> Parsed:
    """1,000 yuan a day from the cycle start to yesterday: far behind the 60,000 target's pace (P(hit) ~ 0)."""
    table = TABLES["shop_daily"]
    days = [START + i * DAY for i in range((TODAY - START).days)]
    values = {"platform": "taobao", "shop": SHOP, "visitors": 100, "buyers": 10, "gmv": 1000.0}
    kinds = {"date": pa.date32(), "int": pa.int64(), "money": pa.float64()}
    schema = pa.schema([(c, kinds.get(kind, pa.string())) for c, kind in table.columns.items()])
    data = pa.table({c: days if c == "date" else [values.get(c)] * len(days) for c in table.columns}, schema=schema)
    digest = hashlib.sha256(repr(days).encode()).hexdigest()
    return Parsed(Path("shop.csv"), digest, "generic", "test rows", table, data)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("checkins") / "shopkr.duckdb"
    okrs, problems = validate(yaml.safe_load(YAML))
    assert okrs is not None, [str(p) for p in problems]
    with store.connect(path) as con:
        store.save_okrs(con, okrs, user="test")
        store.write_parsed(con, _shop_rows(), user="test")
    return path


@pytest.fixture
def path(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "shopkr.duckdb"
    shutil.copy(template, copy)
    return copy


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def save(con, kr_id: str = "O1.KR1", **kwargs):
    values = {"confidence": 7, "note": "主图换成5号", "author": "李娜", "now": at(TODAY)}
    return store.save_checkin(con, kr_id, **{**values, **kwargs})


def history(con) -> list[tuple]:
    return store.run(
        con,
        "SELECT user_name, cycle, entity, entity_id, field, old_value, new_value FROM okr_changes "
        "WHERE entity = 'checkin' ORDER BY id",
    )


def written(con) -> tuple:
    """Everything a check-in writes: its rows, the history, the data version."""
    return (
        store.run(con, "SELECT * FROM checkins ORDER BY id"),
        store.run(con, "SELECT * FROM okr_changes ORDER BY id"),
        store.get_meta(con, "data_version"),
    )


# --- the store: one per (KR, author, date), same-day edits, refusals -------------------------------------------


def test_a_new_checkin_is_stored_with_its_change_history(path: Path) -> None:
    with store.connect(path) as con:
        version = store.get_meta(con, "data_version")
        saved = save(con)
        assert saved.created and saved.changed == ("confidence", "note")
        (c,) = store.checkins_of_kr(con, "O1.KR1")
        stored = (c.cycle, c.kr_id, c.date, c.author, c.confidence, c.note)
        assert stored == (CYCLE, "O1.KR1", TODAY, "李娜", 7, "主图换成5号")
        assert c == saved.checkin and c.created_at == c.updated_at == at(TODAY)
        assert history(con) == [
            ("李娜", CYCLE, "checkin", "O1.KR1", "confidence", None, "7"),
            ("李娜", CYCLE, "checkin", "O1.KR1", "note", None, "主图换成5号"),
        ]
        assert store.get_meta(con, "data_version") != version


def test_a_second_save_the_same_day_edits_the_checkin_and_records_the_change(path: Path) -> None:
    with store.connect(path) as con:
        save(con)
        edited = save(con, confidence="8", note=None, now=at(TODAY, 18))  # no note given: the note stays
        assert not edited.created and edited.changed == ("confidence",)
        (c,) = store.checkins_of_kr(con, "O1.KR1")
        assert (c.confidence, c.note, c.created_at, c.updated_at) == (8, "主图换成5号", at(TODAY), at(TODAY, 18))
        assert history(con)[-1] == ("李娜", CYCLE, "checkin", "O1.KR1", "confidence", "7", "8")
        again = save(con, confidence=8.0, note="  主图换成5号 ", now=at(TODAY, 19))  # the same values: nothing written
        before = written(con)
        assert not again.created and again.changed == ()
        assert written(con) == before
        other = save(con, author="王强")  # another author the same day: their own check-in
        assert other.created and len(store.checkins_of_kr(con, "O1.KR1")) == 2


def test_an_edit_on_a_later_day_is_refused_and_writes_nothing(path: Path) -> None:
    with store.connect(path) as con:
        save(con, date=TODAY - DAY, now=at(TODAY - DAY))
        before = written(con)
        with pytest.raises(store.CheckInError) as refused:
            save(con, date=TODAY - DAY, confidence=3, now=at(TODAY))
        assert refused.value.code == "checkin.error.edit_later_day"
        assert "只能在当天修改" in render(refused.value, "zh") and "今天" in render(refused.value, "zh")
        assert "can only be changed on the day it was made" in render(refused.value, "en")
        assert written(con) == before
        assert save(con, confidence=3).created  # a check-in for today instead


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"confidence": 11}, "confidence"),
        ({"confidence": -1}, "confidence"),
        ({"confidence": 7.5}, "confidence"),
        ({"confidence": "seven"}, "confidence"),
        ({"confidence": True}, "confidence"),
        ({"confidence": float("nan")}, "confidence"),
        ({"author": "  "}, "no_author"),
        ({"note": "字" * (store.CHECKIN_NOTE_MAX + 1)}, "note_too_long"),
        ({"date": TODAY + DAY}, "future_date"),
        ({"date": START - DAY}, "before_cycle"),
        ({"date": END + DAY, "now": at(END + 5 * DAY)}, "after_cycle"),
    ],
)
def test_a_refused_checkin_writes_nothing(path: Path, change: dict, code: str) -> None:
    with store.connect(path) as con:
        before = written(con)
        with pytest.raises(store.CheckInError) as refused:
            save(con, **change)
        assert refused.value.code == f"checkin.error.{code}"
        assert render(refused.value, "zh") != refused.value.code  # a sentence, not the code
        assert written(con) == before


def test_an_unknown_kr_is_refused_with_the_known_ones(path: Path) -> None:
    with store.connect(path) as con, pytest.raises(store.CheckInError) as refused:
        save(con, kr_id="O9.KR1")
    assert refused.value.code == "checkin.error.unknown_kr"
    assert "O1.KR1, O1.KR2, O2.KR1" in render(refused.value, "en")


# --- the command line ------------------------------------------------------------------------------------------


def test_the_checkin_command_stores_and_prints_what_it_did(path: Path, capsys) -> None:
    argv = ["checkin", "O1.KR1", "--confidence", "7", "--note", "预热开始", "--user", "李娜", "--db", str(path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"已打卡：O1.KR1 {TODAY} 信心 7/10（李娜）" in out and "备注：预热开始" in out
    assert main([*argv[:3], "8", *argv[4:], "--lang", "en"]) == 0
    assert f"Edited the day's check-in: O1.KR1 {TODAY}, confidence 8/10 (李娜)" in capsys.readouterr().out
    with store.connect(path) as con:
        (c,) = store.checkins_of_kr(con, "O1.KR1")
    assert (c.confidence, c.note, c.author, c.date) == (8, "预热开始", "李娜", TODAY)


def test_a_refused_checkin_command_exits_1_with_the_reason(path: Path, capsys) -> None:
    with store.connect(path) as con:
        before = written(con)
    assert main(["checkin", "O1.KR1", "--confidence", "12", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert "信心必须是 0 到 10 之间的整数（收到 12）" in err and "没有保存任何内容" in err
    future = (TODAY + DAY).isoformat()
    assert main(["checkin", "O1.KR1", "--confidence", "5", "--date", future, "--lang", "en", "--db", str(path)]) == 1
    assert "after today" in capsys.readouterr().err
    with store.connect(path) as con:
        assert written(con) == before


# --- score --format json / csv: confidence and last_checkin as of --as-of ------------------------------------


def _score(capsys, path: Path, fmt: str, as_of: dt.date) -> str:
    assert main(["score", "--db", str(path), "--cycle", CYCLE, "--as-of", as_of.isoformat(), "--format", fmt]) == 0
    return capsys.readouterr().out


def test_score_json_and_csv_carry_the_latest_checkin_as_of_the_date(path: Path, capsys) -> None:
    with store.connect(path) as con:
        save(con, date=TODAY - 5 * DAY, confidence=3, now=at(TODAY - 5 * DAY))
        save(con, date=TODAY - 2 * DAY, confidence=8, now=at(TODAY - 2 * DAY))
        save(con, date=TODAY - 2 * DAY, confidence=6, author="王强", now=at(TODAY - 2 * DAY, 9))  # saved earlier
    expected = {
        TODAY - 6 * DAY: (None, None),  # before any check-in: null
        TODAY - 5 * DAY: (3, (TODAY - 5 * DAY).isoformat()),
        TODAY - 3 * DAY: (3, (TODAY - 5 * DAY).isoformat()),
        TODAY: (8, (TODAY - 2 * DAY).isoformat()),  # the day's check-in saved last
    }
    for as_of, (confidence, last) in expected.items():
        doc = json.loads(_score(capsys, path, "json", as_of))
        krs = {k["id"]: k for o in doc["objectives"] for k in o["key_results"]}
        assert (krs["O1.KR1"]["confidence"], krs["O1.KR1"]["last_checkin"]) == (confidence, last), as_of
        assert krs["O2.KR1"]["confidence"] is None and krs["O2.KR1"]["last_checkin"] is None
        rows = {r["kr_id"]: r for r in csv.DictReader(io.StringIO(_score(capsys, path, "csv", as_of)))}
        assert list(rows["O1.KR1"])[-2:] == ["confidence", "last_checkin"]
        shown = (rows["O1.KR1"]["confidence"], rows["O1.KR1"]["last_checkin"])
        assert shown == (str(confidence) if confidence is not None else "", last or ""), as_of


def test_to_json_without_checkins_has_the_keys_as_null(path: Path) -> None:
    with store.connect(path) as con:
        report = engine.score_cycle(con, store.read_okrs(con), CYCLE, TODAY)
    for kr in (k for o in engine.to_json(report)["objectives"] for k in o["key_results"]):
        assert kr["confidence"] is None and kr["last_checkin"] is None


# --- the KRs without a check-in for 7 days ----------------------------------------------------------------


def test_the_owners_krs_without_a_checkin_for_7_days(path: Path) -> None:
    with store.connect(path) as con:
        save(con, "O1.KR1", date=TODAY - 7 * DAY, now=at(TODAY - 7 * DAY))
        save(con, "O1.KR2", date=TODAY - 6 * DAY, now=at(TODAY - 6 * DAY))
        stale = store.stale_krs(con, "李娜", CYCLE, TODAY)
        assert [(s.kr_id, s.last, s.days) for s in stale] == [("O1.KR1", TODAY - 7 * DAY, 7)]
        assert store.stale_krs(con, "李娜", CYCLE, TODAY - DAY) == []  # 6 and 5 days then
        # never checked in: listed from the cycle's 7th day on
        assert [(s.kr_id, s.last, s.days) for s in store.stale_krs(con, "王强", CYCLE, TODAY)] == [("O2.KR1", None, 21)]
        assert store.stale_krs(con, "王强", CYCLE, START + 5 * DAY) == []
        assert [s.kr_id for s in store.stale_krs(con, "王强", CYCLE, START + 6 * DAY)] == ["O2.KR1"]
        # a cycle that has ended (or not started) lists nothing
        assert store.stale_krs(con, "王强", CYCLE, END + DAY) == []
        assert store.stale_krs(con, "王强", CYCLE, START - DAY) == []
    lines = checkins.stale_markdown(stale, "zh")
    assert lines == [f"O1.KR1 GMV 达到 6 万 · 上次打卡 {TODAY - 7 * DAY:%m-%d}，已 7 天"]


# --- KR详情's timeline: confidence against P(hit) ---------------------------------------------------------


def test_the_timeline_sets_confidence_against_p_hit_of_each_day(path: Path) -> None:
    days = [TODAY - 10 * DAY, TODAY - 3 * DAY]
    with store.connect(path) as con:
        save(con, date=days[0], confidence=9, note="<b>稳</b>", now=at(days[0]))
        save(con, date=days[1], confidence=1, now=at(days[1]))
        save(con, date=days[1], confidence=2, author="王强", now=at(days[1]))
        okrs = store.read_okrs(con)
        p = checkins.p_hits(con, okrs, "O1.KR1", [c.date for c in store.checkins_of_kr(con, "O1.KR1")])
        assert sorted(p) == days  # one scoring per distinct day
        for day in days:  # the P(hit) the whole cycle's scoring gives as of that day
            krs = {k.id: k for k in engine.score_cycle(con, okrs, CYCLE, day).key_results}
            assert p[day] == krs["O1.KR1"].p_hit is not None
        assert checkins.p_hits(con, okrs, "O1.KR2", days) == dict.fromkeys(days)  # a manual KR has none
        points = checkins.timeline(store.checkins_of_kr(con, "O1.KR1"), p)
    assert [(x.date, x.author, x.confidence, x.p_hit) for x in points] == [
        (days[0], "李娜", 9, p[days[0]]),
        (days[1], "李娜", 1, p[days[1]]),
        (days[1], "王强", 2, p[days[1]]),
    ]
    assert p[days[1]] < 0.1  # 1,000 a day of a 60,000 target: the data say it will not be hit
    assert checkins.large_gap(points) is None  # the latest (2/10 against ~0%) is within 30 points
    assert checkins.large_gap(points[:1]) == points[0]  # 9/10 against ~0%: worth a conversation
    assert "信心与数据预测相差较大，值得在1对1中聊一聊" in checkins.gap_text(points[0], "zh")
    table = checkins.table(points, "zh")
    assert list(table.columns) == ["日期", "打卡人", "信心（0-10）", "当天的达成概率", "进展、障碍、下一步"]
    assert table.iloc[-1].tolist()[1:3] == ["李娜", 9]  # newest first
    fig = charts.checkin_timeline(points, {"confidence": "c", "p_hit": "p", "hover_confidence": "信心 {confidence}/10"})
    confidence = next(t for t in fig.data if t.name == "c")
    assert list(confidence.y) == [0.9, 0.1, 0.2]
    assert "&lt;b&gt;稳&lt;/b&gt;" in confidence.customdata[0] and "<b>" not in confidence.customdata[0]
    assert list(next(t for t in fig.data if t.name == "p").y) == [p[days[0]], p[days[1]]]


@pytest.mark.parametrize(
    ("confidence", "p_hit", "flagged"),
    [(9, 0.6, True), (9, 0.61, False), (2, 0.5, True), (5, None, False)],
)
def test_a_gap_of_30_points_or_more_is_called_out(confidence: int, p_hit: float | None, flagged: bool) -> None:
    point = checkins.TimelinePoint(TODAY, "李娜", confidence, "", p_hit)
    assert (checkins.large_gap([point]) is not None) == flagged


# --- the change history shows check-ins in words ---------------------------------------------------------------


def test_the_change_history_names_checkin_rows(path: Path) -> None:
    with store.connect(path) as con:
        save(con)
        rows = queries.okr_history(con, CYCLE)
    for lang, entity, field in (("zh", "打卡", "信心（0-10）"), ("en", "check-in", "confidence (0-10)")):
        table = okr_form.history_table(rows, lang)
        first = table.iloc[:2]  # newest first: note, confidence
        assert set(first.iloc[:, 3]) == {entity}
        assert field in set(first.iloc[:, 5])
        assert "7" in set(first.iloc[:, 7])


# --- the pages ---------------------------------------------------------------------------------------------------


def _page(path: Path, monkeypatch: pytest.MonkeyPatch, page: str, **params: str) -> AppTest:
    import streamlit as st

    monkeypatch.setenv("SHOPKR_DB", str(path))
    st.cache_data.clear()
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    app.query_params.update({"cycle": CYCLE, **params})
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_my_krs_quick_checkin_refuses_then_saves_and_shows_it(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _page(path, monkeypatch, "pages/my_krs.py", owner="李娜")
    warned = " ".join(w.value for w in app.warning)
    assert "超过 7 天没有打卡的 KR（2 个）" in warned and "O1.KR1 GMV" in warned  # never checked in, cycle day 21
    assert app.slider[0].value == 5  # no check-in yet: 5
    with store.connect(path) as con:
        before = written(con)
    app.text_input(key="checkin_user").input(" ")
    app.text_area(key="checkin-note-O1.KR1").input("主图换成5号 [链接](http://x)")
    app.slider[0].set_value(8)
    app.button[next(i for i, b in enumerate(app.button) if b.label == "打卡")].click().run()
    assert not app.exception
    assert any("请填写打卡人" in e.value for e in app.error)  # said at the form
    with store.connect(path) as con:
        assert written(con) == before
    app.text_input(key="checkin_user").input("李娜")
    app.button[next(i for i, b in enumerate(app.button) if b.label == "打卡")].click().run()
    assert not app.exception and not app.error
    assert any(f"已打卡：O1.KR1 {TODAY} 信心 8/10" in s.value.replace("\\", "") for s in app.success)
    shown = " ".join(m.value for m in app.markdown)
    assert f"上次打卡 {TODAY:%m-%d} · 李娜 · 信心 **8/10**" in shown
    assert "主图换成5号 \\[链接\\](http\\:\u2060//x)" in shown  # the note escaped: no link
    assert "O1.KR1 GMV" not in " ".join(w.value for w in app.warning)  # checked in: no longer listed
    assert app.slider[0].value == 8
    with store.connect(path) as con:
        (c,) = store.checkins_of_kr(con, "O1.KR1")
    assert (c.confidence, c.author, c.note, c.date) == (8, "李娜", "主图换成5号 [链接](http://x)", TODAY)


def test_kr_detail_shows_the_checkin_timeline_and_a_large_gap(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with store.connect(path) as con:
        save(con, date=TODAY - 4 * DAY, confidence=9, note="双11预热开始", now=at(TODAY - 4 * DAY))
        day = TODAY - 5 * DAY
        store.add_annotation(con, start=day, end=None, text="店铺大促开始", author="李娜", shop=SHOP)
    app = _page(path, monkeypatch, "pages/kr_detail.py", kr="O1.KR1")
    assert "打卡记录" in [h.value for h in app.subheader]
    timeline = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    names = {t.get("name") for spec in timeline for t in spec["data"]}
    assert {"信心 ÷ 10", "数据预测的达成概率"} <= names
    [spec] = [spec for spec in timeline if {t.get("name") for t in spec["data"]} >= {"信心 ÷ 10"}]
    assert "店铺大促开始" in json.dumps(spec, ensure_ascii=False)  # the shop's note is marked on the timeline too
    assert any("信心与数据预测相差较大，值得在1对1中聊一聊" in w.value for w in app.warning)
    frames = [d.value for d in app.dataframe]
    assert any("双11预热开始" in f.to_string() for f in frames if "打卡人" in f.columns)


def test_a_checkin_on_a_closed_cycle_is_refused(db: Path) -> None:
    """The demo's 2026-Q3 is closed: its grades are frozen, so no check-in can change what it shows."""
    with store.connect(db) as con:
        before = (
            store.one(con, "SELECT count(*) FROM checkins")[0],
            store.one(con, "SELECT count(*) FROM okr_changes")[0],
        )
        with pytest.raises(store.CheckInError) as refused:
            store.save_checkin(con, "Q3-O2.KR1", confidence=3, note="", author="李娜", date=dt.date(2026, 9, 20))
        assert refused.value.code == "checkin.error.closed_cycle"
        after = (
            store.one(con, "SELECT count(*) FROM checkins")[0],
            store.one(con, "SELECT count(*) FROM okr_changes")[0],
        )
    assert after == before
