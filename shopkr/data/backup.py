"""Backups of the database file: `python -m shopkr backup` / `restore`, and the copy a schema migration writes first.

A backup is one DuckDB file, a byte copy of the database taken while this process holds the database's lock
(DuckDB lets one process open a file for writing; the dashboard and other imports wait, store.connect) and
right after a CHECKPOINT (everything in the write-ahead log moved into the file), so the copy is consistent
and opens like any ShopKR database. DuckDB's EXPORT DATABASE is not used: it writes a folder of files, and
ShopKR's connections have external file access switched off (store.CONFIG).

Restoring takes the lock, copies the current database to a backup first ("before-restore"), then replaces
the file in one rename. The restored database gets a new data version, so an open dashboard reloads.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shopkr.data import store

PREFIX = "shopkr-backup"


class BackupError(RuntimeError):
    """A backup file that cannot be restored (not a ShopKR database, a newer schema, unreadable); the message
    says what and what to do. Nothing was changed."""


@dataclass(frozen=True)
class BackupInfo:
    """What a ShopKR database file holds, to show before restoring it."""

    path: Path
    schema_version: int
    imports: int  # import_log rows
    objectives: int
    last_change: dt.datetime | None  # newest import or OKR change
    checkins: int = 0  # the OKR rhythm and sign-in (schema 6); 0 in an older file
    notes: int = 0
    reviews: int = 0  # objective reviews
    users: int = 0


def backup_dir(db: str | os.PathLike | None = None) -> Path:
    """The default folder for backups: `backups/` next to the database file."""
    return store.db_path(db).parent / "backups"


def stamp(now: dt.datetime | None = None) -> str:
    """A file-name timestamp to the microsecond (two backups in one second get two files)."""
    return (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S-%f")


def copy_locked(con: duckdb.DuckDBPyConnection, source: Path, target: Path) -> Path:
    """Copy the database `source`, open on `con` (so this process holds its lock), to `target` after a
    CHECKPOINT: a consistent single-file copy. Writes to `target` + ".part" and renames, so a crash leaves no
    half file under the final name. Returns `target`. Raises OSError when the folder cannot be written."""
    store.run(con, "CHECKPOINT")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    shutil.copyfile(source, part)
    os.replace(part, target)
    return target


def backup(db: str | os.PathLike | None = None, to: str | os.PathLike | None = None, *, label: str = "") -> Path:
    """Write one timestamped backup file of the database `db` into `to` (default: backup_dir(db)), e.g.
    backups/shopkr-backup-20261201-103000-123456.duckdb; returns its path. Raises BackupError when there is no
    database at `db` or `to` is a file; waits like store.connect while another process writes (raises
    store.DatabaseBusy after the wait)."""
    source = store.db_path(db)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}: check --db or SHOPKR_DB. Nothing written.")
    folder = Path(to) if to is not None else backup_dir(db)
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"--to {folder} is a file: give the folder the backup goes into. Nothing written.")
    name = f"{PREFIX}-{stamp()}{'-' + label if label else ''}.duckdb"
    with store.connect(source) as con:
        return copy_locked(con, source, folder / name)


def inspect(path: str | os.PathLike) -> BackupInfo:
    """Open `path` read-only and say what it holds. Raises BackupError when it is not a ShopKR database or
    its schema is newer than this ShopKR."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file. Give the path of a backup file (ls backups/).")
    try:
        con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    except duckdb.Error as exc:
        raise BackupError(f"{path} is not a DuckDB database ({exc}). Choose a file written by `backup`.") from None
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if not {"meta", "import_log"} <= tables:
            raise BackupError(f"{path} is a DuckDB file but not a ShopKR database. Choose a file written by `backup`.")
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > store.SCHEMA_VERSION:
            raise BackupError(
                f"{path} has schema version {version}, newer than this ShopKR ({store.SCHEMA_VERSION}). "
                "Update ShopKR, then restore."
            )
        imports, last_import = con.execute("SELECT count(*), max(imported_at) FROM import_log").fetchone()
        objectives, last_change = 0, None
        if "okr_objectives" in tables:
            objectives = con.execute("SELECT count(*) FROM okr_objectives").fetchone()[0]
            last_change = con.execute("SELECT max(changed_at) FROM okr_changes").fetchone()[0]
        newest = max((t for t in (last_import, last_change) if t is not None), default=None)
        counts = {
            field: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if table in tables else 0
            for field, table in (
                ("checkins", "checkins"),
                ("notes", "annotations"),
                ("reviews", "objective_reviews"),
                ("users", "users"),
            )
        }
        return BackupInfo(path, version, imports, objectives, newest, **counts)
    finally:
        con.close()


def restore(path: str | os.PathLike, db: str | os.PathLike | None = None) -> Path | None:
    """Replace the database `db` with the backup `path` (checked with `inspect` first: BackupError and nothing
    changed when it is not restorable). The current database is first copied to backup_dir(db) as
    `shopkr-backup-<time>-before-restore.duckdb`, which is returned (None when there was no database at `db`:
    the backup simply becomes it). The restored file gets a data version newer
    than the replaced one's (open dashboards reload) and is migrated when next opened if it is older (the
    migration writes its own backup first). Raises store.DatabaseBusy while another process holds the file."""
    source = Path(path)
    inspect(source)
    target = store.db_path(db)
    if target.exists() and source.resolve() == target.resolve():
        raise BackupError(f"{source} is the database itself: choose a backup file. Nothing changed.")
    staged = target.with_name(target.name + ".restoring")
    if not target.exists():  # nothing to keep: the backup becomes the database
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, staged)
        os.replace(staged, target)
        return None
    with store.connect(target) as con:
        kept = copy_locked(con, target, backup_dir(db) / f"{PREFIX}-{stamp()}-before-restore.duckdb")
        shutil.copyfile(source, staged)
    # The lock is released on close; the rename follows at once (a rename is atomic: a reader opens the old
    # or the new file, never half of one). The closed connection checkpointed, so no write-ahead log is left.
    os.replace(staged, target)
    with store.connect(target) as con, store.transaction(con):
        store.bump_data_version(con)
    return kept
