"""The CLI and the dashboard share the database file: a writer waits for the other process, never fails
with a lock error; and the dashboard shows new data on its next run, without a restart."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from shopkr.data import importer, store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "暖居抖音小店" / "抖店罗盘_成交概览_2026-11-26.xlsx"

HOLDER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, sys.argv[1])
    from shopkr.data import store
    with store.connect(sys.argv[2]) as con:
        store.run(con, "SELECT count(*) FROM shop_daily")
        print("holding", flush=True)
        time.sleep(float(sys.argv[3]))
    """
)


def _hold(db: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(ROOT), str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_cli_import_waits_while_another_process_holds_the_database(tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    with store.connect(db):
        pass
    holder = _hold(db, 6.0)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "shopkr", "import", str(SAMPLE), "--shop", "暖居抖音小店", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    holder.wait(timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "busy" in done.stderr and "waiting" in done.stderr
    assert time.monotonic() - start >= 1.0
    assert "1 imported" in done.stdout
    with store.connect(db) as con:
        assert store.one(con, "SELECT count(*) FROM shop_daily")[0] == 1


def test_a_writer_that_waits_too_long_gets_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    with store.connect(db):
        pass
    holder = _hold(db, 5.0)
    try:
        try:
            with store.connect(db, wait=0.5):
                raise AssertionError("the database should have been busy")
        except store.DatabaseBusy as exc:
            assert "in use by another ShopKR process" in str(exc)
    finally:
        holder.kill()
        holder.wait()


def test_data_version_changes_when_another_process_imports(tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    with store.connect(db):
        pass
    before = store.data_version(db)
    results = importer.import_files([SAMPLE], "暖居抖音小店", db=db)
    assert results[0].status == "ok"
    assert store.data_version(db) != before


def test_threads_of_one_process_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    """The dashboard's first page and its demo loader open the new file together: each connection used to run
    the migrations at the same time and all but one failed with "Catalog write-write conflict"."""
    import threading

    for attempt in range(5):
        db = tmp_path / f"new{attempt}.duckdb"
        start = threading.Barrier(3)
        errors: list[BaseException] = []

        def open_it(db: Path = db, start: threading.Barrier = start, errors: list = errors) -> None:
            start.wait()
            try:
                with store.connect(db) as con:
                    store.run(con, "SELECT count(*) FROM shop_daily")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[0]
        with store.connect(db) as con:
            assert store.one(con, "SELECT value FROM meta WHERE key = 'schema_version'")[0] == str(store.SCHEMA_VERSION)
