"""Issue 9: messages are codes with parameters, translated in one place (shopkr/app/i18n.py).

Every code the source uses is listed (shopkr.domain.messages.CODES, connectors.errors.CODES) and renders in 简体中文
and English without a missing parameter; no English sentence is turned back into a code any more; and the Chinese
KR详情 and 我的KR pages show no English engine text for a failing SQL KR, a timed-out SQL KR and a KR without data.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import json
import re
import string
import types
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import connectors.errors
from connectors.errors import ImportFileError
from shopkr.app import import_tables, okr_form, ui
from shopkr.app.i18n import STRINGS, cli_text, problem_line, render
from shopkr.data import importer, store
from shopkr.domain import engine, forecast, messages, metrics
from shopkr.domain.messages import Message, pydantic_message
from shopkr.domain.okr import validate

ROOT = Path(__file__).resolve().parents[1]
ALL_CODES = {**messages.CODES, **connectors.errors.CODES, **forecast.CODES}
# A message code as the source writes it: okr.*, pydantic.*, edit.*, sql.*, kr.*, file.*, import.note/error.*
CODE = re.compile(
    r"^(okr|pydantic|edit|sql|kr|file|pace|forecast|calendar)\.[a-z0-9_.]+$|^import\.(note|error)\.[a-z_]+$"
    r"|^checkin\.error\.[a-z_]+$"  # issue 11: a refused check-in (store.CheckInError)
    r"|^review\.error\.[a-z_]+$"  # issue 11: a refused quarter-end review (store.ReviewError)
    r"|^note\.error\.[a-z_]+$"  # issue 11: a refused note on the charts (store.AnnotationError)
    r"|^user\.[a-z_]+$"  # issue 12: a refused user change (store.UserError)
    r"|^auth\.(refused|not_yours)$"  # issue 12: a write the role does not allow (roles.Refused)
)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
SAME_IN_BOTH = {"edit.what_kr"}  # "KR" is what both languages call it


def test_the_registries_do_not_overlap():
    assert not set(messages.CODES) & set(connectors.errors.CODES)
    assert not (set(messages.CODES) | set(connectors.errors.CODES)) & set(forecast.CODES)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _filled(params: dict, lang: str) -> dict:
    """The parameters as `render` fills them in: nested messages rendered, lists of values joined with ", ",
    lists of messages with "; " (zh "；")."""

    def one(v: object) -> object:
        if hasattr(v, "code"):
            return render(v, lang)  # type: ignore[arg-type]
        if isinstance(v, list) and any(hasattr(x, "code") for x in v):
            return ("；" if lang == "zh" else "; ").join(str(one(x)) for x in v)
        return ", ".join(map(str, v)) if isinstance(v, list) else v

    return {k: one(v) for k, v in params.items()}


@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_every_code_renders_in_both_languages(code):
    params = ALL_CODES[code]
    assert code in STRINGS, f"{code} has no text in shopkr/app/i18n.py"
    for lang, template in zip(("zh", "en"), STRINGS[code], strict=True):
        missing = _placeholders(template) - set(params)
        assert not missing, f"{code} ({lang}): the text uses {missing}, which the message does not carry"
        text = render(Message(code, params), lang)  # type: ignore[arg-type]
        assert text == template.format(**_filled(params, lang)) and text != code  # filled, not a fallback
    zh, en = render(Message(code, params), "zh"), render(Message(code, params), "en")
    if code not in SAME_IN_BOTH:
        assert CJK.search(zh), f"{code}: the Chinese text has no Chinese: {zh!r}"
        assert zh != en


def _code_literals(path: Path) -> list[tuple[int, str]]:
    """The message codes a source file writes as string constants, leaving out the keys of its CODES registry."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    registry: set[int] = set()
    for node in ast.walk(tree):
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        is_registry = isinstance(target, ast.Name) and target.id == "CODES"
        if isinstance(node, ast.Assign | ast.AnnAssign) and is_registry and isinstance(node.value, ast.Dict):
            registry |= {id(k) for k in node.value.keys if k is not None}
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CODE.match(node.value)
        and id(node) not in registry
    ]


