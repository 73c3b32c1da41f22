"""Connectors: one module per export family, and `load_file`, which reads any supported export.

Each module declares detect / to_canonical / KEY. `load_file` sniffs the container, finds the header,
detects the source from the content (never the file name) and returns canonical rows for one file.

The connector modules and the parsing they share (pyarrow, the Excel readers) are imported on first use, by
`SOURCES`, `load_file` or `detect_source`: importing `connectors.canonical` (the table declarations, which the
store and the engine need) runs this file too, and `python -m shopkr score` parses no file.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.canonical import PLATFORMS, TABLES, Table
from connectors.errors import ImportFileError, Message

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from connectors.base import Source
    from connectors.parsing import RawTable

# The declared exports, in the order detection tries them: connectors/<module>.py, each with a SOURCE.
SOURCE_MODULES = (
    "sycm_shop",
    "sycm_products",
    "compass_overview",
    "compass_products",
    "qianchuan_creatives",
    "wanxiang_creatives",
)
# Names this package gives that come from modules imported on first use (see `__getattr__`).
_FROM_PARSING = ("NoHeader", "RawTable", "new_parser_connection", "read_tables")


@functools.cache
def _sources() -> tuple[Source, ...]:
    """The declared sources (SOURCES), importing their modules the first time."""
    return tuple(importlib.import_module(f"connectors.{name}").SOURCE for name in SOURCE_MODULES)


@functools.cache
def _known_headers() -> set[str]:
    """Every header any source reads (KNOWN_HEADERS), for the header-row search; one set for the process."""
    from connectors import generic

    return set().union(*(s.known_headers() for s in _sources())) | generic.KNOWN_HEADERS


def __getattr__(name: str) -> Any:
    """SOURCES (the declared sources), KNOWN_HEADERS (every header any source reads, for the header-row search),
    Source and the parsing names re-exported here (NoHeader, RawTable, new_parser_connection, read_tables): each
    imported the first time it is asked for (PEP 562), then kept as an ordinary attribute of the package."""
    if name == "SOURCES":
        value: Any = _sources()
    elif name == "KNOWN_HEADERS":
        value = _known_headers()
    elif name == "Source":
        value = importlib.import_module("connectors.base").Source
    elif name in _FROM_PARSING:
        value = getattr(importlib.import_module("connectors.parsing"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "PLATFORMS",
    "SOURCES",
    "TABLES",
    "ImportFileError",
    "Parsed",
    "day_from_name",
    "detect_source",
    "load_file",
    "read_export",
]


@dataclass
class Parsed:
    """Canonical rows read from one file, ready for the store."""

    path: Path
    sha256: str
    source: str  # Source.name
    label: str
    table: Table
    rows: pa.Table
    sheet: str | None = None
    ignored: list[str] = field(default_factory=list)
    date_from_name: dt.date | None = None  # the day taken from the file name (the file has no date column)
    repeated_headers: int = 0  # rows repeating the header that were skipped (exports pasted together)
    total_rows: int = 0  # total rows skipped: 合计 (...) in the date or key column, or a "-" key that adds up

    @property
    def notes(self) -> list[str]:
        """What a person should know about how the file was read, for the result line."""
        out = []
        if self.date_from_name:
            out.append(f"date {self.date_from_name:%Y-%m-%d} taken from the file name (the file has no date column)")
        if self.repeated_headers:
            out.append(f"{self.repeated_headers} repeated header rows skipped")
        if self.total_rows:
            out.append(f"{self.total_rows} total rows skipped")
        if self.ignored:
            out.append(f"ignored columns: {', '.join(self.ignored)}")
        return out

    @property
    def note_messages(self) -> list[Message]:
        """The same notes as message codes, for the pages (translated in shopkr/app/i18n.py)."""
        out = []
        if self.date_from_name:
            out.append(Message.make("file.note.date_from_name", date=f"{self.date_from_name:%Y-%m-%d}"))
        if self.repeated_headers:
            out.append(Message.make("file.note.repeated_headers", n=self.repeated_headers))
        if self.total_rows:
            out.append(Message.make("file.note.total_rows", n=self.total_rows))
        if self.ignored:
            out.append(Message.make("file.note.ignored", columns=", ".join(self.ignored)))
        return out

    @property
    def date_range(self) -> tuple[object, object]:
        """(first, last) business date in the file, or (None, None) when it has no rows."""
        if self.rows.num_rows == 0:
            return None, None
        import pyarrow.compute as pc

        bounds = pc.min_max(self.rows["date"])
        return bounds["min"].as_py(), bounds["max"].as_py()


def detect_source(headers: list[str]) -> Source | None:
    """The declared export these headers belong to, else a generic source, else None."""
    from connectors import generic

    for source in _sources():
        if source.detect(headers):
            return source
    if generic.detect(headers):
        return generic.source_for(headers)
    return None


def sha256_of(data: bytes) -> str:
    """Hex SHA-256 of the file's bytes (an identical copy has the same one)."""
    return hashlib.sha256(data).hexdigest()


