"""Issue 10, Demo and pages: the demo carries last year's daily history (data/samples/*/generic_history_*.csv), so
the `last_year` and `calendar` paces have data on the first start.

Reads the demo database built once per run (`demo_db`, as the dashboard's first start loads it); the clear test
works on a private copy (`db`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import pytest

from shopkr.data import demo, store

SHOPS = {"暖居旗舰店": "taobao", "暖居抖音小店": "douyin", "暖居拼多多店": "pdd"}
HISTORY_START = dt.date(2025, 7, 1)
# The first day of each shop's platform exports (shop level), and of the product exports.
SEAMS = {"暖居旗舰店": dt.date(2026, 7, 1), "暖居抖音小店": dt.date(2026, 7, 1), "暖居拼多多店": dt.date(2026, 10, 1)}
PRODUCT_SEAM = dt.date(2026, 10, 1)
PRODUCT_SHOPS = ("暖居旗舰店", "暖居抖音小店")


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with store.connect(db) as con:
        return [tuple(r) for r in store.run(con, sql, params)]


def daily_gmv(db: Path, shop: str, first: dt.date, last: dt.date, table: str = "shop_daily") -> dict[dt.date, float]:
    """{date: GMV yuan} of a shop, summed over its products for product_daily."""
    assert table in ("shop_daily", "product_daily")
    found = rows(
        db,
        f"SELECT date, sum(gmv) FROM {table} WHERE shop = ? AND date BETWEEN ? AND ? GROUP BY date ORDER BY date",
        [shop, first, last],
    )
    return dict(found)


def gmv_krs() -> list[tuple[str, str, dict, dt.date, dt.date]]:
    """(KR id, cycle, filters, cycle start, cycle end) of every demo KR on the gmv metric."""
    okrs = demo.definitions()
    cycles = {c.id: c for c in okrs.cycles}
    return [
        (kr.id, o.cycle, dict(kr.filters), cycles[o.cycle].start, cycles[o.cycle].end)
        for o in okrs.objectives
        for kr in o.key_results
        if kr.metric == "gmv"
    ]


def a_year_before(d: dt.date) -> dt.date:
    return d.replace(year=d.year - 1)


@pytest.mark.parametrize(("shop", "platform"), SHOPS.items())
def test_every_shop_has_daily_rows_from_2025_07_01_without_gaps(demo_db, shop, platform):
    ((first, last, n, platforms),) = rows(
        demo_db,
        "SELECT min(date), max(date), count(DISTINCT date), list(DISTINCT platform) FROM shop_daily WHERE shop = ?",
        [shop],
    )
    assert first == HISTORY_START and last == dt.date(2026, 11, 26)
    assert n == (last - first).days + 1  # every day, the seam included
    assert platforms == [platform]  # the generic history files in the shop's folder carry its platform


@pytest.mark.parametrize("shop", PRODUCT_SHOPS)
def test_every_listed_product_has_daily_rows_from_2025_07_01(demo_db, shop):
    per_product = rows(
        demo_db,
        "SELECT product_id, min(date), max(date), count(DISTINCT date) FROM product_daily WHERE shop = ? "
        "GROUP BY product_id",
        [shop],
    )
    assert len(per_product) == {"暖居旗舰店": 8, "暖居抖音小店": 6}[shop]
    days = (dt.date(2026, 11, 26) - HISTORY_START).days + 1
    assert all(first == HISTORY_START and n == days for _, first, _, n in per_product), per_product


def test_taobao_11_11_last_year_is_a_clear_spike(demo_db):
    gmv = daily_gmv(demo_db, "暖居旗舰店", dt.date(2025, 10, 1), dt.date(2025, 11, 11))
    ordinary = statistics.median(v for d, v in gmv.items() if d <= dt.date(2025, 10, 14))  # before 双11 started
    assert gmv[dt.date(2025, 11, 11)] > 4 * ordinary
    assert gmv[dt.date(2025, 11, 11)] == max(gmv.values())


@pytest.mark.parametrize(("kr", "cycle", "filters", "start", "end"), gmv_krs(), ids=[k[0] for k in gmv_krs()])
def test_last_years_window_covers_every_gmv_kr_scope(demo_db, kr, cycle, filters, start, end):
    """Pace `auto` takes last_year when last year's window has values on >= 90 % of its days (issue 10)."""
    table = "product_daily" if "product_id" in filters else "shop_daily"
    where = " AND ".join(f"{k} = ?" for k in filters)
    first, last = a_year_before(start), a_year_before(end)
    (covered,) = rows(
        demo_db,
        f"SELECT count(DISTINCT date) FROM {table} WHERE {where} AND gmv > 0 AND date BETWEEN ? AND ?",
        [*map(str, filters.values()), first, last],
    )[0]
    assert covered >= 0.9 * ((last - first).days + 1), (kr, covered)


