"""Issue 8 item 12: 清除示例数据 / `demo clear` removes exactly what the demo wrote; `demo load` never overwrites.

The user of these tests does what the issue describes: imports their own export into a shop named like a demo
shop, loads their own objectives under the demo's ids, edits, locks and closes cycles; then clears the demo.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sys
from pathlib import Path

import pytest
import streamlit as st
from conftest import dump_all
from streamlit.testing.v1 import AppTest

from shopkr.app.cli import main
from shopkr.data import closing, demo, importer, store
from shopkr.domain.okr import ABTestDef, Objective, OKRFile, implied_cycle, merge_file, resolve_cycles

ROOT = Path(__file__).resolve().parents[1]
SHOP = "暖居旗舰店"  # a demo shop's name, used by the user for their own shop
# The user's own shop_daily rows: two days the demo also has (11-25, 11-26) and one it has not (11-27).
USER_CSV = b"date,visitors,gmv\n2026-11-25,111,1111\n2026-11-26,222,2222\n2026-11-27,333,3333\n"
USER_ROWS = [("2026-11-25", 111, 1111.0), ("2026-11-26", 222, 2222.0), ("2026-11-27", 333, 3333.0)]


def count(db: Path, sql: str, params: list | None = None) -> int:
    with store.connect(db) as con:
        return store.one(con, sql, params)[0]


def user_import(db: Path, shop: str = SHOP, user: str = "李娜", name: str = "我的店铺.csv") -> list[int]:
    """The user's own export imported into `shop`; returns its import ids."""
    results = importer.import_files([(name, USER_CSV)], shop, platform="taobao", db=db, user=user)
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return list(results[0].import_ids)


def user_rows(db: Path, shop: str = SHOP) -> list[tuple]:
    with store.connect(db) as con:
        rows = store.run(
            con,
            "SELECT strftime(date, '%Y-%m-%d'), visitors, gmv FROM shop_daily "
            "WHERE shop = ? AND date >= '2026-11-25' ORDER BY date",
            [shop],
        )
    return [tuple(r) for r in rows]


def objective(oid: str, cycle: str, owner: str = "李娜", title: str = "我自己的目标") -> Objective:
    return Objective.model_validate(
        {
            "id": oid,
            "cycle": cycle,
            "title": title,
            "owner": owner,
            "level": "company",
            "origin": "bottom-up",
            "key_results": [{"id": f"{oid}.KR1", "title": "自己的 KR", "manual": 0.5}],
        }
    )


def save(db: Path, user: str, *, replace: dict[str, Objective] | None = None, add: list[Objective] = (), **kw):
    """Store the current definitions with objectives replaced by id / added, as the user `user`."""
    with store.connect(db) as con:
        okrs = store.read_okrs(con)
        objectives = [(replace or {}).get(o.id, o) for o in okrs.objectives] + list(add)
        tests = kw.get("tests", okrs.ab_tests)
        store.save_okrs(con, OKRFile(cycles=okrs.cycles, objectives=objectives, ab_tests=tests), user=user)


def stored(db: Path) -> OKRFile:
    with store.connect(db) as con:
        return store.read_okrs(con)


def history(db: Path) -> list[tuple]:
    with store.connect(db) as con:
        return [tuple(r) for r in store.run(con, "SELECT * FROM okr_changes ORDER BY id")]


def cycle_row(db: Path, cycle: str) -> dict | None:
    with store.connect(db) as con:
        return store.cycle_rows(con, [cycle]).get(cycle)


def all_rows(db: Path) -> int:
    with store.connect(db) as con:
        return sum(
            store.one(con, f"SELECT count(*) FROM {t}")[0] for t in ("shop_daily", "product_daily", "creative_daily")
        )


# --- rows and imports --------------------------------------------------------------------------------------