def _pick(path: Path, tables: list[RawTable]) -> tuple[RawTable, Source] | None:
    """The one table of a file to load: a declared sheet (e.g. 全部) if the workbook has it; a workbook
    whose several matching sheets are all undeclared (e.g. only 直播 and 短视频) is refused, since loading
    one carrier's sheet would undercount and loading all would double count. An export without its date
    column takes the day from the platform's file name where the source allows it, else is refused with
    what to download instead."""
    candidates = [(t, s) for t in tables if (s := detect_source(t.headers)) is not None]
    if not candidates:
        return _dateless(path, tables)
    for table, source in candidates:
        if table.sheet in source.sheets:
            return table, source
    table, source = candidates[0]
    if source.sheets and len(candidates) > 1:
        sheets = ", ".join(str(t.sheet) for t, _ in candidates)
        raise ImportFileError(
            path,
            f"the workbook has sheets {sheets} but no {'/'.join(source.sheets)} sheet with all rows. "
            f"Download the {source.label} export again with the {'/'.join(source.sheets)} sheet.",
            code="file.missing_sheet",
            params={"sheets": sheets, "wanted": "/".join(source.sheets), "label": source.label},
        )
    return table, source


# A platform download name ending in its own period: …_2026-11-14_2026-11-14.xls, …_2026-04-20~2026-04-20.xlsx,
# optionally followed by a copy number such as " (1)".
_NAME_PERIOD = re.compile(r"(\d{4}-\d{2}-\d{2})\s*[_~～至]\s*(\d{4}-\d{2}-\d{2})(?:\s*[(（]\d+[)）])?\.[A-Za-z]+$")


def day_from_name(name: str) -> tuple[dt.date, dt.date] | None:
    """The (first, last) day a platform download's name covers, or None when it names no period."""
    m = _NAME_PERIOD.search(name)
    if not m:
        return None
    try:
        first, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
    except ValueError:
        return None
    return (first, last) if first <= last else None


def _dateless(path: Path, tables: list[RawTable]) -> tuple[RawTable, Source] | None:
    for table in tables:
        for source in _sources():
            if not source.detect_without_date(table.headers):
                continue
            period = day_from_name(path.name) if source.date_from_name else None
            date = "/".join(source.date_headers)
            if period and period[0] == period[1]:
                table.date_from_name = period[0]
                return table, source
            if period:
                raise ImportFileError(
                    path,
                    f"this {source.label} export has no {date} column and its name covers {period[0]} to "
                    f"{period[1]}: a summary over several days, which cannot be split into days. Download one "
                    f"day per file, or {source.per_day_hint}.",
                    code="file.period_by_name",
                    params={
                        "label": source.label,
                        "date": date,
                        "first": str(period[0]),
                        "last": str(period[1]),
                        "hint": Message(source.per_day_code),
                    },
                    sheet=table.sheet,
                )
            raise ImportFileError(
                path,
                f"this {source.label} export has no {date} column: it is a summary over a period, which cannot be "
                f"split into days. {source.per_day_hint[0].upper()}{source.per_day_hint[1:]}.",
                code="file.period",
                params={"label": source.label, "date": date, "hint": Message(source.per_day_code)},
                sheet=table.sheet,
            )
    return None


