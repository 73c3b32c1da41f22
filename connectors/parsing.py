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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from connectors import excel
from connectors.errors import ImportFileError, Message

Container = Literal["xls", "xlsx", "csv", "html", "empty"]

HEADER_SEARCH_ROWS = 30
# Cells that mark a total/summary row when they stand in the date or key column.
TOTAL_MARKERS = ("合计", "总计", "汇总", "全部", "整体", "总计:", "合计:")
# Cells that mean "no value". 生意参谋 also writes "-" for a zero; both load as NULL.
NULL_MARKERS = ("", "-", "--", "—", "——", "－", "N/A", "n/a", "null", "NULL", "None", "nan")
# The dashes among them. In a key column (商品ID, 素材ID, ...) a dash may mark a summary row (拼多多 商品推广, 万相台
# 计划ID, 生意参谋 商品: shared/reference/exports.md §0.3) or stand for a real row whose ID is missing; such a row is
# taken as a total only when it adds up (connectors.base `_drop_dash_totals`).
DASH_MARKERS = ("-", "--", "—", "——", "－")


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


def _utf16_without_bom(data: bytes) -> str | None:
    """utf-16-le/-be when NUL bytes stand in every other position of the first kilobyte (ASCII text in UTF-16)."""
    head = data[:1024]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > len(head) // 4 and even == 0:
        return "utf-16-le"
    if even > len(head) // 4 and odd == 0:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode export text: UTF-16 with a BOM (Excel's "Unicode text"), UTF-8 (BOM stripped), else GB18030
    (a superset of GBK). Returns (text, encoding); raises ValueError when none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    elif guess := _utf16_without_bom(data):
        encodings = (guess,)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ValueError("not UTF-8, UTF-16 or GBK/GB18030 text")


_SPACE = re.compile(r"\s+")


def normalize_header(value: object) -> str:
    """Header text as matched against the declared names: no BOM or whitespace, half-width brackets."""
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "")
    text = text.replace("（", "(").replace("）", ")").replace("【", "[").replace("】", "]")
    # ASCII case does not matter (Date, GMV, 商品ID and 商品id are the same header).
    return _SPACE.sub("", text).lower()


cell_text = excel.cell_text

# --- CSV text: records, counted the way DuckDB and Excel count them ------------------------------------------

# Delimiters tried when looking for the header: comma (CSV), tab (Excel's "Unicode text", tab files saved
# with an .xls or .csv name), semicolon (European Excel).
DELIMITERS = (",", "\t", ";")
QUOTE = '"'
# The header is looked for in this much text at the start of a file.
HEAD_CHARS = 1_000_000
# No export has longer cells (a product name is at most a few hundred characters): a longer cell means a
# damaged file or not an export. Enforced by ShopKR itself; Python's own csv limit (the same 131,072 by
# default) is lifted so that row numbers can still be counted in such a file.
MAX_CELL_CHARS = 131_072
csv.field_size_limit(2**31 - 1)
EXTRA_COLUMNS = 4


@dataclass(frozen=True)
class Record:
    """One CSV record: its cells and where it lies in the text (a quoted cell may span several lines)."""

    index: int  # 0-based; index + 1 is the row number Excel shows
    start: int  # character offset of its first character
    end: int  # character offset just after its line ending
    cells: list[str]


def iter_records(text: str, delimiter: str) -> Iterator[Record]:
    """CSV records of `text` in order. Lines end at \\r\\n, \\r or \\n only, as DuckDB and Excel read them
    (a form feed, U+2028 or \\x1c inside a line is text, unlike str.splitlines); an empty line is a
    record with no cells. Raises csv.Error (e.g. a cell longer than MAX_CELL_CHARS)."""
    offsets = [0]

    def lines() -> Iterator[str]:
        position = 0
        for line in io.StringIO(text, newline=""):
            position += len(line)
            offsets.append(position)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, quotechar=QUOTE, doublequote=True, strict=False)
    index = 0
    while True:
        before = reader.line_num
        try:
            cells = next(reader)
        except StopIteration:
            return
        yield Record(index, offsets[before], offsets[reader.line_num], cells)
        index += 1


