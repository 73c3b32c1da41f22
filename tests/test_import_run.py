"""The fixed costs of an import run (issue 9): each file is read and hashed once, and a run of small text files
opens the database once; Excel files and big runs parse with the database closed, so the dashboard never waits
for a long parse."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES

import connectors
from shopkr.data import importer, store

SHOP = "计数店"
XLSX = SAMPLES / "抖店罗盘_成交概览_2026-07-01.xlsx"


def generic_csv(path: Path, day: int) -> Path:
    path.write_text(f"date,visitors,buyers,gmv\n2026-11-{day:02d},100,3,300.5\n", encoding="utf-8")
    return path


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> dict:
    """Counts database connections (and how many are open), file reads, and the open connections while each
    file is parsed."""
    seen: dict = {"connects": 0, "open": 0, "reads": [], "open_while_parsing": []}
    connect, read_export, load_file = store.connect, connectors.read_export, connectors.load_file

    @contextlib.contextmanager
    def counting_connect(*args, **kwargs):
        with connect(*args, **kwargs) as con:
            seen["connects"] += 1
            seen["open"] += 1
            try:
                yield con
            finally:
                seen["open"] -= 1

    def counting_read(path):
        seen["reads"].append(Path(path).name)
        return read_export(path)

    def watched_load(path, *args, **kwargs):
        seen["open_while_parsing"].append(seen["open"])
        return load_file(path, *args, **kwargs)

    monkeypatch.setattr(store, "connect", counting_connect)
    monkeypatch.setattr(connectors, "read_export", counting_read)
    monkeypatch.setattr(connectors, "load_file", watched_load)
    return seen


def test_a_run_of_csv_files_opens_the_database_once_and_reads_each_file_once(tmp_path: Path, watch: dict) -> None:
    files = [generic_csv(tmp_path / f"pdd_{day}.csv", day) for day in (1, 2, 3)]
    results = importer.import_files(files, SHOP, platform="pdd", db=tmp_path / "a.duckdb")
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert watch["connects"] == 1
    assert sorted(watch["reads"]) == ["pdd_1.csv", "pdd_2.csv", "pdd_3.csv"]
    assert watch["open_while_parsing"] == [1, 1, 1]  # held: a small text run parses in moments


def test_a_run_of_unchanged_files_opens_the_database_once_and_parses_nothing(tmp_path: Path, watch: dict) -> None:
    files = [generic_csv(tmp_path / f"pdd_{day}.csv", day) for day in (1, 2)]
    importer.import_files(files, SHOP, platform="pdd", db=tmp_path / "a.duckdb")
    watch.update(connects=0, reads=[], open_while_parsing=[])
    results = importer.import_files(files, SHOP, platform="pdd", db=tmp_path / "a.duckdb")
    assert [r.status for r in results] == ["unchanged", "unchanged"]
    assert watch["connects"] == 1 and watch["open_while_parsing"] == []
    assert sorted(watch["reads"]) == ["pdd_1.csv", "pdd_2.csv"]


def test_excel_files_are_parsed_with_the_database_closed(tmp_path: Path, watch: dict) -> None:
    csv_file = generic_csv(tmp_path / "pdd_1.csv", 1)
    xlsx = Path(shutil.copy(XLSX, tmp_path / XLSX.name))
    results = importer.import_files([csv_file, xlsx], SHOP, platform="douyin", db=tmp_path / "b.duckdb")
    assert [r.status for r in results] == ["ok", "ok"]
    assert watch["open_while_parsing"] == [0, 0]
    assert watch["connects"] == 2  # find the known files, then write
    assert sorted(watch["reads"]) == sorted(["pdd_1.csv", XLSX.name])


def test_a_big_text_run_is_parsed_with_the_database_closed(
    tmp_path: Path, watch: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_file = generic_csv(tmp_path / "pdd_1.csv", 1)
    monkeypatch.setattr(importer, "HOLD_BYTES", csv_file.stat().st_size - 1)
    results = importer.import_files([csv_file], SHOP, platform="pdd", db=tmp_path / "c.duckdb")
    assert [r.status for r in results] == ["ok"]
    assert watch["open_while_parsing"] == [0] and watch["connects"] == 2


def test_a_file_that_cannot_be_read_fails_alone_and_is_logged(tmp_path: Path, watch: dict) -> None:
    good = generic_csv(tmp_path / "pdd_1.csv", 1)
    results = importer.import_files([tmp_path / "missing.csv", good], SHOP, platform="pdd", db=tmp_path / "d.duckdb")
    assert [r.status for r in results] == ["failed", "ok"]
    assert watch["connects"] == 1
    with store.connect(tmp_path / "d.duckdb") as con:
        logged = store.run(con, "SELECT file_name, status FROM import_log ORDER BY file_name")
    assert logged == [("missing.csv", "failed"), ("pdd_1.csv", "ok")]
