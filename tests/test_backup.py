"""Backup and restore (issue 12): one consistent file, restore after confirmation keeping the replaced database,
and a migration that writes a backup first, checked on a database made by the previous release."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

from shopkr.app import cli
from shopkr.data import backup, importer, store

ROOT = Path(__file__).resolve().parents[1]
# Made by ShopKR at bec6f94 (schema version 5): `import` of the 暖居旗舰店 history CSV, `okrs load` of a 2026-Q2
# objective with two KRs, `okrs close 2026-Q2 --final`; gzipped (20 KB instead of 5 MB of mostly empty blocks).
V5 = ROOT / "tests" / "fixtures" / "schema" / "schema_v5.duckdb.gz"
HISTORY = ROOT / "data" / "samples" / "暖居旗舰店" / "generic_history_shop_daily_暖居旗舰店.csv"
OKRS = """
cycles:
  - {id: 2026-Q2, start: 2026-04-01, end: 2026-06-30}
objectives:
  - id: O1
    cycle: 2026-Q2
    title: 旗舰店 GMV
    owner: 李娜
    origin: bottom-up
    key_results:
      - {id: O1.KR1, title: Q2 GMV 10万, metric: gmv, filters: {shop: 暖居旗舰店}, target: 100000}
"""


def everything(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table and the sequences' positions, read without migrating (read-only, raw DuckDB)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        found = {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
        found["sequences"] = con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences() ORDER BY 1"
        ).fetchall()
        return found
    finally:
        con.close()


def unpack_v5(tmp_path: Path) -> Path:
    path = tmp_path / "old.duckdb"
    with gzip.open(V5) as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def test_a_database_made_by_the_previous_release_migrates_keeping_its_data_and_a_backup(tmp_path: Path) -> None:
    old = unpack_v5(tmp_path)
    before = everything(old)
    assert ("schema_version", "5") in before["meta"]
    with store.connect(old) as con:
        assert store.get_meta(con, "schema_version") == str(store.SCHEMA_VERSION)
        okrs = store.read_okrs(con)
        assert [kr.id for kr in okrs.objectives[0].key_results] == ["O1.KR1", "O1.KR2"]
        importer_rows = store.one(con, "SELECT count(*) FROM shop_daily")[0]
    after = everything(old)
    for table, rows in before.items():
        if table == "meta":
            continue
        now = [r for r in after[table] if r in rows] if table == "sequences" else after[table]  # + new sequences
        assert now == rows, table  # every row of the old tables is still there, unchanged
    assert importer_rows == 365
    # the backup written before migrating is the old file as it was
    saved = list((tmp_path / "backups").glob(f"shopkr-backup-*-before-v{store.SCHEMA_VERSION}.duckdb"))
    assert len(saved) == 1
    assert everything(saved[0]) == before
    # opening again migrates nothing and writes no second backup
    with store.connect(old):
        pass
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_a_new_database_gets_no_migration_backup(tmp_db: Path) -> None:
    with store.connect(tmp_db):
        pass
    assert not (tmp_db.parent / "backups").exists()


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    db = tmp_path / "shop.duckdb"
    importer.import_files([HISTORY], "暖居旗舰店", db=db, user="t")
    (tmp_path / "okrs.yaml").write_text(OKRS, encoding="utf-8")
    assert cli.main(["okrs", "load", str(tmp_path / "okrs.yaml"), "--db", str(db), "--user", "t"]) == 0
    return db


def test_backup_then_change_then_restore_returns_the_exact_data(small_db: Path, tmp_path: Path) -> None:
    saved = backup.backup(small_db, tmp_path / "b")
    before = everything(small_db)
    assert everything(saved) == before
    # change: an edited KR target, a deleted day of data, a lock
    changed = OKRS.replace("target: 100000", "target: 120000")
    (tmp_path / "okrs2.yaml").write_text(changed, encoding="utf-8")
    assert cli.main(["okrs", "load", str(tmp_path / "okrs2.yaml"), "--db", str(small_db), "--user", "t"]) == 0
    assert cli.main(["okrs", "lock", "2026-Q2", "--db", str(small_db), "--user", "t"]) == 0
    with store.connect(small_db) as con, store.transaction(con):
        store.run(con, "DELETE FROM shop_daily WHERE date = DATE '2026-05-01'")
    changed_state = everything(small_db)
    assert changed_state != before

    kept = backup.restore(saved, small_db)
    restored = everything(small_db)
    meta = restored.pop("meta")
    assert {k: v for k, v in restored.items()} == {k: v for k, v in before.items() if k != "meta"}
    assert ("schema_version", str(store.SCHEMA_VERSION)) in meta
    # the replaced database is kept, with the change in it
    assert kept.parent == small_db.parent / "backups" and "before-restore" in kept.name
    assert everything(kept)["shop_daily"] == changed_state["shop_daily"]
    assert not Path(str(small_db) + ".restoring").exists()


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.write_bytes(b"not a database at all\n" * 100), "not a DuckDB database"),
        (lambda p: duckdb.connect(str(p)).execute("CREATE TABLE t (x INT)").close(), "not a ShopKR database"),
        (lambda p: None, "does not exist"),
    ],
)
def test_restoring_what_is_not_a_shopkr_backup_changes_nothing(small_db: Path, tmp_path: Path, make, words) -> None:
    bad = tmp_path / "bad.duckdb"
    make(bad)
    before = everything(small_db)
    with pytest.raises(backup.BackupError, match=words):
        backup.restore(bad, small_db)
    assert everything(small_db) == before
    assert not (small_db.parent / "backups").exists()


def test_a_backup_from_a_newer_shopkr_is_refused(small_db: Path, tmp_path: Path) -> None:
    newer = backup.backup(small_db, tmp_path / "b")
    con = duckdb.connect(str(newer))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(store.SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(backup.BackupError, match="newer than this ShopKR"):
        backup.restore(newer, small_db)


def test_cli_backup_and_restore(
    small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    assert cli.main(["backup", "--db", str(small_db), "--to", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    saved = next((tmp_path / "b").glob("shopkr-backup-*.duckdb"))
    assert str(saved) in out and "1 objectives" in out
    with store.connect(small_db) as con, store.transaction(con):
        store.run(con, "DELETE FROM okr_objectives")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert cli.main(["restore", str(saved), "--db", str(small_db)]) == 1  # no terminal, no --yes
    assert "confirm with --yes" in capsys.readouterr().err
    with store.connect(small_db) as con:
        assert store.one(con, "SELECT count(*) FROM okr_objectives")[0] == 0
    assert cli.main(["restore", str(saved), "--db", str(small_db), "--yes"]) == 0
    assert "kept as" in capsys.readouterr().out
    with store.connect(small_db) as con:
        assert store.one(con, "SELECT count(*) FROM okr_objectives")[0] == 1


def test_a_backup_of_a_missing_database_or_into_a_file_is_refused(small_db: Path, tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    with pytest.raises(backup.BackupError, match="there is no database"):
        backup.backup(missing, tmp_path / "b")
    assert not missing.exists() and not (tmp_path / "b").exists()  # a typo in --db creates nothing
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with pytest.raises(backup.BackupError, match="is a file"):
        backup.backup(small_db, a_file)
    assert cli.main(["backup", "--db", str(missing)]) == 1


def test_restoring_onto_no_database_or_onto_itself(small_db: Path, tmp_path: Path) -> None:
    saved = backup.backup(small_db, tmp_path / "b")
    fresh = tmp_path / "new" / "shopkr.duckdb"
    assert backup.restore(saved, fresh) is None  # nothing to keep: the backup becomes the database
    assert everything(fresh) == everything(saved) and not (fresh.parent / "backups").exists()
    with pytest.raises(backup.BackupError, match="the database itself"):
        backup.restore(small_db, small_db)