def test_clear_keeps_the_users_import_into_a_shop_named_like_a_demo_shop(db):
    ids = user_import(db)
    plan = demo.plan(db)
    assert plan.kept_rows == 3  # the user's three rows stay, and the plan says so
    assert plan.row_count == all_rows(db) - 3 and not set(ids) & set(plan.imports)

    done = demo.clear(db, user="test")
    assert done.row_count == plan.row_count
    assert user_rows(db) == USER_ROWS  # the user's rows, with the user's values, overlapping days included
    assert count(db, "SELECT count(*) FROM shop_daily") == 3  # every row the demo wrote is gone
    assert count(db, "SELECT count(*) FROM product_daily") + count(db, "SELECT count(*) FROM creative_daily") == 0
    with store.connect(db) as con:  # the user's import log row stays, the demo's go
        assert [r[0] for r in store.run(con, "SELECT id FROM import_log ORDER BY id")] == ids
        assert store.get_meta(con, "demo") == "cleared"


def test_a_demo_row_rewritten_by_the_user_carries_the_users_import_id(db):
    ids = user_import(db)
    with store.connect(db) as con:
        carried = store.run(
            con, "SELECT DISTINCT import_id FROM shop_daily WHERE shop = ? AND date >= '2026-11-25'", [SHOP]
        )
    assert [r[0] for r in carried] == ids


def test_the_demos_revisions_are_recorded_and_clear_removes_only_them(db):
    """Issue 10: the demo's 生意参谋 pulls revise refunds (data/samples/README.md "Revisions"); the user's import
    over two demo days revises them again. Clearing the demo removes the revisions its own imports wrote."""
    sql = "SELECT count(*) FROM revisions WHERE shop = ? AND column_name = 'refund_amount'"
    assert count(db, sql, [SHOP]) == 14  # 10-25..10-31 revised by the 11-08 pull, 11-01..11-07 by 11-27's
    ids = user_import(db)
    mine = "SELECT count(*) FROM revisions WHERE list_contains(?::BIGINT[], import_id)"
    assert count(db, mine, [ids]) > 0  # visitors and gmv of 11-25, 11-26 replaced
    plan = demo.plan(db)
    assert plan.revisions == 14
    kept = count(db, mine, [ids])
    demo.clear(db, user="test")
    assert count(db, "SELECT count(*) FROM revisions") == kept == count(db, mine, [ids])


# --- objectives, tests, closings, history, locks ---------------------------------------------------------------


def test_clear_keeps_objectives_and_tests_changed_or_replaced_since(db):
    before = stored(db)
    o1 = next(o for o in before.objectives if o.id == "O1")
    t1 = next(t for t in before.ab_tests if t.id == "T1")
    changed_o1 = o1.model_copy(update={"title": "让更多家庭选择暖居（改过）"})
    changed_t1 = ABTestDef.model_validate({**t1.model_dump(), "title": "我改过的测试"})
    mine = objective("O2", "2026-Q4")  # the user's own objective under a demo id
    save(db, "李娜", replace={"O1": changed_o1, "O2": mine}, tests=[changed_t1, before.ab_tests[1]])

    plan = demo.plan(db)
    assert plan.kept_objectives == ("O1", "O2") and plan.kept_tests == ("T1",)
    assert set(plan.objectives) == {"O3", "O4", "O5", "O6", "Q3-O1", "Q3-O2", "Q3-O3"}
    demo.clear(db, user="test")
    after = stored(db)
    assert [o.id for o in after.objectives] == ["O1", "O2"]
    assert after.objectives[0] == changed_o1 and after.objectives[1] == mine
    assert after.ab_tests == [changed_t1]


