"""What every connector declares, and the one engine that turns a raw table into canonical rows.

A connector module has the same three parts (detect, to_canonical, natural key); most of them are a
`Source` declaration: which headers identify the export and which header feeds which canonical column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import duckdb

if TYPE_CHECKING:  # imported where rows are exported: an import loads it while DuckDB parses (importer)
    import pyarrow as pa
from connectors.canonical import PLATFORMS, SQL_TYPE, Table
from connectors.errors import ImportFileError, Message
from connectors.excel import column_letters
from connectors.parsing import (
    DATE_MAX,
    DATE_MIN,
    EXPECTED,
    EXPECTED_MESSAGES,
    MAX_CELL_CHARS,
    PARSE_SQL,
    RawTable,
    normalize_header,
    register_raw,
)


@dataclass(frozen=True)
class Col:
    """Where a canonical column comes from: alternative headers (first present wins; with combine="sum",
    every present header is a part and the column is their sum) and a divisor (100 for money in fen).
    After `Source.resolve`, `positions` holds the file column of each header in `headers`."""

    headers: tuple[str, ...]
    divisor: int = 1
    combine: Literal["first", "sum"] = "first"
    positions: tuple[int, ...] = ()


@dataclass(frozen=True)
class Source:
    """A declared export family."""

    name: str  # e.g. "sycm_shop"
    label: str  # what a person calls it, e.g. "生意参谋 店铺整体"
    table: Table
    platform: str | None  # None: the file or --platform says
    required: tuple[tuple[str, ...], ...]  # each entry: alternative headers, one of which must be present
    columns: Mapping[str, Col]
    forbidden: tuple[str, ...] = ()  # headers that mean it is another export (e.g. 商品ID in a shop file)
    sheets: tuple[str, ...] = ()  # preferred sheet names; other sheets of the workbook are ignored
    fallback: Mapping[str, str] = field(default_factory=dict)  # column -> column used when it is empty
    sum_duplicates: bool = False  # several rows per key in one file are parts of one total (万相台 plans)
    # A file without the date column may take its day from the platform's own file name when that names a
    # single day (生意参谋 names downloads …_2026-11-14_2026-11-14.xls).
    date_from_name: bool = False
    # What to download instead when the file is a summary over a period (no date column).
    per_day_hint: str = "export the per-day report (按天/分日), one row per day"
    per_day_code: str = "file.per_day.default"  # the same hint as a message code (translated on the pages)

    def missing(self, headers: list[str]) -> list[str]:
        """Required headers this table lacks (empty when it matches); '/' joins alternatives."""
        present = {normalize_header(h) for h in headers}
        lacking = ["/".join(alt) for alt in self.required if not present & {normalize_header(a) for a in alt}]
        forbidden = [h for h in self.forbidden if normalize_header(h) in present]
        if not lacking and forbidden:
            lacking.append("(no " + "/".join(sorted(forbidden)) + ")")
        return lacking

    def detect(self, headers: list[str]) -> bool:
        """Does a table with these (normalised) headers look like this export?"""
        return not self.missing(headers)

    @property
    def date_headers(self) -> tuple[str, ...]:
        """The headers the date column may have."""
        return self.columns["date"].headers

    def detect_without_date(self, headers: list[str]) -> bool:
        """Is this the export with its date column missing (a summary over a period)?"""
        date = {normalize_header(h) for h in self.date_headers}
        required = [alt for alt in self.required if not {normalize_header(a) for a in alt} & date]
        present = {normalize_header(h) for h in headers}
        if present & date or any(normalize_header(h) in present for h in self.forbidden):
            return False
        return all(present & {normalize_header(a) for a in alt} for alt in required)

    def known_headers(self) -> set[str]:
        """Every header this source reads or requires, for the header-row search."""
        names = {h for alt in self.required for h in alt}
        names.update(h for col in self.columns.values() for h in col.headers)
        return names

    def resolve(self, headers: list[str]) -> dict[str, tuple[int, Col]]:
        """Canonical column -> (index of the header in the file, spec with the header(s) found and their
        positions), for the columns present."""
        position: dict[str, int] = {}
        for i, h in enumerate(headers):
            position.setdefault(normalize_header(h), i)
        found = {}
        for column, spec in self.columns.items():
            present = [h for h in spec.headers if normalize_header(h) in position]
            if not present:
                continue
            if spec.combine == "first":
                present = present[:1]
            # Old 直通车 reports give money in fen and say so in the header.
            divisor = spec.divisor * (100 if present[0].endswith("(分)") else 1)
            positions = tuple(position[normalize_header(h)] for h in present)
            found[column] = (positions[0], Col(tuple(present), divisor, spec.combine, positions))
        return found

    def to_canonical(self, raw: RawTable, con: duckdb.DuckDBPyConnection, shop: str, platform: str | None) -> pa.Table:
        """Raw table -> canonical rows (Arrow), totals dropped; raises ImportFileError naming the first bad cell."""
        return to_canonical(self, raw, con, shop, platform)


# Tags in `parsed._bad` that are not unreadable cells: a row with a total marker (合计, ...; deleted at once by
# `_build`) and a row whose key cell holds only a dash (a total when it adds up: `_drop_dash_totals`).
TOTAL_ROW, DASH_ROW = "_total", "_dash"
# A row that is not an unreadable one (`_bad` NULL or a tag above). A SQL condition on `parsed`.
_READABLE = f"(_bad IS NULL OR _bad = '{DASH_ROW}')"
# How close a "-" row's sums must come to the rows of its day: within 0.1 % of their sum or 0.01 (a fen, one
# item), whichever is larger. Totals are rounded to the fen per row; JD's importer checks its 合计 row to 0.1 %.
TOTAL_TOLERANCE_REL, TOTAL_TOLERANCE_ABS = 0.001, 0.01


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def to_canonical(
    source: Source, raw: RawTable, con: duckdb.DuckDBPyConnection, shop: str, platform: str | None
) -> pa.Table:
    """The shared engine: parse each mapped cell with the SQL cell rules, check, drop totals and repeated
    header rows (counted in `raw.repeated_headers`), dedupe on the key."""
    platform = source.platform or platform
    table = source.table
    mapped = source.resolve(raw.headers)
    if not platform and "platform" not in mapped:
        raise ImportFileError(
            raw.path,
            "the file has no platform column. Add one, or pass --platform (taobao, douyin, pdd, jd, other).",
            code="file.no_platform_column",
            params={"platforms": list(PLATFORMS)},
        )
    if "date" not in mapped and raw.date_from_name is None:
        raise ImportFileError(raw.path, "no date column found.", code="file.no_date_column", sheet=raw.sheet)
    _check_duplicate_headers(raw, con, mapped)
    # Fast path without row numbers (numbering rows forces DuckDB to read a CSV on one thread). Only when a
    # check fails is the table built again with row numbers, to say which row as Excel shows it.
    names, present = _build_fast(source, raw, con, mapped, platform)
    try:
        _check(source, raw, con, mapped, names, present)
    except ImportFileError:
        names, present = _build_retrying(source, raw, con, mapped, platform, numbered=True)
        _check(source, raw, con, mapped, names, present)
        raise

    out_cols = []
    for column, kind in table.columns.items():
        if column == "shop":
            out_cols.append(f"{_lit(shop)} AS shop")
        elif column == "platform":
            out_cols.append("platform")
        elif column in present:
            out_cols.append(column)
        else:
            out_cols.append(f"CAST(NULL AS {_sql_type(kind)}) AS {column}")
    key = list(table.key)
    dupes = source.sum_duplicates and _has_duplicates(con, key, _constant(source, mapped))
    if dupes:
        metrics = set(table.metrics)
        agg = []
        for column, expr in zip(table.columns, out_cols, strict=True):
            if column in key:
                agg.append(expr)
            elif column in metrics and column in present:
                agg.append(f"CAST(sum({column}) AS {_sql_type(table.columns[column])}) AS {column}")
            elif column in present:
                agg.append(f"any_value({column}) AS {column}")
            else:
                agg.append(expr)
        group = ", ".join(c for c in key if c != "shop")
        return con.sql(f"SELECT {', '.join(agg)} FROM parsed GROUP BY {group} ORDER BY {group}").to_arrow_table()
    constants: dict[str, str] = {"shop": shop}
    if "platform" in _constant(source, mapped):
        constants["platform"] = platform  # type: ignore[assignment] - set: checked above
    return _export(con, table, [c for c in table.columns if c in present and c not in constants], constants)


# DuckDB's row-group size (rows); shopkr.data.store writes Arrow chunks of this size as whole row groups.
ROW_GROUP_ROWS = 122_880
# The Arrow type DuckDB exports for each column kind (see canonical.SQL_TYPE).
ARROW_TYPE = {
    "date": "date32",
    "id": "string",
    "text": "string",
    "int": "int64",
    "money": "float64",
    "platform": "string",
}


def _export(con: duckdb.DuckDBPyConnection, table: Table, columns: list[str], constants: dict[str, str]) -> pa.Table:
    """The canonical rows: `columns` of `parsed` as DuckDB exports them, `constants` (column -> the one value of
    every row, such as the shop) and NULL for the other columns of `table`, made in Arrow (nothing to copy out
    of DuckDB). In chunks of ROW_GROUP_ROWS rows (the last one shorter): DuckDB's parallel export gives a chunk
    per row group of `parsed`, which a parallel CSV read leaves partly filled (122,880 + 34,844 + ...), and the
    store would write those as partial row groups that the next checkpoint rewrites. One thread exports in
    chunks of `batch_size`: whole row groups, as fast (the export copies; it does not compute)."""
    import pyarrow as pa

    n = _first(con, "SELECT count(*) FROM parsed")[0]
    made = {c: _repeated(v, n) for c, v in constants.items()}
    selected = [*columns, *(f"{_lit(v)} AS {c}" for c, v in constants.items() if made[c] is None)]
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        got = con.sql(f"SELECT {', '.join(selected)} FROM parsed").to_arrow_table(batch_size=ROW_GROUP_ROWS)
    finally:
        con.execute(f"SET threads = {int(threads)}")
    # The columns of NULLs share two buffers of zero bytes (pa.nulls would fill a buffer per column: 6 MB each
    # for 736,000 rows); zeroed memory from the system costs nothing until it is read.
    zeros, no_values = pa.py_buffer(bytes(8 * n + 4)), pa.py_buffer(bytes((n + 7) // 8))
    out = []
    for column, kind in table.columns.items():
        if column in got.column_names:
            out.append(got[column])
        elif made.get(column) is not None:
            out.append(made[column])
        else:
            arrow_type = pa.type_for_alias(ARROW_TYPE[kind])
            buffers = [no_values, zeros, pa.py_buffer(b"")] if arrow_type == pa.string() else [no_values, zeros]
            out.append(pa.Array.from_buffers(arrow_type, n, buffers, null_count=n))
    # (Not pa.table(dict) nor pa.scalar / pa.array: those import pandas to check their argument.)
    return pa.Table.from_arrays(out, names=list(table.columns))


def _repeated(value: str, n: int) -> pa.Array | None:
    """An Arrow string array of `value` `n` times, built from its buffers; None when its offsets would not fit
    Arrow's 32-bit string offsets (DuckDB exports it then)."""
    import numpy as np
    import pyarrow as pa

    data = value.encode("utf-8")
    if (n + 1) * max(len(data), 1) >= 2**31:
        return None
    offsets = np.arange(0, (n + 1) * len(data), len(data), dtype=np.int32) if data else np.zeros(n + 1, np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data * n)])


