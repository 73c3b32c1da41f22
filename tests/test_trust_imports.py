"""Issue 8, imports: every field case loads exactly or is refused with a reason, and nothing is written for a
refused file. One section per kind; every input is made here, small.

Kinds: 1 CSV dialects, 2 truncated downloads, 3 header search counts lines like the reader, 4 Excel size
guards, 5 cell values, 6 exports pasted together, 7 generic files with several platforms, 8 hints.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import struct
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt
from conftest import ROOT, dump_all, dump_table, duplicate_keys

from connectors import ImportFileError, load_file
from shopkr.data import store
from shopkr.data.importer import import_files

SHOP = "测试店"
D1, D2, D3 = dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 3)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write text exactly (no newline translation)."""
    path.write_bytes(text.encode(encoding))
    return path


def rows(parsed, *columns: str) -> list[tuple]:
    """Selected columns of the parsed rows, sorted."""
    return sorted(tuple(r[c] for c in columns) for r in parsed.rows.to_pylist())


def refused(path: Path, platform: str | None = None) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        load_file(path, SHOP, platform)
    return info.value


@pytest.fixture
def seeded_db(tmp_path: Path) -> Path:
    """A database holding one good shop-daily import, to compare before and after a refused file."""
    db = tmp_path / "seed.duckdb"
    good = write(tmp_path / "good.csv", "统计日期,访客数,支付金额\n2026-10-01,10,100\n")
    assert [r.status for r in import_files([good], SHOP, db=db)] == ["ok"]
    return db


def assert_refused_in_store(db: Path, path: Path, *words: str) -> str:
    """Import `path` into `db`: it fails, says `words`, and the canonical tables are exactly as before."""
    before = dump_all(db)
    [result] = import_files([path], SHOP, db=db)
    assert result.status == "failed", result
    for word in words:
        assert word in result.error, (word, result.error)
    assert dump_all(db) == before
    return result.error


# --- 1. CSV dialects -----------------------------------------------------------------------------------------

NAME = "保温杯主图B\n双11版"
QUOTED_BREAK = {
    # source: (file text, platform, expected (date, id, name) or None, the name column)
    "generic": (
        'date,creative_id,creative_name,impressions,clicks\n2026-11-01,1,"保温杯主图B\n双11版",100,5\n'
        "2026-11-01,2,短行,50\n",
        "pdd",
        "creative_name",
    ),
    "qianchuan_creatives": (
        '日期,素材ID,素材名称,整体展示次数,整体点击次数,整体消耗\n2026-11-01,7600000000000000001,"保温杯主图B\n双11版",'
        "3019,66,90.57\n2026-11-01,7600000000000000002,另一个,10,1,1\n",
        None,
        "creative_name",
    ),
    "wanxiang_creatives": (
        '日期,创意ID,创意名称,展现量,点击量,花费\n2026-11-01,880000,"保温杯主图B\n双11版",5166,150,90\n'
        "2026-11-01,880001,主图2,10,1,1\n",
        None,
        "creative_name",
    ),
    "sycm_products": (
        '统计日期,商品ID,商品名称,商品访客数,支付金额\n2026-11-01,712345678901,"保温杯主图B\n双11版",1391,4230\n'
        "2026-11-01,712345678902,白茶饼,260\n",
        None,
        "product_name",
    ),
    "sycm_shop": (  # no text column: the line break sits in a 备注 column ShopKR does not read
        '统计日期,访客数,支付金额,备注\n2026-11-01,9606,123.5,"保温杯主图B\n双11版"\n2026-11-02,9,5\n',
        None,
        None,
    ),
}


@pytest.mark.parametrize("source", list(QUOTED_BREAK))
def test_a_quoted_line_break_loads_with_the_text_intact(tmp_path, source):
    text, platform, name_column = QUOTED_BREAK[source]
    parsed = load_file(write(tmp_path / f"{source}.csv", text), SHOP, platform)
    assert parsed.source == source
    assert parsed.rows.num_rows == 2
    if name_column:
        assert NAME in [r[name_column] for r in parsed.rows.to_pylist()]


