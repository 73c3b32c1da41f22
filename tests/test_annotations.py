"""Issue 11: notes on the charts (annotations) and the A/B tests' start and end marks.

The scope rule (shopkr.domain.annotations.applies) as a table of cases; the store's refusals write nothing; only its
author removes a note; `python -m shopkr note add|list|remove`; A/B marks derived from the stored tests (and following
an edit of their dates); the marks in the plotly figures (lines, bands, labels, hover, escaped text); KR详情's form.
One tiny database (one shop, one product, three KRs, one A/B test in 2025-Q4) built once for the module.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from shopkr.app import charts, cli, notes
from shopkr.app.escape import md
from shopkr.app.i18n import render
from shopkr.data import importer, store
from shopkr.domain import annotations
from shopkr.domain.annotations import Scope, applies, kr_chart_scope
from shopkr.domain.okr import validate

ROOT = Path(__file__).resolve().parents[1]
SHOP = "店A"
D = dt.date.fromisoformat

OKRS = {
    "cycles": [{"id": "2025-Q4", "start": "2025-10-01", "end": "2025-12-31"}],
    "objectives": [
        {
            "id": "O1",
            "cycle": "2025-Q4",
            "title": "店A 增长",
            "owner": "李娜",
            "key_results": [
                {"id": "O1.KR1", "title": "店铺 GMV", "metric": "gmv", "filters": {"shop": SHOP}, "target": 100000},
                {
                    "id": "O1.KR2",
                    "title": "P1 GMV",
                    "metric": "gmv",
                    "filters": {"shop": SHOP, "product_id": "P1"},
                    "target": 50000,
                },
                {"id": "O1.KR3", "title": "全部店铺 GMV", "metric": "gmv", "target": 200000},
            ],
        }
    ],
    "ab_tests": [
        {
            "id": "T1",
            "title": "P1 主图",
            "shop": SHOP,
            "variants": ["C1", "C2"],
            "start": "2025-10-05",
            "end": "2025-10-12",
            "product_id": "P1",
        }
    ],
}


def _csv(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny database: 店A's shop and product P1 rows for 2025-10-01..20 and the OKRs above."""
    path = tmp_path_factory.mktemp("notes") / "shopkr.duckdb"
    days = [dt.date(2025, 10, 1) + dt.timedelta(days=i) for i in range(20)]
    files = [
        ("shop.csv", _csv("date,visitors,buyers,gmv", [f"{d},100,5,{500 + i}" for i, d in enumerate(days)])),
        (
            "product.csv",
            _csv("date,product_id,product_name,visitors,buyers,gmv", [f"{d},P1,杯子,50,2,200" for d in days]),
        ),
    ]
    results = importer.import_files(files, SHOP, platform="taobao", db=path, user="test")
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    okrs, problems = validate(OKRS)
    assert okrs is not None, [str(p) for p in problems]
    with store.connect(path) as con:
        store.save_okrs(con, okrs, user="test")
    return path


