"""Shared parsing for every export family, implemented once.

Container sniffing by magic bytes, CSV decoding (UTF-8 with or without BOM, else GB18030), header-row
search, header normalisation, and the cell rules ("1,391", "3.25%", "¥", "-" as NULL, IDs as exact text,
Chinese and Excel dates, total rows). Cell rules are DuckDB SQL macros so that a million-row CSV is cleaned
inside DuckDB's vectorised engine; Excel sheets are read with python-calamine and cleaned by the same macros.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import python_calamine

from connectors.errors import ImportFileError

Container = Literal["xls", "xlsx", "csv", "html", "empty"]

HEADER_SEARCH_ROWS = 30
# Cells that mark a total/summary row when they stand in the date or key column.
TOTAL_MARKERS = ("合计", "总计", "汇总", "全部", "整体", "总计:", "合计:")
# Cells that mean "no value". 生意参谋 also writes "-" for a zero; both load as NULL.
NULL_MARKERS = ("", "-", "--", "—", "——", "－", "N/A", "n/a", "null", "NULL", "None", "nan")


def sniff_container(data: bytes) -> Container:
    """Tell the container from the first bytes, not from the file name (an .xlsx named .csv still loads)."""
    head = data[:512]
    if not head.strip():
        return "empty"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<html", b"<table", b"<!doctype", b"<?xml", b"<meta")):
        return "html"
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (BOM stripped), else GB18030 (a superset of GBK). Returns (text, encoding)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ValueError("not UTF-8 or GBK/GB18030 text")


_SPACE = re.compile(r"\s+")


def normalize_header(value: object) -> str:
    """Header text as matched against the declared names: no BOM or whitespace, half-width brackets."""
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "")
    text = text.replace("（", "(").replace("）", ")").replace("【", "[").replace("】", "]")
    # ASCII case does not matter (Date, GMV, 商品ID and 商品id are the same header).
    return _SPACE.sub("", text).lower()


def cell_text(value: object) -> str | None:
    """Excel cell value as the text a person sees (integral floats without .0, dates as ISO)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


@dataclass
class RawTable:
    """One table found in a file: normalised headers, where the header is, and how to read the rows."""

    path: Path
    container: Container
    headers: list[str]
    header_row: int  # 1-based row number of the header as Excel shows it
    sheet: str | None = None
    rows: list[list[str | None]] | None = None  # Excel: data rows below the header
    csv_path: Path | None = None  # CSV: the UTF-8 file DuckDB reads (the import itself or a transcoded copy)
    encoding: str | None = None

    def excel_row(self, ordinal: int | None) -> int | None:
        """Row number as shown in Excel for the ordinal-th (1-based) data row (None when not numbered)."""
        if ordinal is None:
            return None
        if self.rows is not None or self.csv_path is None:
            return self.header_row + ordinal
        # DuckDB skips empty lines in CSV; count them back in (only on the error path, so re-reading is fine).
        lines = decode_text(self.csv_path.read_bytes())[0].splitlines()
        seen = 0
        for number in range(self.header_row, len(lines)):
            if lines[number].strip():
                seen += 1
                if seen == ordinal:
                    return number + 1
        return self.header_row + ordinal


def header_score(cells: list[str], known: set[str]) -> int:
    """How much a row looks like a header: known header names count most, then distinct non-empty cells."""
    names = [c for c in cells if c]
    hits = sum(1 for c in set(names) if c in known)
    if hits == 0:
        return 0
    return hits * 8 + len(set(names))


def find_header(rows: list[list[str]], known: set[str]) -> int | None:
    """Index of the header row among the first 30 rows, or None when no row has two known headers."""
    known = {normalize_header(k) for k in known}
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [normalize_header(c) for c in row]
        if sum(1 for c in set(cells) if c in known) < 2:
            continue
        score = header_score(cells, known)
        if score > best_score:
            best, best_score = i, score
    return best


def read_tables(path: Path, data: bytes, known: set[str], workdir: Path, *, on_disk: bool = False) -> list[RawTable]:
    """Every candidate table in a file (one per sheet for Excel), header located; errors name the file."""
    container = sniff_container(data)
    if container == "empty":
        raise ImportFileError(path, "the file is empty (0 rows). Download the export again.")
    if container == "html":
        raise ImportFileError(
            path, "the file is an HTML page, not an export. Open it in Excel and save it as .xlsx, then import that."
        )
    if container == "csv":
        return [_read_csv_table(path, data, known, workdir, on_disk=on_disk)]
    return _read_excel_tables(path, data, container, known)