def test_a_quoted_line_break_in_a_gbk_file_with_crlf_loads(tmp_path):
    text = (
        '统计日期,商品ID,商品名称,商品访客数,支付金额\r\n2026-11-01,1,"保温杯\r\n双11版",5,6\r\n2026-11-01,2,b,7,8\r\n'
    )
    parsed = load_file(write(tmp_path / "gbk.csv", text, "gbk"), SHOP)
    assert rows(parsed, "product_id", "product_name") == [("1", "保温杯\r\n双11版"), ("2", "b")]


TSV = "统计日期\t访客数\t支付金额\r\n2026-11-01\t9606\t123.5\r\n2026-11-02\t1\t2\r\n"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("unicode_le.txt", b"\xff\xfe" + TSV.encode("utf-16-le")),
        ("unicode_be.csv", b"\xfe\xff" + TSV.encode("utf-16-be")),
        ("unicode_no_bom.csv", TSV.encode("utf-16-le")),
        ("tab_gbk.xls", TSV.encode("gbk")),
        ("tab_utf8.csv", TSV.encode("utf-8")),
    ],
)
def test_utf16_and_tab_separated_text_load(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    parsed = load_file(path, SHOP)
    assert parsed.source == "sycm_shop"
    assert rows(parsed, "date", "visitors", "gmv") == [(D1, 9606, 123.5), (D2, 1, 2.0)]


@pytest.mark.parametrize(
    ("text", "encoding", "row"),
    [
        # a cell spanning three lines is one row in Excel; the empty line is a row too
        (
            'date,creative_id,creative_name,impressions\n2026-11-01,1,"a\nb\nc",100\n\n2026-11-01,2,x,abc\n',
            "utf-8",
            4,
        ),
        ("统计日期\t访客数\t支付金额\r\n\r\n2026-11-01\t9606\t123.5\r\n2026-11-02\tabc\t2\r\n", "utf-16", 4),
        ('说明\n"第一行\n第二行"\n统计日期,访客数,支付金额\n2026-11-01,abc,1\n', "utf-8", 4),
    ],
)
def test_error_rows_are_the_rows_excel_shows(tmp_path, text, encoding, row):
    err = refused(write(tmp_path / "bad.csv", text, encoding), "pdd")
    assert err.row == row, err.message
    assert err.value == "abc"


# --- 2. truncated downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        "2026-11-02,9",  # the last line lost its last cells and its line ending
        '2026-11-02,"9,606',  # an open quote
        '2026-11-02,9606,"12',
    ],
)
def test_a_download_cut_off_mid_row_is_refused(tmp_path, seeded_db, tail):
    path = write(tmp_path / "cut.csv", f"统计日期,访客数,支付金额\n2026-11-01,9606,123.5\n{tail}")
    err = refused(path)
    assert "looks cut off at row 3" in err.message and "download it again" in err.message.lower()
    assert_refused_in_store(seeded_db, path, "cut off at row 3")


def test_a_cut_in_a_quoted_multiline_cell_names_its_row(tmp_path):
    text = 'date,creative_id,creative_name,impressions\n2026-11-01,1,"a\nb",100\n2026-11-01,2,"cut here\nand'
    assert "cut off at row 3" in refused(write(tmp_path / "cut.csv", text), "pdd").message


@pytest.mark.parametrize(
    "text",
    [
        "统计日期,访客数,支付金额\n2026-11-01,9606,123.5\n2026-11-02,9,5",  # complete, no final line ending
        '统计日期,访客数,支付金额\n2026-11-01,"9,606","1,23.5"\n2026-11-02,9,"5"',
        "统计日期,访客数,支付金额,备注\n2026-11-01,9606,123.5\n2026-11-02,9,5",  # every row trims its empty cells
    ],
)
def test_a_complete_file_without_a_final_line_ending_loads(tmp_path, text):
    parsed = load_file(write(tmp_path / "ok.csv", text), SHOP)
    assert rows(parsed, "date", "visitors")[-1] == (D2, 9)


# --- 3. the header search counts lines like the reader -----------------------------------------------------