@pytest.fixture
def path(template: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny database."""
    copy = tmp_path / "shopkr.duckdb"
    shutil.copy(template, copy)
    return copy


def _written(con) -> tuple:
    """What a refused write must leave as it was: notes, history rows and the data version."""
    return (
        store.one(con, "SELECT count(*) FROM annotations")[0],
        store.one(con, "SELECT count(*) FROM okr_changes")[0],
        store.get_meta(con, "data_version"),
    )


# --- the scope rule -----------------------------------------------------------------------------------------

SHOP_KR = kr_chart_scope("K1", {"shop": SHOP})
PRODUCT_KR = kr_chart_scope("K2", {"shop": SHOP, "product_id": "P1"})
CREATIVE_KR = kr_chart_scope("K3", {"shop": SHOP, "creative_id": "C1"})
PLATFORM_KR = kr_chart_scope("K4", {"shop": SHOP, "platform": "taobao"})
ALL_SHOPS_KR = kr_chart_scope("K5", {})
OTHER_SHOP_KR = kr_chart_scope("K6", {"shop": "店B", "product_id": "P1"})


@pytest.mark.parametrize(
    ("note", "chart", "shown"),
    [
        (Scope(shop=SHOP), SHOP_KR, True),  # a shop note on its shop's KR
        (Scope(shop=SHOP), PRODUCT_KR, True),  # ... and on its product-level KRs
        (Scope(shop=SHOP), CREATIVE_KR, True),  # ... and creative-level ones
        (Scope(shop=SHOP), PLATFORM_KR, True),  # the platform filter plays no part
        (Scope(shop=SHOP), OTHER_SHOP_KR, False),  # another shop
        (Scope(shop=SHOP), ALL_SHOPS_KR, False),  # a KR without a shop shows only its own notes
        (Scope(shop=SHOP, product_id="P1"), PRODUCT_KR, True),  # a product note on that product
        (Scope(shop=SHOP, product_id="P1"), SHOP_KR, False),  # ... not on the shop-wide KR
        (Scope(shop=SHOP, product_id="P2"), PRODUCT_KR, False),  # another product
        (Scope(shop="店B", product_id="P1"), PRODUCT_KR, False),  # the same product id in another shop
        (Scope(shop=SHOP, product_id="P1"), CREATIVE_KR, False),  # a creative KR names no product
        (Scope(shop=SHOP, creative_id="C1"), CREATIVE_KR, True),
        (Scope(shop=SHOP, creative_id="C1"), PRODUCT_KR, False),
        (Scope(kr_id="K2"), PRODUCT_KR, True),  # a KR note on its KR
        (Scope(kr_id="K2"), SHOP_KR, False),  # ... only
        (Scope(kr_id="K5"), ALL_SHOPS_KR, True),
        (Scope(shop=SHOP, product_id="P1"), Scope(shop=SHOP, product_id="P1"), True),  # an A/B page's charts
        (Scope(shop=SHOP), Scope(shop=SHOP, product_id="P1"), True),
        (Scope(kr_id="K2"), Scope(shop=SHOP, product_id="P1"), False),  # KR notes stay on KR charts
    ],
)
def test_the_scope_rule(note: Scope, chart: Scope, shown: bool) -> None:
    assert applies(note, chart) is shown


def test_a_product_id_written_as_a_number_compares_as_text() -> None:
    assert applies(
        Scope(shop=SHOP, product_id="731562048917"), kr_chart_scope("K", {"shop": SHOP, "product_id": 731562048917})
    )


# --- the store: refusals, history, removal ----------------------------------------------------------------------

NOTE = {"start": D("2025-10-05"), "text": "双11预热开始", "author": "李娜", "shop": SHOP}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"text": "   "}, "note.error.empty_text"),
        ({"text": "长" * (annotations.MAX_TEXT + 1)}, "note.error.text_too_long"),
        ({"author": " "}, "note.error.no_author"),
        ({"end": D("2025-10-04")}, "note.error.end_before_start"),
        ({"shop": None}, "note.error.no_scope"),
        ({"shop": None, "product_id": "P1"}, "note.error.product_needs_shop"),
        ({"shop": None, "creative_id": "C1"}, "note.error.creative_needs_shop"),
        ({"product_id": "P1", "creative_id": "C1"}, "note.error.product_and_creative"),
        ({"kr_id": "O1.KR1"}, "note.error.kr_and_shop"),
        ({"shop": None, "kr_id": "O9.KR9"}, "note.error.unknown_kr"),
        ({"shop": "店Z"}, "note.error.unknown_shop"),
    ],
)
def test_a_refused_note_writes_nothing(path: Path, change: dict, code: str) -> None:
    with store.connect(path) as con:
        before = _written(con)
        with pytest.raises(store.AnnotationError) as refused:
            store.add_annotation(con, **{**NOTE, **change})
        assert _written(con) == before
    assert refused.value.code == code
    for lang in ("zh", "en"):
        assert render(refused.value, lang) != code  # a sentence, in both languages
    if code == "note.error.unknown_shop":
        assert SHOP in render(refused.value, "en")  # the known shops are listed
    if code == "note.error.unknown_kr":
        assert "O1.KR1" in render(refused.value, "en")


def test_adding_a_note_stores_it_with_its_history_and_a_new_data_version(path: Path) -> None:
    with store.connect(path) as con:
        version = store.get_meta(con, "data_version")
        note = store.add_annotation(con, **{**NOTE, "end": D("2025-10-07"), "product_id": " P1 ", "text": " 预热 "})
        assert note.text == "预热" and note.product_id == "P1" and not note.one_day
        assert store.read_annotations(con) == [note]
        assert store.get_meta(con, "data_version") != version
        row = store.one(
            con,
            "SELECT user_name, entity, entity_id, field, new_value FROM okr_changes WHERE entity = 'annotation'",
        )
    assert row[:4] == ("李娜", "annotation", str(note.id), "(created)")
    assert json.loads(row[4]) == {
        "start": "2025-10-05",
        "end": "2025-10-07",
        "shop": SHOP,
        "product_id": "P1",
        "text": "预热",
    }


def test_only_the_author_removes_a_note(path: Path) -> None:
    with store.connect(path) as con:
        note = store.add_annotation(con, **NOTE)
        before = _written(con)
        with pytest.raises(store.AnnotationError) as refused:
            store.remove_annotation(con, note.id, user="张伟")
        assert refused.value.code == "note.error.not_author" and _written(con) == before
        with pytest.raises(store.AnnotationError) as missing:
            store.remove_annotation(con, note.id + 100, user="李娜")
        assert missing.value.code == "note.error.not_found" and _written(con) == before
        assert store.remove_annotation(con, note.id, user="李娜") == note
        assert store.read_annotations(con) == []
        fields = [r[0] for r in store.run(con, "SELECT field FROM okr_changes WHERE entity = 'annotation' ORDER BY id")]
    assert fields == ["(created)", "(deleted)"]
    assert "张伟" in render(refused.value, "zh") and "李娜" in render(refused.value, "zh")


# --- which notes a chart shows, A/B marks ------------------------------------------------------------------------


def test_a_kr_chart_shows_the_notes_of_its_scope_and_its_product_tests(path: Path) -> None:
    with store.connect(path) as con:
        shop_note = store.add_annotation(con, **NOTE)
        product_note = store.add_annotation(con, **{**NOTE, "product_id": "P1", "text": "主图换成5号"})
        kr_note = store.add_annotation(con, start=D("2025-10-09"), text="复盘", author="李娜", kr_id="O1.KR3")
        okrs = store.read_okrs(con)
        kr1 = store.chart_annotations(con, kr_chart_scope("O1.KR1", {"shop": SHOP}), okrs=okrs)
        kr2 = store.chart_annotations(con, kr_chart_scope("O1.KR2", {"shop": SHOP, "product_id": "P1"}))
        kr3 = store.chart_annotations(con, kr_chart_scope("O1.KR3", {}))
        window = store.chart_annotations(
            con,
            kr_chart_scope("O1.KR2", {"shop": SHOP, "product_id": "P1"}),
            first=D("2025-10-10"),
            last=D("2025-10-31"),
        )
    assert kr1 == [shop_note]  # T1 is on product P1: not on the shop-wide KR
    assert [(a.kind, a.id, a.start) for a in kr2] == [
        ("note", shop_note.id, D("2025-10-05")),
        ("note", product_note.id, D("2025-10-05")),
        ("ab_start", None, D("2025-10-05")),
        ("ab_end", None, D("2025-10-12")),
    ]
    assert kr3 == [kr_note]  # across all shops: only its own note
    assert [a.kind for a in window] == ["ab_end"]  # only what meets the chart's days


def test_ab_marks_follow_an_edit_of_the_tests_dates(path: Path) -> None:
    scope = kr_chart_scope("O1.KR2", {"shop": SHOP, "product_id": "P1"})
    with store.connect(path) as con:
        okrs = store.read_okrs(con)
        test = okrs.ab_tests[0].model_copy(update={"start": D("2025-10-07"), "end": D("2025-10-20")})
        store.save_okrs(con, okrs.model_copy(update={"ab_tests": [test]}), user="test")
        marks = store.chart_annotations(con, scope)
        assert store.one(con, "SELECT count(*) FROM annotations")[0] == 0  # derived, never stored
    assert [(a.kind, a.start, a.test_id, a.text) for a in marks] == [
        ("ab_start", D("2025-10-07"), "T1", "P1 主图"),
        ("ab_end", D("2025-10-20"), "T1", "P1 主图"),
    ]
    # a test without a product marks every chart of its shop
    shop_wide = test.model_copy(update={"product_id": None})
    assert [
        a.kind for a in store.ab_test_annotations([shop_wide]) if applies(a, kr_chart_scope("K", {"shop": SHOP}))
    ] == [
        "ab_start",
        "ab_end",
    ]


# --- the charts -------------------------------------------------------------------------------------------------


def _series() -> pd.DataFrame:
    days = pd.date_range("2025-10-01", "2025-10-31").date
    return pd.DataFrame(
        {"date": days, "value": range(31), "target": [100.0] * 31, "pace": [float(i) for i in range(31)]}
    )


LABELS = {"value": "累计", "target": "目标", "pace": "线性"}


def _note(start: str, end: str | None = None, text: str = "双11预热开始", author: str = "李娜") -> store.Annotation:
    return store.Annotation(1, D(start), D(end or start), SHOP, None, None, None, text, author, None)


def test_the_progress_chart_draws_a_line_per_day_note_and_a_band_per_range() -> None:
    marks = notes.marks([_note("2025-10-05"), _note("2025-10-10", "2025-10-12", "大促")], "zh")
    fig = charts.progress(_series(), "yuan", LABELS, notes=marks)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [str(s.x0) for s in lines] == ["2025-10-05"] and lines[0].x1 == lines[0].x0
    assert [(str(s.x0), str(s.x1)) for s in bands] == [("2025-10-10", "2025-10-12")]
    assert [a.text for a in fig.layout.annotations] == ["双11预热开始", "大促"]  # few marks: labelled
    hover = next(t for t in fig.data if t.name == "备注")
    assert "10-05 · 店铺 店A · 李娜<br>双11预热开始" in hover.hovertext[0]
    assert hover.yaxis != "y"  # on its own hidden axis: the KR's axis keeps its range
    assert charts.progress(_series(), "yuan", LABELS).layout.shapes == ()  # no notes, nothing drawn


def test_many_marks_go_into_the_hover_only_and_marks_outside_the_chart_are_left_out() -> None:
    many = [_note(f"2025-10-{d:02d}", text=f"第{d}天") for d in range(2, 12)]
    fig = charts.progress(_series(), "yuan", LABELS, notes=notes.marks([*many, _note("2025-12-01")], "zh"))
    assert len([s for s in fig.layout.shapes if s.type == "line"]) == 10  # 12-01 is outside the chart's days
    assert fig.layout.annotations == ()  # more than MAX_LABELS: no labels
    assert len(next(t for t in fig.data if t.name == "备注").hovertext) == 10
    clipped = charts.progress(_series(), "yuan", LABELS, notes=notes.marks([_note("2025-10-25", "2025-11-20")], "zh"))
    assert [(str(s.x0), str(s.x1)) for s in clipped.layout.shapes] == [("2025-10-25", "2025-10-31")]


def test_note_text_is_escaped_in_the_figure() -> None:
    text = "<b>粗</b> <a href='http://x'>链接</a> **加粗**"
    fig = charts.progress(
        _series(), "yuan", LABELS, notes=notes.marks([_note("2025-10-05", text=text, author="<i>x</i>")], "zh")
    )
    spec = fig.to_json()
    assert "<b>粗" not in spec and "<a href" not in spec and "<i>x" not in spec
    assert fig.layout.annotations[0].text.startswith("&lt;b&gt;粗")
    assert (
        "&lt;i&gt;x&lt;/i&gt;" in fig.data[-1].hovertext[0] and "&lt;a href='http://x'&gt;" in fig.data[-1].hovertext[0]
    )


def test_the_ab_page_charts_show_the_marks_of_the_tests_product() -> None:
    daily = pd.DataFrame(
        {
            "date": [D("2025-10-05"), D("2025-10-06")] * 2,
            "creative_id": ["C1", "C1", "C2", "C2"],
            "name": ["a", "a", "b", "b"],
            "rate": [0.1, 0.12, 0.11, 0.1],
            "share": [0.5] * 4,
            "intended": [0.5] * 4,
        }
    )
    tests = store.ab_test_annotations(validate(OKRS)[0].ab_tests)
    marks = notes.marks(tests, "en")
    for fig in (
        charts.daily_rates(daily, {}, "C1", notes=marks),
        charts.daily_shares(daily, {}, "intended", notes=marks),
    ):
        assert [str(s.x0) for s in fig.layout.shapes] == ["2025-10-05"]  # the end (10-12) is after the days shown
        assert [a.text for a in fig.layout.annotations] == ["T1 starts"]
        assert next(t for t in fig.data if t.name == "A/B tests").hovertext == ("10-05 · A/B test T1 starts: P1 主图",)


# --- the command line -------------------------------------------------------------------------------------------


def test_cli_note_add_list_remove(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(path), "--lang", "en"]
    assert cli.main(["note", "add", "--date", "2025-10-05", "--shop", SHOP, "双11预热开始", "--user", "李娜", *db]) == 0
    assert "note 1 added: 2025-10-05 · shop 店A · 双11预热开始" in capsys.readouterr().out
    args = ["note", "add", "--date", "2025-10-06", "--end", "2025-10-08", "--shop", SHOP, "--product", "P1", "换图"]
    assert cli.main([*args, "--user", "张伟", *db]) == 0
    assert cli.main(["note", "add", "--kr", "O1.KR3", "--date", "2025-10-09", "复盘", "--user", "李娜", *db]) == 0
    capsys.readouterr()

    assert cli.main(["note", "list", *db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "dates", "scope", "text", "author"]
    assert lines[2].split() == ["2", "2025-10-06", "~", "2025-10-08", "product", "P1", "(店A)", "换图", "张伟"]
    assert len(lines) == 4
    assert cli.main(["note", "list", "--kr", "O1.KR1", *db]) == 0  # the shop note only
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["1"]
    assert cli.main(["note", "list", "--kr", "O1.KR2", *db]) == 0  # shop + product notes
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["1", "2"]
    assert cli.main(["note", "list", "--shop", SHOP, *db]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["1", "2"]

    assert cli.main(["note", "remove", "2", "--user", "李娜", *db]) == 1  # not hers
    assert "only its author can remove it" in capsys.readouterr().err
    assert cli.main(["note", "remove", "2", "--user", "张伟", *db]) == 0
    assert "note 2 removed" in capsys.readouterr().out
    assert cli.main(["note", "list", "--shop", SHOP, *db]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["1"]
    # the history says what the removed note said, on one line, and that older rows exist beyond --limit
    assert cli.main(["okrs", "history", "--limit", "2", "--db", str(path)]) == 0
    newest, _, hint = capsys.readouterr().out.splitlines()
    assert "张伟" in newest and "(deleted)" in newest and "换图" in newest
    assert hint == "(the newest 2 changes; --limit N shows more)"


def test_cli_refusals_exit_1_and_write_nothing(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with store.connect(path) as con:
        before = _written(con)
    db = ["--db", str(path)]
    assert cli.main(["note", "add", "--date", "2025-10-05", "--shop", "店Z", "x", *db]) == 1
    assert "✗ 备注没有保存：店铺 店Z 还没有导入过数据" in capsys.readouterr().err
    assert cli.main(["note", "add", "--date", "2025-10-05", "--end", "2025-10-01", "--shop", SHOP, "x", *db]) == 1
    assert cli.main(["note", "add", "--date", "2025-10-05", "--kr", "O1.KR1", "--shop", SHOP, "x", *db]) == 1
    assert cli.main(["note", "list", "--kr", "O9", *db]) == 1
    assert "O1.KR1" in capsys.readouterr().err
    with store.connect(path) as con:
        assert _written(con) == before


# --- KR详情 -------------------------------------------------------------------------------------------------------


def test_kr_detail_adds_a_note_shows_it_on_the_chart_and_removes_it(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st

    monkeypatch.setenv("SHOPKR_DB", str(path))
    monkeypatch.setattr(importer, "default_user", lambda: "李娜")
    st.cache_data.clear()
    with store.connect(path) as con:
        store.add_annotation(con, **{**NOTE, "author": "张伟", "text": "别人的备注"})
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params.update({"cycle": "2025-Q4", "kr": "O1.KR2"})
    at.switch_page("pages/kr_detail.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.key for b in at.button if (b.key or "").startswith("note_rm_")] == []  # 张伟's note: no button for 李娜
    assert at.radio(key="note_scope").options == ["仅这个 KR（O1.KR2）", "整个店铺：店A", "这个商品：P1"]

    at.text_area(key="note_text").input("   ")
    at.button(key="note_save").click().run()
    assert any("备注内容是空的" in e.value for e in at.error)  # refused, said at the form

    at.date_input(key="note_day").set_value(D("2025-10-08"))
    at.radio(key="note_scope").set_value("product")
    at.text_area(key="note_text").input("主图换成5号 <b>x</b> [链接](http://x)")
    at.button(key="note_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with store.connect(path) as con:
        mine = [a for a in store.read_annotations(con) if a.author == "李娜"]
    assert [(a.start, a.shop, a.product_id, a.kr_id) for a in mine] == [(D("2025-10-08"), SHOP, "P1", None)]
    assert any("已添加备注" in s.value for s in at.success)
    typed = "主图换成5号 <b>x</b> [链接](http://x)"
    assert md(typed) in [m.value for m in at.markdown]  # the list shows it escaped for Markdown
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    lines = [s["x0"] for s in chart["layout"]["shapes"] if s["type"] == "line" and s["x0"] != "2025-10-20"]
    assert lines == ["2025-10-05", "2025-10-05", "2025-10-08", "2025-10-12"]  # 张伟's shop note, T1, mine, T1 ends
    assert any(a["text"].startswith("&lt;b&gt;") or "&lt;b&gt;" in a["text"] for a in chart["layout"]["annotations"])

    at.button(key=f"note_rm_{mine[0].id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with store.connect(path) as con:
        assert [a.author for a in store.read_annotations(con)] == ["张伟"]
    assert any("已删除备注" in s.value for s in at.success)
