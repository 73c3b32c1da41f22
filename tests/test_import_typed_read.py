"""The typed CSV read (connectors.base._build_fast): a CSV whose count and amount columns hold plain numbers has
them read as DOUBLE by DuckDB's reader, and any other file the careful all-text way. Whatever the cells, a file
gives exactly what the careful read gives: the same rows, notes and counts, or the same refusal with the same
code, row as Excel shows it, column and value. Every case is compared with the careful read alone."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import connectors.base as base
from connectors import ImportFileError, load_file

SHOP = "测试店"
HEADER = "date,product_id,product_name,visitors,gmv,buyers"
PLAIN = ["2026-11-01,71,杯子,10,1.50,1", "2026-11-01,72,壶,0,0,0", "2026-11-02,71,杯子,12,99.99,2"]

# Cells put in the visitors (count) or gmv (amount) column of the last row: plain numbers the typed read
# takes, and text only the careful rules read or refuse.
CELLS = [
    "12",
    " 7 ",
    "7\t",
    "1e3",
    "1E+2",
    "+4",
    ".5",
    "5.",
    "00012",
    "1_000",
    "2.5",
    "-3",
    "-0",
    "0x1A",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "infinity",
    "1.5e400",
    "9007199254740993",
    "1e19",
    "-",
    "--",
    "—",
    "N/A",
    "null",
    "None",
    "",
    " ",
    '"1,391"',
    '"1,391.50"',
    "12元",
    "¥12",
    "3.25%",
    "1 000",
    "\u3000" + "8",
    "合计",
]


def outcome(path: Path, platform: str | None = "pdd") -> tuple:
    """What loading `path` gives, comparable across the two reads."""
    try:
        parsed = load_file(path, SHOP, platform)
    except ImportFileError as exc:
        return ("refused", exc.code, dict(exc.params), exc.row, exc.column, exc.value, exc.message)
    rows = [
        {k: ("nan" if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in parsed.rows.to_pylist()
    ]
    return ("loaded", parsed.source, rows, parsed.repeated_headers, parsed.ignored)


@pytest.fixture
def typed_builds(monkeypatch) -> list[dict]:
    """Every typed build attempted (the columns read as DOUBLE), recorded."""
    seen: list[dict] = []
    real = base._build

    def spy(*args, typed=None, **kwargs):
        if typed:
            seen.append(dict(typed))
        return real(*args, typed=typed, **kwargs)

    monkeypatch.setattr(base, "_build", spy)
    return seen


def careful(monkeypatch, path: Path, platform: str | None = "pdd") -> tuple:
    """The outcome with the typed read switched off."""
    with monkeypatch.context() as m:
        m.setattr(base, "_typed_columns", lambda *args: {})
        return outcome(path, platform)


def test_a_plain_generic_file_is_read_typed_and_loads_as_the_careful_read_does(tmp_path, monkeypatch, typed_builds):
    path = tmp_path / "plain.csv"
    path.write_text("\n".join([HEADER, *PLAIN]) + "\n", encoding="utf-8")
    got = outcome(path)
    assert typed_builds == [{3: "DOUBLE", 4: "DOUBLE", 5: "DOUBLE"}]
    assert got[0] == "loaded" and len(got[2]) == 3
    assert got == careful(monkeypatch, path)


@pytest.mark.parametrize("column", ["visitors", "gmv"])
@pytest.mark.parametrize("cell", CELLS)
def test_any_cell_gives_what_the_careful_read_gives(tmp_path, monkeypatch, cell, column):
    row = {"date": "2026-11-03", "product_id": "73", "product_name": "盘", "visitors": "5", "gmv": "8", "buyers": "1"}
    row[column] = cell
    path = tmp_path / "cell.csv"
    path.write_text("\n".join([HEADER, *PLAIN, ",".join(row.values())]) + "\n", encoding="utf-8")
    assert outcome(path) == careful(monkeypatch, path)


# Whole files: the sample of the first rows looks plain, the trouble comes later (the typed read fails or
# finds a bad cell, and the careful read decides), or the file's shape is what matters.
LATE = [f"2026-11-03,7{i % 10},杯子,{i},1.5,1" for i in range(3000)]
FILES = {
    "repeated header late": [HEADER, *PLAIN, HEADER, "2026-11-03,73,盘,5,8,1"],
    "total row": [HEADER, *PLAIN, "合计,,,22,101.49,3"],
    "dash in the id column": [HEADER, *PLAIN, "2026-11-03,-,,22,101.49,3"],
    "blank row": [HEADER, PLAIN[0], ",,,,,", PLAIN[1]],
    "empty date with data": [HEADER, *PLAIN, ",73,盘,5,8,1"],
    "empty id with data": [HEADER, *PLAIN, "2026-11-03,,盘,5,8,1"],
    "extra cell": [HEADER, *PLAIN, "2026-11-03,73,盘,5,8,1,9"],
    "short row": [HEADER, *PLAIN, "2026-11-03,73,盘,5"],
    "negative count late": [HEADER, *[f"2026-11-01,{i},x,{i},1,1" for i in range(3000)], "2026-11-02,1,x,-1,1,1"],
    "dash late": [HEADER, *[f"2026-11-01,{i},x,{i},1,1" for i in range(3000)], "2026-11-02,1,x,-,1,1"],
    "duplicate key": [HEADER, *PLAIN, PLAIN[0]],
    "duplicate key late": [HEADER, *LATE],
    "quoted line break": [HEADER, PLAIN[0], '2026-11-01,72,"保温杯主图B\n双11版",3,4.5,1', PLAIN[2]],
    "date outside 2000..2100": [HEADER, *PLAIN, "1999-12-31,73,盘,5,8,1"],
    "numeric header text": ["date,product_id,product_name,visitors,gmv,2026", *[r + ",1" for r in PLAIN]],
}


@pytest.mark.parametrize("name", list(FILES))
def test_a_file_gives_what_the_careful_read_gives(tmp_path, monkeypatch, name):
    path = tmp_path / "file.csv"
    path.write_text("\n".join(FILES[name]) + "\n", encoding="utf-8")
    assert outcome(path) == careful(monkeypatch, path)


def test_a_platform_column_and_several_platforms(tmp_path, monkeypatch):
    path = tmp_path / "platforms.csv"
    lines = ["date,platform,gmv,visitors", "2026-11-01,pdd,1.5,3", "2026-11-01,jd,2,4", "2026-11-02,PDD,3,5"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert outcome(path, None)[0] == "loaded"
    assert outcome(path, None) == careful(monkeypatch, path, None)
    path.write_text("\n".join([*lines, "2026-11-01,jd,3,5"]) + "\n", encoding="utf-8")  # a duplicate (jd, 11-01)
    assert outcome(path, None)[0] == "refused"
    assert outcome(path, None) == careful(monkeypatch, path, None)


def test_a_sycm_file_with_thousands_separators_is_not_read_twice(tmp_path, typed_builds):
    path = tmp_path / "sycm.csv"
    path.write_text('统计日期,访客数,支付金额\n2026-11-01,"1,391",4230\n2026-11-02,9,5\n', encoding="utf-8")
    assert outcome(path, None)[0] == "loaded"
    assert typed_builds == []  # the sample saw "1,391": straight to the careful read
