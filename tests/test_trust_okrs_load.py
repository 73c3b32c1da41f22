"""Issue 8 item 13: `okrs load` replaces only the cycles that have objectives in the file, and a load (CLI or the
dashboard's YAML upload) that would delete stored objectives lists them and needs --replace / a confirmation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from shopkr.app.cli import main
from shopkr.data import store

ROOT = Path(__file__).resolve().parents[1]
DEMO_OKRS = ROOT / "data" / "samples" / "okrs.yaml"

# A 2027-Q1 file that kept the sample's `cycles:` header (2026-Q3 and 2026-Q4 have no objectives in it).
NEXT_QUARTER = """
cycles:
  - {id: 2026-Q3, start: 2026-07-01, end: 2026-09-30}
  - {id: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
  - {id: 2027-Q1, start: 2027-01-01, end: 2027-03-31}
objectives:
  - id: N1
    cycle: 2027-Q1
    title: 开年目标
    owner: 王总
    level: company
    origin: bottom-up
    key_results:
      - {id: N1.KR1, title: 一季度支付金额, metric: gmv, filters: {shop: 暖居旗舰店}, target: 3000000}
"""

# One owner's file for 2026-Q4: only 李娜's objective (the demo's O2, retitled).
ONE_OWNER = """
objectives:
  - id: O2
    cycle: 2026-Q4
    title: 李娜的Q4目标
    owner: 李娜
    level: company
    origin: bottom-up
    key_results:
      - id: O2.KR1
        title: 旗舰店转化率
        metric: conversion_rate
        filters: {shop: 暖居旗舰店}
        start: 0.03
        target: 0.04
"""
OTHERS_IN_Q4 = {"O1": "王总", "O3": "张伟", "O4": "陈晨", "O5": "刘洋", "O6": "赵敏"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def state(db: Path) -> tuple:
    """Definitions and the change history: what a refused load must leave untouched."""
    with store.connect(db) as con:
        return store.read_okrs(con), store.run(con, "SELECT * FROM okr_changes ORDER BY id")


def write(tmp_path: Path, text: str, name: str = "file.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def loaded(capsys, tmp_path: Path) -> Path:
    db = tmp_path / "okrs.duckdb"
    assert run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db))[0] == 0
    return db


# --- the command line --------------------------------------------------------------------------------------


def test_a_cycle_only_in_the_header_is_not_replaced(capsys, tmp_path):
    db = loaded(capsys, tmp_path)
    code, out, err = run(capsys, "okrs", "load", str(write(tmp_path, NEXT_QUARTER)), "--db", str(db))
    assert code == 0, err
    assert "0 deleted" in out
    okrs, _ = state(db)
    assert len(okrs.objectives) == 10  # the 9 objectives of 2026-Q3 and 2026-Q4 stay; N1 added
    assert {o.cycle for o in okrs.objectives} == {"2026-Q3", "2026-Q4", "2027-Q1"}


def test_a_load_that_deletes_objectives_lists_them_and_stores_nothing_without_replace(capsys, tmp_path):
    db = loaded(capsys, tmp_path)
    before = state(db)
    code, out, err = run(capsys, "okrs", "load", str(write(tmp_path, ONE_OWNER)), "--db", str(db))
    assert code == 1
    assert "would delete 5 stored objectives of 2026-Q4" in err
    for oid, owner in OTHERS_IN_Q4.items():
        line = next(line for line in err.splitlines() if line.strip().startswith(f"{oid} "))
        assert owner in line and "(2026-Q4)" in line
    assert "让更多家庭在这个冬天选择暖居" in err  # O1's title
    assert "--replace" in err and "Nothing stored" in err
    assert "stored" not in out
    assert state(db) == before  # nothing stored, nothing in the history


def test_replace_deletes_them_and_says_which(capsys, tmp_path):
    db = loaded(capsys, tmp_path)
    code, out, err = run(capsys, "okrs", "load", str(write(tmp_path, ONE_OWNER)), "--db", str(db), "--replace")
    assert code == 0, err
    assert "deleted 5 objectives (--replace):" in out
    assert all(f"    {oid}  {owner}" in out for oid, owner in OTHERS_IN_Q4.items())
    okrs, _ = state(db)
    assert [o.id for o in okrs.objectives if o.cycle == "2026-Q4"] == ["O2"]
    assert len([o for o in okrs.objectives if o.cycle == "2026-Q3"]) == 3  # another cycle: untouched


def test_a_load_that_deletes_nothing_needs_no_replace(capsys, tmp_path):
    db = loaded(capsys, tmp_path)
    code, out, _ = run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db))
    assert code == 0 and "(0 created, 0 field changes, 0 deleted)" in out


# --- the dashboard's YAML upload -----------------------------------------------------------------------------


def manage_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update({"cycle": "2026-Q4", "lang": "zh"})
    at.run()
    at.switch_page("pages/manage.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, text: str) -> AppTest:
    at.file_uploader[0].set_value(("okrs.yaml", text.encode("utf-8"), "application/x-yaml")).run()
    assert not at.exception, at.exception
    return at


def test_upload_that_deletes_objectives_needs_an_explicit_confirmation(db):
    st.cache_data.clear()
    before = state(db)
    at = upload(manage_page(), ONE_OWNER)
    assert any("保存会删除 5 个已保存的目标" in w.value for w in at.warning)
    gone = next(f.value for f in at.dataframe if list(f.value.columns) == ["编号", "负责人", "标题", "周期"])
    assert dict(zip(gone["编号"], gone["负责人"], strict=True)) == OTHERS_IN_Q4
    box = next(c for c in at.checkbox if c.label == "确认删除这 5 个目标")
    assert at.button(key="upload-store").disabled and not box.value  # no store before the confirmation
    assert state(db) == before

    next(c for c in at.checkbox if c.label == "确认删除这 5 个目标").check().run()
    assert not at.button(key="upload-store").disabled
    at.button(key="upload-store").click().run()
    assert not at.exception and not at.error
    okrs, _ = state(db)
    assert [o.id for o in okrs.objectives if o.cycle == "2026-Q4"] == ["O2"]


def test_upload_with_a_header_only_cycle_deletes_nothing_and_asks_nothing(db):
    st.cache_data.clear()
    at = upload(manage_page(), NEXT_QUARTER)
    assert not [c for c in at.checkbox if c.label.startswith("确认删除")]
    assert not at.button(key="upload-store").disabled
    at.button(key="upload-store").click().run()
    assert not at.exception and not at.error
    okrs, _ = state(db)
    assert len(okrs.objectives) == 10
