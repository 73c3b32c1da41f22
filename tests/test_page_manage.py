"""pages/manage.py (OKR管理) in Streamlit's AppTest on the demo data: forms validate like the YAML file, nothing is
stored on an error, a valid edit is stored and shows in the history, YAML upload previews and stores, locks."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from shopkr.data import demo, store

ROOT = Path(__file__).resolve().parents[1]
DEMO_YAML = ROOT / "data" / "samples" / "okrs.yaml"


def page(lang: str = "zh", **params: str) -> AppTest:
    """The manage page at 2026-Q4 of the demo, with URL query parameters."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update({"cycle": "2026-Q4", "lang": lang, **params})
    at.run()
    at.switch_page("pages/manage.py").run()
    assert not at.exception, at.exception
    return at


def stored(db: Path):
    """(definitions, number of recorded changes, locked cycles) in the database."""
    with store.connect(db) as con:
        changes = store.one(con, "SELECT count(*) FROM okr_changes")[0]
        return store.read_okrs(con), changes, store.locked_cycles(con)


def kr_of(okrs, kr_id: str):
    return next(k for o in okrs.objectives for k in o.key_results if k.id == kr_id)


def table(at: AppTest, *columns: str):
    """The first dataframe on the page whose columns start with these (tabs are all drawn, in order)."""
    for frame in at.dataframe:
        if list(frame.value.columns[: len(columns)]) == list(columns):
            return frame.value
    raise AssertionError(f"no table with columns {columns}")


HISTORY = ("时间", "操作人")
PREVIEW_ZH = ("周期", "对象", "编号")
PREVIEW_EN = ("Cycle", "Item", "ID")


def texts(elements) -> list[str]:
    return [e.value for e in elements]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_renders_on_the_demo_data(db, lang):
    at = page(lang)
    assert texts(at.title) == ["OKR 管理 · 2026-Q4" if lang == "zh" else "Manage OKRs · 2026-Q4"]
    assert not at.error
    assert [t.label for t in at.tabs] == (
        ["编辑目标", "导入导出 YAML", "锁定与历史"]
        if lang == "zh"
        else ["Edit objectives", "YAML import / export", "Lock and history"]
    )
    assert at.selectbox[0].value == "O1" and at.query_params["objective"] == "O1"
    assert at.download_button  # export is there
    assert not table(at, *(HISTORY if lang == "zh" else ("When", "Who"))).empty  # the demo load is in the history


def test_a_closed_cycle_says_so(db):
    at = page(cycle="2026-Q3")
    assert any("已结束" in t for t in texts(at.info))


def test_target_equal_to_start_shows_the_error_and_stores_nothing(db):
    before = stored(db)
    at = page(objective="O2", kr="O2.KR1")
    target = at.number_input(key="kr-O2-O2.KR1-metric-target")
    assert target.value == pytest.approx(0.04)
    target.set_value(0.034)
    at.button(key="kr-O2-O2.KR1-save").click().run()
    assert not at.exception
    assert texts(at.error) == ["目标值等于起点，没有需要达成的进度（当前值：0.034）"]
    assert stored(db) == before


def test_a_valid_kr_edit_is_stored_and_shows_in_the_history(db):
    at = page(objective="O2", kr="O2.KR1")
    at.number_input(key="kr-O2-O2.KR1-metric-target").set_value(0.045)
    at.text_input(key="manage_user").set_value("李娜")
    at.button(key="kr-O2-O2.KR1-save").click().run()
    assert not at.exception and not at.error
    assert "已保存，共 1 处修改，已记入变更记录。" in texts(at.success)
    okrs, _, _ = stored(db)
    assert kr_of(okrs, "O2.KR1").target == pytest.approx(0.045)
    latest = table(at, *HISTORY).iloc[0]
    assert (latest["操作人"], latest["编号"], latest["字段"], latest["原值"], latest["新值"]) == (
        "李娜",
        "O2.KR1",
        "目标值",
        "0.04",
        "0.045",
    )


def test_a_new_objective_is_created_and_selected(db):
    at = page(objective="_new")
    assert at.text_input(key="o-_new-id").value == "O7"
    at.text_input(key="o-_new-title").set_value("让老客户再回来")
    at.selectbox(key="o-_new-owner").set_value("李娜")
    at.selectbox(key="o-_new-level").set_value("team")
    at.selectbox(key="o-_new-parent").set_value("O2")
    at.button(key="o-_new-save").click().run()
    assert not at.exception and not at.error
    assert at.query_params["objective"] == "O7" and at.selectbox[0].value == "O7"
    o7 = next(o for o in stored(db)[0].objectives if o.id == "O7")
    assert (o7.title, o7.owner, o7.level, o7.parent, o7.cycle) == ("让老客户再回来", "李娜", "team", "O2", "2026-Q4")


def test_a_new_objective_without_title_shows_required(db):
    before = stored(db)
    at = page(objective="_new")
    at.selectbox(key="o-_new-owner").set_value("李娜")
    at.button(key="o-_new-save").click().run()
    assert texts(at.error) == ["必填"]
    assert stored(db) == before


def test_deleting_a_parent_objective_is_refused(db):
    before = stored(db)
    at = page(objective="O1")
    at.button(key="del-O1-delete").click().run()
    assert not at.exception
    (error,) = texts(at.error)
    assert "O2, O3, O6" in error and "不能删除" in error
    assert stored(db) == before


def test_deleting_a_kr(db):
    at = page(objective="O5", kr="O5.KR2")
    at.button(key="del-O5-O5.KR2-delete").click().run()
    assert not at.exception and "已删除 O5.KR2。" in texts(at.success)
    assert [k.id for o in stored(db)[0].objectives if o.id == "O5" for k in o.key_results] == ["O5.KR1"]


