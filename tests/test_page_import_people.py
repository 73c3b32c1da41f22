"""pages/data_import.py (数据导入) and pages/people.py (成员) in Streamlit's AppTest on the demo data: both render in
both languages; an uploaded sample export is imported and shows a success row; a broken file shows a failure
row and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from conftest import dump_all
from streamlit.testing.v1 import AppTest

from shopkr.data import demo, store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "暖居抖音小店" / "抖店罗盘_商品列表_2026-11-26.xlsx"
BROKEN = ROOT / "tests" / "fixtures" / "connectors" / "bad_abc.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def open_page(path: str, lang: str = "zh", **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params.update({"lang": lang, **params})
    at.run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def widget(elements, label: str):
    found = [e for e in elements if e.label == label]
    assert found, f"no widget labelled {label!r}: {[e.label for e in elements]}"
    return found[0]


def import_upload(at: AppTest, files: list[tuple[str, bytes, str]], shop: str) -> AppTest:
    """Upload files, pick a new shop by name and press the import button."""
    at.file_uploader[0].set_value(files).run()
    widget(at.selectbox, "店铺").select("+ 新店铺…").run()
    widget(at.text_input, "新店铺名称").input(shop).run()
    button = next(b for b in at.button if b.label.startswith("导入"))
    assert not button.disabled
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rows_of(db: Path, shop: str) -> dict[str, int]:
    with store.connect(db) as con:
        return {
            table: store.one(con, f"SELECT count(*) FROM {table} WHERE shop = ?", [shop])[0]
            for table in ("shop_daily", "product_daily", "creative_daily")
        }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_import_page_renders_on_the_demo(db, lang):
    at = open_page("pages/data_import.py", lang)
    assert texts(at.title) == ["数据导入" if lang == "zh" else "Import data"]
    headers = texts(at.subheader)
    assert headers == (["数据覆盖", "导入历史"] if lang == "zh" else ["Data coverage", "Import history"])
    assert not at.error
    assert texts(at.success) == [
        "每个店铺的每张表在首日与末日之间都没有缺失的日期。"
        if lang == "zh"
        else "No shop and table misses a day between its first and last date."
    ]
    coverage, history = at.dataframe[0].value, at.dataframe[1].value
    assert len(coverage) == 7  # 3 shops: shop/product/creative tables of two, shop table of the pdd shop
    assert len(history) == 200 and history.iloc[0, 1] == "generic_shop_daily_暖居拼多多店.csv"  # newest first
    # Without files the button is disabled.
    assert next(b for b in at.button if b.label.startswith(("导入", "Import"))).disabled


def test_uploading_a_sample_export_imports_it(db):
    before = rows_of(db, "新测试店")
    at = import_upload(open_page("pages/data_import.py"), [(SAMPLE.name, SAMPLE.read_bytes(), XLSX)], "新测试店")
    assert texts(at.main.success)[0] == "完成：1 个导入成功，0 个未变化，0 个失败。"
    result = at.dataframe[0].value
    assert result.iloc[0].tolist()[:7] == [
        SAMPLE.name,
        "✓ 导入成功",
        "抖店罗盘 商品列表",
        "商品日数据",
        6,
        0,
        "2026-11-26",
    ]
    assert not at.error
    after = rows_of(db, "新测试店")
    assert before == {"shop_daily": 0, "product_daily": 0, "creative_daily": 0}
    assert after == {"shop_daily": 0, "product_daily": 6, "creative_daily": 0}
    # The uploader is emptied; the new shop is now in the coverage table and the history.
    assert not at.file_uploader[0].value
    assert widget(at.selectbox, "店铺").value == "新测试店"  # ready for the next files of the same shop
    assert "新测试店" in at.dataframe[1].value["店铺"].tolist()
    assert at.dataframe[2].value.iloc[0, 1] == SAMPLE.name


def test_importing_the_same_file_again_is_unchanged(db):
    at = import_upload(open_page("pages/data_import.py"), [(SAMPLE.name, SAMPLE.read_bytes(), XLSX)], "新测试店")
    data = dump_all(db)
    at.file_uploader[0].set_value([(SAMPLE.name, SAMPLE.read_bytes(), XLSX)]).run()
    widget(at.selectbox, "店铺").select("新测试店").run()
    next(b for b in at.button if b.label.startswith("导入")).click().run()
    assert not at.exception
    assert at.dataframe[0].value.iloc[0, 1] == "– 未变化"
    assert dump_all(db) == data


def test_uploading_a_broken_file_shows_a_failure_and_writes_nothing(db):
    data = dump_all(db)
    files = [(BROKEN.name, BROKEN.read_bytes(), "text/csv")]
    at = import_upload(open_page("pages/data_import.py"), files, "坏文件店")
    assert texts(at.main.warning) == ["完成：0 个导入成功，0 个未变化，1 个失败。"]
    row = at.dataframe[0].value.iloc[0].tolist()
    assert row[:2] == [BROKEN.name, "✗ 失败"]
    assert "访客数" in row[7] and "abc" in row[7]
    (error,) = texts(at.error)
    # the connector's message in the reader's language (issue 9: it was shown in English as written)
    assert "第 5 行" in error and "abc" in error and "row 5" not in error
    assert "没有写入任何数据" in error  # what to do next, translated
    assert dump_all(db) == data  # canonical tables unchanged
    assert at.dataframe[-1].value.iloc[0, 3] == "✗ 失败"  # and the failure is in the history


def test_one_good_and_one_broken_file_in_one_upload(db):
    files = [(BROKEN.name, BROKEN.read_bytes(), "text/csv"), (SAMPLE.name, SAMPLE.read_bytes(), XLSX)]
    at = import_upload(open_page("pages/data_import.py"), files, "混合店")
    assert at.dataframe[0].value.iloc[:, 1].tolist() == ["✗ 失败", "✓ 导入成功"]
    assert rows_of(db, "混合店")["product_daily"] == 6


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_people_page_renders_on_the_demo(db, lang):
    at = open_page("pages/people.py", lang, cycle="2026-Q4")
    assert texts(at.title) == ["成员" if lang == "zh" else "People"]
    reminder = texts(at.info)[0]
    assert ("奖金" in reminder) if lang == "zh" else ("bonuses" in reminder)
    headings = [m for m in texts(at.markdown) if m.startswith("#### ")]
    assert headings == ["#### 王总", "#### 李娜", "#### 张伟", "#### 赵敏", "#### 陈晨", "#### 刘洋"]
    # One per person, and the demo's 2026-Q3 reviews of 李娜 and 张伟 (data/samples/rhythm.yaml); 王总's is missing.
    assert len(at.expander) == 8
    # Three people owned objectives in the closed 2026-Q3: their frozen grades show as a history table each.
    assert len(at.dataframe) == 3
    assert at.dataframe[0].value.iloc[0, 0] == "2026-Q3"
    assert not at.main.error and not at.main.warning


def test_people_page_on_the_first_cycle_has_no_history(db):
    at = open_page("pages/people.py", cycle="2026-Q3")
    assert not at.dataframe  # nothing before 2026-Q3
    assert "没有更早周期的 OKR。" in texts(at.markdown)
    assert any(c.startswith("该周期已结束并锁定成绩") for c in texts(at.caption))  # closed: frozen grades


def test_both_pages_without_any_data(db):
    demo.clear(db, user="test")
    st.cache_data.clear()
    at = open_page("pages/data_import.py")
    assert "数据库里还没有数据：在上方上传导出文件开始。" in texts(at.info)
    at = open_page("pages/people.py")
    assert at.info  # the no-OKRs hint with the next step


def test_a_busy_database_is_a_warning_not_a_traceback(db, monkeypatch):
    from shopkr.data import importer

    def busy(*args, **kwargs):
        raise store.DatabaseBusy("busy")

    monkeypatch.setattr(importer, "import_files", busy)
    at = import_upload(open_page("pages/data_import.py"), [(SAMPLE.name, SAMPLE.read_bytes(), XLSX)], "忙碌店")
    assert any("没有导入任何文件" in w for w in texts(at.main.warning))
    assert "忙碌店" not in texts(at.subheader)[0]  # no result section