@pytest.mark.parametrize("char", ["\x0c", "\u2028", "\x1c", "\x1d", "\x85", "\u2029", "\x0b"])
def test_an_odd_line_break_character_in_a_title_does_not_drop_a_row(tmp_path, char):
    text = (
        f"生意参谋{char}店铺整体 2026-11-01~2026-11-02\n\n"
        "统计日期,访客数,支付金额\n2026-11-01,9606,123.5\n2026-11-02,1,2\n"
    )
    parsed = load_file(write(tmp_path / "title.csv", text), SHOP)
    assert rows(parsed, "date", "visitors") == [(D1, 9606), (D2, 1)]
    bad = text.replace("2026-11-02,1,2", "2026-11-02,x,2")
    assert refused(write(tmp_path / "bad.csv", bad)).row == 5


# --- 4. Excel size guards ------------------------------------------------------------------------------------


def _xlsx(path: Path, patch=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统计日期", "访客数", "支付金额"])
    ws.append(["2026-11-01", 9606, 123.5])
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and patch:
                data = patch(data.decode()).encode()
            zout.writestr(item, data)
    plain.unlink()
    return path


def _stray(ref: str, value: str = "x"):
    row = "".join(ch for ch in ref if ch.isdigit())
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c></row>'
    return lambda xml: xml.replace("</sheetData>", cell + "</sheetData>")


def _dimension(ref: str):
    import re

    return lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', xml)


def _wide_xls(path: Path, column: int, rows: int = 400) -> Path:
    """A .xls whose last row has a number in `column` (patched into the BIFF record: xlwt stops at 255)."""
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Sheet1")
    for j, h in enumerate(["统计日期", "访客数", "支付金额"]):
        ws.write(0, j, h)
    ws.write(1, 0, "2026-11-01")
    ws.write(1, 1, 9606)
    ws.write(1, 2, 123.5)
    ws.write(rows - 1, 200, 31415.926)
    wb.save(str(path))
    data = bytearray(path.read_bytes())
    record = struct.pack("<HHHH", 0x0203, 14, rows - 1, 200)
    at = data.find(record)
    assert at > 0
    struct.pack_into("<H", data, at + 6, column)
    dim = data.find(struct.pack("<HH", 0x0200, 14))
    struct.pack_into("<H", data, dim + 14, column + 1)
    path.write_bytes(bytes(data))
    return path


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("stray_far.xlsx", lambda p: _xlsx(p, _stray("XFD1048576")), ["XFD1048576", "Ctrl+End"]),
        ("stray_empty_text.xlsx", lambda p: _xlsx(p, _stray("XFD1048576", "")), ["XFD1048576"]),
        ("wide_64000.xls", lambda p: _wide_xls(p, 64000), ["64,001 columns", "CPQO400"]),
    ],
)
def test_a_workbook_reaching_far_outside_its_table_is_refused_with_bounded_memory(
    tmp_path, seeded_db, name, make, words
):
    path = make(tmp_path / name)
    assert path.stat().st_size < 20_000
    before = _maxrss_mb()
    start = time.monotonic()
    err = refused(path)
    assert time.monotonic() - start < 60
    for word in words:
        assert word in err.message, err.message
    assert _maxrss_mb() - before < 1024  # the grid was never allocated in this process
    assert_refused_in_store(seeded_db, path, words[0])


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("dimension_only.xlsx", lambda p: _xlsx(p, _dimension("A1:XFD1048576"))),
        ("far_empty_text_in_reach.xlsx", lambda p: _xlsx(p, _stray("AZZ3000", ""))),
        ("far_blank_value_in_reach.xlsx", lambda p: _xlsx(p, _stray("ZZ30000", "x"))),
        ("dimension_only.xls", lambda p: _wide_xls(p, 200)),
    ],
)
def test_an_empty_grid_around_the_table_is_ignored(tmp_path, name, make):
    parsed = load_file(make(tmp_path / name), SHOP)
    assert rows(parsed, "date", "visitors", "gmv") == [(D1, 9606, 123.5)]