def test_clear_keeps_everyone_elses_history_and_the_lock_they_set(db):
    mine = objective("O2", "2026-Q4")
    save(db, "李娜", replace={"O2": mine})
    with store.connect(db) as con:
        store.set_lock(con, resolve_cycles(store.read_okrs(con))["2026-Q4"], user="李娜", locked=True)
    with store.connect(db) as con:  # the demo's own rows: also those of its check-ins and reviews, as their owners
        demos = store.demo_marks(con).changes
    theirs = [r for r in history(db) if r[0] not in demos]
    locked = cycle_row(db, "2026-Q4")
    assert theirs and locked["locked_by"] == "李娜"

    plan = demo.plan(db)
    assert plan.kept_cycles == ("2026-Q4",) and plan.cycles == ("2026-Q3",)
    demo.clear(db, user="test")
    left = history(db)
    *others, cleared = [r for r in left if r[0] not in demos]
    assert others == theirs  # every row of someone else stays, unchanged
    assert (cleared[2], *cleared[4:7]) == ("test", "demo", "demo", "cleared")  # and who cleared the demo is recorded
    assert cycle_row(db, "2026-Q4") == locked  # the user's lock and the cycle's dates stay
    # The demo's own rows go only with what they describe: O1 is the demo's and is removed, O2 is the user's.
    demo_left = {(r[4], r[5], r[6]) for r in left if r[2] == demo.USER}
    assert ("objective", "O2", "(created)") in demo_left  # the history of the user's O2 starts at the demo's
    assert not {e for e in demo_left if e[1] in ("O1", "O3", "Q3-O1", "T1", "2026-Q3")}
    # 2026-Q3 held nothing of the user's: the demo's closing lock, its grades and the cycle row are gone.
    assert cycle_row(db, "2026-Q3") is None
    assert count(db, "SELECT count(*) FROM kr_closings") + count(db, "SELECT count(*) FROM objective_closings") == 0


def test_closings_and_the_lock_stay_in_a_cycle_where_the_user_has_objectives(db):
    save(db, "王总", add=[objective("U1", "2026-Q3", owner="王总")])
    with store.connect(db) as con:  # the user closes 2026-Q3 again: grades of every Q3 objective, U1 included
        closing.close_cycle(con, store.read_okrs(con), "2026-Q3", user="王总", as_of=dt.date(2026, 10, 1))
    closed = cycle_row(db, "2026-Q3")

    plan = demo.plan(db)
    assert set(plan.objectives) >= {"Q3-O1", "Q3-O2", "Q3-O3"} and "2026-Q3" in plan.kept_cycles
    demo.clear(db, user="test")
    assert [o.id for o in stored(db).objectives] == ["U1"]
    with store.connect(db) as con:
        assert store.run(con, "SELECT DISTINCT objective_id FROM kr_closings") == [("U1",)]
        assert store.run(con, "SELECT objective_id FROM objective_closings") == [("U1",)]
    assert cycle_row(db, "2026-Q3") == closed  # the closing (and its lock) the user made stays


def test_the_demos_own_closing_lock_stays_while_the_user_has_objectives_in_that_cycle(db):
    save(db, "王总", add=[objective("U1", "2026-Q3", owner="王总")])
    before = cycle_row(db, "2026-Q3")
    assert before["locked_by"] == demo.USER and before["closed_at"]
    demo.clear(db, user="test")
    assert cycle_row(db, "2026-Q3") == before  # the user's U1 lives in a closed cycle: it stays closed


# --- a demo loaded by the previous schema (no marks) ----------------------------------------------------------