def _build_retrying(
    source: Source,
    raw: RawTable,
    con: duckdb.DuckDBPyConnection,
    mapped: dict[str, tuple[int, Col]],
    platform: str | None,
    *,
    numbered: bool,
    typed: Mapping[int, str] | None = None,
) -> tuple[list[str], set[str]]:
    """`_build`, once more with DuckDB's single-threaded CSV reader when a quoted cell holds a line break
    (its parallel reader refuses those together with short rows)."""
    try:
        return _build(source, raw, con, mapped, platform, numbered=numbered, typed=typed)
    except duckdb.Error as exc:
        if not raw.parallel or raw.csv_path is None or "parallel=false" not in str(exc):
            raise
    raw.parallel = False
    return _build(source, raw, con, mapped, platform, numbered=numbered, typed=typed)


# A cell that DuckDB's DOUBLE cast surely reads as it is (a subset of what it reads: "1391", " 7 ", "-3", "2.5",
# ".5", "1e3"), for the look at a CSV's first rows that decides whether to try the typed read.
_PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _build_fast(
    source: Source,
    raw: RawTable,
    con: duckdb.DuckDBPyConnection,
    mapped: dict[str, tuple[int, Col]],
    platform: str | None,
) -> tuple[list[str], set[str]]:
    """The unnumbered `_build`. A CSV whose count and amount columns hold plain numbers (generic exports) has
    those columns read as DOUBLE by DuckDB's CSV reader, which is much cheaper than the text rules. That typed
    table is kept only when the reader accepted every cell and no cell is bad; otherwise (a "1,391", a "-", a
    negative count, NaN, ...) the table is built again the careful way, all text, which decides what is loaded
    and what is said about it. Where the typed read accepts a cell, it holds what the text rules make of it
    (TRY_CAST to DOUBLE, the first step of skr_num), so both ways give the same rows."""
    typed = _typed_columns(source, raw, mapped)
    if typed:
        try:
            names, present = _build_retrying(source, raw, con, mapped, platform, numbered=False, typed=typed)
        except duckdb.Error:  # a cell the DOUBLE reader refuses: the careful build reads it as text
            pass
        else:
            if _first(con, f"SELECT count(*) FROM parsed WHERE NOT {_READABLE}")[0] == 0:
                return names, present
    return _build_retrying(source, raw, con, mapped, platform, numbered=False)


