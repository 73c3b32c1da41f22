"""Date coverage and gaps (shopkr/data/coverage.py) and the import page's tables in words
(shopkr/app/import_tables.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from connectors.errors import ImportFileError
from shopkr.app import import_tables
from shopkr.data import coverage
from shopkr.data.importer import FileResult


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def days_frame(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    """A `queries.coverage_days` frame (dates as datetime64, as DuckDB returns them) from (table, platform,
    shop, date, rows) tuples."""
    df = pd.DataFrame(rows, columns=["table_name", "platform", "shop", "date", "rows"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def coverage_frame(days: pd.DataFrame) -> pd.DataFrame:
    """What `queries.coverage` returns for the same rows (computed independently with pandas)."""
    g = days.groupby(["table_name", "platform", "shop"], as_index=False)
    return g.agg(rows=("rows", "sum"), first_date=("date", "min"), last_date=("date", "max"), days=("date", "nunique"))


# --- missing_dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "missing"),
    [
        ([], []),
        (["2026-11-01"], []),
        (["2026-11-01", "2026-11-02", "2026-11-03"], []),
        (["2026-11-01", "2026-11-03"], ["2026-11-02"]),
        (["2026-11-05", "2026-11-01", "2026-11-05", "2026-11-03"], ["2026-11-02", "2026-11-04"]),  # unsorted, dup
        (["2026-10-30", "2026-11-02"], ["2026-10-31", "2026-11-01"]),  # across a month end
        (["2026-12-31", "2027-01-02"], ["2027-01-01"]),  # across a year end
        (["2028-02-28", "2028-03-01"], ["2028-02-29"]),  # leap day
        (["2026-11-01", None, "2026-11-03"], ["2026-11-02"]),  # NULLs are ignored
    ],
)
def test_missing_dates(dates, missing):
    assert coverage.missing_dates(dates) == [d(x) for x in missing]


def test_missing_dates_accepts_dates_datetimes_and_timestamps():
    values = [dt.date(2026, 11, 1), dt.datetime(2026, 11, 4, 0, 0), pd.Timestamp("2026-11-02"), "2026-11-05"]
    assert coverage.missing_dates(values) == [d("2026-11-03")]
    assert coverage.missing_dates(pd.Series(pd.to_datetime(["2026-11-01", "2026-11-03"]))) == [d("2026-11-02")]


# --- ranges and their text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ([], []),
        (["2026-11-02"], [("2026-11-02", "2026-11-02")]),
        (["2026-11-03", "2026-11-02", "2026-11-04"], [("2026-11-02", "2026-11-04")]),
        (
            ["2026-10-03", "2026-10-05", "2026-10-06", "2026-10-07"],
            [("2026-10-03", "2026-10-03"), ("2026-10-05", "2026-10-07")],
        ),
        (["2026-10-31", "2026-11-01"], [("2026-10-31", "2026-11-01")]),
    ],
)
def test_ranges(dates, expected):
    assert coverage.ranges(dates) == [(d(a), d(b)) for a, b in expected]


@pytest.mark.parametrize(
    ("dates", "limit", "text"),
    [
        ([], 8, ""),
        (["2026-10-03"], 8, "10-03"),
        (["2026-10-03", "2026-10-05", "2026-10-06", "2026-10-07"], 8, "10-03, 10-05~10-07"),
        (["2026-12-31", "2027-01-01", "2027-01-05"], 8, "2026-12-31~2027-01-01, 2027-01-05"),
        (["2026-11-01", "2026-11-03", "2026-11-05", "2026-11-07"], 2, "11-01, 11-03, … (+2)"),
        (["2026-11-01", "2026-11-03"], 2, "11-01, 11-03"),
    ],
)
def test_format_ranges(dates, limit, text):
    assert coverage.format_ranges(dates, limit) == text


# --- summary ---------------------------------------------------------------------------------------------

DAYS = days_frame(
    [
        ("shop_daily", "taobao", "B店", "2026-11-01", 1),
        ("shop_daily", "taobao", "B店", "2026-11-02", 1),
        ("shop_daily", "taobao", "B店", "2026-11-05", 1),
        ("product_daily", "taobao", "B店", "2026-11-01", 8),
        ("product_daily", "taobao", "B店", "2026-11-02", 7),
        ("shop_daily", "douyin", "A店", "2026-10-30", 1),
        ("shop_daily", "douyin", "A店", "2026-11-02", 1),
    ]
)


def test_summary_lists_the_missing_days_per_shop_and_table():
    table = coverage.summary(coverage_frame(DAYS), DAYS)
    assert list(table.columns) == coverage.SUMMARY_COLUMNS
    assert list(zip(table["shop"], table["table_name"], strict=True)) == [
        ("A店", "shop_daily"),
        ("B店", "product_daily"),
        ("B店", "shop_daily"),
    ]
    a, b_products, b_shop = (row for _, row in table.iterrows())
    assert (a["rows"], a["first_date"], a["last_date"], a["days"]) == (2, d("2026-10-30"), d("2026-11-02"), 2)
    assert a["missing"] == [d("2026-10-31"), d("2026-11-01")]
    assert (a["missing_count"], a["missing_text"]) == (2, "10-31~11-01")
    assert (b_products["rows"], b_products["missing_count"], b_products["missing_text"]) == (15, 0, "")
    assert (b_shop["missing_count"], b_shop["missing_text"]) == (2, "11-03~11-04")


def test_summary_same_shop_on_two_platforms_is_two_rows():
    days = days_frame(
        [
            ("shop_daily", "taobao", "S", "2026-11-01", 1),
            ("shop_daily", "taobao", "S", "2026-11-03", 1),
            ("shop_daily", "pdd", "S", "2026-11-02", 1),
        ]
    )
    table = coverage.summary(coverage_frame(days), days)
    assert list(table["platform"]) == ["pdd", "taobao"]
    assert list(table["missing_count"]) == [0, 1]


def test_summary_without_data_is_empty_with_columns():
    empty = days_frame([])
    table = coverage.summary(coverage_frame(empty), empty)
    assert table.empty and list(table.columns) == coverage.SUMMARY_COLUMNS


# --- calendar ----------------------------------------------------------------------------------------------


def test_calendar_marks_data_gaps_and_outside_days():
    state, counts = coverage.calendar(DAYS, {"shop_daily": "店铺日数据"})
    assert list(state.index) == ["A店 · 店铺日数据", "B店 · product_daily", "B店 · 店铺日数据"]
    assert list(state.columns) == [d("2026-10-30") + dt.timedelta(days=i) for i in range(7)]  # 10-30 .. 11-05
    assert state.loc["A店 · 店铺日数据"].tolist() == [2, 1, 1, 2, 0, 0, 0]
    assert state.loc["B店 · product_daily"].tolist() == [0, 0, 2, 2, 0, 0, 0]
    assert state.loc["B店 · 店铺日数据"].tolist() == [0, 0, 2, 2, 1, 1, 2]
    assert counts.loc["B店 · product_daily"].tolist() == [0, 0, 8, 7, 0, 0, 0]
    assert counts.shape == state.shape


def test_calendar_of_nothing_is_empty():
    state, counts = coverage.calendar(days_frame([]))
    assert state.empty and counts.empty


# --- import page tables -------------------------------------------------------------------------------------

OK = FileResult(Path("a.csv"), "ok", "生意参谋 店铺整体", "shop_daily", 14, 10, 4, 0, d("2026-11-01"), d("2026-11-14"))
SAME = FileResult(Path("b (1).csv"), "unchanged", note="identical to b.csv imported 2026-11-20 10:00")
BAD = FileResult(Path("c.csv"), "failed", error="c.csv (row 5, column 访客数): this cell cannot be read.")


@pytest.mark.parametrize(
    ("lang", "texts"),
    [("zh", ["✓ 导入成功", "– 未变化", "✗ 失败"]), ("en", ["✓ imported", "– unchanged", "✗ failed"])],
)
def test_results_frame_in_words(lang, texts):
    frame = import_tables.results_frame([OK, SAME, BAD], lang)
    assert frame.shape == (3, 8)
    assert frame.iloc[:, 1].tolist() == texts
    first = frame.iloc[0].tolist()
    assert first[0] == "a.csv" and first[2] == "生意参谋 店铺整体" and first[4:7] == [10, 4, "2026-11-01 ~ 2026-11-14"]
    assert first[3] == ("店铺日数据" if lang == "zh" else "Shop daily")
    assert frame.iloc[1, 7] == SAME.note and frame.iloc[2, 7] == BAD.error


def test_counts_and_failure_hints():
    assert import_tables.counts([OK, SAME, BAD, BAD]) == {"ok": 1, "unchanged": 1, "failed": 2}
    # the hint follows the error's code (issue 9), no longer its English text
    no_platform = ImportFileError("x.csv", "the file has no platform column.", code="file.no_platform_column")
    bad_cell = ImportFileError("c.csv", "this cell cannot be read.", code="file.unreadable_cell", row=5)
    assert import_tables.failure_hint(no_platform.detail) == "import.hint_platform"
    assert import_tables.failure_hint(bad_cell.detail) == "import.hint_fix"
    assert import_tables.failure_hint(BAD.detail) == "import.hint_fix"  # a result without a code
    assert import_tables.failure_hint(None) == "import.hint_fix"


@pytest.mark.parametrize(
    ("first", "last", "text"),
    [
        (None, None, ""),
        (d("2026-11-01"), d("2026-11-01"), "2026-11-01"),
        (pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-07"), "2026-11-01 ~ 2026-11-07"),
        (pd.NaT, pd.NaT, ""),
    ],
)
def test_date_range_text(first, last, text):
    assert import_tables.date_range_text(first, last) == text


def test_escape_markdown_keeps_text_and_disarms_markup():
    assert import_tables.escape_markdown("a_b *c* $1 [x](y)") == r"a\_b \*c\* \$1 \[x\](y)"


def test_shop_platform():
    shops = pd.DataFrame({"platform": ["douyin", "pdd", "taobao", "jd"], "shop": ["抖", "拼", "淘", "淘"]})
    assert import_tables.shop_platform(shops, "抖") == "douyin"
    assert import_tables.shop_platform(shops, "淘") is None  # two platforms: let the user choose
    assert import_tables.shop_platform(shops, "新店") is None
    assert import_tables.shop_platform(shops, None) is None


def test_history_frame_newest_first_with_labels():
    history = pd.DataFrame(
        {
            "id": [1, 2],
            "imported_at": pd.to_datetime(["2026-11-20 10:00", "2026-11-21 09:30"]),
            "file_name": ["a.csv", "c.csv"],
            "shop": ["淘", "淘"],
            "source": ["sycm_shop", None],
            "table_name": ["shop_daily", None],
            "status": ["ok", "failed"],
            "rows_total": [14, 0],
            "rows_new": [14, 0],
            "rows_replaced": [0, 0],
            "rows_unchanged": [0, 0],
            "date_min": pd.to_datetime(["2026-11-01", None]),
            "date_max": pd.to_datetime(["2026-11-14", None]),
            "error": [None, "c.csv: bad"],
            "user_name": ["demo", "li"],
        }
    )
    frame = import_tables.history_frame(history, "en")
    assert frame.columns[:4].tolist() == ["When", "File", "Shop", "Result"]
    assert frame["File"].tolist() == ["c.csv", "a.csv"]
    assert frame["Result"].tolist() == ["✗ failed", "✓ imported"]
    assert frame["Detected as"].tolist() == ["", "生意参谋 店铺整体"]
    assert frame["Table"].tolist() == ["", "Shop daily"]
    assert frame["Dates"].tolist() == ["", "2026-11-01 ~ 2026-11-14"]
    assert frame["Message"].tolist() == ["c.csv: bad", ""]
    assert frame["When"].tolist() == ["2026-11-21 09:30", "2026-11-20 10:00"]


def test_coverage_frame_translates_tables():
    table = coverage.summary(coverage_frame(DAYS), DAYS)
    frame = import_tables.coverage_frame(table, "zh")
    assert frame.columns.tolist() == [
        "店铺",
        "平台",
        "数据表",
        "行数",
        "首日",
        "末日",
        "有数据天数",
        "缺失天数",
        "缺失日期",
    ]
    assert frame["数据表"].tolist() == ["店铺日数据", "商品日数据", "店铺日数据"]
    assert frame["缺失日期"].tolist() == ["10-31~11-01", "", "11-03~11-04"]


def test_coverage_chart_draws_the_calendar_top_down_with_a_legend():
    from shopkr.app import charts

    state, counts = coverage.calendar(DAYS)
    labels = {"data": "有数据", "gap": "缺失", "none": "范围外", "rows": "行"}
    fig = charts.coverage(state, counts, labels)
    heat = fig.data[0]
    assert list(heat.y) == list(state.index)[::-1]  # plotly draws y upwards: first row ends on top
    assert heat.z.tolist() == state.values[::-1].tolist()
    assert [t.name for t in fig.data[1:]] == ["有数据", "缺失", "范围外"]
    assert "行" in heat.hovertemplate