def test_the_other_files_of_the_run_still_load(tmp_path):
    db = tmp_path / "run.duckdb"
    far = _xlsx(tmp_path / "far.xlsx", _stray("XFD1048576"))
    good = write(tmp_path / "good.csv", "统计日期,访客数,支付金额\n2026-11-02,1,2\n")
    wide = _wide_xls(tmp_path / "wide.xls", 64000)
    results = import_files([far, good, wide], SHOP, db=db)
    assert [r.status for r in results] == ["failed", "ok", "failed"]
    assert [(r["date"], r["visitors"]) for r in dump_table(db, "shop_daily")] == [(D2, 1)]


# --- 5. cell values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["infinity", "-infinity", "epoch", "10000", "1999-12-31", "2101-01-01", "99999"])
def test_a_date_outside_2000_to_2100_is_a_bad_cell(tmp_path, cell):
    err = refused(write(tmp_path / "d.csv", f"统计日期,访客数,支付金额\n2026-11-01,1,2\n{cell},9606,123.5\n"))
    assert (err.row, err.column, err.value) == (3, "统计日期", cell)
    assert "2000-01-01" in err.message


def test_an_infinite_date_fails_its_file_not_the_run(tmp_path):
    db = tmp_path / "run.duckdb"
    bad = write(tmp_path / "a_bad.csv", "统计日期,访客数,支付金额\ninfinity,1,2\n")
    good = write(tmp_path / "b_good.csv", "统计日期,访客数,支付金额\n2026-11-02,1,2\n")
    results = import_files([bad, good], SHOP, db=db)
    assert [r.status for r in results] == ["failed", "ok"]
    assert "row 2, column 统计日期" in results[0].error


@pytest.mark.parametrize("column", ["visitors", "buyers", "orders", "impressions", "clicks", "units"])
def test_a_negative_count_is_refused(tmp_path, column):
    err = refused(write(tmp_path / "n.csv", f"date,gmv,{column}\n2026-11-01,5,3\n2026-11-02,5,-1\n"), "pdd")
    assert (err.row, err.column, err.value) == (3, column, "-1")
    assert "negative" in err.message


def test_a_negative_amount_is_still_an_amount(tmp_path):
    parsed = load_file(write(tmp_path / "m.csv", "date,gmv,refund_amount\n2026-11-01,5,-1.5\n"), SHOP, "pdd")
    assert rows(parsed, "gmv", "refund_amount") == [(5.0, -1.5)]


@pytest.mark.parametrize(
    ("header", "body"),
    [
        ("date,gmv,visitors,gmv", "2026-11-01,5,1,5\n2026-11-02,5,1,6\n"),
        ("date,GMV,visitors,gmv", "2026-11-01,5,1,5\n2026-11-02,5,1,6\n"),
        ("统计日期,访客数,支付金额,支付金额", "2026-11-01,1,5,5\n2026-11-02,1,5,6\n"),
    ],
)
def test_duplicate_headers_with_different_values_are_refused_naming_both(tmp_path, header, body):
    err = refused(write(tmp_path / "dup.csv", f"{header}\n{body}"), "pdd")
    assert "columns B and D" in err.message or "columns C and D" in err.message, err.message
    assert err.row == 3


def test_duplicate_headers_with_the_same_values_load(tmp_path):
    parsed = load_file(write(tmp_path / "dup.csv", "date,gmv,gmv\n2026-11-01,5,5\n"), SHOP, "pdd")
    assert rows(parsed, "gmv") == [(5.0,)]


@pytest.mark.parametrize("where", ["head", "data"])
def test_a_cell_over_128_kb_gets_a_plain_message(tmp_path, where):
    big = "x" * 200_000
    filler = "".join(f"2026-10-{d:02d},{d},n,1\n" for d in range(1, 31)) if where == "data" else ""
    text = f'date,creative_id,creative_name,impressions\n{filler}2026-11-01,99,"{big}",5\n'
    err = refused(write(tmp_path / "big.csv", text), "pdd")
    assert "131,072 characters" in err.message
    assert len(err.message) < 600
    assert err.row == (32 if where == "data" else 2)


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(import_files([fifo], SHOP, db=tmp_path / "f.duckdb")))
    worker.daemon = True
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():  # unblock the reader so the test process can end, then fail
        with open(fifo, "w"):
            pass
        pytest.fail("importing a FIFO blocked")
    [[result]] = outcome
    assert result.status == "failed" and "not a regular file" in result.error


