"""What every connector declares, and the one engine that turns a raw table into canonical rows.

A connector module has the same three parts (detect, to_canonical, natural key); most of them are a
`Source` declaration: which headers identify the export and which header feeds which canonical column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from connectors.canonical import PLATFORMS, SQL_TYPE, Table
from connectors.errors import ImportFileError
from connectors.parsing import EXPECTED, PARSE_SQL, RawTable, normalize_header, register_raw


@dataclass(frozen=True)
class Col:
    """Where a canonical column comes from: alternative headers (first present wins) and a divisor (100 for
    money in fen)."""

    headers: tuple[str, ...]
    divisor: int = 1


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

    def known_headers(self) -> set[str]:
        """Every header this source reads or requires, for the header-row search."""
        names = {h for alt in self.required for h in alt}
        names.update(h for col in self.columns.values() for h in col.headers)
        return names

    def resolve(self, headers: list[str]) -> dict[str, tuple[int, Col]]:
        """Canonical column -> (index of the header in the file, spec), for the columns present."""
        position: dict[str, int] = {}
        for i, h in enumerate(headers):
            position.setdefault(normalize_header(h), i)
        found = {}
        for column, spec in self.columns.items():
            for h in spec.headers:
                if normalize_header(h) in position:
                    # Old 直通车 reports give money in fen and say so in the header.
                    divisor = spec.divisor * (100 if h.endswith("(分)") else 1)
                    found[column] = (position[normalize_header(h)], Col((h,), divisor))
                    break
        return found

    def to_canonical(self, raw: RawTable, con: duckdb.DuckDBPyConnection, shop: str, platform: str | None) -> pa.Table:
        """Raw table -> canonical rows (Arrow), totals dropped; raises ImportFileError naming the first bad cell."""
        return to_canonical(self, raw, con, shop, platform)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def to_canonical(
    source: Source, raw: RawTable, con: duckdb.DuckDBPyConnection, shop: str, platform: str | None
) -> pa.Table:
    """The shared engine: parse each mapped cell with the SQL cell rules, check, drop totals, dedupe on the key."""
    platform = source.platform or platform
    table = source.table
    mapped = source.resolve(raw.headers)
    if not platform and "platform" not in mapped:
        raise ImportFileError(
            raw.path, "the file has no platform column. Add one, or pass --platform (taobao, douyin, pdd, jd, other)."
        )
    if "date" not in mapped:
        raise ImportFileError(raw.path, "no date column found.", sheet=raw.sheet)
    # Fast path without row numbers (numbering rows forces DuckDB to read a CSV on one thread). Only when a
    # check fails is the table built again with row numbers, to say which row as Excel shows it.
    names, present = _build(source, raw, con, mapped, platform, numbered=False)
    try:
        _check(source, raw, con, mapped, names, present)
    except ImportFileError:
        names, present = _build(source, raw, con, mapped, platform, numbered=True)
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
    select = ", ".join(out_cols)
    dupes = source.sum_duplicates and _has_duplicates(con, key)
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
    return con.sql(f"SELECT {select} FROM parsed").to_arrow_table()


def _build(
    source: Source,
    raw: RawTable,
    con: duckdb.DuckDBPyConnection,
    mapped: dict[str, tuple[int, Col]],
    platform: str | None,
    *,
    numbered: bool,
) -> tuple[list[str], set[str]]:
    """Create temp table `parsed` (typed columns, `_bad` = first unreadable column, `_ord` = row number or
    NULL); returns the raw column names and the canonical columns present."""
    table = source.table
    names = register_raw(con, raw, numbered=numbered)
    key_cols = [c for c in table.key if c in mapped and c != "date"]

    inner, outer, raw_cols, bad = [], ["_ord"], [], []
    for column, (index, spec) in mapped.items():
        if column == "platform":
            continue
        kind = table.columns.get(column, "text")
        first, finish = PARSE_SQL[kind]
        value = finish.format(v="_v_" + column, divisor=spec.divisor)
        inner.append(f"{first.format(c=names[index])} AS _v_{column}")
        outer.append(f"{value} AS {column}")
        raw_cols.append(column)
        if kind not in ("text", "platform"):
            # A cell that has something in it but did not parse; CASE keeps skr_blank off the good rows.
            c = names[index]
            bad.append(
                f"CASE WHEN ({value}) IS NULL AND {c} IS NOT NULL THEN CASE WHEN skr_blank({c}) THEN NULL "
                f"ELSE {_lit(column)} END END"
            )
    outer.append(f"coalesce({', '.join(bad)}) AS _bad" if bad else "CAST(NULL AS VARCHAR) AS _bad")
    platform_expr = _lit(platform) if platform else "CAST(NULL AS VARCHAR)"
    if source.platform is None and "platform" in mapped:
        index = mapped["platform"][0]
        platform_expr = (
            f"coalesce(lower(skr_text({names[index]})), {_lit(platform)})"
            if platform
            else (f"lower(skr_text({names[index]}))")
        )
    # Total rows carry a marker in the date or key column; blank rows have nothing in any mapped column.
    marker_cols = [names[mapped[c][0]] for c in ["date", *key_cols]]
    is_total = " OR ".join(f"skr_total({c})" for c in marker_cols)
    # A "-" where the product/creative id belongs marks a placeholder or totals row (生意参谋), not an entity.
    for c in key_cols:
        cell = names[mapped[c][0]]
        is_total += f" OR coalesce(length({cell}) <= 6 AND skr_clean({cell}) IN ('-', '--'), false)"
    is_blank = " AND ".join(f"skr_blank({names[i]})" for i, _ in mapped.values())
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE parsed AS
        SELECT {platform_expr} AS platform, {", ".join(outer)} FROM (
            SELECT *, {", ".join(inner)} FROM raw WHERE NOT ({is_total}) AND NOT ({is_blank}))"""
    ).fetchall()
    for column, other in source.fallback.items():
        if column in mapped and other in mapped:
            con.execute(f"UPDATE parsed SET {column} = {other} WHERE {column} IS NULL")
        elif other in mapped and column not in mapped:
            con.execute(f"ALTER TABLE parsed ADD COLUMN {column} VARCHAR")
            con.execute(f"UPDATE parsed SET {column} = {other}")
            raw_cols.append(column)
    return names, set(raw_cols) | {"platform"}


