"""The per-shop rollup of product rows (connectors.canonical.ROLLUPS, kept by shopkr.data.store): it always equals
the sums of product_daily per (platform, shop, date), after imports, re-imports, a failed import, a demo clear and
a migration from schema 3; and the engine reads it for KRs on a whole shop's products (issue 9 speed goal)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest
from test_engine import PRODUCT_ROWS, SHOP, _with, okrs_of, parsed, score, write

from connectors.canonical import ROLLUPS, TABLES
from shopkr.data import demo, store
from shopkr.domain import engine

D = dt.date
ROLLUP = ROLLUPS["product_daily"]


def rollup_mismatches(con) -> list[tuple]:
    """Rows where the rollup and the GROUP BY of its source differ (either side missing, or any sum different).
    Empty when they agree exactly (NULL sums compare as equal)."""
    source = TABLES[ROLLUP.source]
    sums = ", ".join(f"sum({c}) AS {c}" for c in source.metrics)
    same = " AND ".join(f"r.{c} IS NOT DISTINCT FROM s.{c}" for c in ("rows", *source.metrics))
    return con.execute(
        f"""WITH s AS (SELECT platform, shop, date, count(*) AS rows, {sums} FROM {ROLLUP.source} GROUP BY ALL)
        SELECT * FROM s FULL JOIN {ROLLUP.table} r USING (platform, shop, date) WHERE NOT coalesce({same}, false)"""
    ).fetchall()


def rollup_rows(con) -> int:
    return con.execute(f"SELECT count(*) FROM {ROLLUP.table}").fetchone()[0]


def test_the_rollup_follows_imports_and_reimports(tmp_path: Path) -> None:
    with store.connect(tmp_path / "r.duckdb") as con:
        write(con, "product_daily", _with(PRODUCT_ROWS, platform="taobao", shop=SHOP))
        write(con, "product_daily", _with(PRODUCT_ROWS[:2], platform="taobao", shop="别家店"))
        assert rollup_rows(con) == 3 and rollup_mismatches(con) == []
        # a corrected pull: one value changes, one row has no numbers at all (NULL sums), a day is added
        revised = [dict(PRODUCT_ROWS[0], gmv=999.5), dict(PRODUCT_ROWS[1], visitors=None, buyers=None, gmv=None)]
        revised.append(dict(PRODUCT_ROWS[0], date=D(2026, 11, 3)))
        write(con, "product_daily", _with(revised, platform="taobao", shop=SHOP))
        assert rollup_rows(con) == 4 and rollup_mismatches(con) == []
        gmv = con.execute(
            f"SELECT gmv FROM {ROLLUP.table} WHERE shop = ? AND date = ?", [SHOP, D(2026, 11, 1)]
        ).fetchone()[0]
        assert gmv == 999.5  # 999.5 + NULL


def test_a_run_with_a_failing_file_keeps_the_rollup_in_step(tmp_path: Path) -> None:
    """write_many rolls the run's transaction back when one file fails and writes each file on its own: the
    rollup rows written in the rolled-back transaction go with it, and the good file's are written again."""
    with store.connect(tmp_path / "r.duckdb") as con:
        write(con, "product_daily", _with(PRODUCT_ROWS, platform="taobao", shop=SHOP))
        good = parsed("product_daily", _with([dict(PRODUCT_ROWS[0], gmv=5.0)], platform="taobao", shop=SHOP))
        bad = parsed("product_daily", _with([dict(PRODUCT_ROWS[1], gmv=7.0)], platform="taobao", shop=SHOP), "b.csv")
        bad = dataclasses.replace(bad, rows=bad.rows.drop_columns(["gmv"]))  # refused inside the write
        results = store.write_many(con, [good, bad], user="t")
        assert isinstance(results[1], ValueError) and not isinstance(results[0], Exception)
        assert rollup_mismatches(con) == []
        day = con.execute(f"SELECT gmv FROM {ROLLUP.table} WHERE shop = ? AND date = ?", [SHOP, D(2026, 11, 1)])
        assert day.fetchone()[0] == 5.0 + 200.0


def test_the_rollup_follows_a_demo_clear(db: Path) -> None:
    write_own = _with(PRODUCT_ROWS, platform="taobao", shop="暖居旗舰店")  # the user's own rows in a demo shop
    with store.connect(db) as con:
        write(con, "product_daily", write_own)
        assert rollup_mismatches(con) == []
    demo.clear(db, user="test")
    with store.connect(db) as con:
        assert rollup_mismatches(con) == []
        assert rollup_rows(con) == 2  # only the user's two days are left


def test_a_schema_3_database_gets_its_rollup_filled(demo_db: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    shutil.copy(demo_db, old)
    with store.connect(old) as con:  # as the previous ShopKR left it: no rollup table, schema 3
        con.execute(f"DROP TABLE {ROLLUP.table}")
        con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with store.connect(old) as con:
        assert store.get_meta(con, "schema_version") == str(store.SCHEMA_VERSION)
        assert rollup_rows(con) > 0 and rollup_mismatches(con) == []


def test_a_shop_wide_product_kr_reads_the_rollup_and_agrees_with_the_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    okrs = okrs_of(
        {"id": "O1.KR1", "title": "t", "metric": "gmv", "target": 1000, "filters": {"shop": SHOP}, "level": "product"},
        {
            "id": "O1.KR2",
            "title": "t",
            "metric": "conversion_rate",
            "start": 0.01,
            "target": 0.1,
            "filters": {"shop": SHOP},
            "level": "product",
        },
    )
    as_of = D(2026, 11, 5)
    with store.connect(path) as con:
        write(con, "product_daily", _with(PRODUCT_ROWS, platform="taobao", shop=SHOP))
        got = score(con, okrs, as_of)
        rows = con.execute(
            "SELECT sum(gmv), sum(buyers) / sum(visitors) FROM product_daily WHERE shop = ?", [SHOP]
        ).fetchone()
        assert got["O1.KR1"].value == pytest.approx(rows[0]) and got["O1.KR2"].value == pytest.approx(rows[1])
        assert got["O1.KR1"].covered_days == 2 and got["O1.KR1"].data_through == D(2026, 11, 2)
        # The engine reads the rollup, not the product rows: a (deliberately) different rollup shows through.
        con.execute(f"UPDATE {ROLLUP.table} SET gmv = gmv * 2")
        assert score(con, okrs, as_of)["O1.KR1"].value == pytest.approx(2 * rows[0])
        assert engine.freshness(con, as_of) == {SHOP: D(2026, 11, 2)}
