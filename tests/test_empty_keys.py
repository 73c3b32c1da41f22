"""Issue 11 (trust): a row with numbers but an empty date or key cell is refused, never dropped without a word.

Every connector, as CSV and as .xlsx, built from the sample exports (tests/fixtures/samples, data/samples): one
data row gets its date cell emptied, or its key cell emptied or set to spaces, and the file must be refused with
`file.empty_key`, the row as Excel shows it and the column, and leave the database exactly as it was. The rows a
file may legitimately carry without a key still load as before: fully blank rows, trailing blank lines, total
rows (合计/总计/汇总/全部/整体 in the date or key column, counted: "N total rows skipped") and key-less rows
without any number in them.

A key cell of only a dash ("-", "--", "—") marks a total row in some exports (exports.md §0.3) and a real row whose
ID is missing in others: such a row is dropped as a total only when it adds up (its amounts and counts of items and
events equal the sum of the other rows of its day within 0.1 % or 0.01), and refuses the file otherwise
(`file.dash_key_not_total`: the row, the column, which number differs and by how much).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, SAMPLES, arrow_rows

from connectors import ImportFileError, excel, load_file
from connectors.parsing import decode_text, normalize_header
from shopkr.data import store
from shopkr.data.importer import import_files

SHOP = "测试店"
DEMO = ROOT / "data" / "samples"


@dataclass(frozen=True)
class Case:
    """A sample export of one connector: where its grid comes from and which columns are its key."""

    files: tuple[Path, ...]  # data rows of all files are concatenated (the header of the first is kept)
    date: str  # the date header
    key: str | None  # the ID header of the natural key (None: shop-level, keyed on the date only)
    blank_too: tuple[str, ...] = ()  # columns emptied with the key (万相台: the name stands in for a missing ID)
    sheet: str = "Sheet1"  # the sheet name of the .xlsx written
    rows: int = 6  # data rows kept (the first ones)
    platform: str | None = None


CASES = {
    "sycm_shop": Case((SAMPLES / "生意参谋_店铺整体_2026-07-01_2026-07-14.csv",), "统计日期", None),
    "sycm_products": Case((SAMPLES / "【生意参谋平台】商品_全部_2026-07-01_2026-07-01.xls",), "统计日期", "商品ID"),
    "compass_overview": Case(
        tuple(SAMPLES / f"抖店罗盘_成交概览_2026-07-0{d}.xlsx" for d in (1, 2, 3)), "日期", None, sheet="成交概览"
    ),
    "compass_products": Case((SAMPLES / "抖店罗盘_商品列表_2026-07-01.xlsx",), "统计周期", "商品编码", sheet="全部"),
    "qianchuan_creatives": Case((SAMPLES / "千川_素材分日_2026-07-01_2026-07-07.xlsx",), "日期", "素材ID", rows=10),
    "wanxiang_creatives": Case(
        (SAMPLES / "万相台_创意报表_20260708_101500.csv",), "日期", "创意ID", blank_too=("创意名称",)
    ),
    "generic_shop": Case((DEMO / "暖居拼多多店" / "generic_shop_daily_暖居拼多多店.csv",), "date", None),
    "generic_products": Case(
        (DEMO / "暖居抖音小店" / "generic_history_product_daily_暖居抖音小店.csv",), "date", "product_id"
    ),
}
SOURCE = {name: "generic" if name.startswith("generic") else name for name in CASES}
CONTAINERS = ("csv", "xlsx")
EMPTY_CELLS = {"empty": "", "spaces": "   ", "dash": "-"}


def _grid_of(path: Path) -> list[list[str]]:
    """The cells of a sample export as text (None -> ""), every row from row 1 of its (first matching) sheet."""
    data = path.read_bytes()
    if path.suffix == ".csv":
        text, _ = decode_text(data)
        return list(csv.reader(io.StringIO(text, newline="")))
    sheets = excel.read_excel(data)
    return [["" if c is None else c for c in row] for row in sheets[0].rows]


def _header_index(grid: list[list[str]], date: str) -> int:
    return next(i for i, row in enumerate(grid) if date in row)


def sample_grid(case: Case) -> tuple[list[list[str]], int]:
    """(rows above and including the header, then `case.rows` data rows; the header's index)."""
    first = _grid_of(case.files[0])
    h = _header_index(first, case.date)
    data = first[h + 1 :]
    for other in case.files[1:]:
        grid = _grid_of(other)
        data += grid[_header_index(grid, case.date) + 1 :]
    return first[: h + 1] + data[: case.rows], h


def write(grid: list[list[str]], path: Path, container: str, sheet: str = "Sheet1") -> Path:
    """The grid as a UTF-8 CSV or as an .xlsx with every cell as text ("" cells left empty)."""
    if container == "csv":
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(grid)
        path = path.with_suffix(".csv")
        path.write_text(out.getvalue(), encoding="utf-8", newline="")
        return path
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if value != "":
                ws.cell(r, c, value)
    path = path.with_suffix(".xlsx")
    book.save(path)
    return path


def column(grid: list[list[str]], h: int, header: str) -> int:
    return [normalize_header(c) for c in grid[h]].index(normalize_header(header))


def first_data_row(grid: list[list[str]], h: int, case: Case) -> int:
    """The index of the second data row that is not a total (a row in the middle of the table)."""
    d = column(grid, h, case.date)
    rows = [i for i in range(h + 1, len(grid)) if grid[i][d] not in ("全部", "合计")]
    return rows[1] if len(rows) > 1 else rows[0]


def mutated(case: Case, which: str, cell: str) -> tuple[list[list[str]], int, str]:
    """The sample grid with the `which` ("date" or "key") cell of one data row set to `cell`; returns the grid,
    the row as Excel shows it and the header named in the error."""
    grid, h = sample_grid(case)
    i = first_data_row(grid, h, case)
    header = case.date if which == "date" else case.key
    assert header is not None
    grid[i][column(grid, h, header)] = cell
    if which == "key":
        for other in case.blank_too:
            grid[i][column(grid, h, other)] = ""
    return grid, i + 1, header


REFUSALS = [
    pytest.param(name, container, which, kind, id=f"{name}-{container}-{which}-{kind}")
    for name, case in CASES.items()
    for container in CONTAINERS
    for which in (("date", "key") if case.key else ("date",))
    # (a date cell of spaces or "-" is read as an empty one: only the empty one is here, to keep the test short)
    for kind in (EMPTY_CELLS if which == "key" else ["empty"])
]


@pytest.mark.parametrize(("name", "container", "which", "kind"), REFUSALS)
def test_a_row_with_numbers_and_an_empty_date_or_key_is_refused_naming_row_and_column(
    tmp_path, name, container, which, kind
):
    case = CASES[name]
    grid, row, header = mutated(case, which, EMPTY_CELLS[kind])
    path = write(grid, tmp_path / f"{name}_{which}", container, case.sheet)
    with pytest.raises(ImportFileError) as info:
        load_file(path, SHOP, case.platform)
    error = info.value
    if kind == "dash":  # a copy of a data row with "-" for its key: not the sum of its day, so not a total
        assert error.code == "file.dash_key_not_total", error.message
        assert (error.row, error.column, error.value) == (row, header, "-"), error.message
        assert error.params["metric"] in error.message and error.params["difference"] in error.message
        assert "Fill in" in error.message and "delete the row" in error.message, error.message
        return
    assert error.code == "file.empty_key", error.message
    assert (error.row, error.column) == (row, header), error.message
    # What to do: fill the cell in, or mark a total row as such, or delete the row.
    assert "Fill in" in error.message and "合计" in error.message, error.message


def test_the_empty_key_message_says_what_to_do_in_both_languages():
    from connectors.errors import Message
    from shopkr.app import i18n

    for lang in ("zh", "en"):
        text = i18n.render(Message("file.empty_key", {"column": "商品ID"}), lang)
        assert "合计" in text and "商品ID" in text, text


def _with_legitimate_extras(case: Case) -> tuple[list[list[str]], int]:
    """The sample grid with rows that carry no key and must be left out without a word: a fully blank row in
    the middle, total rows (合计 in the date column; 总计 in the key column), a key-less row without any number
    (a placeholder: "-" where the ID and every number belong), and blank lines at the end."""
    grid, h = sample_grid(case)
    width = len(grid[h])
    i = first_data_row(grid, h, case)
    d = column(grid, h, case.date)
    template = list(grid[i])
    extras: list[list[str]] = [[""] * width]
    total = list(template)
    total[d] = "合计"
    if case.key:
        total[column(grid, h, case.key)] = ""
    extras.append(total)
    if case.key:
        keyed_total = list(template)
        keyed_total[column(grid, h, case.key)] = "总计"
        extras.append(keyed_total)
        placeholder = ["-" if c not in (d,) and grid[h][c] not in ("platform",) else v for c, v in enumerate(template)]
        placeholder[column(grid, h, case.key)] = "-"
        for other in case.blank_too:
            placeholder[column(grid, h, other)] = ""
        extras.append(placeholder)
    grid[i + 1 : i + 1] = extras
    grid += [[""] * width, [""] * width]
    return grid, h


# The total rows `_with_legitimate_extras` adds: 合计 in the date column, and 总计 in the key column.
MARKER_TOTALS = {name: 2 if case.key else 1 for name, case in CASES.items()}


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("name", list(CASES))
def test_blank_rows_total_rows_and_keyless_rows_without_numbers_still_load(tmp_path, name, container):
    case = CASES[name]
    plain, _ = sample_grid(case)
    expected = load_file(write(plain, tmp_path / "plain", container, case.sheet), SHOP, case.platform)
    grid, _ = _with_legitimate_extras(case)
    parsed = load_file(write(grid, tmp_path / "extras", container, case.sheet), SHOP, case.platform)
    assert parsed.source == SOURCE[name]
    assert expected.rows.num_rows > 0
    assert arrow_rows(parsed.rows) == arrow_rows(expected.rows)
    # Counted for the result line (CLI and 数据导入 page), like repeated header rows (the 千川 sample has 全部 rows).
    n = expected.total_rows + MARKER_TOTALS[name]
    assert parsed.total_rows == n and f"{n} total rows skipped" in parsed.notes


def test_a_wanxiang_row_without_creative_id_still_takes_its_name(tmp_path):
    """The documented 万相台 fallback: a creative without an ID is keyed on its name (not a missing key)."""
    case = CASES["wanxiang_creatives"]
    grid, h = sample_grid(case)
    i = first_data_row(grid, h, case)
    grid[i][column(grid, h, "创意ID")] = ""
    name = grid[i][column(grid, h, "创意名称")]
    path = write(grid, tmp_path / "wanxiang", "csv")
    ids = {r["creative_id"] for r in load_file(path, SHOP).rows.to_pylist()}
    assert name in ids


@pytest.mark.parametrize("with_id_column", [True, False])
def test_a_wanxiang_total_row_named_in_the_name_column_is_not_a_creative(tmp_path, with_id_column):
    """A 万相台 row without 创意ID whose 创意名称 is 合计 is a total row (left out and counted), not a creative
    named 合计 that would double every sum; with or without a 创意ID column in the file."""
    case = CASES["wanxiang_creatives"]
    grid, h = sample_grid(case)
    i = first_data_row(grid, h, case)
    ids, names = column(grid, h, "创意ID"), column(grid, h, "创意名称")
    total = list(grid[i])
    total[ids], total[names] = "", "合计"
    grid.insert(i, total)
    if not with_id_column:
        grid = [[c for j, c in enumerate(row) if j != ids] for row in grid]
    parsed = load_file(write(grid, tmp_path / "wanxiang", "csv"), SHOP)
    assert "合计" not in {r["creative_id"] for r in parsed.rows.to_pylist()}
    assert parsed.total_rows == 1


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table in the database (canonical tables, import log, revisions, rollups, meta)."""
    with store.connect(db) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


# Every family as CSV, two as .xlsx: the database side (nothing written for a refused file) is the importer's, the
# same for every container; the refusal itself is checked for every family and container above.
ATOMIC = [(name, "csv") for name in CASES] + [("sycm_products", "xlsx"), ("wanxiang_creatives", "xlsx")]


@pytest.mark.parametrize(("name", "container"), ATOMIC)
def test_a_refused_file_leaves_the_database_exactly_as_it_was(tmp_path, dump_db, name, container):
    case = CASES[name]
    db = tmp_path / "shopkr.duckdb"
    good, _ = sample_grid(case)
    [first] = import_files([write(good, tmp_path / "good", container, case.sheet)], SHOP, db=db, user="t")
    assert first.status == "ok", first.error
    before, tables = snapshot(db), dump_db(db)
    # The corrected-looking re-export: same days (it would replace rows), one row lost its key.
    grid, row, header = mutated(case, "key" if case.key else "date", "")
    [result] = import_files([write(grid, tmp_path / "bad", container, case.sheet)], SHOP, db=db, user="t")
    assert result.status == "failed"
    assert f"row {row}" in result.error and header in result.error, result.error
    after = snapshot(db)
    # The run is logged (status failed, the reason, no rows); everything else is exactly as before.
    logged = [r for r in after.pop("import_log") if r not in before["import_log"]]
    assert after == {n: rows for n, rows in before.items() if n != "import_log"}
    assert dump_db(db) == tables
    with store.connect(db) as con:
        failed = con.execute(
            "SELECT status, rows_total, rows_new, rows_replaced, error FROM import_log WHERE file_name LIKE 'bad%'"
        ).fetchall()
    assert len(logged) == 1 and len(failed) == 1, logged
    assert failed[0][:4] == ("failed", 0, 0, 0) and header in failed[0][4]


def test_a_plain_numeric_csv_read_typed_drops_keyless_rows_without_numbers_and_refuses_those_with(tmp_path):
    """Generic CSVs of plain numbers take DuckDB's typed read (connectors.base._build_fast), where `parsed` is a view
    over a stored table: the same rules hold there."""
    head = "date,product_id,product_name,visitors,gmv\n"
    rows = "".join(f"2026-11-01,{i},p{i},{i},{i}.5\n" for i in range(1, 40))
    keyless = "2026-11-01,,备注：以上为示例,,\n"
    parsed = load_file(
        write_text(tmp_path / "ok.csv", head + rows + keyless + rows.replace("11-01", "11-02")), SHOP, "pdd"
    )
    assert parsed.rows.num_rows == 78 and None not in parsed.rows["product_id"].to_pylist()
    with pytest.raises(ImportFileError) as info:
        load_file(write_text(tmp_path / "bad.csv", head + rows + "2026-11-01,,p0,7,1.5\n"), SHOP, "pdd")
    assert (info.value.code, info.value.row, info.value.column) == ("file.empty_key", 41, "product_id")


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_total_and_blank_row_tests_are_never_null():
    """The kind of the bug: a NULL cell made the total-row test NULL, and `WHERE NOT (NULL)` dropped the row."""
    from connectors.parsing import new_parser_connection

    con = new_parser_connection()
    assert con.execute("SELECT skr_total(NULL), skr_blank(NULL), skr_total('合计'), skr_total(' 12 ')").fetchone() == (
        False,
        True,
        True,
        False,
    )


# --- a "-" key: a total when it adds up to its day, refused otherwise ------------------------------------------

KEYED = [name for name, case in CASES.items() if case.key]


def _source_of(grid: list[list[str]], h: int):
    from connectors import detect_source

    return detect_source([normalize_header(c) for c in grid[h]])


def _cell(value: float, kind: str, divisor: int) -> str:
    """A count or amount as an export writes it (money in fen when the header says so)."""
    value *= divisor
    return str(round(value)) if kind == "int" or divisor != 1 else f"{value:.2f}"


def dash_total(case: Case, tmp_path: Path, plus: dict[str, float] | None = None) -> tuple[list[list[str]], int]:
    """The sample grid with a row appended whose key is "-" and whose every count and amount (people counts too)
    is the sum of the rows of one day (the day of `first_data_row`, read by ShopKR from a file of that day's rows),
    plus `plus` (canonical column -> number added). Returns the grid and the appended row as Excel shows it."""
    grid, h = sample_grid(case)
    i = first_data_row(grid, h, case)
    d = column(grid, h, case.date)
    one_day = grid[: h + 1] + [r for r in grid[h + 1 :] if r[d] == grid[i][d]]
    day_rows = load_file(write(one_day, tmp_path / "day", "csv"), SHOP, case.platform).rows.to_pylist()
    source = _source_of(grid, h)
    row = list(grid[i])
    for name, (index, spec) in source.resolve([normalize_header(c) for c in grid[h]]).items():
        kind = source.table.columns.get(name, "text")
        if name in ("date", "platform"):
            continue
        if kind in ("int", "money"):
            assert len(spec.positions) == 1
            row[index] = _cell(sum(r[name] or 0 for r in day_rows) + (plus or {}).get(name, 0), kind, spec.divisor)
        else:  # the key, names and other IDs: a total row has none
            row[index] = "-"
    grid.append(row)
    return grid, len(grid)


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("name", KEYED)
def test_a_dash_row_that_adds_up_to_its_day_is_dropped_as_a_total(tmp_path, name, container):
    case = CASES[name]
    plain, _ = sample_grid(case)
    expected = load_file(write(plain, tmp_path / "plain", container, case.sheet), SHOP, case.platform)
    grid, _ = dash_total(case, tmp_path)
    parsed = load_file(write(grid, tmp_path / "dash", container, case.sheet), SHOP, case.platform)
    assert arrow_rows(parsed.rows) == arrow_rows(expected.rows)
    n = expected.total_rows + 1
    assert parsed.total_rows == n and f"{n} total rows skipped" in parsed.notes


@pytest.mark.parametrize("container", CONTAINERS)
@pytest.mark.parametrize("name", KEYED)
def test_a_dash_row_that_does_not_add_up_is_refused_naming_row_column_and_difference(tmp_path, name, container):
    case = CASES[name]
    plain, h = sample_grid(case)
    source = _source_of(plain, h)
    mapped = source.resolve([normalize_header(c) for c in plain[h]])
    metric = next(c for c in source.table.additive if c in mapped)  # the first number a total is checked on
    header = mapped[metric][1].headers[0]
    grid, row = dash_total(case, tmp_path, plus={metric: 100})
    with pytest.raises(ImportFileError) as info:
        load_file(write(grid, tmp_path / "dash", container, case.sheet), SHOP, case.platform)
    error = info.value
    assert error.code == "file.dash_key_not_total", error.message
    assert (error.row, error.column, error.value) == (row, case.key, "-"), error.message
    difference = "+100" if source.table.columns[metric] == "int" else "+100.00"
    assert error.params["metric"] == header and error.params["difference"] == difference, error.params
    assert f"its {header} is" in error.message and f"a difference of {difference}" in error.message
    assert "Fill in the" in error.message and "delete the row" in error.message


# Through the whole import (the careful read and the typed one): what is written is the same for every connector.
@pytest.mark.parametrize("name", ["sycm_products", "generic_products"])
def test_a_refused_dash_row_writes_nothing_and_an_adding_one_is_reported_as_skipped(tmp_path, dump_db, name):
    case = CASES[name]
    db = tmp_path / "shopkr.duckdb"
    good, _ = sample_grid(case)
    [first] = import_files([write(good, tmp_path / "good", "csv", case.sheet)], SHOP, db=db, user="t")
    assert first.status == "ok", first.error
    before, tables = snapshot(db), dump_db(db)
    grid, row = dash_total(case, tmp_path, plus={"gmv": 100})
    [refused] = import_files([write(grid, tmp_path / "bad", "csv", case.sheet)], SHOP, db=db, user="t")
    assert refused.status == "failed" and f"row {row}" in refused.error and case.key in refused.error, refused.error
    after = snapshot(db)
    after.pop("import_log")
    assert after == {n: rows for n, rows in before.items() if n != "import_log"}
    assert dump_db(db) == tables
    # The same file with a "-" row that adds up: its rows are the good file's, and the line says a total was skipped.
    grid, _ = dash_total(case, tmp_path)
    [ok] = import_files([write(grid, tmp_path / "total", "csv", case.sheet)], SHOP, db=db, user="t")
    assert ok.status == "unchanged" and ok.rows == first.rows, ok
    n = load_file(write(good, tmp_path / "good", "csv"), SHOP, case.platform).total_rows + 1
    assert f"{n} total rows skipped" in (ok.note or ""), ok.note
    assert dump_db(db) == tables


# A generic file read the fast typed way (plain numbers): two days, two platforms on the first.
GENERIC_HEAD = "date,platform,product_id,product_name,visitors,pageviews,units,gmv\n"
GENERIC_ROWS = (
    "2026-11-01,pdd,1,杯子,10,30,2,1000.00\n"
    "2026-11-01,pdd,2,壶,20,40,3,2000.00\n"
    "2026-11-01,jd,1,杯子,5,6,1,50.00\n"
    "2026-11-02,pdd,1,杯子,7,8,1,500.00\n"
)


def load_generic(tmp_path: Path, extra: str):
    """The generic file above with `extra` rows after it (its row 6 is the first of them)."""
    path = write_text(tmp_path / "generic.csv", GENERIC_HEAD + GENERIC_ROWS + extra)
    return load_file(path, SHOP)


@pytest.fixture
def builds(monkeypatch) -> list[bool]:
    """Whether each build of `parsed` was the typed read (True) or the careful one (False), in order."""
    import connectors.base as base

    seen: list[bool] = []
    real = base._build

    def spy(*args, typed=None, **kwargs):
        seen.append(bool(typed))
        return real(*args, typed=typed, **kwargs)

    monkeypatch.setattr(base, "_build", spy)
    return seen


@pytest.mark.parametrize(
    ("dash", "gmv"),
    [
        ("-", "3000.00"),
        ("--", "3000.00"),
        ("—", "3000.00"),
        (" - ", "3000.00"),
        ("-", "3002.99"),  # within 0.1 % of 3000 (3.00)
        ("-", "2997.01"),
    ],
)
def test_a_dash_total_within_the_tolerance_is_dropped_in_the_typed_read(tmp_path, builds, dash, gmv):
    """pdd's 2026-11-01 rows add up to 70 page views, 5 units and 3000.00 (visitors are not compared: 999); jd's row
    that day is another platform's and is not part of the sum."""
    parsed = load_generic(tmp_path, f"2026-11-01,pdd,{dash},,999,70,5,{gmv}\n")
    assert builds == [True]  # the typed read was kept: a dash key is not a bad cell
    assert parsed.rows.num_rows == 4 and parsed.total_rows == 1


@pytest.mark.parametrize(
    ("extra", "metric", "difference"),
    [
        ("2026-11-01,pdd,-,,30,70,5,3003.01\n", "gmv", "+3.01"),  # just over 0.1 %
        ("2026-11-01,pdd,-,,30,70,6,3000\n", "units", "+1"),  # a count: 0.01 absolute (0.1 % of 5 is less)
        ("2026-11-01,pdd,-,,30,70,5,3050.00\n", "gmv", "+50.00"),  # the sum of both platforms: jd is not pdd's
        ("2026-11-02,pdd,-,,30,70,5,3000.00\n", "pageviews", "+62"),  # 11-01's sums on 11-02
    ],
)
def test_a_dash_row_off_its_day_by_more_than_the_tolerance_is_refused(tmp_path, extra, metric, difference):
    with pytest.raises(ImportFileError) as info:
        load_generic(tmp_path, extra)
    error = info.value
    assert (error.code, error.row, error.column) == ("file.dash_key_not_total", 6, "product_id"), error.message
    assert (error.params["metric"], error.params["difference"]) == (metric, difference), error.message


def test_a_dash_row_without_a_date_is_a_total_of_the_whole_file_per_platform(tmp_path):
    parsed = load_generic(tmp_path, ",pdd,-,,1,78,6,3500\n,jd,—,,1,6,1,50\n")
    assert parsed.rows.num_rows == 4 and parsed.total_rows == 2
    with pytest.raises(ImportFileError) as info:  # not the whole file's: refused as a row without its date
        load_generic(tmp_path, ",pdd,-,,1,78,6,3550\n")
    assert (info.value.code, info.value.row, info.value.column) == ("file.empty_key", 6, "date")


def test_people_counts_are_not_compared_a_platform_total_counts_each_visitor_once(tmp_path):
    """Σ 商品访客数 ≥ the day's visitors (exports.md §0.8): a total row's visitors may be below the sum. Only
    amounts and counts of items and page views are compared (PRODUCT_DAILY.additive)."""
    from connectors.canonical import PRODUCT_DAILY

    assert {"visitors", "buyers", "cart_buyers"}.isdisjoint(PRODUCT_DAILY.additive)
    parsed = load_generic(tmp_path, "2026-11-01,pdd,-,,21,70,5,3000\n")  # 21 visitors, not 30
    assert parsed.rows.num_rows == 4 and parsed.total_rows == 1


def test_a_dash_row_with_no_number_that_can_be_checked_is_refused(tmp_path):
    with pytest.raises(ImportFileError) as info:
        load_generic(tmp_path, "2026-11-01,pdd,-,,30,,,\n")
    error = info.value
    assert (error.code, error.row, error.column) == ("file.dash_key_unverifiable", 6, "product_id"), error.message
    assert "pageviews, units, gmv" in error.message


def test_the_dash_messages_say_what_to_do_in_both_languages():
    from connectors.errors import CODES, Message
    from shopkr.app import i18n

    for lang, fill, delete in (("zh", "请填写 商品ID", "删除这一行"), ("en", "Fill in the 商品ID", "delete the row")):
        text = i18n.render(Message("file.dash_key_not_total", CODES["file.dash_key_not_total"]), lang)
        assert all(v in text for v in ("2026-11-01", "支付金额", "1,391.50", "1,291.50", "+100.00", "0.1")), text
        assert fill in text and delete in text, text
        text = i18n.render(Message("file.dash_key_unverifiable", CODES["file.dash_key_unverifiable"]), lang)
        assert fill in text and delete in text and "支付金额" in text, text
    assert i18n.render(Message("file.note.total_rows", {"n": 2}), "zh") == "跳过了 2 行合计行"