def as_previous_schema(path: Path) -> None:
    """The database as the previous ShopKR (schema 2) left it: the same data, no demo marks, no v3 or v4 tables (nor
    v6's demo_rhythm)."""
    with store.connect(path) as con:
        for table in ("demo_imports", "demo_definitions", "demo_changes", "product_shop_daily", "demo_rhythm"):
            store.run(con, f"DROP TABLE {table}")
        store.run(con, "UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def test_a_previous_schema_database_migrates_and_clear_falls_back_conservatively(db):
    ids = user_import(db)
    save(db, "李娜", replace={"O2": objective("O2", "2026-Q4")})
    with store.connect(db) as con:
        store.set_lock(con, resolve_cycles(store.read_okrs(con))["2026-Q4"], user="李娜", locked=True)
    as_previous_schema(db)
    all_history = history(db)
    locked = cycle_row(db, "2026-Q4")

    with store.connect(db) as con:  # migrates 2 -> 3: the marks tables exist, empty
        assert store.get_meta(con, "schema_version") == str(store.SCHEMA_VERSION)
        assert store.demo_marks(con) is None
    plan = demo.plan(db)
    assert not plan.recorded and plan.changes == () and plan.kept_objectives == ("O2",)
    demo.clear(db, user="test")
    assert user_rows(db) == USER_ROWS and count(db, "SELECT count(*) FROM shop_daily") == 3
    with store.connect(db) as con:
        assert [r[0] for r in store.run(con, "SELECT id FROM import_log ORDER BY id")] == ids
    assert [o.id for o in stored(db).objectives] == ["O2"]  # demo objectives equal to the file's are removed
    assert history(db)[:-1] == all_history  # nobody recorded which history rows the demo wrote: all stay
    assert cycle_row(db, "2026-Q4") == locked
    assert cycle_row(db, "2026-Q3") is None  # only the demo closed it and nothing of the user's is in it


def test_previous_schema_fallback_does_not_take_a_demo_lock_someone_reclosed(db):
    with store.connect(db) as con:
        closing.close_cycle(con, store.read_okrs(con), "2026-Q3", user="王总", as_of=dt.date(2026, 10, 1))
    as_previous_schema(db)
    closed = cycle_row(db, "2026-Q3")
    demo.clear(db, user="test")
    assert cycle_row(db, "2026-Q3") == closed  # 王总 closed it again: not the demo's lock any more


# --- the command line -------------------------------------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_demo_clear_without_yes_and_without_a_terminal_refuses(db, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a TTY
    before = dump_all(db)
    code, out, err = run(capsys, "demo", "clear", "--db", str(db))
    assert code == 1
    assert "--yes" in err and "Nothing removed" in err
    assert "remove: 8,970 rows" in out and "9 demo objectives" in out  # it still says what would go
    assert dump_all(db) == before and stored(db).objectives


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "cleared"), [("n", False), ("", False), ("y", True)])
def test_cli_demo_clear_asks_on_a_terminal(db, capsys, monkeypatch, answer, cleared):
    user_import(db)
    monkeypatch.setattr(sys, "stdin", _Terminal(answer + "\n"))
    code, out, _ = run(capsys, "demo", "clear", "--db", str(db))
    assert "Remove it? [y/N]" in out and "keep:   3 rows of the demo's shops written by other imports" in out
    assert code == (0 if cleared else 1)
    assert (count(db, "SELECT count(*) FROM shop_daily") == 3) == cleared
    assert user_rows(db) == USER_ROWS


def test_cli_demo_clear_yes_removes_exactly_the_demo(db, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    user_import(db)
    save(db, "李娜", replace={"O2": objective("O2", "2026-Q4")})
    code, out, _ = run(capsys, "demo", "clear", "--yes", "--db", str(db))
    assert code == 0
    assert "demo objectives and tests changed or replaced since (O2)" in out
    assert "demo cleared: 8,968 rows, 278 imports, 8 objectives, 2 A/B tests removed." in out
    assert user_rows(db) == USER_ROWS and [o.id for o in stored(db).objectives] == ["O2"]
    code, out, _ = run(capsys, "demo", "clear", "--yes", "--db", str(db))
    assert (code, out.strip()) == (0, f"no demo data in {db}: nothing to clear.")


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda p: None, "the demo is loaded already"),
        (lambda p: user_import(p), f"shop {SHOP} already has 3 rows"),
        (lambda p: save(p, "李娜", add=[objective("A1", "2026-Q4")]), "cycle 2026-Q4 already has 1 objectives"),
        (lambda p: save(p, "李娜", add=[objective("O1", "2027-Q1")]), "id O1 is taken"),
    ],
    ids=["loaded", "shop rows", "objectives in a demo cycle", "id taken"],
)
def test_cli_demo_load_refuses_to_overwrite(db, tmp_path, capsys, prepare, message):
    if message == "the demo is loaded already":
        target = db
    else:
        target = tmp_path / "mine.duckdb"
        prepare(target)
    before = dump_all(target), stored(target), history(target)
    code, _, err = run(capsys, "demo", "load", "--db", str(target))
    assert code == 1
    assert message in err and "Nothing written" in err
    assert (dump_all(target), stored(target), history(target)) == before


def test_cli_demo_load_refuses_a_locked_demo_cycle(tmp_path, capsys):
    target = tmp_path / "mine.duckdb"
    with store.connect(target) as con:
        store.set_lock(con, implied_cycle("2026-Q3"), user="李娜", locked=True)
    code, _, err = run(capsys, "demo", "load", "--db", str(target))
    assert code == 1 and "cycle 2026-Q3 is locked, closed or has other dates" in err
    assert cycle_row(target, "2026-Q3")["locked_by"] == "李娜" and count(target, "SELECT count(*) FROM import_log") == 0