def _check(
    source: Source,
    raw: RawTable,
    con: duckdb.DuckDBPyConnection,
    mapped: dict[str, tuple[int, Col]],
    names: list[str],
    present: set[str],
) -> None:
    """Raise ImportFileError for the first problem: an unreadable cell, a bad or missing platform, a missing
    key column or key cell, or (for sources that do not sum them) two rows with the same key."""
    table = source.table
    _check_cells(source, raw, con, mapped, names)
    allowed = ", ".join(_lit(p) for p in PLATFORMS)
    bad_platform = _first(
        con, f"SELECT _ord, platform FROM parsed WHERE platform NOT IN ({allowed}) ORDER BY _ord LIMIT 1"
    )
    if bad_platform:
        raise ImportFileError(
            raw.path,
            "unknown platform.",
            row=raw.excel_row(bad_platform[0]),
            column="platform",
            value=bad_platform[1],
            expected="one of " + ", ".join(PLATFORMS),
            sheet=raw.sheet,
        )
    no_platform = _first(con, "SELECT _ord FROM parsed WHERE platform IS NULL ORDER BY _ord LIMIT 1")
    if no_platform:
        raise ImportFileError(
            raw.path,
            "the platform cell is empty. Fill it in, or pass --platform.",
            row=raw.excel_row(no_platform[0]),
            column="platform",
            sheet=raw.sheet,
        )

    for column in table.key:
        if column not in present and column != "shop":
            raise ImportFileError(raw.path, f"no column for {column}.", sheet=raw.sheet)
    missing_keys = " OR ".join(f"{c} IS NULL" for c in table.key if c not in ("shop",))
    bad = _first(
        con,
        f"SELECT _ord, {', '.join(c for c in table.key if c != 'shop')} FROM parsed WHERE {missing_keys} "
        "ORDER BY _ord LIMIT 1",
    )
    if bad:
        empty = next(c for c, v in zip([c for c in table.key if c != "shop"], bad[1:], strict=True) if v is None)
        header = mapped[empty][1].headers[0] if empty in mapped else empty
        raise ImportFileError(
            raw.path,
            f"the {header} cell is empty but the row has data.",
            row=raw.excel_row(bad[0]),
            column=header,
            sheet=raw.sheet,
        )

    key = list(table.key)
    if not source.sum_duplicates and _has_duplicates(con, key):
        dupes = _first(
            con,
            f"""SELECT {", ".join(c for c in key if c != "shop")}, list(_ord ORDER BY _ord) FROM parsed
            GROUP BY ALL HAVING count(*) > 1 LIMIT 1""",
        )
        rows = ", ".join(str(raw.excel_row(o)) for o in dupes[-1][:5] if o is not None) if dupes else ""
        raise ImportFileError(
            raw.path,
            f"rows {rows} have the same {'/'.join(c for c in key if c not in ('shop', 'platform'))} "
            f"({', '.join(str(v) for v in dupes[1:-1])}). One row per key is expected; remove the copies.",
            sheet=raw.sheet,
        )


def _has_duplicates(con: duckdb.DuckDBPyConnection, key: list[str]) -> bool:
    """Do two rows of `parsed` share the natural key? A hash count first (cheap on a million rows)."""
    keys_sql = ", ".join(c for c in key if c != "shop")
    return bool(_first(con, f"SELECT count(*) - count(DISTINCT hash({keys_sql})) FROM parsed")[0])


def _first(con: duckdb.DuckDBPyConnection, sql: str) -> tuple | None:
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else None


def _sql_type(kind: str) -> str:
    return SQL_TYPE[kind]  # type: ignore[index]


def _check_cells(
    source: Source, raw: RawTable, con: duckdb.DuckDBPyConnection, mapped: dict[str, tuple[int, Col]], names: list[str]
) -> None:
    """Raise for the first cell that has a value the rule for its column cannot read."""
    bad = _first(con, "SELECT _ord, _bad FROM parsed WHERE _bad IS NOT NULL ORDER BY _ord LIMIT 1")
    if bad is None:
        return
    ordinal, column = bad
    if ordinal is None:  # the fast path has no row numbers: to_canonical builds again with them
        raise ImportFileError(raw.path, "a cell cannot be read.", column=column, sheet=raw.sheet)
    # Only on the error path: read the cell's text back from the raw rows.
    value = _first(con, f"SELECT {names[mapped[column][0]]} FROM raw WHERE _ord = {int(ordinal)}")[0]

    kind = source.table.columns.get(column, "text")
    header = mapped[column][1].headers[0]
    reason = "this cell cannot be read."
    if kind == "date" and ("至" in value or "~" in value):
        reason = "the date is a period, so the file is a multi-day summary. Export one day per row (日/按天)."
    elif kind in ("int", "money") and "%" in value:
        reason = "a percentage stands where a count or amount belongs."
    raise ImportFileError(
        raw.path,
        reason,
        row=raw.excel_row(ordinal),
        column=header,
        value=value,
        expected=EXPECTED[kind],
        sheet=raw.sheet,
    )