def _typed_columns(source: Source, raw: RawTable, mapped: dict[str, tuple[int, Col]]) -> dict[int, str]:
    """File columns of a CSV to read as DOUBLE (index -> type): those that feed only counts and amounts, whose
    header cannot be read as a number (so a row repeating the header fails the typed read) and whose cells in the
    first rows (`raw.sample`, from the header search) are empty or plain numbers. Empty when the file is not a
    CSV or when the first rows say the typed read would fail (it is then not tried: that would read the file
    twice). Only speed depends on this guess: the typed read refuses what it cannot read, and `_build_fast`
    builds carefully then."""
    if raw.csv_path is None or raw.rows is not None:
        return {}
    kinds: dict[int, set[str]] = {}
    for column, (_, spec) in mapped.items():
        kind = "platform" if column == "platform" else source.table.columns.get(column, "text")
        for i in spec.positions:
            kinds.setdefault(i, set()).add(kind)
    candidates = [i for i, k in sorted(kinds.items()) if k <= {"int", "money"} and not _maybe_number(raw, i)]
    for row in raw.sample:
        if any(i < len(row) and row[i] and not _PLAIN_NUMBER.fullmatch(row[i]) for i in candidates):
            return {}
    return dict.fromkeys(candidates, "DOUBLE")


def _maybe_number(raw: RawTable, index: int) -> bool:
    """Whether DuckDB might read the header of column `index` as a number: it has a digit, or it is a word such
    as inf or NaN (a superset of what DuckDB reads, so that a column whose header it could read is not typed)."""
    header = raw.raw_headers[index] if index < len(raw.raw_headers) else ""
    word = header.strip().lstrip("+-").lower()
    return any(ch.isdigit() for ch in header) or word in ("inf", "infinity", "nan")