@pytest.mark.parametrize(
    ("shop", "table", "seam"),
    [(shop, "shop_daily", seam) for shop, seam in SEAMS.items()]
    + [(shop, "product_daily", PRODUCT_SEAM) for shop in PRODUCT_SHOPS],
)
def test_no_jump_at_the_seam(demo_db, shop, table, seam):
    """The 7 days before the first export day and the 7 days from it: each weekday once on either side."""
    week = dt.timedelta(days=7)
    gmv = daily_gmv(demo_db, shop, seam - week, seam + week - dt.timedelta(days=1), table)
    before = [v for d, v in gmv.items() if d < seam]
    after = [v for d, v in gmv.items() if d >= seam]
    assert len(before) == len(after) == 7
    assert 0.75 <= statistics.mean(after) / statistics.mean(before) <= 1.25


def test_the_history_never_overlaps_an_export(demo_db):
    """Each history file ends before the exports of its shop and table start: no export row is replaced by it,
    nor it by an export (the revisions of the 生意参谋 pulls are unchanged)."""
    logged = rows(
        demo_db,
        "SELECT file_name, shop, table_name, date_min, date_max, rows_replaced FROM import_log WHERE status = 'ok'",
    )
    history = [r for r in logged if r[0].startswith("generic_history_")]
    assert len(history) == 5
    for name, shop, table, _first, last, replaced in history:
        exports = [r for r in logged if r[1] == shop and r[2] == table and not r[0].startswith("generic_history_")]
        assert exports and last < min(r[3] for r in exports), name
        assert replaced == 0, name


@pytest.mark.parametrize("shop", PRODUCT_SHOPS)
def test_history_shop_totals_cover_the_products_and_refunds_are_plausible(demo_db, shop):
    checked = rows(
        demo_db,
        "SELECT count(*), count(*) FILTER (WHERE s.gmv < p.gmv OR s.buyers < p.buyers OR s.visitors < p.visitors "
        "OR s.refund_amount < p.refund_amount), sum(p.gmv) / sum(s.gmv), sum(s.refund_amount) / sum(s.gmv) "
        "FROM shop_daily s JOIN product_shop_daily p USING (platform, shop, date) WHERE shop = ? AND date < ?",
        [shop, SEAMS[shop]],
    )
    n, violations, product_share, refund_rate = checked[0]
    assert n == 365 and violations == 0
    assert 0.9 <= product_share <= 0.98
    assert 0.05 <= refund_rate <= 0.13  # this year's rates: 6.8 % (taobao), 9.5 % (douyin), more after promotions


def test_clear_removes_the_history_with_the_rest_of_the_demo(db):
    demo.clear(db, user="test")
    for table in ("shop_daily", "product_daily", "product_shop_daily"):
        assert rows(db, f"SELECT count(*) FROM {table}") == [(0,)]
    assert rows(db, "SELECT count(*) FROM import_log") == [(0,)]