def _read_excel_tables(path: Path, data: bytes, container: Container, known: set[str]) -> list[RawTable]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several types for truncated or corrupt files
        kind = "Excel 97-2003 (.xls)" if container == "xls" else "Excel (.xlsx)"
        raise ImportFileError(
            path, f"the {kind} file is damaged or incomplete ({exc}). Download it again from the platform."
        ) from None
    tables: list[RawTable] = []
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)
            values = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise ImportFileError(path, f"sheet {name!r} cannot be read ({exc}). Download the file again.") from None
        rows = [[cell_text(v) for v in row] for row in values]
        index = find_header([[c or "" for c in r] for r in rows], known)
        if index is None:
            continue
        headers = [normalize_header(c) for c in rows[index]]
        tables.append(
            RawTable(
                path=path,
                container=container,
                headers=headers,
                header_row=index + 1,
                sheet=name,
                rows=rows[index + 1 :],
            )
        )
    if not tables:
        first: list[str] = []
        for name in workbook.sheet_names:
            values = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            if first := _first_row([[cell_text(v) for v in row] for row in values]):
                break
        raise NoHeader(path, first)
    return tables


def _read_csv_table(path: Path, data: bytes, known: set[str], workdir: Path, *, on_disk: bool) -> RawTable:
    try:
        text, encoding = decode_text(data)
    except ValueError:
        raise ImportFileError(
            path, "the text is neither UTF-8 nor GBK/GB18030. Save it from Excel as 'CSV UTF-8' or as .xlsx."
        ) from None
    if "\x00" in text[:4096]:
        raise ImportFileError(path, "the file is binary, not CSV text, and not an Excel file either.")
    head_rows = list(csv.reader(text[:200_000].splitlines()[:HEADER_SEARCH_ROWS]))
    index = find_header(head_rows, known)
    if index is None:
        raise NoHeader(path, _first_row(head_rows))
    headers = [normalize_header(c) for c in head_rows[index]]
    csv_path = path
    if encoding != "utf-8-sig" or not on_disk:
        # DuckDB reads UTF-8 only: GBK/GB18030 exports are transcoded into the work directory, and bytes that
        # did not come from `path` itself (an upload) are written there too.
        csv_path = workdir / "transcoded.csv"
        csv_path.write_text(text, encoding="utf-8")
    return RawTable(
        path=path, container="csv", headers=headers, header_row=index + 1, csv_path=csv_path, encoding=encoding
    )


class NoHeader(Exception):
    """No row among the first 30 has two known headers; carries the first non-empty row for the message."""

    def __init__(self, path: Path, first_row: list[str]) -> None:
        super().__init__(str(path))
        self.path = path
        self.first_row = first_row


def _first_row(rows: list[list[str | None]]) -> list[str]:
    for row in rows[:HEADER_SEARCH_ROWS]:
        cells = [normalize_header(c) for c in row if c is not None and str(c).strip()]
        if cells:
            return cells
    return []


def _no_header_error(path: Path, where: str) -> ImportFileError:
    return ImportFileError(
        path,
        f"no header row found in {where}: this is not an export ShopKR knows. "
        "Supported: 生意参谋 店铺整体/商品, 抖店罗盘 成交概览/商品列表, 千川 素材, 万相台 创意, "
        "or a CSV/xlsx whose headers are ShopKR column names (date, gmv, visitors, ...).",
    )


# --- cell rules as SQL macros ------------------------------------------------------------------------

_NULLS_SQL = ", ".join("'" + m.replace("'", "''") + "'" for m in NULL_MARKERS)
_TOTALS_SQL = ", ".join("'" + m + "'" for m in TOTAL_MARKERS)