SOURCES = sorted([*ROOT.glob("shopkr/**/*.py"), *ROOT.glob("connectors/*.py"), *ROOT.glob("pages/*.py")])


def test_every_code_the_source_writes_is_listed_and_every_listed_code_is_written():
    used: dict[str, str] = {}
    for path in SOURCES:
        for line, code in _code_literals(path):
            used.setdefault(code, f"{path.relative_to(ROOT)}:{line}")
    unlisted = {code: where for code, where in used.items() if code not in ALL_CODES}
    assert not unlisted, f"codes without an entry in CODES (and so without a rendering test): {unlisted}"
    assert sorted(set(ALL_CODES) - set(used)) == []  # a listed code nothing produces is a stale text


def test_every_import_file_error_and_workbook_error_has_a_code():
    for path in sorted(ROOT.glob("connectors/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("ImportFileError", "WorkbookError"):
                keywords = {k.arg for k in node.keywords}
                assert "code" in keywords, f"{path.name}:{node.lineno} raises {node.func.id} without code="


def test_no_english_is_turned_back_into_a_code():
    source = (ROOT / "shopkr/app/okr_form.py").read_text(encoding="utf-8")
    assert "_PATTERNS" not in source and "re.fullmatch(pattern" not in source
    assert not hasattr(okr_form, "_PATTERNS")


# --- pydantic errors: from type and ctx, never msg ---------------------------------------------------------


def test_pydantic_errors_are_translated_from_type_and_ctx_not_msg():
    error = {"type": "greater_than", "loc": ("weight",), "msg": "whatever pydantic writes", "ctx": {"gt": 0}}
    assert pydantic_message(error) == Message("pydantic.greater_than", {"gt": 0})
    assert pydantic_message({**error, "msg": "Eingabe muss größer als 0 sein"}) == pydantic_message(error)
    assert pydantic_message({"type": "uuid_parsing", "msg": "x"}) == Message("pydantic.other", {"type": "uuid_parsing"})
    assert render(pydantic_message(error), "zh") == "必须大于 0"


def test_the_pydantic_errors_of_a_bad_file_all_have_their_own_code():
    bad = {
        "objectives": [
            {"id": "O1", "cycle": "2026-Q4", "title": "t", "level": "boss", "extra": 1},  # no owner
            {
                "id": "O2",
                "cycle": "2026-Q4",
                "title": "t",
                "owner": "o",
                "key_results": [
                    {"id": "K", "title": "k", "metric": "gmv", "target": "lots", "weight": 0, "deadline": "soon"}
                ],
            },
        ],
        "ab_tests": [
            {"id": "T", "title": "t", "shop": "s", "variants": ["a"], "start": "2026-11-01", "end": "2026-11-02"}
        ],
    }
    _, problems = validate(bad)
    codes = {p.code for p in problems}
    expected = {"pydantic.missing", "pydantic.extra_forbidden", "pydantic.literal_error", "pydantic.number"}
    assert expected | {"pydantic.greater_than", "pydantic.date", "pydantic.too_short"} <= codes
    for p in problems:
        assert CJK.search(okr_form.describe(p, "zh")), p


# --- the command line and JSON speak English from the same table ------------------------------------------


def test_cli_english_comes_from_the_table():
    _, problems = validate(
        {
            "objectives": [
                {
                    "id": "O1",
                    "cycle": "2026-Q4",
                    "title": "t",
                    "owner": "o",
                    "key_results": [{"id": "K", "title": "k", "metric": "ctr", "start": 2.5, "target": 0.04}],
                }
            ]
        }
    )
    (p,) = [p for p in problems if p.severity == "error"]
    assert problem_line(p) == (
        "objectives[0].key_results[0].start: ctr is a rate: write it as a fraction between 0 and 1 (0.035 for 3.5%); "
        "did you mean 0.025? (found 2.5); allowed: 0-1"
    )
    assert cli_text(p) == problem_line(p)
    assert cli_text(Message("kr.frozen")) == STRINGS["kr.frozen"][1]


def test_score_json_carries_the_english_message_and_its_code(tmp_db):
    okrs, _ = validate(
        {
            "objectives": [
                {
                    "id": "O1",
                    "cycle": "2026-11",
                    "title": "t",
                    "owner": "o",
                    "key_results": [
                        {"id": "K", "title": "k", "metric": "gmv", "filters": {"shop": "无数据店"}, "target": 10}
                    ],
                }
            ]
        }
    )
    with store.connect(tmp_db) as con:
        report = engine.score_cycle(con, okrs, "2026-11", dt.date(2026, 11, 5))
    (k,) = json.loads(json.dumps(engine.to_json(report, cli_text)))["objectives"][0]["key_results"]
    assert k["message_code"] == "kr.no_rows"
    assert k["message"] == "no shop_daily rows for shop=无数据店 between 2026-11-01 and 2026-11-05: import the exports"
    assert render(report.key_results[0].message, "zh") == (
        "2026-11-01 至 2026-11-05 没有 shop=无数据店 的数据（shop_daily 表）：请导入导出文件"
    )


# --- import errors ------------------------------------------------------------------------------------------


def test_an_import_error_is_shown_in_the_readers_language(tmp_path):
    bad = tmp_path / "坏.csv"
    bad.write_text("date,platform,visitors\n2026-11-01,taobao,abc\n", encoding="utf-8")
    (result,) = importer.import_files([bad], "小店", db=tmp_path / "x.duckdb", user="test")
    assert result.status == "failed" and "cannot be read" in result.error  # the log and the CLI keep English
    zh = import_tables.result_message(result, "zh")
    assert zh.startswith("坏.csv（第 2 行；列 visitors）：") and "'abc'" in zh and "整数" in zh, zh
    assert "cannot be read" not in zh and "expected" not in zh and "Found" not in zh
    en = import_tables.result_message(result, "en")
    assert en.startswith("坏.csv (row 2; column visitors): ") and "Found 'abc', expected a whole number" in en


def test_import_notes_are_translated():
    err = ImportFileError("a.csv", "x", code="file.no_rows")
    assert render(err.detail, "zh") == "a.csv：文件只有表头，没有数据行。请导出有数据的日期。"
    assert render(Message("file.note.repeated_headers", {"n": 3}), "zh") == "跳过了 3 行重复的表头"


# --- the pages: no English engine text in the Chinese UI ----------------------------------------------------

AS_OF = dt.date(2026, 11, 9)
SLOW_SQL = "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b"  # 10^12 rows
PAGE_OKRS = {
    "objectives": [
        {
            "id": "O1",
            "cycle": "2026-11",
            "title": "看得懂的提示",
            "owner": "李娜",
            "level": "company",
            "origin": "bottom-up",
            "key_results": [
                {"id": "O1.KR1", "title": "查询出错", "sql": "SELECT * FROM no_such_table", "start": 0, "target": 10},
                {"id": "O1.KR2", "title": "查询超时", "sql": SLOW_SQL, "start": 0, "target": 10},
                {"id": "O1.KR3", "title": "没有数据", "metric": "gmv", "filters": {"shop": "没数据的店"}, "target": 9},
            ],
        }
    ]
}
# English our engine writes for these KRs (the SQL failure quotes DuckDB's own message, which stays as DuckDB
# wrote it: "Table with name no_such_table does not exist!").
ENGLISH = [
    "the query failed",
    "took longer than",
    "was stopped",
    "no shop_daily rows",
    "import the exports",
    "all shops",
    " rows for ",
    " between 2026-11-01",
]
CHINESE = [
    "SQL 查询出错",
    "SQL 查询超过 0.2 秒，已停止",
    "没有 shop=没数据的店 的数据（shop_daily 表）：请导入导出文件",
]


class _Today(dt.date):
    @classmethod
    def today(cls) -> dt.date:  # type: ignore[override]
        return AS_OF


@pytest.fixture
def failing_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three KRs that cannot be scored (an SQL error, an SQL timeout of 0.2 s, no rows), seen on 2026-11-09."""
    import streamlit as st

    db = tmp_path / "shopkr.duckdb"
    okrs, problems = validate(PAGE_OKRS)
    assert okrs is not None, [str(p) for p in problems]
    with store.connect(db) as con:
        store.save_okrs(con, okrs, user="test")
    real = metrics.run_sql
    monkeypatch.setattr(metrics, "run_sql", functools.partial(_capped, real))
    monkeypatch.setattr(engine, "SERIES_BUDGET", 1.0)  # the slow KR's daily series stops after a second
    monkeypatch.setenv("SHOPKR_DB", str(db))
    monkeypatch.setattr(ui, "dt", types.SimpleNamespace(date=_Today, datetime=dt.datetime, timedelta=dt.timedelta))
    st.cache_data.clear()
    return db


def _capped(real, con, sql, params, timeout=5.0):
    return real(con, sql, params, timeout=min(timeout, 0.2))


def _strings(value) -> list[str]:
    """Every text in a protobuf message (element bodies, labels, help, values) or JSON value, recursively."""
    from google.protobuf.message import Message as Proto

    if isinstance(value, str):
        return [value]
    if isinstance(value, Proto):
        return [s for _, v in value.ListFields() for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple) or type(value).__name__.startswith("Repeated"):
        return [s for v in value for s in _strings(v)]
    return []


def page_texts(at: AppTest) -> list[str]:
    """Everything a page shows as text: Markdown, captions, alerts, metrics, widgets (from the element protos),
    the cells and column names of its tables, and the texts of its charts."""
    out = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is None or kind in ("arrow_data_frame", "dataframe", "plotly_chart"):
            continue
        out += _strings(proto)
    for frame in at.dataframe:
        df = frame.value
        out += [str(c) for c in df.columns] + [v for col in df.columns for v in df[col].tolist() if isinstance(v, str)]
    for chart in at.get("plotly_chart"):
        out += _strings(json.loads(chart.proto.spec))
    return out


def _open(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params.update({"cycle": "2026-11", **params})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _unescaped(text: str) -> str:
    """Text as the reader sees it: without the Markdown escapes of shopkr.app.escape.md."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def _english_on(texts: list[str]) -> list[tuple[str, str]]:
    return [(fragment, t) for t in map(_unescaped, texts) for fragment in ENGLISH if fragment in t]


@pytest.mark.parametrize(("kr", "chinese"), [("O1.KR1", CHINESE[0]), ("O1.KR2", CHINESE[1]), ("O1.KR3", CHINESE[2])])
def test_kr_detail_in_chinese_shows_no_english_engine_text(failing_db, kr, chinese):
    at = _open("pages/kr_detail.py", {"kr": kr})
    texts = page_texts(at)
    assert not _english_on(texts), _english_on(texts)[:3]
    warnings = [_unescaped(w.value) for w in at.warning]
    assert any(chinese in w for w in warnings), warnings  # the message is there, in Chinese


def test_my_krs_in_chinese_shows_no_english_engine_text(failing_db):
    at = _open("pages/my_krs.py", {"owner": "李娜"})
    texts = page_texts(at)
    assert not _english_on(texts), _english_on(texts)[:3]
    warnings = [_unescaped(w.value) for w in at.warning]
    for chinese in CHINESE:
        assert any(chinese in w for w in warnings), (chinese, warnings)


def test_the_same_pages_in_english_show_the_english_text(failing_db):
    at = _open("pages/my_krs.py", {"owner": "李娜", "lang": "en"})
    warnings = " ".join(_unescaped(w.value) for w in at.warning)
    assert "the query failed" in warnings and "took longer than 0.2 s" in warnings
    assert "no shop_daily rows for shop=没数据的店 between 2026-11-01 and 2026-11-09" in warnings