def _unknown(path: Path, headers: list[str]) -> ImportFileError:
    sources = _sources()
    tried = "; ".join(f"{s.label} lacks {', '.join(s.missing(headers))}" for s in sources)
    columns, more = ", ".join(h for h in headers[:12] if h), " ..." if len(headers) > 12 else ""
    return ImportFileError(
        path,
        f"not a known export (columns: {columns}{more}). Tried: {tried}; generic files need a 'date' column and a "
        "metric column named like gmv, visitors, buyers.",
        code="file.unknown_export",
        params={
            "columns": columns,
            "more": more,
            "tried": [
                Message.make("file.lacks", label=s.label, columns=", ".join(s.missing(headers))) for s in sources
            ],
        },
    )


def load_file(
    path: Path,
    shop: str,
    platform: str | None = None,
    data: bytes | None = None,
    parser: duckdb.DuckDBPyConnection | None = None,
    *,
    on_disk: bool | None = None,
    sha256: str | None = None,
) -> Parsed:
    """Read one export into canonical rows. Raises ImportFileError (file, row, column, value, expected).

    `data` are the file's bytes when the caller has them (an upload, or a file it has read already to hash
    it); `on_disk` (default: `data` is None) says they are also the bytes of `path` on disk, so DuckDB may read
    `path` itself, which is faster than handing over the bytes. `sha256` is their hex SHA-256 when the
    caller computed it (it is not computed twice). `parser` is an in-memory connection from
    `new_parser_connection()`, reused across files for speed.
    """
    import tempfile

    import duckdb

    from connectors import generic
    from connectors.parsing import NoHeader, new_parser_connection, read_tables

    path = Path(path)
    if on_disk is None:
        on_disk = data is None  # only then may DuckDB read `path` itself instead of the bytes
    if data is None:
        data = read_export(path)
    if platform is not None and platform not in PLATFORMS:
        raise ImportFileError(
            path,
            f"unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}.",
            code="file.unknown_platform_option",
            params={"platform": platform, "platforms": list(PLATFORMS)},
        )
    with tempfile.TemporaryDirectory(prefix="shopkr-") as workdir:
        try:
            tables = read_tables(path, data, _known_headers(), Path(workdir), on_disk=on_disk)
        except NoHeader as exc:
            raise _unknown(path, exc.first_row) from None
        picked = _pick(path, tables)
        if picked is None:
            raise _unknown(path, tables[0].headers)
        raw, source = picked
        con = parser or new_parser_connection()
        try:
            rows = source.to_canonical(raw, con, shop, platform)
        except ImportFileError:
            raise
        except duckdb.Error as exc:  # a CSV DuckDB cannot split into rows, and similar
            detail = (str(exc).splitlines() or [""])[0]
            raise ImportFileError(
                path, f"cannot be read as a table ({detail}).", code="file.not_a_table", params={"detail": detail}
            ) from None
        finally:
            if parser is None:
                con.close()
    ignored = generic.ignored_columns(raw.headers) if source.name == "generic" else []
    if rows.num_rows == 0:
        raise ImportFileError(
            path, "the file has a header but no data rows. Export a day that has data.", code="file.no_rows"
        )
    return Parsed(
        path,
        sha256 or sha256_of(data),
        source.name,
        source.label,
        source.table,
        rows,
        raw.sheet,
        ignored,
        raw.date_from_name,
        raw.repeated_headers,
        raw.total_rows,
    )


def read_export(path: Path) -> bytes:
    """The bytes of an export file. A path that is not a regular file (a pipe, a device) is refused at once
    instead of blocking; raises ImportFileError."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise ImportFileError(
                path,
                "is not a regular file (a pipe, device or socket). Import a saved export file instead.",
                code="file.not_regular",
            )
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(
            path, f"cannot be read ({exc.strerror}).", code="file.os_error", params={"detail": exc.strerror}
        ) from None
