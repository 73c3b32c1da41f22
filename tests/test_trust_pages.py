"""Issue 8 items 15 and 16 on the pages: to-date lines stop at the data (and the gap is marked), user text is
shown as text (Markdown in Streamlit, HTML in plotly), and a decompression-bomb thumbnail is refused.

Small inputs are made here: a tiny shop export for the series, a copy of the demo whose titles, owners, shop,
product and creative names carry Markdown/LaTeX/HTML, and PNG files written byte by byte."""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
import re
import struct
import types
import zlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf.message import Message
from PIL import Image
from streamlit.testing.v1 import AppTest

from shopkr.app import ab_report, charts, cycle_tables, ui
from shopkr.app.escape import code, md, plain
from shopkr.data import importer, store
from shopkr.domain import engine
from shopkr.domain.okr import validate

ROOT = Path(__file__).resolve().parents[1]
D = dt.date

# --- item 15: to-date lines stop at the data -----------------------------------------------------------------

AS_OF = D(2026, 11, 9)
DATA_DAYS = {D(2026, 11, 1): 100.0, D(2026, 11, 2): 200.0, D(2026, 11, 4): 400.0, D(2026, 11, 5): 500.0}
OKRS = {
    "objectives": [
        {
            "id": "O1",
            "cycle": "2026-11",
            "title": "卖得更多",
            "owner": "李娜",
            "level": "company",
            "key_results": [
                {"id": "O1.KR1", "title": "支付金额", "metric": "gmv", "filters": {"shop": "小店"}, "target": 9000},
                {
                    "id": "O1.KR2",
                    "title": "转化率",
                    "metric": "conversion_rate",
                    "filters": {"shop": "小店"},
                    "start": 0.05,
                    "target": 0.08,
                },
            ],
        }
    ]
}


class _Today(dt.date):
    """dt.date whose today() is AS_OF, so the pages score the small cycle as of 11-09 on any machine."""

    @classmethod
    def today(cls) -> dt.date:  # type: ignore[override]
        return AS_OF