def _check_duplicate_headers(raw: RawTable, con: duckdb.DuckDBPyConnection, mapped: dict[str, tuple[int, Col]]) -> None:
    """Two columns with the same header that is read (`gmv,gmv`): refused when their values differ anywhere,
    naming both columns, since either could be the right one."""
    for _, spec in mapped.values():
        for header, first in zip(spec.headers, spec.positions, strict=True):
            others = [i for i, h in enumerate(raw.headers) if h == normalize_header(header) and i != first]
            if not others:
                continue
            names = register_raw(con, raw, "dup_raw", numbered=True)
            for other in others:
                a, b = names[first], names[other]
                found = con.execute(
                    f"SELECT _ord, {a}, {b} FROM dup_raw WHERE {a} IS DISTINCT FROM {b} ORDER BY _ord LIMIT 1"
                ).fetchall()
                if found:
                    ordinal, left, right = found[0]
                    shown = raw.raw_headers[first] if first < len(raw.raw_headers) else header
                    raise ImportFileError(
                        raw.path,
                        f"columns {column_letters(first)} and {column_letters(other)} are both headed {shown!r} but "
                        f"hold different values ({_short(left)} and {_short(right)}), so ShopKR cannot tell "
                        "which one is right. Delete or rename one of them and import again.",
                        code="file.duplicate_headers",
                        params={
                            "first": column_letters(first),
                            "other": column_letters(other),
                            "header": shown,
                            "left": _short(left, "''"),
                            "right": _short(right, "''"),
                        },
                        row=raw.excel_row(ordinal),
                        sheet=raw.sheet,
                    )


def _short(value: object, empty: str = "empty") -> str:
    text = empty if value is None else repr(str(value))
    return text if len(text) <= 40 else text[:37] + "...'"


def _build(
    source: Source,
    raw: RawTable,
    con: duckdb.DuckDBPyConnection,
    mapped: dict[str, tuple[int, Col]],
    platform: str | None,
    *,
    numbered: bool,
    typed: Mapping[int, str] | None = None,
) -> tuple[list[str], set[str]]:
    """Create temp table `parsed` (typed columns, `_bad` = first unreadable column (`column#part` for one part
    of a summed column, `_extra` for cells past the header) or else DASH_ROW when a key cell holds only a dash,
    `_ord` = row number or NULL); returns the raw column names and the canonical columns present. Rows that
    repeat the header (exports pasted together) are left out and counted in `raw.repeated_headers`; total rows
    (a marker such as 合计 in the date or key column) are left out and counted in `raw.total_rows`. `typed`:
    file columns read as DOUBLE (see `_build_fast`); their cells are numbers or NULL already, and a typed `_bad`
    only means "build carefully"."""
    table = source.table
    typed = typed or {}
    names = register_raw(con, raw, numbered=numbered, types=typed)
    key_cols = [c for c in table.key if c in mapped and c != "date"]

    inner, outer, raw_cols, bad = [], ["_ord"], [], ["CASE WHEN _extra THEN '_extra' END"]
    for column, (_, spec) in mapped.items():
        if column == "platform":
            continue
        kind = table.columns.get(column, "text")
        first, finish = PARSE_SQL[kind]
        parts = []
        for k, index in enumerate(spec.positions):
            tag = f"{column}#{k}" if len(spec.positions) > 1 else column
            value = finish.format(v=f"_v_{column}_{k}", divisor=spec.divisor)
            c = names[index]
            inner.append(f"{c if index in typed else first.format(c=c)} AS _v_{column}_{k}")
            parts.append(value)
            if index in typed:  # a number the finish refuses (negative count, NaN, ...)
                bad.append(f"CASE WHEN ({value}) IS NULL AND {c} IS NOT NULL THEN {_lit(tag)} END")
            elif kind != "platform":
                # A cell that has something in it but did not parse; CASE keeps skr_blank off the good rows.
                bad.append(
                    f"CASE WHEN ({value}) IS NULL AND {c} IS NOT NULL THEN CASE WHEN skr_blank({c}) THEN NULL "
                    f"ELSE {_lit(tag)} END END"
                )
        if len(parts) == 1:
            outer.append(f"{parts[0]} AS {column}")
        else:  # a sum of several columns: NULL only when every part is
            total = " + ".join(f"coalesce({v}, 0)" for v in parts)
            nulls = " AND ".join(f"({v}) IS NULL" for v in parts)
            outer.append(f"CAST(CASE WHEN {nulls} THEN NULL ELSE {total} END AS {_sql_type(kind)}) AS {column}")
        raw_cols.append(column)
    if "date" not in mapped:  # the day comes from the file name (checked by the caller)
        outer.append(f"DATE {_lit(raw.date_from_name.isoformat())} AS date")  # type: ignore[union-attr]
        raw_cols.append("date")
    # A key cell of only dashes: the row may be a total (`_drop_dash_totals` decides). Last in the coalesce, so
    # that an unreadable cell of the row is still said; evaluated past two IS NULL tests only for rows without a
    # key. (Not for a typed-read key: key columns are text.)
    for column in key_cols:
        if column == "platform":
            continue
        c = names[mapped[column][0]]
        dash = f"CASE WHEN skr_dash({c}) THEN '{DASH_ROW}' END"
        bad.append(f"CASE WHEN _v_{column}_0 IS NULL AND {c} IS NOT NULL THEN {dash} END")
    outer.append(f"CASE WHEN _tot THEN '{TOTAL_ROW}' WHEN NOT _hdr THEN coalesce({', '.join(bad)}) END AS _bad")
    outer.append("_hdr")
    platform_expr = _lit(platform) if platform else "CAST(NULL AS VARCHAR)"
    if source.platform is None and "platform" in mapped:
        index = mapped["platform"][0]
        platform_expr = (
            f"coalesce(lower(skr_text({names[index]})), {_lit(platform)})"
            if platform
            else (f"lower(skr_text({names[index]}))")
        )
    # Which rows are left out, and nothing else. A row left out is never said, so each test must be TRUE for
    # certain: a NULL cell makes a comparison NULL, and `WHERE NOT (NULL)` drops the row as well. skr_total and
    # skr_blank are therefore two-valued (false, not NULL, for an empty cell), and so are both tests below:
    #  - total rows: a marker (合计, 总计, 全部, ...) in the date or key column. Tagged TOTAL_ROW in `_bad` (which
    #    the test costs no more than a filter would), then deleted and counted for the result line;
    #  - blank rows: nothing in any mapped column (left out here).
    # A row with an empty date or key cell ("", spaces, "-") stays: `_check` drops it when it has no number either
    # (a placeholder such as 生意参谋's "-" 商品ID with "-" everywhere) or when its key is a dash and it adds up
    # to the rows of its day (a total: `_drop_dash_totals`), and refuses the file otherwise.
    marker_cols = [names[mapped[c][0]] for c in ["date", *key_cols] if c in mapped]
    totals = [f"skr_total({c})" for c in marker_cols]
    # A key that falls back to another column (万相台: no 创意ID, the 创意名称 is the id) is a total when that
    # column holds the marker and the key cell is empty: else a 合计 row would load as a creative named 合计.
    for column, other in source.fallback.items():
        if column in table.key and other in mapped:
            named = f"skr_total({names[mapped[other][0]]})"
            totals.append(f"(skr_blank({names[mapped[column][0]]}) AND {named})" if column in mapped else named)
    is_total = " OR ".join(totals) or "false"
    cells = [i for _, spec in mapped.values() for i in spec.positions]
    is_blank = " AND ".join(f"{names[i]} IS NULL" if i in typed else f"skr_blank({names[i]})" for i in cells)
    # A row that repeats the header cell for cell (several exports pasted into one sheet). In a typed read it
    # cannot occur: the header text of a typed column is not a number, so such a row fails the read.
    headed = [i for i in cells if i < len(raw.raw_headers) and raw.raw_headers[i].strip()]
    is_header = " AND ".join(f"coalesce(trim({names[i]}) = {_lit(raw.raw_headers[i].strip())}, false)" for i in headed)
    if any(i in typed for i in headed):
        is_header = ""
    rows = f"""FROM (SELECT *, {is_header or "false"} AS _hdr, {is_total} AS _tot, {", ".join(inner)} FROM raw
            WHERE NOT ({is_blank}))"""
    _drop_parsed(con)
    if typed and not numbered and not is_header and not source.fallback:
        # A typed read has no row numbers and no repeated header rows, and nothing is updated afterwards: only
        # what varies from row to row is stored, and `parsed` is a view adding the rest (the platform of a file
        # without a platform column, _ord, _hdr). The same rows, without writing and reading a constant per row.
        stored = [c for c in outer if c not in ("_ord", "_hdr")]
        constant = "platform" in _constant(source, mapped)
        if not constant:
            stored.insert(0, f"{platform_expr} AS platform")
        con.execute(f"CREATE OR REPLACE TEMP TABLE parsed_stored AS SELECT {', '.join(stored)} {rows}").fetchall()
        con.execute(
            f"CREATE TEMP VIEW parsed AS SELECT {f'{platform_expr} AS platform, ' if constant else ''}"
            "CAST(NULL AS BIGINT) AS _ord, *, false AS _hdr FROM parsed_stored"
        )
    else:
        con.execute(
            f"CREATE TEMP TABLE parsed AS SELECT {platform_expr} AS platform, {', '.join(outer)} {rows}"
        ).fetchall()
    headers = "count(*) FILTER (WHERE _hdr)" if is_header else "0"
    raw.repeated_headers, raw.total_rows = con.execute(
        f"SELECT {headers}, count(*) FILTER (WHERE _bad = '{TOTAL_ROW}') FROM parsed"
    ).fetchone()
    if raw.repeated_headers:
        con.execute("DELETE FROM parsed WHERE _hdr")
    if raw.total_rows:
        con.execute(f"DELETE FROM {_stored(con)} WHERE _bad = '{TOTAL_ROW}'")
    for column, other in source.fallback.items():
        if column in mapped and other in mapped:
            con.execute(f"UPDATE parsed SET {column} = {other} WHERE {column} IS NULL")
        elif other in mapped and column not in mapped:
            con.execute(f"ALTER TABLE parsed ADD COLUMN {column} VARCHAR")
            con.execute(f"UPDATE parsed SET {column} = {other}")
            raw_cols.append(column)
    return names, set(raw_cols) | {"platform"}