def test_cli_demo_load_next_to_other_data_and_clear_again(tmp_path, capsys):
    target = tmp_path / "mine.duckdb"
    ids = user_import(target, shop="贝贝家居")
    save(target, "李娜", add=[objective("X1", "2027-Q1")])
    mine = stored(target)
    code, out, err = run(capsys, "demo", "load", "--db", str(target))
    assert code == 0, err
    assert "demo loaded into" in out and "9 objectives, 2 A/B tests; 2026-Q3 closed" in out
    assert len(stored(target).objectives) == 10 and user_rows(target, "贝贝家居") == USER_ROWS
    assert run(capsys, "demo", "clear", "--yes", "--db", str(target))[0] == 0
    assert stored(target) == mine and user_rows(target, "贝贝家居") == USER_ROWS
    with store.connect(target) as con:
        assert [r[0] for r in store.run(con, "SELECT id FROM import_log ORDER BY id")] == ids


# --- the dashboard -------------------------------------------------------------------------------------------


def dashboard(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_dashboard_clear_asks_first_and_says_what_goes_and_what_stays(db):
    user_import(db)
    at = dashboard()
    at.sidebar.button(key="demo_clear").click().run()
    assert not at.exception
    said = " ".join(m.value for m in at.sidebar.markdown)
    assert "示例导入的 8,968 行数据及其 278 条导入记录" in said and "9 个示例目标" in said and "2 个主图测试" in said
    assert "之后的导入改写过的 3 行" in said
    assert all_rows(db) == 8971  # nothing removed before the confirmation

    at.sidebar.button(key="demo_clear_no").click().run()  # cancel
    assert all_rows(db) == 8971 and not [b for b in at.sidebar.button if b.key == "demo_clear_yes"]

    at.sidebar.button(key="demo_clear").click().run()
    at.sidebar.button(key="demo_clear_yes").click().run()
    assert not at.exception
    assert "已清除示例数据：8,968 行、9 个目标、2 个主图测试。" in [s.value for s in at.sidebar.success]
    assert user_rows(db) == USER_ROWS and count(db, "SELECT count(*) FROM shop_daily") == 3
    assert not [b for b in at.sidebar.button if b.key == "demo_clear"]  # the banner is gone


def _shop_box(at: AppTest):
    return next(s for s in at.selectbox if s.label == "店铺")


def test_import_page_preselects_a_real_shop_not_a_demo_one(db):
    user_import(db, shop="贝贝家居")  # sorts after the demo shops
    st.cache_data.clear()
    at = dashboard("pages/data_import.py")
    box = _shop_box(at)
    assert box.options[0].startswith("暖居") and box.value == "贝贝家居"


def test_import_page_with_only_demo_shops_preselects_a_new_shop(db):
    at = dashboard("pages/data_import.py")
    assert _shop_box(at).value == "+ 新店铺…"


def test_a_demo_shop_the_user_imported_into_is_real(db):
    user_import(db, shop="暖居旗舰店")
    with store.connect(db) as con:
        assert demo.demo_shops(con) == {"暖居抖音小店", "暖居拼多多店"}


@pytest.fixture
def loaded_copy(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, copy)
    return copy


def test_marks_record_what_the_demo_wrote(loaded_copy):
    with store.connect(loaded_copy) as con:
        marks = store.demo_marks(con)
        logged = {r[0] for r in store.run(con, "SELECT id FROM import_log")}
        changes = {r[0] for r in store.run(con, "SELECT id FROM okr_changes")}
    assert marks.imports == logged and marks.changes == changes  # on an empty database the demo wrote all of it
    assert set(marks.objectives) == {o.id for o in demo.definitions().objectives}
    assert set(marks.tests) == {"T1", "T2"} and marks.cycles["2026-Q3"]["locked_by"] == demo.USER
    assert merge_file(OKRFile(), demo.definitions()).objectives == stored(loaded_copy).objectives
