"""pages/abtest.py (主图测试) in Streamlit's AppTest on the demo: T1 and T2 render in zh and en without an
exception, a test is created through the form (and refused with errors next to the fields), thumbnails show."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from shopkr.app import ab_report
from shopkr.data import store

ROOT = Path(__file__).resolve().parents[1]


def page(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params.update(params)
    at.run()
    at.switch_page("pages/abtest.py").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.success, at.info, at.warning, at.error) for e in kind)


@pytest.mark.parametrize(
    ("test_id", "lang", "expected"),
    [
        ("T1", "zh", "保温杯主图5 点击率 2.67%，比对照高 33%，调整后 p < 0.001：可以换成保温杯主图5"),
        ("T2", "zh", "还不能下结论：每张图还需约"),
        ("T1", "en", "保温杯主图5: CTR 2.67%, 33% higher than the control"),
        ("T2", "en", "No conclusion yet: each image needs about"),
    ],
)
def test_tests_render(db: Path, test_id: str, lang: str, expected: str) -> None:
    at = page(test=test_id, lang=lang)
    assert expected in texts(at)
    assert at.selectbox[0].value == test_id
    assert len(at.get("plotly_chart")) == 3  # forest, daily rates, daily shares
    table = at.dataframe[0].value
    assert len(table) == 8 and ("展现" if lang == "zh" else "Impressions") in table.columns


def test_picker_switches_test_and_url(db: Path) -> None:
    at = page()
    assert at.selectbox[0].value == "T1"
    at.selectbox[0].set_value("T2").run()
    assert not at.exception and at.query_params["test"] == "T2"
    assert "还不能下结论" in texts(at)


def fill(at: AppTest, variants: list[str], title: str) -> AppTest:
    at.selectbox(key="ab_new_shop").set_value("暖居旗舰店").run()
    at.text_input(key="ab_new_search").set_value("主图").run()
    at.multiselect(key="ab_new_variants").set_value(variants).run()
    at.text_input(key="ab_new_title").set_value(title).run()
    at.button(key="ab_new_save").click().run()
    assert not at.exception, at.exception
    return at


def test_creating_a_test_through_the_form_stores_it(db: Path) -> None:
    at = fill(page(), ["880101", "880104", "880106"], "三张图复测")
    with store.connect(db) as con:
        tests = store.read_okrs(con).ab_tests
    new = tests[-1]
    assert [t.id for t in tests] == ["T1", "T2", "T3"]
    assert (new.title, new.shop, new.variants, new.control_id) == (
        "三张图复测",
        "暖居旗舰店",
        ["880101", "880104", "880106"],
        "880101",
    )
    assert new.product_id == "731562048917" and new.metric == "ctr"
    assert at.query_params["test"] == "T3" and at.selectbox[0].value == "T3"
    assert "已保存测试 T3。" in texts(at)


def test_form_errors_show_next_to_the_fields_and_nothing_is_stored(db: Path) -> None:
    at = fill(page(), ["880101"], "")
    errors = [e.value for e in at.error]
    assert "至少选 2 张、最多 8 张图。" in errors and "必填。" in errors
    with store.connect(db) as con:
        assert [t.id for t in store.read_okrs(con).ab_tests] == ["T1", "T2"]


def test_thumbnails_show_in_the_table(db: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "#2e9d5b").save(buffer, "PNG")
    ab_report.save_thumbnail(ab_report.thumbnails_dir(db), "T1", "7571138452007248129", "5.png", buffer.getvalue())
    table = page(test="T1").dataframe[0].value
    assert table["主图"].notna().sum() == 1
    assert table.set_index("图").loc["保温杯主图5", "主图"].startswith("data:image/png;base64,")
    table = page(test="T1", lang="en").dataframe[0].value
    assert table.set_index("Image").loc["保温杯主图5", "Thumbnail"].startswith("data:image/png;base64,")
