"""Big imports are written as whole DuckDB row groups, whatever Arrow chunks the rows come in (a parallel CSV read
gives 122,880 + 34,844 + ...): partial row groups would make the next checkpoint rewrite the whole table. Every
row is written once either way. Structure, not time: the row groups of the stored table are counted."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pyarrow as pa
import pytest

from connectors import Parsed, load_file
from connectors.canonical import PRODUCT_DAILY
from shopkr.data import store

ROWS = 300_000
ROW_GROUP = 122_880


def product_rows(chunk: int) -> pa.Table:
    """ROWS product-day rows of one shop (300 products x 1,000 days) in Arrow chunks of `chunk` rows."""
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i // 300) for i in range(ROWS)]
    columns = {
        "platform": pa.array(["pdd"] * ROWS),
        "shop": pa.array(["店"] * ROWS),
        "date": pa.array(days, pa.date32()),
        "product_id": pa.array([str(900_000 + i % 300) for i in range(ROWS)]),
        "product_name": pa.nulls(ROWS, pa.string()),
    }
    for column in PRODUCT_DAILY.metrics:
        kind = PRODUCT_DAILY.columns[column]
        columns[column] = pa.array(range(ROWS)) if kind == "int" else pa.array([i / 4 for i in range(ROWS)])
    table = pa.table(columns)
    return pa.Table.from_batches(table.to_batches(max_chunksize=chunk), table.schema)


def row_groups(con) -> list[int]:
    sql = "SELECT row_group_id, max(count) FROM pragma_storage_info('product_daily') GROUP BY 1 ORDER BY 1"
    return [n for _, n in con.execute(sql).fetchall()]


@pytest.mark.parametrize("chunk", [100_000, ROW_GROUP, 200_000])
def test_rows_in_any_chunks_are_written_once_in_whole_row_groups(tmp_path: Path, chunk: int) -> None:
    rows = product_rows(chunk)
    digest = hashlib.sha256(str(chunk).encode()).hexdigest()
    parsed = Parsed(Path("big.csv"), digest, "generic", "test rows", PRODUCT_DAILY, rows)
    with store.connect(tmp_path / "db.duckdb") as con:
        result = store.write_parsed(con, parsed, user="test")
        assert (result.new, result.replaced, result.unchanged) == (ROWS, 0, 0)
        got = con.execute("SELECT count(*), count(DISTINCT (date, product_id)), sum(visitors) FROM product_daily")
        assert got.fetchall() == [(ROWS, ROWS, ROWS * (ROWS - 1) // 2)]
        assert row_groups(con) == [ROW_GROUP, ROW_GROUP, ROWS - 2 * ROW_GROUP]


def test_a_parsed_csv_is_handed_over_in_whole_row_groups(tmp_path: Path) -> None:
    """What the connectors export is already in chunks of a row group (the store writes it in one statement)."""
    path = tmp_path / "generic.csv"
    lines = [f"2020-01-{1 + i // 10_000:02d},{i % 10_000},{i % 97},{i % 13}.5" for i in range(250_000)]
    path.write_text("date,product_id,visitors,gmv\n" + "\n".join(lines) + "\n", encoding="utf-8")
    parsed = load_file(path, "店", "pdd")
    sizes = [b.num_rows for b in parsed.rows.to_batches()]
    assert sum(sizes) == 250_000 and all(n == ROW_GROUP for n in sizes[:-1]), sizes