def _head_records(path: Path, text: str, delimiter: str) -> list[Record]:
    """The first HEADER_SEARCH_ROWS records (those that fit in HEAD_CHARS)."""
    head = text[:HEAD_CHARS]
    out: list[Record] = []
    try:
        for record in iter_records(head, delimiter):
            if len(out) >= HEADER_SEARCH_ROWS or (record.end >= len(head) and len(head) < len(text)):
                break
            if any(len(c) > MAX_CELL_CHARS for c in record.cells):
                raise ImportFileError(
                    path,
                    f"a cell is longer than {MAX_CELL_CHARS // 1024} KB ({MAX_CELL_CHARS:,} characters); exports "
                    "never have cells this long, so the file is damaged or not an export. Download it again.",
                    code="file.cell_too_long_kb",
                    params={"kb": MAX_CELL_CHARS // 1024, "max": MAX_CELL_CHARS},
                    row=record.index + 1,
                )
            out.append(record)
    except csv.Error as exc:
        raise ImportFileError(
            path,
            f"the text cannot be split into cells ({exc}). Download the file again.",
            code="file.unsplittable",
            params={"detail": str(exc)},
            row=len(out) + 1,
        ) from None
    return out


def excel_row_of(text: str, delimiter: str, header_index: int, ordinal: int) -> int:
    """The row number Excel shows for the ordinal-th (1-based) data row DuckDB read after the header record
    (DuckDB skips empty lines; Excel shows them as rows). Reads the whole text: only on the error path."""
    seen = 0
    row = header_index + 1 + ordinal
    for record in iter_records(text, delimiter):
        if record.index <= header_index or not record.cells:
            continue
        seen += 1
        row = record.index + 1
        if seen == ordinal:
            break
    return row


def _row_count(text: str, delimiter: str) -> int:
    """How many records (rows as Excel shows them) the text has; the last one's row number."""
    count = 0
    try:
        for record in iter_records(text, delimiter):
            count = record.index + 1
    except csv.Error:
        pass
    return count


def _cut_off_row(text: str, delimiter: str, header_width: int) -> int | None:
    """The row where a download was cut off, or None when the text ends cleanly: an open quote at the end,
    or a last line without a line ending that has fewer cells than the header and than the row before it."""
    if text.count(QUOTE) % 2:
        # Quotes come in pairs ("" inside a quoted cell is a pair too): an odd count is a quoted cell that
        # never closes. Python's csv reader says where (strict mode raises at the end of the data).
        return _row_count(text, delimiter)
    if text.endswith(("\n", "\r")):
        return None
    cut = max(text.rfind("\n"), text.rfind("\r"))
    last = text[cut + 1 :]
    if last.count(QUOTE) % 2 or not last.strip():
        return None  # the end of a cell that spans lines: a complete record
    cells = next(csv.reader([last], delimiter=delimiter, quotechar=QUOTE), [])
    before = text[: max(cut, 0)].rstrip("\r\n")
    previous_line = before[max(before.rfind("\n"), before.rfind("\r")) + 1 :]
    previous = (
        len(next(csv.reader([previous_line], delimiter=delimiter, quotechar=QUOTE), []))
        if previous_line.count(QUOTE) % 2 == 0
        else header_width
    )
    if len(cells) < header_width and len(cells) < max(previous, 1):
        return _row_count(text, delimiter)
    return None


@dataclass
class RawTable:
    """One table found in a file: normalised headers, where the header is, and how to read the rows."""

    path: Path
    container: Container
    headers: list[str]
    header_row: int  # 1-based row number of the header as Excel shows it
    sheet: str | None = None
    rows: list[list[str | None]] | None = None  # Excel: data rows below the header
    csv_path: Path | None = None  # CSV: the UTF-8 file DuckDB reads
    encoding: str | None = None
    delimiter: str = ","
    skip: int = 0  # CSV records DuckDB skips at the top of csv_path (the header when reading the file itself)
    text: str | None = None  # CSV: the decoded text, for row numbers on the error path (see `full_text`)
    ascii_data: bytes | None = None  # CSV: the file's bytes when ASCII, decoded into `text` only when needed
    sample: list[list[str]] = field(default_factory=list)  # CSV: the cells of the first data rows (header search)
    parallel: bool = True  # DuckDB's parallel CSV reader (off when a quoted cell holds a line break)
    raw_headers: list[str] = field(default_factory=list)  # the header cells as written
    date_from_name: dt.date | None = None  # the business day, when the file has no date column (see load_file)
    repeated_headers: int = 0  # rows that repeated the header and were left out (exports pasted together)
    total_rows: int = 0  # total rows left out: 合计 (...) in the date or key column, or a "-" key that adds up

    def excel_row(self, ordinal: int | None) -> int | None:
        """Row number as shown in Excel for the ordinal-th (1-based) data row (None when not numbered)."""
        if ordinal is None:
            return None
        text = self.full_text()
        if self.rows is not None or text is None:
            return self.header_row + ordinal
        return excel_row_of(text, self.delimiter, self.header_row - 1, ordinal)

    def full_text(self) -> str | None:
        """The decoded text of a CSV (None for a sheet), decoded from `ascii_data` the first time it is asked for."""
        if self.text is None and self.ascii_data is not None:
            self.text = self.ascii_data.decode("ascii")
        return self.text


def header_score(cells: list[str], known: set[str]) -> int:
    """How much a row looks like a header: known header names count most, then distinct non-empty cells."""
    names = [c for c in cells if c]
    hits = sum(1 for c in set(names) if c in known)
    if hits == 0:
        return 0
    return hits * 8 + len(set(names))


def find_header(rows: list[list[str]], known: set[str]) -> int | None:
    """Index of the header row among the first 30 rows, or None when no row has two known headers."""
    best, _ = _best_header(rows, known)
    return best


def _best_header(rows: list[list[str]], known: set[str]) -> tuple[int | None, int]:
    known = {normalize_header(k) for k in known}
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [normalize_header(c) for c in row]
        if sum(1 for c in set(cells) if c in known) < 2:
            continue
        score = header_score(cells, known)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def read_tables(path: Path, data: bytes, known: set[str], workdir: Path, *, on_disk: bool = False) -> list[RawTable]:
    """Every candidate table in a file (one per sheet for Excel), header located; errors name the file."""
    container = sniff_container(data)
    if container == "empty":
        raise ImportFileError(path, "the file is empty (0 rows). Download the export again.", code="file.empty")
    if container == "html":
        raise ImportFileError(
            path,
            "the file is an HTML page, not an export. Open it in Excel and save it as .xlsx, then import that.",
            code="file.html",
        )
    if container == "csv":
        return [_read_csv_table(path, data, known, workdir, on_disk=on_disk)]
    return _read_excel_tables(path, data, container, known)


def _read_excel_tables(path: Path, data: bytes, container: Container, known: set[str]) -> list[RawTable]:
    try:
        sheets = excel.read_excel(data)
    except excel.WorkbookError as exc:
        kind = "Excel 97-2003 (.xls)" if container == "xls" else "Excel (.xlsx)"
        reason = exc.reason if exc.sheet else f"the {kind} file cannot be read: {exc.reason}"
        what = Message(exc.code or "file.workbook_damaged", _messages(exc.params) if exc.code else {"detail": reason})
        code, params = (what.code, what.params) if exc.sheet else ("file.workbook", {"kind": kind, "reason": what})
        raise ImportFileError(path, reason, code=code, params=params) from None
    tables: list[RawTable] = []
    for sheet in sheets:
        rows = sheet.rows
        index = find_header([[c or "" for c in r] for r in rows], known)
        if index is None:
            continue
        tables.append(
            RawTable(
                path=path,
                container=container,
                headers=[normalize_header(c) for c in rows[index]],
                header_row=index + 1,
                sheet=sheet.name,
                rows=rows[index + 1 :],
                raw_headers=["" if c is None else str(c) for c in rows[index]],
            )
        )
    if not tables:
        first: list[str] = []
        for sheet in sheets:
            if first := _first_row(sheet.rows):
                break
        raise NoHeader(path, first)
    return tables


def _ends_cleanly(data: bytes) -> bool:
    """ASCII text whose quotes pair up and whose last line has its line ending: not cut off (`_cut_off_row`'s
    first two tests on the bytes, which in ASCII are the characters)."""
    return (b'"' not in data or data.count(b'"') % 2 == 0) and data.endswith((b"\n", b"\r"))


def _read_csv_table(path: Path, data: bytes, known: set[str], workdir: Path, *, on_disk: bool) -> RawTable:
    # ASCII bytes (a big generic export, typically) are their own text, the text `decode_text` would give
    # (UTF-8 without BOM): decoding 40 MB costs more than reading them, so they are decoded only where the whole
    # text is needed (a copy for DuckDB, a cut-off check past the last line ending, row numbers of an error).
    plain = data.isascii() and _utf16_without_bom(data) is None
    text: str | None = None
    if plain:
        encoding, head = "utf-8-sig", data[: HEAD_CHARS + 1].decode("ascii")
    else:
        try:
            text, encoding = decode_text(data)
        except ValueError:
            raise ImportFileError(
                path,
                "the text is neither UTF-8 nor GBK/GB18030 (nor UTF-16). Save it from Excel as 'CSV UTF-8' or as "
                ".xlsx.",
                code="file.encoding",
            ) from None
        head = text
    if "\x00" in head[:4096]:
        raise ImportFileError(
            path, "the file is binary, not CSV text, and not an Excel file either.", code="file.binary"
        )
    # The delimiter is the one under which a row looks most like a header.
    best: tuple[int, str, list[Record], int | None] = (0, ",", [], None)
    for delimiter in DELIMITERS:
        records = _head_records(path, head, delimiter)
        index, score = _best_header([r.cells for r in records], known)
        if score > best[0]:
            best = (score, delimiter, records, index)
    _, delimiter, records, index = best
    if index is None:
        raise NoHeader(path, _first_row([r.cells for r in _head_records(path, head, ",")]))
    header = records[index]
    if plain and _ends_cleanly(data):
        cut = None
    else:
        text = text if text is not None else data.decode("ascii")
        cut = _cut_off_row(text, delimiter, len(header.cells))
    if cut is not None:
        raise ImportFileError(
            path,
            f"the file looks cut off at row {cut} (the last row is incomplete): the download did not finish. "
            "Download it again.",
            code="file.cut_off",
            params={"row": cut},
            row=cut,
        )
    if on_disk and encoding in ("utf-8-sig",) and index == 0:
        # The common big file (header on the first line, UTF-8 on disk): DuckDB reads it in place and skips
        # the header record itself, quote-aware.
        csv_path, skip = path, 1
    else:
        # Everything else is handed to DuckDB from the first data record on, as UTF-8: no line counting
        # that could disagree with ours (title lines with form feeds, quoted line breaks, other encodings).
        csv_path, skip = workdir / "data.csv", 0
        text = text if text is not None else data.decode("ascii")
        csv_path.write_text(text[header.end :], encoding="utf-8", newline="")
    return RawTable(
        path=path,
        container="csv",
        headers=[normalize_header(c) for c in header.cells],
        header_row=header.index + 1,
        csv_path=csv_path,
        encoding=encoding,
        delimiter=delimiter,
        skip=skip,
        text=text,
        ascii_data=data if text is None else None,
        raw_headers=list(header.cells),
        sample=[r.cells for r in records[index + 1 :]],
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


# --- cell rules as SQL macros ------------------------------------------------------------------------

_NULLS_SQL = ", ".join("'" + m.replace("'", "''") + "'" for m in NULL_MARKERS)
_TOTALS_SQL = ", ".join("'" + m + "'" for m in TOTAL_MARKERS)
_DASHES_SQL = ", ".join("'" + m + "'" for m in DASH_MARKERS)

MACROS = f"""
CREATE OR REPLACE TEMP MACRO skr_clean(s) AS regexp_replace(s, '^[\\s\\x{{3000}}]+|[\\s\\x{{3000}}]+$', '', 'g');
-- Markers are short; the length test keeps the regex off ordinary cells (dates, IDs, amounts). CASE, not AND:
-- DuckDB evaluates both sides of an AND inside an expression (a regex on every cell), a CASE branch only for
-- the rows that reach it. Same results as `s IS NULL OR (length(s) <= 8 AND ...)` and
-- `coalesce(length(s) <= 8 AND ..., false)`: never NULL, so that an empty cell cannot make a row filter NULL
-- (a row whose filter is NULL is dropped as if it were a total row). A marker as it is ("-") needs no trimming.
CREATE OR REPLACE TEMP MACRO skr_blank(s) AS CASE WHEN s IS NULL OR s IN ({_NULLS_SQL}) THEN true
    WHEN length(s) <= 8 THEN skr_clean(s) IN ({_NULLS_SQL}) ELSE false END;
CREATE OR REPLACE TEMP MACRO skr_total(s) AS CASE WHEN s IS NULL OR length(s) > 8 THEN false
    ELSE skr_clean(s) IN ({_TOTALS_SQL}) END;
-- Only dashes ("-", "--", "—", "－"), spaces around them allowed: a key cell that may mark a summary row.
CREATE OR REPLACE TEMP MACRO skr_dash(s) AS CASE WHEN s IS NULL OR length(s) > 8 THEN false
    ELSE skr_clean(s) IN ({_DASHES_SQL}) END;
-- Fast path strips only thousands separators; cells with ¥/元/spaces take the full rule. (Stripping first costs
-- less than trying the cell as it is: a failed cast costs more than the replace, and "1,391" is common.) "-" and
-- "--" (生意参谋's zero, often half a column) are NULL at once instead of after two failed casts and a regex.
CREATE OR REPLACE TEMP MACRO skr_num(s) AS CASE WHEN s IN ('-', '--') THEN NULL ELSE
    coalesce(TRY_CAST(replace(s, ',', '') AS DOUBLE),
        TRY_CAST(regexp_replace(s, '[,，¥￥元\\s\\x{{3000}}]', '', 'g') AS DOUBLE)) END;
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
# Business dates outside this range are a bad cell (infinity, epoch, a bare 10000 read as an Excel serial).
DATE_MIN, DATE_MAX = "2000-01-01", "2100-12-31"

# What a person is told a cell should have looked like, per canonical column kind.
EXPECTED = {
    "date": "a date such as 2026-11-07, 2026/11/7, 20261107 or an Excel date, one day per row (not a period), "
    f"from {DATE_MIN} to {DATE_MAX}",
    "int": "a whole number of zero or more such as 1,391 (or - for none)",
    "money": "an amount in yuan such as 1,391.50 (or - for none)",
    "id": "an ID kept as text; a value like 7.6E+18 means Excel rounded it: re-export or format the column as text",
    "text": f"text of at most {MAX_CELL_CHARS:,} characters",
    "platform": "a platform name",
}
# The same as message codes, for the pages (translated in shopkr/app/i18n.py).
EXPECTED_MESSAGES = {
    "date": Message.make("file.expected.date", min=str(DATE_MIN), max=str(DATE_MAX)),
    "int": Message("file.expected.int"),
    "money": Message("file.expected.money"),
    "id": Message("file.expected.id"),
    "text": Message.make("file.expected.text", max=MAX_CELL_CHARS),
    "platform": Message("file.expected.platform"),
}


def _messages(params: dict) -> dict:
    """Parameters from the Excel worker with nested {"code", "params"} dicts as Messages again."""
    return {
        k: Message(v["code"], v["params"]) if isinstance(v, dict) and set(v) == {"code", "params"} else v
        for k, v in params.items()
    }


# Each kind is parsed in two layers so that no cell is cleaned twice: `inner` reads the raw text `{c}`,
# `outer` finishes the inner value `{v}` (dates within DATE_MIN..DATE_MAX; whole, non-negative numbers for
# counts; NaN/inf never pass as numbers; money in fen is divided by 100, which is exact where multiplying
# by 0.01 is not; text and IDs no longer than MAX_CELL_CHARS).
PARSE_SQL: dict[str, tuple[str, str]] = {
    "date": ("skr_date({c})", f"CASE WHEN {{v}} BETWEEN DATE '{DATE_MIN}' AND DATE '{DATE_MAX}' THEN {{v}} END"),
    "int": (
        "skr_num({c})",
        "CASE WHEN isfinite({v}) AND {v} = trunc({v}) AND {v} >= 0 THEN TRY_CAST({v} AS BIGINT) END",
    ),
    "money": ("skr_num({c})", "CASE WHEN isfinite({v}) THEN {v} / {divisor} END"),
    "id": ("skr_id({c})", f"CASE WHEN length({{v}}) <= {MAX_CELL_CHARS} THEN {{v}} END"),
    "text": ("skr_text({c})", f"CASE WHEN length({{v}}) <= {MAX_CELL_CHARS} THEN {{v}} END"),
}


def new_parser_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the cell macros, used to clean raw tables (no lock on the database file)."""
    con = duckdb.connect(":memory:", config={"threads": 2, "autoload_known_extensions": False})
    con.execute("SET enable_progress_bar = false")
    con.execute(MACROS)
    return con


def register_raw(
    con: duckdb.DuckDBPyConnection,
    table: RawTable,
    name: str = "raw",
    *,
    numbered: bool = True,
    types: Mapping[int, str] | None = None,
) -> list[str]:
    """Expose the data rows of `table` as view `name` with VARCHAR columns c0..cN, `_extra` (the row has
    cells past the header's last column: CSV only) and `_ord`, the 1-based data-row number when `numbered`
    (numbering reads the file on one thread), else NULL. `types` (CSV only) reads some columns typed instead,
    column index -> DuckDB type such as DOUBLE: the view then fails with duckdb.Error on the first cell of such a
    column the type refuses. Returns the column names c0..cN."""
    ordinal = "row_number() OVER ()" if numbered else "CAST(NULL AS BIGINT)"
    width = len(table.headers)
    names = [f"c{i}" for i in range(width)]
    if table.rows is not None:
        import pyarrow as pa  # Excel rows only: a CSV is read by DuckDB itself

        columns = {n: [] for n in names}
        for row in table.rows:
            for i, n in enumerate(names):
                columns[n].append(row[i] if i < len(row) else None)
        arrow = pa.table({n: pa.array(v, type=pa.string()) for n, v in columns.items()})
        con.register(f"{name}_arrow", arrow)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT *, false AS _extra, {ordinal} AS _ord FROM {name}_arrow"
        )
        return names
    assert table.csv_path is not None
    types = types or {}
    # A few columns past the header catch rows with more cells than the header (a value with an unquoted
    # comma shifts the cells to the right); DuckDB would drop them without a word.
    extras = [f"x{i}" for i in range(EXTRA_COLUMNS)]
    spec = ", ".join(f"'{n}': '{types.get(i, 'VARCHAR')}'" for i, n in enumerate([*names, *extras]))
    # The coalesce first: on ordinary rows (no cell past the header) it is false and the rest is skipped.
    extra = f"coalesce({', '.join(extras)}) IS NOT NULL AND NOT ({' AND '.join(f'skr_blank({x})' for x in extras)})"
    # A view cannot take bound parameters; the path is ours (the import file or our UTF-8 copy).
    literal = "'" + str(table.csv_path).replace("'", "''") + "'"
    delim = "'" + table.delimiter.replace("'", "''") + "'"
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW {name} AS
        SELECT {", ".join(names)}, {extra} AS _extra, {ordinal} AS _ord FROM read_csv({literal},
            header = false, skip = {int(table.skip)}, delim = {delim}, quote = '"', escape = '"',
            columns = {{{spec}}}, auto_detect = false, null_padding = true, strict_mode = false,
            parallel = {str(table.parallel).lower()})"""
    )
    return names