def test_bad_yaml_upload_lists_every_error_with_its_path(db):
    before = stored(db)
    at = page()
    bad = (
        DEMO_YAML.read_text(encoding="utf-8")
        .replace("target: 5500000", "target: 0")
        .replace("metric: aov", "metric: aovv")
    )
    at.file_uploader[0].set_value(("okrs.yaml", bad.encode("utf-8"), "application/x-yaml")).run()
    assert not at.exception
    assert texts(at.error) == ["文件有 2 个错误，未保存。请逐条修改后重新上传："]
    problems = table(at, "级别", "位置")
    assert list(problems["位置"]) == ["objectives[0].key_results[0].target", "objectives[1].key_results[1].metric"]
    assert not [b for b in at.button if b.key == "upload-store"]
    assert stored(db) == before


def test_broken_yaml_says_where(db):
    at = page()
    at.file_uploader[0].set_value(("okrs.yaml", b"objectives: [\n  - id: O1\n", "application/x-yaml")).run()
    assert not at.exception
    assert table(at, "级别", "位置").iloc[0]["问题"].startswith("不是有效的 YAML")


def test_demo_yaml_upload_previews_and_stores(db):
    demo.clear(db, user="test")  # no OKRs stored: the demo file creates them all
    st.cache_data.clear()
    at = page(lang="en")
    assert any("has no objectives yet" in t for t in texts(at.info))
    at.file_uploader[0].set_value(("okrs.yaml", DEMO_YAML.read_bytes(), "application/x-yaml")).run()
    assert not at.exception and not at.error
    preview = table(at, *PREVIEW_EN)
    assert {"O1", "O1.KR1", "Q3-O1", "T1"} <= set(preview["ID"])
    assert set(preview["Field"]) == {"created"}
    at.button(key="upload-store").click().run()
    assert not at.exception and not at.error
    assert any(t.startswith("Imported and stored:") for t in texts(at.success))
    okrs, _, _ = stored(db)
    assert len(okrs.objectives) == 9 and len(okrs.ab_tests) == 2
    assert "O1" in set(table(at, "When", "Who")["ID"])  # in the history
    assert at.selectbox[0].value == "O1"  # and on the edit tab


def test_uploading_the_stored_definitions_changes_nothing(db):
    at = page()
    at.file_uploader[0].set_value(("okrs.yaml", DEMO_YAML.read_bytes(), "application/x-yaml")).run()
    assert "文件与已保存的 OKR 完全相同，无需保存。" in texts(at.info)


def test_a_locked_cycle_needs_a_reason_for_a_new_target(db):
    at = page(objective="O1", kr="O1.KR1")
    at.button(key="lock").click().run()
    assert not at.exception and "已锁定 2026-Q4。" in texts(at.success)
    assert "2026-Q4" in stored(db)[2]
    assert any("2026-Q4 已锁定" in t for t in texts(at.warning))
    before = stored(db)

    at.number_input(key="kr-O1-O1.KR1-metric-target").set_value(5000000.0)
    at.button(key="kr-O1-O1.KR1-save").click().run()
    assert not at.exception
    assert texts(at.error) == ["周期已锁定：这次修改涉及 KR 的起点、目标、指标或删除 KR，请填写原因后再保存。未保存。"]
    assert stored(db) == before

    at.text_input(key="kr-O1-O1.KR1-metric-reason").set_value("双11 备货不足")
    at.button(key="kr-O1-O1.KR1-save").click().run()
    assert not at.exception and not at.error
    assert kr_of(stored(db)[0], "O1.KR1").target == 5000000
    latest = table(at, *HISTORY).iloc[0]
    assert (latest["字段"], latest["原因"]) == ("目标值", "双11 备货不足")

    at.button(key="lock").click().run()  # unlock again
    assert "2026-Q4" not in stored(db)[2] and "已解锁 2026-Q4。" in texts(at.success)


def test_a_locked_cycle_in_an_upload_asks_for_a_reason(db):
    # 2026-Q3 is closed (and so locked) in the demo: lowering one of its targets needs a reason.
    at = page()
    changed = DEMO_YAML.read_text(encoding="utf-8").replace("target: 3200000", "target: 3000000")
    at.file_uploader[0].set_value(("okrs.yaml", changed.encode("utf-8"), "application/x-yaml")).run()
    assert table(at, *PREVIEW_ZH).iloc[0].tolist()[:4] == ["2026-Q3", "关键结果", "Q3-O1.KR1", "目标值"]
    before = stored(db)
    at.button(key="upload-store").click().run()
    assert texts(at.error)[0].startswith("周期已锁定") and stored(db) == before
    at.text_input(key="upload-reason").set_value("复盘时发现目标录错")
    at.button(key="upload-store").click().run()
    assert not at.exception and not at.error
    assert kr_of(stored(db)[0], "Q3-O1.KR1").target == 3000000


def test_moving_an_objective_to_another_cycle_follows_it(db):
    at = page(objective="O6")
    at.selectbox(key="o-O6-cycle").set_value("2026-Q3")
    at.selectbox(key="o-O6-parent").set_value("")
    at.button(key="o-O6-save").click().run()
    assert not at.exception and not at.error
    assert at.query_params["cycle"] == "2026-Q3" and at.selectbox(key="o-O6-cycle").value == "2026-Q3"
    assert texts(at.title) == ["OKR 管理 · 2026-Q3"]
    assert next(o for o in stored(db)[0].objectives if o.id == "O6").cycle == "2026-Q3"