def _drop_parsed(con: duckdb.DuckDBPyConnection) -> None:
    """Drop `parsed`, a table or (after a typed read) a view, so that either can be made next."""
    found = _first(
        con,
        "SELECT 'VIEW' FROM duckdb_views() WHERE view_name = 'parsed' AND temporary "
        "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = 'parsed' AND temporary",
    )
    if found:
        con.execute(f"DROP {found[0]} parsed")


def _check(
    source: Source,
    raw: RawTable,
    con: duckdb.DuckDBPyConnection,
    mapped: dict[str, tuple[int, Col]],
    names: list[str],
    present: set[str],
) -> None:
    """Raise ImportFileError for the first problem: an unreadable cell, a bad or missing platform, a missing
    key column, a row with numbers but an empty date or key cell (file.empty_key: the row as Excel shows it, the
    column, what to do), or (for sources that do not sum them) two rows with the same key. Rows with neither a date
    or key nor any number are deleted from `parsed` first (`_drop_rows_without_numbers`)."""
    table = source.table
    _check_cells(source, raw, con, mapped, names)
    _drop_rows_without_numbers(con, table, present)
    allowed = ", ".join(_lit(p) for p in PLATFORMS)
    bad_platform = _first(
        con, f"SELECT _ord, platform FROM parsed WHERE platform NOT IN ({allowed}) ORDER BY _ord LIMIT 1"
    )
    if bad_platform:
        raise ImportFileError(
            raw.path,
            "unknown platform.",
            code="file.unknown_platform",
            row=raw.excel_row(bad_platform[0]),
            column="platform",
            value=bad_platform[1],
            expected="one of " + ", ".join(PLATFORMS),
            expected_message=Message.make("file.expected.platforms", platforms=list(PLATFORMS)),
            sheet=raw.sheet,
        )
    no_platform = _first(con, "SELECT _ord FROM parsed WHERE platform IS NULL ORDER BY _ord LIMIT 1")
    if no_platform:
        raise ImportFileError(
            raw.path,
            "the platform cell is empty. Fill it in, or pass --platform.",
            code="file.empty_platform",
            row=raw.excel_row(no_platform[0]),
            column="platform",
            sheet=raw.sheet,
        )

    for column in table.key:
        if column not in present and column != "shop":
            raise ImportFileError(
                raw.path,
                f"no column for {column}.",
                code="file.no_key_column",
                params={"column": column},
                sheet=raw.sheet,
            )
    raw.total_rows += _drop_dash_totals(con, source, mapped, present)
    missing_keys = " OR ".join(f"{c} IS NULL" for c in table.key if c not in ("shop",))
    keys = [c for c in table.key if c != "shop"]
    bad = _first(con, f"SELECT _ord, _bad, {', '.join(keys)} FROM parsed WHERE {missing_keys} ORDER BY _ord LIMIT 1")
    if bad:
        empty = next(c for c, v in zip(keys, bad[2:], strict=True) if v is None)
        header = mapped[empty][1].headers[0] if empty in mapped else empty
        # The cell as written when it is not quite empty ("-", spaces): only on the error path, with row numbers.
        value = None
        if bad[0] is not None and empty in mapped:
            cell = _first(con, f"SELECT {names[mapped[empty][0]]} FROM raw WHERE _ord = {int(bad[0])}")
            value = cell[0] if cell and cell[0] not in (None, "") else None
        if bad[1] == DASH_ROW and empty != "date":
            raise _not_a_total(con, source, raw, mapped, present, bad[0], header, value)
        raise ImportFileError(
            raw.path,
            f"the {header} cell is empty but the row has numbers in it, so the row cannot be loaded and leaving it "
            f"out would make the totals short. Fill in the {header}; if the row is a total, write 合计 in the "
            f"{header} cell or delete the row. Then import the file again.",
            code="file.empty_key",
            params={"column": header},
            row=raw.excel_row(bad[0]),
            column=header,
            value=value,
            sheet=raw.sheet,
        )

    key = list(table.key)
    if not source.sum_duplicates and _has_duplicates(con, key, _constant(source, mapped)):
        dupes = _first(
            con,
            f"""SELECT {", ".join(c for c in key if c != "shop")}, list(_ord ORDER BY _ord) FROM parsed
            GROUP BY ALL HAVING count(*) > 1 LIMIT 1""",
        )
        rows = ", ".join(str(raw.excel_row(o)) for o in dupes[-1][:5] if o is not None) if dupes else ""
        names = "/".join(c for c in key if c not in ("shop", "platform"))
        values = ", ".join(str(v) for v in dupes[1:-1]) if dupes else ""
        raise ImportFileError(
            raw.path,
            f"rows {rows} have the same {names} ({values}). One row per key is expected; remove the copies.",
            code="file.duplicate_rows",
            params={"rows": rows, "key": names, "values": values},
            sheet=raw.sheet,
        )