def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path):
    err = refused(write(tmp_path / "shift.csv", "统计日期,访客数,支付金额\n2026-11-01,1,391,123.5\n"))
    assert err.row == 2 and "unquoted comma" in err.message


def test_trailing_empty_cells_past_the_header_are_fine(tmp_path):
    parsed = load_file(write(tmp_path / "t.csv", "统计日期,访客数,支付金额\n2026-11-01,1,123.5,,\n"), SHOP)
    assert rows(parsed, "visitors", "gmv") == [(1, 123.5)]


# --- 6. exports pasted together ------------------------------------------------------------------------------

PRODUCT_HEADER = ["统计日期", "商品ID", "商品名称", "商品访客数", "商品浏览量", "支付买家数", "支付件数", "支付金额"]


def _pasted_xlsx(path: Path, repeats: tuple[int, ...]) -> Path:
    """A 生意参谋 商品-style sheet (title rows, header on row 5) with the header repeated at `repeats`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["【生意参谋平台】商品_全部"])
    ws.append(["统计时间 2026-11-01"])
    ws.append([])
    ws.append([])
    ws.append(PRODUCT_HEADER)
    day = 0
    while ws.max_row < max(repeats) + 10:
        if ws.max_row + 1 in repeats:
            ws.append(PRODUCT_HEADER)
            day += 1
            continue
        n = ws.max_row
        ws.append([f"2026-11-{day + 1:02d}", f"7123456{n:05d}", f"商品{n}", 10, 20, 1, 1, 99.5])
    wb.save(path)
    return path


def test_repeated_header_rows_are_skipped_and_counted(tmp_path):
    path = _pasted_xlsx(tmp_path / "pasted.xlsx", (85, 172, 253))
    parsed = load_file(path, SHOP)
    assert parsed.repeated_headers == 3
    assert "3 repeated header rows skipped" in parsed.notes
    assert {r["date"] for r in parsed.rows.to_pylist()} == {D1, D2, D3, dt.date(2026, 11, 4)}
    assert parsed.rows.num_rows == (263 - 5) - 3  # rows 6..263 of the sheet, less the 3 repeated headers
    [result] = import_files([path], SHOP, db=tmp_path / "p.duckdb")
    assert result.status == "ok" and "3 repeated header rows skipped" in result.note


def test_the_cli_line_says_how_many_header_rows_were_skipped(tmp_path):
    path = _pasted_xlsx(tmp_path / "pasted.xlsx", (20,))
    proc = subprocess.run(
        [sys.executable, "-m", "shopkr", "import", str(path), "--shop", SHOP, "--db", str(tmp_path / "c.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 repeated header rows skipped" in proc.stdout


def test_a_bad_cell_after_a_repeated_header_has_its_excel_row(tmp_path):
    text = "统计日期,访客数,支付金额\n2026-11-01,1,2\n统计日期,访客数,支付金额\n2026-11-02,x,2\n"
    assert refused(write(tmp_path / "p.csv", text)).row == 4


# --- 7. generic files with several platforms -----------------------------------------------------------------


def test_reimporting_a_corrected_multi_platform_file_leaves_no_duplicates(tmp_path):
    db = tmp_path / "multi.duckdb"
    header = "date,platform,product_id,visitors,gmv\n"
    first = write(tmp_path / "a.csv", header + "2026-11-01,jd,J1,10,100\n2026-11-01,pdd,P1,20,200\n")
    corrected = write(tmp_path / "b.csv", header + "2026-11-01,jd,J1,10,100\n2026-11-01,pdd,P1,25,250\n")
    assert [r.status for r in import_files([first], SHOP, db=db)] == ["ok"]
    [result] = import_files([corrected], SHOP, db=db)
    assert (result.status, result.new, result.replaced, result.unchanged) == ("ok", 0, 1, 1)
    assert duplicate_keys(db) == {"shop_daily": [], "product_daily": [], "creative_daily": []}
    got = {(r["platform"], r["product_id"]): r["gmv"] for r in dump_table(db, "product_daily")}
    assert got == {("jd", "J1"): 100.0, ("pdd", "P1"): 250.0}
    with store.connect(db) as con:
        logged = store.run(
            con, "SELECT file_name, platform, rows_total, rows_new, rows_replaced FROM import_log ORDER BY id"
        )
    assert logged == [
        ("a.csv", "jd", 1, 1, 0),
        ("a.csv", "pdd", 1, 1, 0),
        ("b.csv", "jd", 1, 0, 0),
        ("b.csv", "pdd", 1, 0, 1),
    ]
    assert len(result.import_ids) == 2


def test_a_second_platform_first_seen_in_a_later_file_is_new_not_merged(tmp_path):
    db = tmp_path / "multi.duckdb"
    header = "date,platform,visitors,gmv\n"
    import_files([write(tmp_path / "a.csv", header + "2026-11-01,pdd,1,1\n")], SHOP, db=db)
    [result] = import_files(
        [write(tmp_path / "b.csv", header + "2026-11-01,jd,2,2\n2026-11-01,pdd,1,1\n")], SHOP, db=db
    )
    assert (result.new, result.replaced, result.unchanged) == (1, 0, 1)
    assert sorted((r["platform"], r["gmv"]) for r in dump_table(db, "shop_daily")) == [("jd", 2.0), ("pdd", 1.0)]


# --- 8. hints a person can act on ----------------------------------------------------------------------------


def test_a_qianchuan_period_summary_asks_for_the_per_day_report(tmp_path):
    err = refused(write(tmp_path / "qc.csv", "素材ID,素材名称,整体展示次数,整体点击次数,整体消耗\n1,a,100,5,9\n"))
    assert "分日" in err.message and "日期" in err.message


def test_sycm_qushu_ad_spend_is_the_sum_of_the_promotion_tools(tmp_path):
    text = (
        "统计日期,访客数,支付金额,全站推广花费,关键词推广花费,精准人群推广花费\n"
        '2026-11-01,9606,123.5,10,-,2.5\n2026-11-02,1,2,-,-,-\n2026-11-03,1,2,"1,000.25",0,0\n'
    )
    parsed = load_file(write(tmp_path / "取数.csv", text), SHOP)
    assert rows(parsed, "date", "ad_spend") == [(D1, 12.5), (D2, None), (D3, 1000.25)]


def test_a_bad_cell_in_one_promotion_tool_names_that_column(tmp_path):
    text = "统计日期,访客数,支付金额,全站推广花费,关键词推广花费\n2026-11-01,1,2,10,abc\n"
    err = refused(write(tmp_path / "取数.csv", text))
    assert (err.row, err.column, err.value) == (2, "关键词推广花费", "abc")


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("【生意参谋平台】店铺整体_2026-04-20~2026-04-20.csv", dt.date(2026, 4, 20)),
        ("【生意参谋平台】商品_全部_2026-11-14_2026-11-14.csv", dt.date(2026, 11, 14)),
        ("【生意参谋平台】商品_全部_2026-11-14_2026-11-14 (1).csv", dt.date(2026, 11, 14)),
    ],
)
def test_a_one_day_sycm_download_without_a_date_column_takes_the_day_from_its_name(tmp_path, name, day):
    body = (
        "商品ID,商品名称,商品访客数,支付金额\n1,a,5,6\n2,b,7,8\n" if "商品" in name else "访客数,支付金额\n9606,123.5\n"
    )
    parsed = load_file(write(tmp_path / name, body), SHOP)
    assert {r["date"] for r in parsed.rows.to_pylist()} == {day}
    assert any("taken from the file name" in note for note in parsed.notes)
    [result] = import_files([tmp_path / name], SHOP, db=tmp_path / "n.duckdb")
    assert "taken from the file name" in result.note


@pytest.mark.parametrize("name", ["【生意参谋平台】商品_全部_2026-11-01_2026-11-07.csv", "商品_全部.csv", "导出.csv"])
def test_a_sycm_download_without_a_date_column_and_without_a_single_day_name_is_refused(tmp_path, name):
    err = refused(write(tmp_path / name, "商品ID,商品名称,商品访客数,支付金额\n1,a,5,6\n"))
    assert "统计日期" in err.message and "summary" in err.message
