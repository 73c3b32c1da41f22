"""Connectors: every fixture export read into canonical rows that are written out literally below.

Fixtures are in tests/fixtures/connectors (made by make_fixtures.py) and tests/fixtures/samples (copies of
the reference samples).
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import math
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import CONNECTOR_FIXTURES, SAMPLES, arrow_rows
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import connectors
from connectors import ImportFileError, load_file
from connectors.canonical import CREATIVE_DAILY, PRODUCT_DAILY, SHOP_DAILY, SQL_TYPE, TABLES, Table
from connectors.parsing import PARSE_SQL, new_parser_connection

SHOP = "测试店"
D5, D6, D7 = dt.date(2026, 11, 5), dt.date(2026, 11, 6), dt.date(2026, 11, 7)
ID19 = "3598765432109876543"

# --- expected canonical rows, column for column ----------------------------------------------------------

# shop_daily:  platform, shop, date, visitors, pageviews, buyers, orders, units, gmv, refund_amount,
#              cart_buyers, impressions, clicks, ad_spend
SYCM_SHOP = [
    ("taobao", SHOP, D5, 1391, 4102, 45, 47, None, 12345.6, None, 120, None, None, None),
    ("taobao", SHOP, D6, 980, 2950, 30, 31, None, 8800.0, 1020.5, 85, None, None, None),
    ("taobao", SHOP, D7, 1100, 3300, 33, 34, None, 9900.5, 99.9, 90, None, None, None),
]
COMPASS_OVERVIEW = [
    ("douyin", SHOP, D7, 2352, None, 94, 96, None, 9306.5, 930.6, None, 39211, 2352, None),
]
GENERIC_SHOP = [
    ("pdd", SHOP, D6, 500, None, None, 20, None, 2000.0, None, None, None, None, None),
    ("pdd", SHOP, D7, 450, None, None, None, None, 1800.0, None, None, None, None, None),
]
# product_daily: platform, shop, date, product_id, product_name, visitors, pageviews, buyers, orders, units,
#                gmv, refund_amount, cart_buyers, impressions, clicks
SYCM_PRODUCTS = [
    ("taobao", SHOP, D7, "712345678901", "山野明前龙井", 1391, 2782, 45, None, 47, 4230.0, None, 120, None, None),
    ("taobao", SHOP, D7, "712345678932", "山野红茶", 18, 40, None, None, None, None, None, 2, None, None),
    ("taobao", SHOP, D7, "712345678963", "白茶饼", 260, 512, 9, None, 9, 1161.0, 129.0, 30, None, None),
]
COMPASS_PRODUCTS = [  # from sheet 全部 only; gmv is 成交金额 (the file has no 用户支付金额)
    ("douyin", SHOP, D7, ID19, "山野红茶礼盒", 400, None, 19, 20, 21, 1869.0, 89.0, 44, 6951, 400),
    ("douyin", SHOP, D7, "3598765432109876550", "白茶饼", 328, None, 16, 16, 16, 1495.2, None, None, 8408, 328),
]
GENERIC_PRODUCTS = [  # platform from the file's column (pdd, JD -> jd), not from --platform
    ("jd", SHOP, D7, "100012345678", "电热毯", 80, None, None, None, None, None, None, None, None, None),
    ("pdd", SHOP, D7, "P-001", "暖手宝", 200, None, None, None, None, 1234.5, None, None, None, None),
]
# creative_daily: platform, shop, date, creative_id, creative_name, product_id, impressions, clicks, spend,
#                 orders, gmv
QIANCHUAN = [  # 全部 total rows dropped; ="…" and trailing-tab IDs cleaned; 19 digits exact
    ("douyin", SHOP, D6, "7600000000000000001", "龙井主图1", None, 3019, 66, 90.57, 1, 132.0),
    ("douyin", SHOP, D7, "7600000000000000001", "龙井主图1", None, 3088, 63, 92.64, 1, 126.0),
    ("douyin", SHOP, D7, "7600000000000001001", "龙井主图2", None, 3088, 63, 92.64, None, None),
]
WANXIANG_NOID = [  # creative_id = 创意名称; 主图A on 11-07 is the sum of its two plans
    ("taobao", SHOP, D6, "主图A", "主图A", "712345678901", 4000, 100, 60.0, 3, 300.0),
    ("taobao", SHOP, D7, "主图A", "主图A", "712345678901", 6166, 170, 100.5, 5, 525.0),
    ("taobao", SHOP, D7, "主图𠮷", "主图𠮷", "712345678901", 5857, 220, 132.0, 7, 770.0),
]
WANXIANG_FEN = [  # 花费(分) and 总成交金额（分） divided by 100
    ("taobao", SHOP, D7, "880000", "主图1", None, 5166, 150, 90.0, 5, 525.0),
    ("taobao", SHOP, D7, "880001", "主图2", None, 5857, 220, 123.45, 7, 770.0),
]

# fixture file, --platform, source name, table, sheet, expected rows
CASES = [
    ("sycm_shop_gbk.csv", None, "sycm_shop", SHOP_DAILY, None, SYCM_SHOP),
    ("sycm_shop.xlsx", None, "sycm_shop", SHOP_DAILY, "Sheet1", SYCM_SHOP),
    ("sycm_shop_xlsx_named.csv", None, "sycm_shop", SHOP_DAILY, "Sheet1", SYCM_SHOP),
    ("sycm_products.xls", None, "sycm_products", PRODUCT_DAILY, "【生意参谋平台】1", SYCM_PRODUCTS),
    ("compass_overview.xlsx", None, "compass_overview", SHOP_DAILY, "成交概览", COMPASS_OVERVIEW),
    ("compass_products.xlsx", None, "compass_products", PRODUCT_DAILY, "全部", COMPASS_PRODUCTS),
    ("qianchuan_bom.csv", None, "qianchuan_creatives", CREATIVE_DAILY, None, QIANCHUAN),
    ("wanxiang_noid_gb18030.csv", None, "wanxiang_creatives", CREATIVE_DAILY, None, WANXIANG_NOID),
    ("wanxiang_fen.csv", None, "wanxiang_creatives", CREATIVE_DAILY, None, WANXIANG_FEN),
    ("generic_products.csv", "other", "generic", PRODUCT_DAILY, None, GENERIC_PRODUCTS),
    ("generic_shop_noplatform.csv", "pdd", "generic", SHOP_DAILY, None, GENERIC_SHOP),
]
CASE_IDS = [c[0] for c in CASES]


@functools.cache
def loaded(folder: str, name: str, platform: str | None = None) -> connectors.Parsed:
    """load_file of a committed fixture or sample, parsed once per session (a load costs ~50 ms)."""
    base = CONNECTOR_FIXTURES if folder == "fixtures" else SAMPLES
    return load_file(base / name, SHOP, platform)


def as_dicts(table: Table, rows: list[tuple]) -> list[dict]:
    cols = list(table.columns)
    for row in rows:
        assert len(row) == len(cols), f"expected row has {len(row)} values for {len(cols)} columns"
    return [dict(zip(cols, row, strict=True)) for row in rows]


def assert_rows_equal(actual: list[dict], expected: list[dict]) -> None:
    """Same rows; money compared to 1e-9 relative, everything else exactly."""
    assert len(actual) == len(expected), (actual, expected)
    for got, want in zip(actual, expected, strict=True):
        assert list(got) == list(want)
        for col, value in want.items():
            if isinstance(value, float):
                assert got[col] == pytest.approx(value, rel=1e-9), (col, got, want)
            else:
                assert got[col] == value, (col, got, want)


def by_key(table: Table, rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: tuple(str(r[k]) for k in table.key))


# --- every fixture -> literal canonical rows ------------------------------------------------------------


@pytest.mark.parametrize(("name", "platform", "source", "table", "sheet", "expected"), CASES, ids=CASE_IDS)
def test_fixture_loads_to_expected_rows(name, platform, source, table, sheet, expected):
    parsed = loaded("fixtures", name, platform)
    assert parsed.source == source
    assert parsed.table is table
    assert parsed.sheet == sheet
    assert parsed.rows.column_names == list(table.columns)
    assert_rows_equal(by_key(table, arrow_rows(parsed.rows)), by_key(table, as_dicts(table, expected)))
    dates = [r[2] for r in expected]
    assert parsed.date_range == (min(dates), max(dates))


@pytest.mark.parametrize(("name", "platform", "source", "table", "sheet", "expected"), CASES, ids=CASE_IDS)
def test_detection_uses_content_not_file_name(fixtures_dir, tmp_path, name, platform, source, table, sheet, expected):
    """The same bytes under a meaningless name (Excel files as x.csv, CSV files as nonsense.dat) load the same."""
    copy = tmp_path / ("nonsense.dat" if name.endswith(".csv") else "x.csv")
    shutil.copyfile(fixtures_dir / name, copy)
    parsed = load_file(copy, SHOP, platform)
    assert parsed.source == source
    assert_rows_equal(by_key(table, arrow_rows(parsed.rows)), by_key(table, as_dicts(table, expected)))


CSV_CASES = [c for c in CASES if c[0].endswith(".csv") and c[4] is None]


@pytest.mark.parametrize(
    ("name", "platform", "source", "table", "sheet", "expected"), CSV_CASES, ids=[c[0] for c in CSV_CASES]
)
def test_bytes_without_a_file_load_the_same(fixtures_dir, name, platform, source, table, sheet, expected):
    """An upload (name + bytes, no file on disk) gives the same rows as the file."""
    data = (fixtures_dir / name).read_bytes()
    parsed = load_file(Path("/nonexistent/upload") / name, SHOP, platform, data=data)
    assert parsed.source == source
    assert_rows_equal(by_key(table, arrow_rows(parsed.rows)), by_key(table, as_dicts(table, expected)))


ARROW_TYPE = {"DATE": pa.date32(), "VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64()}
SCHEMA_CASES = [pytest.param(*c[:2], id=c[0]) for c in CASES]


@pytest.mark.parametrize(("name", "platform"), SCHEMA_CASES)
def test_rows_have_the_canonical_types(name, platform):
    parsed = loaded("fixtures", name, platform)
    want = [(c, ARROW_TYPE[SQL_TYPE[k]]) for c, k in parsed.table.columns.items()]
    assert [(f.name, f.type) for f in parsed.rows.schema] == want


# --- specific rules -----------------------------------------------------------------------------------------


def test_sycm_shop_rules():
    """Text "1,391" -> 1391, "-" refund -> NULL (not 0), 合计 row dropped, rate not stored, three date spellings."""
    rows = arrow_rows(loaded("fixtures", "sycm_shop_gbk.csv").rows)
    assert [r["date"] for r in rows] == [D5, D6, D7]  # 2026/11/5, 20261106, 2026年11月7日; no 合计 row
    assert rows[0]["visitors"] == 1391
    assert rows[0]["refund_amount"] is None
    values = {v for r in rows for v in r.values()}
    assert not values & {3.25, 0.0325, "3.25%"}  # 支付转化率 is not stored anywhere
    assert 3471 not in values  # the 合计 row's visitors


@pytest.mark.parametrize(
    ("name", "platform", "lacking"),
    [
        ("sycm_shop_gbk.csv", None, ["units", "impressions", "clicks", "ad_spend"]),
        ("compass_overview.xlsx", None, ["pageviews", "units", "cart_buyers", "ad_spend"]),
        ("sycm_products.xls", None, ["orders", "impressions", "clicks"]),
        ("compass_products.xlsx", None, ["pageviews"]),
        ("qianchuan_bom.csv", None, ["product_id"]),
        ("wanxiang_fen.csv", None, ["product_id"]),
        ("generic_shop_noplatform.csv", "pdd", ["pageviews", "buyers", "units", "refund_amount", "ad_spend"]),
    ],
)
def test_metrics_a_source_lacks_are_null_not_zero(name, platform, lacking):
    parsed = loaded("fixtures", name, platform)
    for column in lacking:
        assert parsed.rows[column].null_count == parsed.rows.num_rows, column


def test_percent_columns_are_not_stored():
    """No canonical table has a rate column: rates are recomputed from sums."""
    for table in TABLES.values():
        assert not [c for c in table.columns if "rate" in c or "ratio" in c or "ctr" in c]
    parsed = loaded("fixtures", "compass_products.xlsx")
    assert not {v for r in arrow_rows(parsed.rows) for v in r.values()} & {5.75, 0.0575, "5.75%", 3.9, 0.039}


def test_nineteen_digit_ids_stay_exact():
    products = loaded("fixtures", "compass_products.xlsx").rows
    assert products.schema.field("product_id").type == pa.string()
    assert sorted(products["product_id"].to_pylist()) == [ID19, "3598765432109876550"]
    creatives = loaded("fixtures", "qianchuan_bom.csv").rows
    assert set(creatives["creative_id"].to_pylist()) == {"7600000000000000001", "7600000000000001001"}


def test_only_the_all_sheet_of_compass_products_loads():
    parsed = loaded("fixtures", "compass_products.xlsx")
    assert parsed.sheet == "全部"
    assert 999.0 not in parsed.rows["gmv"].to_pylist()  # the 直播 sheet's number


def test_wanxiang_same_creative_in_two_plans_is_summed():
    rows = arrow_rows(loaded("fixtures", "wanxiang_noid_gb18030.csv").rows)
    a7 = [r for r in rows if r["creative_id"] == "主图A" and r["date"] == D7]
    assert len(a7) == 1
    assert (a7[0]["impressions"], a7[0]["clicks"], a7[0]["spend"]) == (5166 + 1000, 150 + 20, 90.0 + 10.5)
    assert a7[0]["gmv"] == 525.0 and a7[0]["orders"] == 5  # "-" in the second plan adds nothing


def test_fen_to_yuan_is_exact(tmp_path):
    path = tmp_path / "fen.csv"
    path.write_text("日期,创意ID,展现量,点击量,花费(分)\n2026-11-07,880000,10,1,1999\n", encoding="gb18030")
    assert load_file(path, SHOP).rows["spend"].to_pylist() == [19.99]


def test_generic_file_reports_ignored_columns():
    assert loaded("fixtures", "generic_products.csv", "other").ignored == ["备注"]


def test_generic_file_without_platform_needs_platform():
    with pytest.raises(ImportFileError) as info:
        loaded("fixtures", "generic_shop_noplatform.csv")
    assert "--platform" in info.value.message
    assert info.value.message.startswith("generic_shop_noplatform.csv: ")


def test_unknown_platform_argument_is_refused():
    with pytest.raises(ImportFileError, match="unknown platform"):
        loaded("fixtures", "generic_shop_noplatform.csv", "amazon")


def test_generic_file_with_platform_column_needs_no_platform_argument():
    rows = arrow_rows(loaded("fixtures", "generic_products.csv").rows)
    assert [r["platform"] for r in rows] == ["jd", "pdd"]


def test_generic_platform_column_value_must_be_a_known_platform(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("date,platform,gmv\n2026-11-07,amazon,2\n", encoding="utf-8")
    with pytest.raises(ImportFileError):
        load_file(path, SHOP, "pdd")


def test_generic_headers_are_case_insensitive(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("Date,GMV,Visitors\n2026-11-07,10.5,3\n", encoding="utf-8")
    rows = arrow_rows(load_file(path, SHOP, "pdd").rows)
    assert (rows[0]["gmv"], rows[0]["visitors"]) == (10.5, 3)


DATE_SPELLINGS = [
    "2026-11-07",
    "2026/11/7",
    "20261107",
    "2026年11月7日",
    "46333",  # Excel serial
    "46333.5",  # serial with a time of day
    "2026-11-07 10:30:00",
    "2026.11.7",
]


def test_date_spellings_in_csv(tmp_path):
    """One product per spelling, all on 2026-11-07."""
    lines = ["统计日期,商品ID,商品访客数,支付金额"] + [f"{cell},{i},1,2" for i, cell in enumerate(DATE_SPELLINGS)]
    path = tmp_path / "d.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = load_file(path, SHOP).rows
    got = dict(zip(rows["product_id"].to_pylist(), rows["date"].to_pylist(), strict=True))
    assert {DATE_SPELLINGS[int(k)]: v for k, v in got.items()} == dict.fromkeys(DATE_SPELLINGS, D7)


ID_WRAPPERS = ['="712345678901"', "712345678901\t", "'712345678901", "712345678901.0", " 712345678901 "]


def test_id_wrappers_are_removed(tmp_path):
    """One day per wrapped spelling of the same ID; every one reads as the bare digits."""
    lines = ["统计日期,商品ID,商品访客数,支付金额"] + [
        f"2026-11-0{i + 1},{cell},1,2" for i, cell in enumerate(ID_WRAPPERS)
    ]
    path = tmp_path / "ids.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = arrow_rows(load_file(path, SHOP).rows)
    assert [(r["date"].day, r["product_id"]) for r in rows] == [
        (i + 1, "712345678901") for i in range(len(ID_WRAPPERS))
    ]


def test_excel_number_id_and_serial_date_in_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统计日期", "商品ID", "商品访客数", "支付金额"])
    ws.append([46333, 712345678901, 5, 9.9])
    ws.append([dt.datetime(2026, 11, 7, 0, 0), 1234567890123456, 6, 1.5])  # 16 digits: exact in a double
    path = tmp_path / "ids.xlsx"
    wb.save(path)
    rows = arrow_rows(load_file(path, SHOP).rows)
    assert [(r["date"], r["product_id"]) for r in rows] == [(D7, "1234567890123456"), (D7, "712345678901")]


@pytest.mark.parametrize(
    ("body", "row", "column", "value", "words"),
    [
        ("2026-11-07,3.25%,1", 2, "访客数", "3.25%", "percentage"),
        ("2026-11-07,12.5,1", 2, "访客数", "12.5", "whole number"),
        ("2026-11-07,1,abc", 2, "支付金额", "abc", "amount in yuan"),
        ("2026-11-31,1,1", 2, "统计日期", "2026-11-31", "a date such as"),
    ],
)
def test_bad_cells_name_row_column_value_and_expectation(tmp_path, body, row, column, value, words):
    path = tmp_path / "bad.csv"
    path.write_text(f"统计日期,访客数,支付金额\n{body}\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        load_file(path, SHOP)
    err = info.value
    assert (err.row, err.column, err.value) == (row, column, value)
    assert words in err.message
    assert err.message.startswith(f"bad.csv (row {row}, column {column}): ")


@pytest.mark.parametrize("cell", ["1e30", "99999999999999999999"])
def test_out_of_range_count_is_reported_as_a_bad_cell(tmp_path, cell):
    path = tmp_path / "big.csv"
    path.write_text(f"统计日期,访客数,支付金额\n2026-11-07,{cell},1\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        load_file(path, SHOP)
    assert (info.value.row, info.value.column, info.value.value) == (2, "访客数", cell)


# --- the reference samples ----------------------------------------------------------------------------------

SAMPLE_CASES = [
    ("【生意参谋平台】商品_全部_2026-07-01_2026-07-01.xls", "sycm_products", 6, "2026-07-01", "2026-07-01"),
    ("【生意参谋平台】商品_全部_2026-07-02_2026-07-02.xls", "sycm_products", 6, "2026-07-02", "2026-07-02"),
    ("万相台_创意报表_20260708_101500.csv", "wanxiang_creatives", 21, "2026-07-01", "2026-07-07"),
    ("千川_素材分日_2026-07-01_2026-07-07.xlsx", "qianchuan_creatives", 28, "2026-07-01", "2026-07-07"),
    ("抖店罗盘_商品列表_2026-07-01.xlsx", "compass_products", 5, "2026-07-01", "2026-07-01"),
    ("抖店罗盘_商品列表_2026-07-02.xlsx", "compass_products", 5, "2026-07-02", "2026-07-02"),
    ("抖店罗盘_成交概览_2026-07-01.xlsx", "compass_overview", 1, "2026-07-01", "2026-07-01"),
    ("抖店罗盘_成交概览_2026-07-02.xlsx", "compass_overview", 1, "2026-07-02", "2026-07-02"),
    ("抖店罗盘_成交概览_2026-07-03.xlsx", "compass_overview", 1, "2026-07-03", "2026-07-03"),
    ("生意参谋_店铺整体_2026-07-01_2026-07-14.csv", "sycm_shop", 14, "2026-07-01", "2026-07-14"),
]


def test_all_samples_are_covered(samples_dir):
    assert sorted(p.name for p in samples_dir.iterdir() if p.suffix != ".md") == sorted(c[0] for c in SAMPLE_CASES)


@pytest.mark.parametrize(("name", "source", "count", "first", "last"), SAMPLE_CASES, ids=[c[0] for c in SAMPLE_CASES])
def test_samples_load(name, source, count, first, last):
    parsed = loaded("samples", name)
    assert (parsed.source, parsed.rows.num_rows) == (source, count)
    assert parsed.date_range == (dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    key = [c for c in parsed.table.key]
    keys = list(zip(*(parsed.rows[c].to_pylist() for c in key), strict=True))
    assert len(set(keys)) == len(keys)


def test_sample_values_spot_checks():
    """A few cells of the samples, checked against the files by eye."""
    shop = arrow_rows(loaded("samples", "生意参谋_店铺整体_2026-07-01_2026-07-14.csv").rows)
    assert (shop[0]["date"], shop[0]["visitors"], shop[0]["pageviews"], shop[0]["gmv"]) == (
        dt.date(2026, 7, 1), 5834, 17502, 38780.98,
    )  # fmt: skip
    assert shop[2]["refund_amount"] is None  # "-"
    products = arrow_rows(loaded("samples", "抖店罗盘_商品列表_2026-07-01.xlsx").rows)
    assert products[0]["product_id"] == "3598765432109876543"
    assert products[0]["gmv"] == 267.0  # 用户支付金额, not 成交金额 280.35
    overview = arrow_rows(loaded("samples", "抖店罗盘_成交概览_2026-07-01.xlsx").rows)
    assert (overview[0]["refund_amount"], overview[0]["ad_spend"], overview[0]["pageviews"]) == (930.6, 800.0, None)
    qc = arrow_rows(loaded("samples", "千川_素材分日_2026-07-01_2026-07-07.xlsx").rows)
    assert len(qc) == 28 and qc[0]["creative_id"] == "7600000000000000001" and qc[0]["impressions"] == 3019


def test_fixtures_are_reproducible(tmp_path):
    """make_fixtures.py is deterministic and the committed fixtures are its current output."""
    spec = importlib.util.spec_from_file_location("make_fixtures", CONNECTOR_FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.build(tmp_path):
        assert path.read_bytes() == (CONNECTOR_FIXTURES / path.name).read_bytes(), path.name


def test_detect_source_by_headers():
    assert connectors.detect_source(["统计日期", "访客数", "支付金额"]).name == "sycm_shop"
    assert connectors.detect_source(["统计日期", "商品ID", "访客数", "支付金额"]) is None  # 商品ID: not the shop file
    assert connectors.detect_source(["日期", "素材ID", "整体展现次数", "整体消耗"]).name == "qianchuan_creatives"
    assert connectors.detect_source(["日期", "创意名称", "展现量", "点击量", "花费(分)"]).name == "wanxiang_creatives"
    assert connectors.detect_source(["date", "gmv"]).name == "generic"
    assert connectors.detect_source(["foo", "bar"]) is None


# --- property tests on the SQL cell rules -------------------------------------------------------------------


@pytest.fixture(scope="module")
def cell_con():
    con = new_parser_connection()
    yield con
    con.close()


def _rule(kind: str) -> str:
    """SQL for the cell rule of a column kind applied to column `s` (one-layer or two-layer PARSE_SQL)."""
    rule = PARSE_SQL[kind]
    if isinstance(rule, str):
        return f"{rule}(s)"
    first, finish = rule
    return finish.format(v=f"({first.format(c='s')})", scale=1.0)


def _cells(con, texts: list[str]) -> list[tuple]:
    """(text, skr_num, count rule, skr_id, skr_date) for each text, in one query (a query costs ~10 ms)."""
    has_int_macro = con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'skr_int'").fetchone()[0]
    count = "skr_int(s)" if has_int_macro else _rule("int")
    sql = (
        f"SELECT s, skr_num(s), {count}, skr_id(s), skr_date(s) "
        "FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS s, generate_subscripts(CAST(? AS VARCHAR[]), 1) AS i) "
        "ORDER BY i"
    )
    return con.execute(sql, [texts, texts]).fetchall()


@settings(max_examples=15, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=40))
def test_cell_rules_never_crash_on_arbitrary_text(cell_con, texts):
    nums = [r[0] for r in cell_con.execute("SELECT skr_num(unnest(CAST(? AS VARCHAR[])))", [texts]).fetchall()]
    # Out-of-range counts are the known bug tested by test_out_of_range_count_is_reported_as_a_bad_cell.
    texts = [t for t, n in zip(texts, nums, strict=True) if n is None or not math.isfinite(n) or abs(n) < 2**62]
    assume(texts)
    for text, num, count, ident, date in _cells(cell_con, texts):
        assert num is None or isinstance(num, float), text
        assert count is None or isinstance(count, int), text
        assert ident is None or isinstance(ident, str), text
        assert date is None or isinstance(date, dt.date), text
        if count is not None:
            assert count == num, text


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=-(10**15), max_value=10**15), min_size=1, max_size=40))
def test_thousands_separated_integers_parse_back(cell_con, numbers):
    rows = _cells(cell_con, [f"{n:,}" for n in numbers])
    # Counts are never negative: a negative count is a bad cell (NULL here), the number itself still parses.
    assert [(r[1], r[2]) for r in rows] == [(float(n), n if n >= 0 else None) for n in numbers]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 99)), min_size=1, max_size=40))
def test_money_text_parses_to_the_nearest_double(cell_con, amounts):
    rows = _cells(cell_con, [f"¥{yuan:,}.{fen:02d}" for yuan, fen in amounts])
    assert [r[1] for r in rows] == [float(f"{yuan}.{fen:02d}") for yuan, fen in amounts]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)), min_size=1, max_size=20))
def test_date_spellings_agree(cell_con, days):
    texts, want = [], []
    for day in days:
        serial = (day - dt.date(1899, 12, 30)).days
        spellings = [
            day.isoformat(),
            f"{day.year}/{day.month}/{day.day}",
            f"{day:%Y%m%d}",
            f"{day.year}年{day.month}月{day.day}日",
            str(serial),
        ]
        texts += spellings
        want += [day] * len(spellings)
    assert [(r[0], r[4]) for r in _cells(cell_con, texts)] == list(zip(texts, want, strict=True))


def test_data_bytes_win_over_a_file_of_the_same_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("x.csv").write_text("统计日期,访客数,支付金额\n2026-11-07,1,1\n", encoding="utf-8")
    upload = "统计日期,访客数,支付金额\n2026-11-07,999,5\n".encode()
    rows = load_file(Path("x.csv"), SHOP, data=upload).rows
    assert (rows["visitors"].to_pylist(), rows["gmv"].to_pylist()) == ([999], [5.0])


def test_compass_products_without_the_all_sheet_is_refused(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.title = "直播"
    wb.create_sheet("短视频")
    for ws, clicks in ((wb["直播"], 5), (wb["短视频"], 7)):
        ws.append(["统计周期", "商品ID", "商品点击人数", "成交金额"])
        ws.append(["2026-11-07", ID19, clicks, 9.0])
    path = tmp_path / "carriers.xlsx"
    wb.save(path)
    with pytest.raises(ImportFileError):
        load_file(path, SHOP)