def _drop_dash_totals(
    con: duckdb.DuckDBPyConnection, source: Source, mapped: dict[str, tuple[int, Col]], present: set[str]
) -> int:
    """Delete the rows of `parsed` whose key cell holds only a dash (`-`, `--`, `—`: DASH_ROW in `_bad`) and that
    are totals: for every column of `table.additive` with a value in the row (at least one), the value equals the
    sum of the other rows of the same day (and platform) within TOTAL_TOLERANCE_REL of that sum or
    TOTAL_TOLERANCE_ABS, whichever is larger; a row without a date is compared with the whole file. A dash row
    that does not add up stays (`_check` refuses the file for it: `_not_a_total`). The sums are kept in temp
    table `dash_sums` for that message. Returns the number of rows deleted (0 at once when no key is a dash)."""
    target = _stored(con)
    if not _first(con, f"SELECT count(*) FROM (SELECT 1 FROM {target} WHERE {_dashed(source, mapped)} LIMIT 1)")[0]:
        return 0  # the usual file
    columns = [c for c in source.table.additive if c in present]
    if not columns:
        return 0  # nothing to check a total on: `_check` says so
    ids = [c for c in source.table.key if c in mapped and c not in ("platform", "shop", "date")]
    detail = " AND ".join(f"{c} IS NOT NULL" for c in ["date", *ids])
    by = ["platform"] if "platform" not in _constant(source, mapped) else []
    day = ", ".join([*by, "date"])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE dash_sums AS SELECT {day}, {", ".join(f"sum({c}) AS {c}" for c in columns)}
        FROM {target} WHERE {detail} GROUP BY GROUPING SETS (({day}), ({", ".join(by)}))"""
    )
    on = " AND ".join(f"s.{c} IS NOT DISTINCT FROM t.{c}" for c in [*by, "date"])
    close = " AND ".join(
        f"(t.{c} IS NULL OR abs(t.{c} - coalesce(s.{c}, 0)) <= "
        f"greatest({TOTAL_TOLERANCE_ABS}, {TOTAL_TOLERANCE_REL} * abs(coalesce(s.{c}, 0))))"
        for c in columns
    )
    some = " OR ".join(f"t.{c} IS NOT NULL" for c in columns)
    found = con.execute(
        f"""DELETE FROM {target} WHERE rowid IN (SELECT t.rowid FROM {target} t LEFT JOIN dash_sums s ON {on}
        WHERE {_dashed(source, mapped, "t.")} AND ({some}) AND {close})"""
    ).fetchone()
    return int(found[0]) if found else 0


def _dashed(source: Source, mapped: dict[str, tuple[int, Col]], alias: str = "") -> str:
    """SQL condition on `parsed`: the row's key cell holds only a dash, so its key is NULL (`alias`: "t." ...)."""
    ids = [c for c in source.table.key if c in mapped and c not in ("platform", "shop", "date")]
    if not ids:
        return "false"
    return f"{alias}_bad = '{DASH_ROW}' AND ({' OR '.join(f'{alias}{c} IS NULL' for c in ids)})"