@pytest.fixture
def small_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One shop with data on 11-01, 11-02, 11-04 and 11-05 (11-03 missing), a gmv and a rate KR, as_of 11-09."""
    import streamlit as st

    db = tmp_path / "shopkr.duckdb"
    csv = tmp_path / "小店.csv"
    rows = ["date,platform,gmv,visitors,buyers"]
    rows += [f"{d},taobao,{gmv},{int(gmv)},{int(gmv) // 20}" for d, gmv in DATA_DAYS.items()]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert [r.status for r in importer.import_files([csv], "小店", db=db, user="test")] == ["ok"]
    okrs, problems = validate(OKRS)
    assert okrs is not None, problems
    with store.connect(db) as con:
        store.save_okrs(con, okrs, user="test")
    monkeypatch.setenv("SHOPKR_DB", str(db))
    monkeypatch.setattr(ui, "dt", types.SimpleNamespace(date=_Today, datetime=dt.datetime, timedelta=dt.timedelta))
    st.cache_data.clear()
    return db


def _series(db: Path, kr_id: str) -> tuple[pd.DataFrame, engine.KRResult]:
    with store.connect(db) as con:
        okrs = store.read_okrs(con)
        report = engine.score_cycle(con, okrs, "2026-11", AS_OF)
        return engine.kr_series(con, okrs, kr_id, AS_OF), next(k for k in report.key_results if k.id == kr_id)


def test_sum_series_has_no_values_after_data_through(small_db: Path) -> None:
    s, kr = _series(small_db, "O1.KR1")
    assert kr.data_through == D(2026, 11, 5)
    got = s.set_index("date")
    # cumulative through the last data day; the missing 11-03 carries the to-date value
    assert list(got.loc[D(2026, 11, 1) : D(2026, 11, 5), "value"]) == [100, 300, 300, 700, 1200]
    after = got.loc[D(2026, 11, 6) :]
    assert after["value"].isna().all() and after["num_to_date"].isna().all()  # 11-06..11-09 were 1200 before
    assert after["score"].isna().all()
    assert got["pace"].notna().all()  # the pace line still runs to the deadline


def test_rate_series_has_no_values_after_data_through(small_db: Path) -> None:
    s, _ = _series(small_db, "O1.KR2")
    got = s.set_index("date")
    assert got.at[D(2026, 11, 5), "value"] == pytest.approx(60 / 1200)  # ratio of sums to date
    assert got.loc[D(2026, 11, 6) :, ["value", "num_to_date", "den_to_date"]].isna().all().all()


def test_progress_chart_marks_the_days_without_data() -> None:
    dates = pd.date_range("2026-11-01", "2026-11-30").date
    values = [float(i) if d <= D(2026, 11, 26) else None for i, d in enumerate(dates)]
    series = pd.DataFrame({"date": dates, "value": values, "target": 100.0, "pace": range(30)})
    labels = {"value": "累计值", "target": "目标", "pace": "进度线", "data_through": "数据截至 11-26"}
    fig = charts.progress(series, "yuan", labels, data_through=D(2026, 11, 26), as_of=D(2026, 11, 30))
    line = next(t for t in fig.data if t.name == "累计值")
    assert max(line.x) == D(2026, 11, 26)
    band = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(band) == 1 and (band[0].x0, band[0].x1) == (D(2026, 11, 26), D(2026, 11, 30))
    assert [a.text for a in fig.layout.annotations] == ["数据截至 11-26"]
    # data up to the as-of date: nothing to mark
    fresh = charts.progress(series, "yuan", labels, data_through=D(2026, 11, 26), as_of=D(2026, 11, 26))
    assert not fresh.layout.shapes and not fresh.layout.annotations


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def _value_traces(specs: list[dict]) -> list[dict]:
    return [t for spec in specs for t in spec["data"] if t.get("name") == "累计值"]


@pytest.mark.parametrize(("page", "params"), [("pages/my_krs.py", {"owner": "李娜"}), ("pages/kr_detail.py", {})])
def test_pages_draw_values_only_through_data_and_mark_the_gap(small_db: Path, page: str, params: dict) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update({"cycle": "2026-11", **params})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    specs = _charts(at)
    traces = _value_traces(specs)
    assert traces, "no to-date line drawn"
    for trace in traces:
        assert max(trace["x"]) == "2026-11-05", trace["x"][-3:]  # was 2026-11-09 (flat for four days)
    for spec in specs:
        shapes = spec["layout"].get("shapes", [])
        assert any(s["type"] == "rect" and s["x0"] == "2026-11-05" and s["x1"] == "2026-11-09" for s in shapes)
        assert any(a["text"] == "数据截至 11-05" for a in spec["layout"].get("annotations", []))
    daily = [t.value for t in at.dataframe if "numerator" in t.value.columns]
    assert daily, "no daily table"
    for frame in daily:  # the daily tables: only days with data, nothing after data_through
        dates = pd.to_datetime(frame["date"]).dt.date
        assert set(dates) <= set(DATA_DAYS), dates.tolist()


# --- item 16: user text is text ----------------------------------------------------------------------------

PAYLOAD = "![x](http://127.0.0.1:9/track.png) [link](http://x) $x^2$ :red[red] <b>b</b>"
# What must not reach a Markdown element unescaped (each would render as an image, link, formula, colour or HTML).
RAW = ("![x](", "[link](http", "$x^2$", ":red[red]", "<b>")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a_b *c* $1 [x](y)", r"a\_b \*c\* \$1 \[x\](y)"),
        ("![x](http://h/t.png)", "\\!\\[x\\](http\\:\u2060//h/t.png)"),
        (":red[红] :smile:", "\\:\u2060red\\[红\\] \\:\u2060smile\\:\u2060"),
        ("<b>b</b> &amp;", r"\<b\>b\</b\> \&amp;"),
        ("# 标题 | 表", r"\# 标题 \| 表"),
        ("- 列表", r"\- 列表"),
        ("1. 第一", r"1\. 第一"),
        ("+ x", r"\+ x"),
        ("第一行\n\n# 第二行\r\n- 三", r"第一行 \# 第二行 - 三"),
        ("www.x.com a@b.cn", "www\u2060.x.com a@\u2060b.cn"),
        ("~~删~~ `码` \\", r"\~\~删\~\~ \`码\` \\"),
        ("2026-Q4 暖居旗舰店", "2026-Q4 暖居旗舰店"),  # ordinary text stays as it is
        (None, ""),
    ],
)
def test_md_escapes_every_markdown_construct(value: str | None, shown: str) -> None:
    assert md(value) == shown


def test_code_span_and_plotly_text() -> None:
    assert code("objectives[0].title") == "`objectives[0].title`"
    assert code("a`b") == "``a`b``" and code("`x") == "`` `x ``"
    assert plain("<b>b</b> & <a href='x'>") == "&lt;b&gt;b&lt;/b&gt; &amp; &lt;a href='x'&gt;"


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _no_raw_html(fig) -> None:
    strings = list(_strings(fig.to_plotly_json()))
    assert not [s for s in strings if "<b>" in s or "<a " in s], [s for s in strings if "<b>" in s][:3]
    assert any("&lt;b&gt;" in s for s in strings)


def test_charts_escape_user_text_for_plotly() -> None:
    evil = f"店{PAYLOAD}<a href='http://x'>a</a>"
    bars = pd.DataFrame({"label": [evil], "score": [0.5], "status": ["on_track"], "text": ["0.50"]})
    _no_raw_html(charts.objective_bars(bars, "得分"))
    nodes = pd.DataFrame(
        {"id": ["O1"], "parent": [""], "label": [f"{evil}\n0.50"], "score": [0.5], "status": ["on_track"]}
    ).assign(hover=[f"{evil}\n{evil} · 公司\n得分 0.50"])
    sun = charts.alignment_sunburst(nodes, evil)
    _no_raw_html(sun)
    assert sun.data[0].hovertext[1].count("<br>") == 2  # the line breaks are still drawn
    shops = pd.DataFrame({"shop": [evil], "value": [1.0], "projected": [2.0], "target": [3.0]})
    _no_raw_html(charts.shop_attainment(shops, {"value": "v", "projected": "p", "target": "t"}))
    rows = pd.DataFrame(
        {"id": ["a", "b"], "label": [evil, "对照"], "rate": [0.02, 0.03], "ci_low": [0.01, 0.02]}
    ).assign(ci_high=[0.03, 0.04], role=["control", ""])
    forest = charts.forest(rows, {}, {"rate": "点击率", "control": "对照"})
    _no_raw_html(forest)
    assert list(forest.layout.yaxis.categoryarray) == ["对照", plain(evil)]  # same labels as the points
    daily = pd.DataFrame(
        {"date": [D(2026, 11, 1)], "creative_id": ["a"], "name": [evil], "rate": [0.02], "share": [1.0]}
    ).assign(intended=[1.0])
    _no_raw_html(charts.daily_rates(daily, {}, "a"))
    _no_raw_html(charts.daily_shares(daily, {}, "计划"))
    state = pd.DataFrame([[2]], index=[evil], columns=[D(2026, 11, 1)])
    _no_raw_html(charts.coverage(state, state, {"data": "d", "gap": "g", "none": "n", "rows": "行"}))
    grid = pd.DataFrame({"person": [evil], "cycle": [evil], "score": [0.5], "status": ["on_track"], "objectives": [1]})
    _no_raw_html(charts.score_grid(grid, {"score": "得分", "objectives": "目标"}))


def test_alignment_nodes_are_plain_text_lines(demo_db: Path) -> None:
    with store.connect(demo_db) as con:
        report = engine.score_cycle(con, store.read_okrs(con), "2026-Q4", D(2026, 11, 27))
    nodes = cycle_tables.alignment_nodes(report, "zh")
    assert not nodes["hover"].str.contains("<br>").any() and nodes["hover"].str.count("\n").eq(2).all()


# A lint over the pages: an f-string or translated message with a user field, passed to an element that renders
# Markdown, must go through md(). Fields that are user text, and the elements (positional argument / keyword).
USER_FIELDS = {"title", "owner", "name", "shop", "message", "text", "headline", "locked_by", "names", "error"}
USER_NAMES = {"cycle", "oid", "kid", "done_shop", "owner", "shop"}
MARKDOWN_CALLS = {
    "markdown",
    "caption",
    "title",
    "header",
    "subheader",
    "info",
    "warning",
    "error",
    "success",
    "toast",
    "metric",
    "expander",
    "page_link",
    "checkbox",
    "button",
}


def _unescaped_user_values(node: ast.AST) -> list[str]:
    """User fields/names used in `node` outside an md()/code() call (and outside ids/keys of dicts)."""
    found: list[str] = []

    def visit(n: ast.AST, escaped: bool) -> None:
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("md", "code"):
            escaped = True
        if isinstance(n, ast.Attribute) and n.attr in USER_FIELDS and not escaped:
            found.append(ast.unparse(n))
        if isinstance(n, ast.Name) and n.id in USER_NAMES and not escaped:
            found.append(n.id)
        for child in ast.iter_child_nodes(n):
            visit(child, escaped)

    visit(node, False)
    return found


def _markdown_arguments(tree: ast.AST) -> Iterator[tuple[int, ast.AST]]:
    # Text built into a variable first (line = f"... {item.text}") is checked where it was assigned.
    assigned: dict[str, list[ast.AST]] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Assign):
            for target in n.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(n.value)
    for n in ast.walk(tree):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in MARKDOWN_CALLS):
            continue
        if n.func.attr == "page_link":
            args = [k.value for k in n.keywords if k.arg == "label"]
        else:
            args = n.args[:1] + [k.value for k in n.keywords if k.arg in ("body", "label", "help")]
        for arg in args:
            values = assigned.get(arg.id, []) if isinstance(arg, ast.Name) else [arg]
            for value in values:
                if isinstance(value, (ast.JoinedStr, ast.Call, ast.BinOp, ast.IfExp, ast.BoolOp)):
                    yield n.lineno, value


@pytest.mark.parametrize("path", [*sorted((ROOT / "pages").glob("*.py")), ROOT / "dashboard.py"], ids=lambda p: p.name)
def test_pages_escape_user_text_in_markdown_elements(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = [
        f"{path.name}:{line}: {', '.join(names)}"
        for line, arg in _markdown_arguments(tree)
        if (names := _unescaped_user_values(arg))
    ]
    assert not problems, "user text reaches Markdown without md(): " + "; ".join(problems)


def test_the_lint_catches_an_unescaped_title() -> None:
    bad = ast.parse(
        'st.subheader(f"{o.id} {o.title}")\nst.caption(ui.tr("x", cycle=cycle))\nline = f"{i.text}"\n'
        "st.page_link('p.py', label=line)"
    )
    good = ast.parse('st.subheader(md(f"{o.id} {o.title}"))\nst.caption(ui.tr("x", cycle=md(cycle)))')
    found = [_unescaped_user_values(a) for _, a in _markdown_arguments(bad)]
    assert found == [["o.title"], ["cycle"], ["i.text"]]
    assert all(not _unescaped_user_values(a) for _, a in _markdown_arguments(good))


def _evil(text: str) -> str:
    return f"{text}{PAYLOAD}"


@pytest.fixture
def evil_db(db: Path) -> Path:
    """The demo copy with the payload in user text everywhere (see make_evil)."""
    make_evil(db)
    return db


def make_evil(db: Path) -> None:
    """Put the payload in every objective and KR title, every owner, a shop name, product and creative names, the
    A/B test titles and the name of whoever locked 2026-Q4 of a demo database."""
    with store.connect(db) as con:
        okrs = store.read_okrs(con)
        shop = "暖居拼多多店"
        evil_shop = _evil("拼多多店")
        objectives = []
        for o in okrs.objectives:
            krs = [
                k.model_copy(
                    update={
                        "title": _evil(k.title),
                        "filters": {n: evil_shop if v == shop else v for n, v in k.filters.items()},
                    }
                )
                for k in o.key_results
            ]
            objectives.append(
                o.model_copy(update={"title": _evil(o.title), "owner": _evil(o.owner), "key_results": krs})
            )
        tests = [x.model_copy(update={"title": _evil(x.title)}) for x in okrs.ab_tests]
        store.save_okrs(con, okrs.model_copy(update={"objectives": objectives, "ab_tests": tests}), user="test")
        for table in ("shop_daily", "product_daily", "creative_daily", "import_log"):
            store.run(con, f"UPDATE {table} SET shop = ? WHERE shop = ?", [evil_shop, shop])
        store.run(con, "UPDATE product_daily SET product_name = ? || product_name", [PAYLOAD])
        store.run(con, "UPDATE creative_daily SET creative_name = creative_name || ?", [PAYLOAD])
        cycle = next(c for c in store.read_okrs(con).cycles if c.id == "2026-Q4")
        store.set_lock(con, cycle, user=_evil("王总"), locked=True)
        store.run(con, "CHECKPOINT")


def _markdown_texts(at: AppTest) -> list[tuple[str, str]]:
    """(element type, text) of everything the app sends that Streamlit renders as Markdown: bodies of markdown,
    headings, alerts, captions; labels of metrics, expanders, tabs, page links and widgets; help tooltips."""
    out = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        kind = getattr(node, "type", type(node).__name__)
        if kind in ("text", "code", "json", "exception", "arrow_data_frame", "dataframe", "plotly_chart"):
            continue
        for field, value in proto.ListFields():
            if field.name in ("body", "label", "help", "text") and isinstance(value, str):
                out.append((kind, value))
            elif isinstance(value, Message):
                for sub, sub_value in value.ListFields():  # e.g. a block's expandable/tab label
                    if sub.name in ("label", "help") and isinstance(sub_value, str):
                        out.append((kind, sub_value))
    return out


# (page, URL parameters, where the payload shows: in Markdown elements, or only in charts)
PAGES = [
    ("pages/overview.py", {}, "markdown"),
    ("pages/my_krs.py", {"owner": _evil("李娜")}, "markdown"),
    ("pages/kr_detail.py", {"kr": "O3.KR2"}, "markdown"),
    ("pages/abtest.py", {"test": "T1"}, "markdown"),
    ("pages/manage.py", {"objective": "O1"}, "markdown"),
    ("pages/data_import.py", {}, "plotly"),
    ("pages/people.py", {}, "markdown"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_shows_user_text_as_text(evil_db: Path, lang: str) -> None:
    for page, params, where in PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
        at.query_params.update({"cycle": "2026-Q4", "lang": lang, **params})
        at.run()
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        texts = _markdown_texts(at)
        leaks = [(kind, t) for kind, t in texts if any(raw in t for raw in RAW)]
        assert not leaks, f"{page}: {leaks[:3]}"
        plotly = [s for e in at.get("plotly_chart") for s in _strings(json.loads(e.proto.spec))]
        assert not [s for s in plotly if "<b>b</b>" in s], f"{page}: plotly text shows HTML"
        # the payload is on the page (escaped), so the checks above have teeth
        shown = [t for _, t in texts] if where == "markdown" else plotly
        assert any("track.png" in t for t in shown), f"{page}: the payload is not shown"


# --- item 16: decompression-bomb thumbnails -----------------------------------------------------------------


def _png(width: int, height: int, *, valid: bool = True) -> bytes:
    """A 1-bit greyscale PNG of width x height, all zero: a few KB for 20000 x 20000 (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush() if valid else b"x"
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("width", "height"),
    [(20_000, 20_000), (12_000, 12_000), (7_000, 7_000)],  # Pillow refuses / warns / accepts; all over 36 MP
)
def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path, width: int, height: int) -> None:
    data = _png(width, height)
    assert len(data) < 200_000  # tiny file, huge image
    with pytest.raises(ab_report.ThumbnailError) as caught:
        ab_report.save_thumbnail(tmp_path, "T1", "A", "bomb.png", data)
    assert caught.value.code == "ab.thumb_err_pixels" and caught.value.values["mp"] == "36"
    assert "bomb.png" in str(caught.value)
    assert not list(tmp_path.rglob("*.png"))  # nothing stored