MACROS = f"""
CREATE OR REPLACE TEMP MACRO skr_clean(s) AS regexp_replace(s, '^[\\s\\x{{3000}}]+|[\\s\\x{{3000}}]+$', '', 'g');
-- Markers are short; the length test keeps the regex off ordinary cells (dates, IDs, amounts).
CREATE OR REPLACE TEMP MACRO skr_blank(s) AS s IS NULL OR (length(s) <= 8 AND skr_clean(s) IN ({_NULLS_SQL}));
CREATE OR REPLACE TEMP MACRO skr_total(s) AS length(s) <= 8 AND skr_clean(s) IN ({_TOTALS_SQL});
-- Fast path strips only thousands separators; cells with ¥/元/spaces take the full rule.
CREATE OR REPLACE TEMP MACRO skr_num(s) AS coalesce(TRY_CAST(replace(s, ',', '') AS DOUBLE),
    TRY_CAST(regexp_replace(s, '[,，¥￥元\\s\\x{{3000}}]', '', 'g') AS DOUBLE));
CREATE OR REPLACE TEMP MACRO skr_id(s) AS CASE
    WHEN regexp_full_match(s, '[0-9]+') THEN s
    WHEN skr_blank(s) THEN NULL
    WHEN regexp_matches(skr_clean(s), '^[0-9]+(\\.[0-9]+)?[eE]\\+?[0-9]+$') THEN NULL
    ELSE regexp_replace(regexp_replace(skr_clean(s), '^[=''"]+|"+$', '', 'g'), '^([0-9]+)\\.0+$', '\\1') END;
CREATE OR REPLACE TEMP MACRO skr_text(s) AS CASE WHEN skr_blank(s) THEN NULL ELSE skr_clean(s) END;
CREATE OR REPLACE TEMP MACRO skr_ymd(s, i) AS
    CAST(regexp_extract(skr_clean(s), '^([0-9]{{4}})[-/.年]([0-9]{{1,2}})[-/.月]([0-9]{{1,2}})', i) AS INTEGER);
CREATE OR REPLACE TEMP MACRO skr_date(s) AS coalesce(TRY_CAST(s AS DATE), CASE
    WHEN skr_blank(s) OR skr_clean(s) LIKE '%至%' OR skr_clean(s) LIKE '%~%' THEN NULL
    WHEN regexp_matches(skr_clean(s), '^[0-9]{{4}}[-/.年][0-9]{{1,2}}[-/.月][0-9]{{1,2}}日?([ T].*)?$')
        THEN TRY(make_date(skr_ymd(s, 1), skr_ymd(s, 2), skr_ymd(s, 3)))
    WHEN regexp_full_match(skr_clean(s), '[0-9]{{8}}')
        THEN TRY(make_date(CAST(substr(skr_clean(s), 1, 4) AS INTEGER), CAST(substr(skr_clean(s), 5, 2) AS INTEGER),
                           CAST(substr(skr_clean(s), 7, 2) AS INTEGER)))
    WHEN regexp_full_match(skr_clean(s), '[0-9]{{5}}(\\.[0-9]+)?')
        THEN CAST(DATE '1899-12-30' + CAST(floor(CAST(skr_clean(s) AS DOUBLE)) AS INTEGER) AS DATE)
    END);
"""

# What a person is told a cell should have looked like, per canonical column kind.
EXPECTED = {
    "date": "a date such as 2026-11-07, 2026/11/7, 20261107 or an Excel date (one day per row, not a period)",
    "int": "a whole number such as 1,391 (or - for none)",
    "money": "an amount in yuan such as 1,391.50 (or - for none)",
    "id": "an ID kept as text; a value like 7.6E+18 means Excel rounded it: re-export or format the column as text",
    "text": "text",
    "platform": "a platform name",
}

# Each kind is parsed in two layers so that no cell is cleaned twice: `inner` reads the raw text `{c}`,
# `outer` finishes the inner value `{v}` (whole numbers for counts; NaN/inf never pass as numbers; money in
# fen is divided by 100, which is exact where multiplying by 0.01 is not).
PARSE_SQL: dict[str, tuple[str, str]] = {
    "date": ("skr_date({c})", "{v}"),
    "int": ("skr_num({c})", "CASE WHEN isfinite({v}) AND {v} = trunc({v}) THEN TRY_CAST({v} AS BIGINT) END"),
    "money": ("skr_num({c})", "CASE WHEN isfinite({v}) THEN {v} / {divisor} END"),
    "id": ("skr_id({c})", "{v}"),
    "text": ("skr_text({c})", "{v}"),
}


def new_parser_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the cell macros, used to clean raw tables (no lock on the database file)."""
    con = duckdb.connect(":memory:", config={"threads": 2, "autoload_known_extensions": False})
    con.execute("SET enable_progress_bar = false")
    con.execute(MACROS)
    return con


def register_raw(
    con: duckdb.DuckDBPyConnection, table: RawTable, name: str = "raw", *, numbered: bool = True
) -> list[str]:
    """Expose the data rows of `table` as view `name` with VARCHAR columns c0..cN and `_ord`, the 1-based
    data-row number when `numbered` (numbering reads the file on one thread), else NULL."""
    ordinal = "row_number() OVER ()" if numbered else "CAST(NULL AS BIGINT)"
    width = len(table.headers)
    names = [f"c{i}" for i in range(width)]
    if table.rows is not None:
        columns = {n: [] for n in names}
        for row in table.rows:
            for i, n in enumerate(names):
                columns[n].append(row[i] if i < len(row) else None)
        arrow = pa.table({n: pa.array(v, type=pa.string()) for n, v in columns.items()})
        con.register(f"{name}_arrow", arrow)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT *, {ordinal} AS _ord FROM {name}_arrow")
        return names
    assert table.csv_path is not None
    spec = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
    # A view cannot take bound parameters; the path is ours (the import file or our transcoded copy).
    literal = "'" + str(table.csv_path).replace("'", "''") + "'"
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW {name} AS
        SELECT *, {ordinal} AS _ord FROM read_csv({literal}, header = false, skip = {int(table.header_row)},
            delim = ',', quote = '"', escape = '"', columns = {{{spec}}}, auto_detect = false,
            null_padding = true, strict_mode = false)"""
    )
    return names