def _not_a_total(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    raw: RawTable,
    mapped: dict[str, tuple[int, Col]],
    present: set[str],
    ordinal: int | None,
    header: str,
    value: str | None,
) -> ImportFileError:
    """The error for the first row of `parsed` whose key cell is a dash (`ordinal`; None in the unnumbered
    read: the first such row) and that `_drop_dash_totals` kept: the first column of `table.additive` whose value
    differs from the sum of the other rows of its day, by how much (file.dash_key_not_total), or that the row has
    no value to check (file.dash_key_unverifiable)."""
    table = source.table
    columns = [c for c in table.additive if c in present]
    where = f"t._ord = {int(ordinal)}" if ordinal is not None else _dashed(source, mapped, "t.")
    what = f"Fill in the {header} if the row is an entry of its own, or delete the row if it is a total. Then import "
    what += "the file again."
    common = {"row": raw.excel_row(ordinal), "column": header, "value": value, "sheet": raw.sheet}
    row = None
    if columns:
        by = [c for c in ("platform",) if c not in _constant(source, mapped)]
        on = " AND ".join(f"s.{c} IS NOT DISTINCT FROM t.{c}" for c in [*by, "date"])
        picked = ", ".join(f"t.{c}, coalesce(s.{c}, 0)" for c in columns)
        row = _first(
            con,
            f"SELECT t.date, {picked} FROM parsed t LEFT JOIN dash_sums s ON {on} WHERE {where} ORDER BY t._ord "
            "LIMIT 1",
        )
    if row is not None:
        day = str(row[0])
        for i, c in enumerate(columns):
            got, total = row[1 + 2 * i], row[2 + 2 * i]
            if got is None:
                continue
            if abs(got - total) > max(TOTAL_TOLERANCE_ABS, TOTAL_TOLERANCE_REL * abs(total)):
                metric = mapped[c][1].headers[0] if c in mapped else c
                shown = {
                    "metric": metric,
                    "got": _amount(got, table.columns[c]),
                    "total": _amount(total, table.columns[c]),
                    "difference": _amount(got - total, table.columns[c], signed=True),
                }
                return ImportFileError(
                    raw.path,
                    f"the {header} cell holds only a dash, which marks a total row only when the row equals the sum "
                    f"of the other rows of its day (to within 0.1 % or 0.01), and this row does not: its {metric} is "
                    f"{shown['got']} while the rows of {day} add up to {shown['total']} (a difference of "
                    f"{shown['difference']}). {what}",
                    code="file.dash_key_not_total",
                    params={"column": header, "day": day, **shown},
                    **common,
                )
    checked = ", ".join(mapped[c][1].headers[0] if c in mapped else c for c in columns or table.additive)
    return ImportFileError(
        raw.path,
        f"the {header} cell holds only a dash, which marks a total row only when the row equals the sum of the "
        f"other rows of its day, and this row has no number that can be checked ({checked}). {what}",
        code="file.dash_key_unverifiable",
        params={"column": header, "columns": checked},
        **common,
    )


def _amount(value: float, kind: str, *, signed: bool = False) -> str:
    """A count or amount for a message: 1,391 or 1,391.50 (with its sign when `signed`)."""
    sign = "+" if signed else ""
    return f"{value:{sign},.0f}" if kind == "int" else f"{value:{sign},.2f}"


def _drop_rows_without_numbers(con: duckdb.DuckDBPyConnection, table: Table, present: set[str]) -> bool:
    """Delete the rows of `parsed` that have no date or key and no count or amount either: they carry nothing to
    load (a placeholder such as a "-" 商品ID with "-" everywhere, a note under the table). The rows left without a
    date or key have numbers, and `_check` refuses the file for them. Returns whether any row was deleted."""
    keys = [c for c in table.key if c not in ("shop", "platform") and c in present]
    if not keys:
        return False
    missing = " OR ".join(f"{c} IS NULL" for c in keys)
    if not _first(con, f"SELECT count(*) FROM (SELECT 1 FROM parsed WHERE {missing} LIMIT 1)")[0]:
        return False  # the usual file: every row has its date and key
    no_numbers = " AND ".join(f"{c} IS NULL" for c in table.metrics if c in present) or "true"
    where = f"({missing}) AND {no_numbers}"
    if not _first(con, f"SELECT count(*) FROM parsed WHERE {where}")[0]:
        return False
    con.execute(f"DELETE FROM {_stored(con)} WHERE {where}")
    return True