def test_thumbnail_file_size_limit(tmp_path: Path) -> None:
    too_big = b"\x89PNG" + b"\x00" * ab_report.THUMBNAIL_MAX_BYTES
    with pytest.raises(ab_report.ThumbnailError) as caught:
        ab_report.save_thumbnail(tmp_path, "T1", "A", "big.png", too_big)
    assert caught.value.code == "ab.thumb_err_bytes" and caught.value.values["mb"] == 20


def test_a_normal_thumbnail_still_loads(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), "orange").save(buffer, "PNG")
    path = ab_report.save_thumbnail(tmp_path, "T1", "A", "ok.png", buffer.getvalue())
    assert Image.open(path).size == (480, 320)
    assert ab_report.save_thumbnail(tmp_path, "T1", "B", "small.png", _png(600, 400)).is_file()


# zh only: after a click AppTest evaluates the page's radio format_func outside the run, where ui.tr() falls back
# to zh, so an en run cannot click; the en wording is checked in test_thumbnail_messages_in_both_languages.
@pytest.mark.parametrize("lang", ["zh"])
def test_bomb_upload_on_the_page_is_a_message_with_the_limit(db: Path, lang: str) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params.update({"test": "T1", "lang": lang})
    at.run()
    at.switch_page("pages/abtest.py").run()
    at.get("file_uploader")[0].set_value((f"{PAYLOAD}.png", _png(20_000, 20_000), "image/png"))
    at.button[0].click()  # the form's submit button is the first button on the page
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    limit = "36 百万像素" if lang == "zh" else "36 million pixels"
    assert any(limit in e for e in errors), errors
    assert not any(raw in e for e in errors for raw in RAW)  # the file name is shown as text
    assert not list(ab_report.thumbnails_dir(db).rglob("*.png"))


def test_thumbnail_messages_in_both_languages() -> None:
    from shopkr.app.i18n import t

    assert "36 百万像素" in t("ab.thumb_err_pixels", "zh", name="a.png", mp="36")
    assert "36 million pixels" in t("ab.thumb_err_pixels", "en", name="a.png", mp="36")
    assert "20 MB" in t("ab.thumb_err_bytes", "en", name="a.png", mb=20)
    assert "20 MB" in t("ab.thumb_help", "zh", mb=20, mp="36")


def test_thumbnail_limits_are_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"20 MB", readme) and re.search(r"36 million\s+pixels", readme)