def _stored(con: duckdb.DuckDBPyConnection) -> str:
    """The table that holds the rows of `parsed`, to delete from: `parsed` itself, or after a typed read the table
    `parsed_stored` under the view `parsed` (it holds the date, key, metric and `_bad` columns; the platform only
    when the file has a platform column)."""
    found = _first(con, "SELECT 1 FROM duckdb_tables() WHERE table_name = 'parsed_stored' AND temporary")
    view = _first(con, "SELECT 1 FROM duckdb_views() WHERE view_name = 'parsed' AND temporary")
    return "parsed_stored" if found and view else "parsed"


def _has_duplicates(con: duckdb.DuckDBPyConnection, key: list[str], same: tuple[str, ...] = ()) -> bool:
    """Do two rows of `parsed` share the natural key (no NULL in it: checked before)? `same`: key columns known
    to hold one value in every row (the platform of a file without a platform column), left out. Rows whose keys
    increase strictly from one to the next (a file sorted by day, then ID, as most are) have none, which one pass
    shows (DuckDB streams lag() OVER ()); otherwise a hash count (cheap on a million rows)."""
    keys_sql = ", ".join(c for c in key if c != "shop" and c not in same)
    unsorted = _first(
        con,
        f"SELECT count(*) FILTER (WHERE NOT (prev < cur)) FROM "
        f"(SELECT row({keys_sql}) AS cur, lag(row({keys_sql})) OVER () AS prev FROM parsed)",
    )[0]
    if not unsorted:
        return False
    return bool(_first(con, f"SELECT count(*) - count(DISTINCT hash({keys_sql})) FROM parsed")[0])


def _constant(source: Source, mapped: dict[str, tuple[int, Col]]) -> tuple[str, ...]:
    """Columns of `parsed` with one value in every row: the platform, unless the file has a platform column."""
    return () if source.platform is None and "platform" in mapped else ("platform",)


def _first(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _sql_type(kind: str) -> str:
    return SQL_TYPE[kind]  # type: ignore[index]


def _check_cells(
    source: Source, raw: RawTable, con: duckdb.DuckDBPyConnection, mapped: dict[str, tuple[int, Col]], names: list[str]
) -> None:
    """Raise for the first cell that has a value the rule for its column cannot read."""
    bad = _first(con, f"SELECT _ord, _bad FROM parsed WHERE NOT {_READABLE} ORDER BY _ord LIMIT 1")
    if bad is None:
        return
    ordinal, tag = bad
    if tag == "_extra":
        raise ImportFileError(
            raw.path,
            f"the row has more cells than the header has columns ({len(raw.headers)}). A value written with an "
            "unquoted comma (such as 1,391 without quotes) splits into two cells and shifts the rest of the row. "
            "Export the file again, or open it in Excel and save it as .xlsx.",
            code="file.extra_cells",
            params={"columns": len(raw.headers)},
            row=raw.excel_row(ordinal),
            sheet=raw.sheet,
        )
    column, _, part = tag.partition("#")
    spec = mapped[column][1]
    k = int(part) if part else 0
    if ordinal is None:  # the fast path has no row numbers: to_canonical builds again with them
        raise ImportFileError(
            raw.path, "a cell cannot be read.", code="file.unreadable_cell", column=spec.headers[k], sheet=raw.sheet
        )
    # Only on the error path: read the cell's text back from the raw rows.
    value = _first(con, f"SELECT {names[spec.positions[k]]} FROM raw WHERE _ord = {int(ordinal)}")[0]

    kind = source.table.columns.get(column, "text")
    header = spec.headers[k]
    reason, code, params = "this cell cannot be read.", "file.unreadable_cell", {}
    number = _number(con, value) if kind in ("int", "money") else None
    if kind == "date" and ("至" in value or "~" in value):
        reason = "the date is a period, so the file is a multi-day summary. Export one day per row (日/按天)."
        code = "file.date_period"
    elif kind == "date" and _first(con, "SELECT skr_date(?)", [value])[0] is not None:
        reason = f"the date is outside {DATE_MIN}..{DATE_MAX}, so it cannot be a business day of an export."
        code, params = "file.date_range", {"min": str(DATE_MIN), "max": str(DATE_MAX)}
    elif kind in ("int", "money") and "%" in value:
        reason, code = "a percentage stands where a count or amount belongs.", "file.percent_in_number"
    elif kind == "int" and number is not None and number < 0:
        reason = "a count (visitors, buyers, orders, impressions, clicks, ...) cannot be negative."
        code = "file.negative_count"
    elif kind in ("text", "id") and len(value) > MAX_CELL_CHARS:
        reason = f"the cell is longer than {MAX_CELL_CHARS:,} characters; exports never have cells this long."
        code, params = "file.cell_too_long", {"max": MAX_CELL_CHARS}
    raise ImportFileError(
        raw.path,
        reason,
        code=code,
        params=params,
        row=raw.excel_row(ordinal),
        column=header,
        value=value,
        expected=EXPECTED[kind],
        expected_message=EXPECTED_MESSAGES[kind],
        sheet=raw.sheet,
    )


def _number(con: duckdb.DuckDBPyConnection, value: str) -> float | None:
    found = _first(con, "SELECT skr_num(?)", [value])
    return None if found is None else found[0]
