"""The DuckDB file: where it is, how to open it, its schema and migrations, and the one write path.

Connections are short-lived and opened with one configuration everywhere (external access off), so the
CLI and the dashboard can share the file: a process that finds the file locked waits and retries.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb

from connectors.canonical import ROLLUPS, SQL_TYPE, TABLES, Table

if TYPE_CHECKING:  # imported lazily below: an import run needs neither pydantic nor pandas
    import pyarrow as pa

    from connectors import Parsed
    from shopkr.domain.engine import Closing
    from shopkr.domain.okr import Cycle, Objective, OKRFile

ROOT = Path(__file__).resolve().parents[2]  # the repository: shopkr/data/store.py -> ../..
DEFAULT_DB = ROOT / "data" / "shopkr.duckdb"

# Same settings on every connection of the process (DuckDB refuses a second config for the same file).
# External access off: custom KR SQL cannot read or write files; our own imports parse in a separate
# in-memory database and hand rows over as Arrow.
CONFIG = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "threads": 2,
    # Custom KR SQL runs on these connections: cap its memory (one KR took 2-4 GB; over the cap a query fails
    # with "Out of Memory") and what it may spill to the file's .tmp directory. Set at connect, before
    # lock_configuration; per database instance, so imports share the caps: the demo import and a
    # 1,000,000-row import stay well under them (bigger writes spill to the .tmp directory).
    "memory_limit": "1GB",
    "max_temp_directory_size": "4GB",
}


class DatabaseBusy(TimeoutError):
    """The database file stayed locked by another process for longer than the wait allowed (a TimeoutError, so
    code that only gets a `connect` callable, such as engine.kr_series, can catch it without this module)."""


class Refusal(ValueError):
    """A write refused before anything was written, as a message code and its parameters (the words, in 简体中文 and
    English, are in shopkr/app/i18n.py: `i18n.render(error, lang)`); `message` is the same as a Message. Each kind
    of record has its subclass (CheckInError, AnnotationError, ReviewError, UserError)."""

    def __init__(self, code: str, **params: object) -> None:
        from shopkr.domain.messages import Message

        self.code = code
        self.params: dict[str, object] = params
        self._message = Message(code, params)
        super().__init__(str(self._message))

    @property
    def message(self):  # -> shopkr.domain.messages.Message
        """The refusal as a Message (code and parameters)."""
        return self._message


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The database file: the argument, else $SHOPKR_DB, else data/shopkr.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get("SHOPKR_DB")
    return Path(env) if env else DEFAULT_DB


def _settle(con: duckdb.DuckDBPyConnection) -> None:
    """No progress bar on stdout; then lock the configuration so custom KR SQL cannot turn external access
    back on. Both are per database instance, so a second connection in the process finds them already set."""
    for statement in ("SET enable_progress_bar = false", "SET lock_configuration = true"):
        with contextlib.suppress(duckdb.InvalidInputException):
            run(con, statement)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


@contextlib.contextmanager
def connect(
    path: str | os.PathLike | None = None,
    *,
    wait: float = 30.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database (creating and migrating it), retrying while another process holds the lock."""
    target = db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    delay, told = 0.05, False
    while True:
        try:
            con = duckdb.connect(str(target), config=CONFIG)
            _settle(con)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{target} is in use by another ShopKR process (import or dashboard) and stayed busy "
                    f"for {wait:.0f} s. Try again in a moment."
                ) from None
            if on_wait and not told:
                on_wait(f"{target.name} is busy (another import or the dashboard is writing); waiting...")
                told = True
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    try:
        with _MIGRATING:
            migrate(con, target)
        yield con
    finally:
        con.close()


# The connections of one process share one database instance per file (DuckDB's instance cache): two threads
# migrating at once (the dashboard's first page and its demo loader) both run the same CREATE TABLEs and one
# fails with "Catalog write-write conflict". So one migrates at a time; the others then find the schema current.
# Other processes cannot race: the file lock lets only one process open the file at a time.
_MIGRATING = threading.Lock()


def run(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Execute and fetch everything (DuckDB 2 refuses other work on a connection with a pending result)."""
    return con.execute(sql, params or []).fetchall()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one way this module writes: BEGIN, run the block, COMMIT; if the block raises, ROLLBACK and re-raise,
    so the database is exactly as before (datasette's execute_write_fn does the same around a function)."""
    run(con, "BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        run(con, "ROLLBACK")
        raise
    run(con, "COMMIT")


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row or None, with the result fully consumed (see `run`)."""
    rows = run(con, sql, params)
    return rows[0] if rows else None


# --- schema -------------------------------------------------------------------------------------------


def _create_canonical(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    cols = ", ".join(f"{name} {SQL_TYPE[kind]}" for name, kind in table.columns.items())
    # No PRIMARY KEY: the key is kept by the one write path below (delete + insert per key), which is much
    # faster than an ART index on tens of millions of rows; tests check uniqueness after every import.
    run(con, f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}, import_id BIGINT)")


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES.values():
        _create_canonical(con, table)
    run(con, "CREATE SEQUENCE IF NOT EXISTS import_seq START 1")
    run(
        con,
        """CREATE TABLE IF NOT EXISTS import_log (
            id BIGINT PRIMARY KEY, file_name VARCHAR, path VARCHAR, sha256 VARCHAR, source VARCHAR,
            platform VARCHAR, shop VARCHAR, table_name VARCHAR, sheet VARCHAR, rows_total BIGINT,
            rows_new BIGINT, rows_replaced BIGINT, rows_unchanged BIGINT, date_min DATE, date_max DATE,
            imported_at TIMESTAMP, status VARCHAR, error VARCHAR, user_name VARCHAR)""",
    )


# --- schema v2: OKR definitions ----------------------------------------------------------------------------------


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    """OKR definitions (one JSON body per objective / test), locks, change history and closed grades."""
    run(
        con,
        'CREATE TABLE okr_cycles (id VARCHAR PRIMARY KEY, start DATE, "end" DATE, locked_at TIMESTAMP, '
        "locked_by VARCHAR, closed_at TIMESTAMP)",
    )
    run(
        con,
        "CREATE TABLE okr_objectives (id VARCHAR PRIMARY KEY, cycle VARCHAR, owner VARCHAR, position INTEGER, "
        "body JSON)",
    )
    run(con, "CREATE TABLE ab_tests (id VARCHAR PRIMARY KEY, position INTEGER, body JSON)")
    run(con, "CREATE SEQUENCE okr_change_seq START 1")
    run(
        con,
        "CREATE TABLE okr_changes (id BIGINT PRIMARY KEY, changed_at TIMESTAMP, user_name VARCHAR, cycle VARCHAR, "
        "entity VARCHAR, entity_id VARCHAR, field VARCHAR, old_value VARCHAR, new_value VARCHAR, reason VARCHAR)",
    )
    run(
        con,
        "CREATE TABLE kr_closings (cycle VARCHAR, kr_id VARCHAR, objective_id VARCHAR, closed_at TIMESTAMP, "
        "value DOUBLE, numerator DOUBLE, denominator DOUBLE, start DOUBLE, target DOUBLE, progress DOUBLE, "
        "score DOUBLE, status VARCHAR, query VARCHAR, source_rows BIGINT, rows_hash VARCHAR, data_through DATE, "
        "PRIMARY KEY (cycle, kr_id))",
    )
    run(
        con,
        "CREATE TABLE objective_closings (cycle VARCHAR, objective_id VARCHAR, closed_at TIMESTAMP, "
        "score DOUBLE, status VARCHAR, PRIMARY KEY (cycle, objective_id))",
    )


# --- schema v3: what the demo wrote ---------------------------------------------------------------------


def _v3(con: duckdb.DuckDBPyConnection) -> None:
    """Marks of what the demo wrote, recorded when it writes it, so clearing the demo removes exactly that:
    its import ids, its objectives / A/B tests / cycle rows as loaded, and its own change-history rows."""
    run(con, "CREATE TABLE demo_imports (import_id BIGINT PRIMARY KEY)")
    run(con, "CREATE TABLE demo_definitions (entity VARCHAR, id VARCHAR, body VARCHAR, PRIMARY KEY (entity, id))")
    run(con, "CREATE TABLE demo_changes (change_id BIGINT PRIMARY KEY)")


# --- schema v4: per-shop rollups of product rows ------------------------------------------------------------


def _v4(con: duckdb.DuckDBPyConnection) -> None:
    """The per-(platform, shop, date) rollups the engine reads for shop-wide product KRs (metrics.ROLLUPS),
    filled from the rows already there."""
    for rollup in ROLLUPS.values():
        source = TABLES[rollup.source]
        sums = ", ".join(f"{c} {SQL_TYPE[source.columns[c]]}" for c in source.metrics)
        run(con, f"CREATE TABLE {rollup.table} (platform VARCHAR, shop VARCHAR, date DATE, rows BIGINT, {sums})")
        refresh_rollup(con, rollup.source)


# --- schema v5: revision history and provisional closings ----------------------------------------------------


def _v5(con: duckdb.DuckDBPyConnection) -> None:
    """What a newer pull replaced (`revisions`: one row per changed column of a replaced canonical row, with the
    old and new value as text, when, the replacing import and the replaced row's import, and the last business
    date of each of those imports: when each value was seen), and provisional closings (`kr_closings.provisional`,
    `provisional_share`; `okr_cycles.final_on`: the day a provisional closing's grades become final, NULL once
    final). IF NOT EXISTS: a database a test rolled back to an earlier version may still have them."""
    run(con, "CREATE SEQUENCE IF NOT EXISTS revision_seq START 1")
    # No PRIMARY KEY (the sequence keeps ids unique): like the canonical tables, a big re-import appends many
    # rows at once and an ART index would cost more than the insert.
    run(
        con,
        "CREATE TABLE IF NOT EXISTS revisions (id BIGINT, table_name VARCHAR, platform VARCHAR, shop VARCHAR, "
        "date DATE, item_id VARCHAR, column_name VARCHAR, old_value VARCHAR, new_value VARCHAR, replaced_at TIMESTAMP, "
        "import_id BIGINT, old_import_id BIGINT, data_through DATE, old_data_through DATE)",
    )
    run(con, "ALTER TABLE kr_closings ADD COLUMN IF NOT EXISTS provisional BOOLEAN DEFAULT false")
    run(con, "ALTER TABLE kr_closings ADD COLUMN IF NOT EXISTS provisional_share DOUBLE")
    run(con, "ALTER TABLE okr_cycles ADD COLUMN IF NOT EXISTS final_on DATE")


# --- schema v6: the OKR rhythm (issue 11): check-ins, notes on the charts, quarter-end reviews ----------------


def _v6(con: duckdb.DuckDBPyConnection) -> None:
    """Check-ins (`checkins`: an owner's confidence 0-10 and note on a KR for a day; one per KR, author and day,
    editable by its author on the day it was made, every change also in okr_changes), notes on the charts
    (`annotations`: a day or date range, a scope (shop, shop + product, shop + creative, or a KR) and a text),
    quarter-end reviews (`kr_reviews`: an owner's grade 0.0-1.0 of each KR beside the data score it started
    from; `objective_reviews`: the three look-back answers per objective), `demo_rhythm`: which of those
    rows the demo wrote (entity, id, and the body as written), so clearing the demo removes exactly them; and
    for sign-in (issue 12) `users` (role, a slow salted password hash, never a password; e-mail for OIDC) and
    `signin_attempts` (for the rate limit)."""
    run(con, "CREATE SEQUENCE IF NOT EXISTS checkin_seq START 1")
    run(
        con,
        "CREATE TABLE IF NOT EXISTS checkins (id BIGINT PRIMARY KEY, cycle VARCHAR, kr_id VARCHAR, date DATE, "
        "author VARCHAR, confidence INTEGER, note VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP, "
        "UNIQUE (kr_id, author, date))",
    )
    run(con, "CREATE SEQUENCE IF NOT EXISTS annotation_seq START 1")
    run(
        con,
        'CREATE TABLE IF NOT EXISTS annotations (id BIGINT PRIMARY KEY, start DATE, "end" DATE, shop VARCHAR, '
        "product_id VARCHAR, creative_id VARCHAR, kr_id VARCHAR, text VARCHAR, author VARCHAR, "
        "created_at TIMESTAMP)",
    )
    run(
        con,
        "CREATE TABLE IF NOT EXISTS kr_reviews (cycle VARCHAR, kr_id VARCHAR, objective_id VARCHAR, grade DOUBLE, "
        "data_score DOUBLE, author VARCHAR, updated_at TIMESTAMP, PRIMARY KEY (cycle, kr_id))",
    )
    run(
        con,
        "CREATE TABLE IF NOT EXISTS objective_reviews (cycle VARCHAR, objective_id VARCHAR, owner VARCHAR, "
        "worked VARCHAR, did_not_work VARCHAR, decision VARCHAR, decision_note VARCHAR, author VARCHAR, "
        "updated_at TIMESTAMP, PRIMARY KEY (cycle, objective_id))",
    )
    run(
        con,
        "CREATE TABLE IF NOT EXISTS demo_rhythm (entity VARCHAR, id VARCHAR, body VARCHAR, "
        "PRIMARY KEY (entity, id))",
    )
    # Sign-in (issue 12): users with a role and a slow salted password hash (never the password), e-mail for
    # OIDC matching, and sign-in attempts for the rate limit.
    run(
        con,
        "CREATE TABLE IF NOT EXISTS users (name VARCHAR PRIMARY KEY, role VARCHAR, password_hash VARCHAR, "
        "email VARCHAR, created_at TIMESTAMP, updated_at TIMESTAMP)",
    )
    run(con, "CREATE TABLE IF NOT EXISTS signin_attempts (name VARCHAR, attempted_at TIMESTAMP, ok BOOLEAN)")


# Append-only: migration n brings the schema from version n-1 to n. Never edit a released step.
MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found before. An existing database of an older
    version (at `path`, the file `con` has open) is first copied to backups/ next to it
    (`shopkr-backup-<time>-before-v<N>.duckdb`, shopkr.data.backup), so an upgrade can be undone with `restore`."""
    row = one(con, "SELECT value FROM meta WHERE key = 'schema_version'") if _has_meta(con) else None
    found = int(row[0]) if row else 0
    if found > SCHEMA_VERSION:
        raise RuntimeError(
            f"the database has schema version {found}, newer than this ShopKR ({SCHEMA_VERSION}). Update ShopKR."
        )
    if 0 < found < SCHEMA_VERSION and path is not None:
        from shopkr.data import backup  # the backup module builds on this one

        name = f"{backup.PREFIX}-{backup.stamp()}-before-v{SCHEMA_VERSION}.duckdb"
        backup.copy_locked(con, path, backup.backup_dir(path) / name)
    run(con, "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with transaction(con):
            MIGRATIONS[version - 1](con)
            run(con, "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)])
    return found


def _has_meta(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(one(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'")[0])


def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    """Mark that canonical data or definitions changed (caches key on it)."""
    run(
        con,
        """INSERT OR REPLACE INTO meta VALUES ('data_version',
        CAST(coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR))""",
    )


def data_version(path: str | os.PathLike | None = None) -> tuple:
    """A cheap fingerprint of the database file (path, size and mtime of the file and its WAL) for cache keys."""
    target = db_path(path)
    parts: list = [str(target.resolve())]
    for f in (target, Path(str(target) + ".wal")):
        try:
            st = f.stat()
            parts += [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            parts += [0, 0]
    return tuple(parts)


# --- the write path -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteResult:
    """What one file did to its table. A file with rows of several platforms (a generic file with a
    `platform` column) is written and logged once per (platform, shop) pair: one import id each."""

    import_ids: tuple[int, ...]
    new: int
    replaced: int
    unchanged: int

    @property
    def import_id(self) -> int:
        """The first (usually the only) import id of the file."""
        return self.import_ids[0]


def find_import(con: duckdb.DuckDBPyConnection, sha256: str, shop: str) -> tuple | None:
    """The earlier successful import of the same bytes for the same shop, if any: (id, file_name, imported_at)."""
    return one(
        con,
        """SELECT id, file_name, imported_at FROM import_log
        WHERE sha256 = ? AND shop = ? AND status IN ('ok', 'unchanged') ORDER BY id LIMIT 1""",
        [sha256, shop],
    )


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    """A new id for the import log."""
    return one(con, "SELECT nextval('import_seq')")[0]


def write_parsed(con: duckdb.DuckDBPyConnection, parsed: Parsed, *, user: str) -> WriteResult:
    """Upsert one file's rows on the natural key, atomically, and log it. Later writes win."""
    with transaction(con):
        return _write(con, parsed, user=user)


def write_many(con: duckdb.DuckDBPyConnection, files: list[Parsed], *, user: str) -> list[WriteResult | Exception]:
    """Upsert several files in order, in one transaction (a commit per small file is most of the cost of a
    folder import). If anything fails, that transaction is rolled back and every file is written in its own
    transaction instead, so each file stays atomic and one failure does not stop the others."""
    if len(files) > 1:
        try:
            with transaction(con):
                results: list[WriteResult | Exception] = [_write(con, p, user=user) for p in files]
            return results
        except Exception:  # rolled back: write each file in its own transaction below
            pass
    out: list[WriteResult | Exception] = []
    for p in files:
        try:
            out.append(write_parsed(con, p, user=user))
        except Exception as exc:  # reported for this file; the others go on
            out.append(exc)
    return out


def _write(con: duckdb.DuckDBPyConnection, parsed: Parsed, *, user: str) -> WriteResult:
    """The upsert of one file inside the caller's transaction: one upsert and one log row per (platform,
    shop) pair in the file, each scoped to that pair's own rows and dates."""
    table = parsed.table
    cols = list(table.columns)
    if parsed.rows.column_names != cols:
        raise ValueError(f"staged columns {parsed.rows.column_names} do not match {table.name} {cols}")
    # (DuckDB reads the Arrow rows here: pyarrow.compute takes 25 ms to import, more than the import uses it for.)
    con.register("stage_file", parsed.rows)
    try:
        platforms = sorted(r[0] for r in run(con, "SELECT DISTINCT platform FROM stage_file"))
    finally:
        con.unregister("stage_file")
    results = []
    for platform in platforms:
        if len(platforms) == 1:
            rows = parsed.rows
        else:  # several platforms in one generic file: each is written (and logged) on its own
            import pyarrow.compute as pc

            rows = parsed.rows.filter(pc.equal(parsed.rows["platform"], platform))
        results.append(_write_pair(con, parsed, rows, user=user))
    return WriteResult(
        tuple(i for r in results for i in r.import_ids),
        sum(r.new for r in results),
        sum(r.replaced for r in results),
        sum(r.unchanged for r in results),
    )


# DuckDB's row-group size (rows). See `_insert_new`.
ROW_GROUP_ROWS = 122_880


def _insert_new(con: duckdb.DuckDBPyConnection, table: Table, rows: pa.Table, import_id: int) -> None:
    """Insert `rows` (all new) into `table` under `import_id`, as whole row groups. An insert writes the Arrow
    chunks it is handed as row groups of their own, so chunks of other sizes (a parallel CSV read gives 122,880
    + 34,844 + ...) leave partial row groups, which the next checkpoint (when the connection closes, at the
    latest) merges by rewriting the whole table: 0.3 s for 736,000 rows, as long as the insert itself. Rows in
    chunks of ROW_GROUP_ROWS (connectors export them so) go in one statement (DuckDB compresses its row groups
    in parallel); other big tables go in one statement per row group (a zero-copy slice each)."""
    cols = ", ".join(table.columns)
    batches = rows.to_batches()
    whole = rows.num_rows <= ROW_GROUP_ROWS or all(b.num_rows % ROW_GROUP_ROWS == 0 for b in batches[:-1])
    step = rows.num_rows if whole else ROW_GROUP_ROWS
    try:
        for start in range(0, rows.num_rows, max(step, 1)):
            con.register("stage_slice", rows if whole else rows.slice(start, step))
            run(con, f"INSERT INTO {table.name} SELECT {cols}, ? FROM stage_slice", [import_id])
    finally:
        with contextlib.suppress(Exception):
            con.unregister("stage_slice")


def _write_pair(con: duckdb.DuckDBPyConnection, parsed: Parsed, rows: pa.Table, *, user: str) -> WriteResult:
    """Upsert the rows of one (platform, shop) pair of a file and log them under a new import id."""
    table = parsed.table
    cols = list(table.columns)
    key = table.key
    on = " AND ".join(f"t.{k} = s.{k}" for k in key)
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in cols if c not in key)
    import_id = next_import_id(con)
    con.register("stage_rows", rows)
    try:
        first, last = one(con, "SELECT min(date), max(date) FROM stage_rows")
        scope = "platform = ? AND shop = ? AND date BETWEEN ? AND ?"
        platform, shop = rows["platform"][0].as_py(), rows["shop"][0].as_py()
        params = [platform, shop, first, last]
        if one(con, f"SELECT count(*) FROM (SELECT 1 FROM {table.name} WHERE {scope} LIMIT 1)", params)[0] == 0:
            # Nothing of this shop in these dates yet: every row is new, no comparison needed.
            _insert_new(con, table, rows, import_id)
            changed, replaced = rows.num_rows, 0
        else:
            # Only rows that are new or differ are written; identical rows keep their original import_id.
            run(
                con,
                f"""CREATE OR REPLACE TEMP TABLE stage AS
                SELECT s.*, t.{key[-1]} IS NOT NULL AS existed FROM stage_rows s
                LEFT JOIN (SELECT * FROM {table.name} WHERE {scope}) t ON {on}
                WHERE t.{key[-1]} IS NULL OR NOT ({same})""",
                params,
            )
            changed, replaced = one(con, "SELECT count(*), count(*) FILTER (WHERE existed) FROM stage")
            if replaced:
                scope_t = "t.platform = ? AND t.shop = ? AND t.date BETWEEN ? AND ?"
                _record_revisions(con, table, import_id, last, scope_t, params)
                run(con, f"DELETE FROM {table.name} t USING stage s WHERE {on} AND s.existed AND {scope_t}", params)
            if changed:
                run(con, f"INSERT INTO {table.name} SELECT {', '.join(cols)}, ? FROM stage", [import_id])
            run(con, "DROP TABLE stage")
        if changed:
            refresh_rollup(con, table.name, (platform, shop, first, last))
            bump_data_version(con)
        total = rows.num_rows
        result = WriteResult((import_id,), changed - replaced, replaced, total - changed)
        _log(con, import_id, parsed, rows, (first, last), result, status="ok" if changed else "unchanged", user=user)
    finally:
        with contextlib.suppress(Exception):
            con.unregister("stage_rows")
    return result


def _record_revisions(
    con: duckdb.DuckDBPyConnection, table: Table, import_id: int, through: dt.date, scope_t: str, params: list
) -> None:
    """Keep what the rows about to be replaced held (called by `_write_pair` before it deletes them, inside its
    transaction): for each row of `stage` that exists in `table`, one `revisions` row per non-key column whose
    value changes, with the old and new value as text, the replacing `import_id` and the last business date of
    its file (`through`), and the replaced row's import id and that import's last business date."""
    key = table.key
    item = f"CAST(t.{key[3]} AS VARCHAR)" if len(key) > 3 else "NULL"
    on = " AND ".join(f"t.{k} = s.{k}" for k in key)
    changes = ", ".join(
        f"{{'c': '{c}', 'o': CAST(t.{c} AS VARCHAR), 'n': CAST(s.{c} AS VARCHAR), 'd': t.{c} IS DISTINCT FROM s.{c}}}"
        for c in table.columns
        if c not in key
    )
    run(
        con,
        f"""INSERT INTO revisions
        SELECT nextval('revision_seq'), ?, platform, shop, date, item, x.c, x.o, x.n, ?, ?, old_import, ?, old_through
        FROM (SELECT t.platform, t.shop, t.date, {item} AS item, t.import_id AS old_import,
                l.date_max AS old_through, unnest([{changes}]) AS x
            FROM {table.name} t JOIN stage s ON {on} AND s.existed AND {scope_t}
            LEFT JOIN import_log l ON l.id = t.import_id)
        WHERE x.d""",
        [table.name, dt.datetime.now(), import_id, through, *params],
    )


def refresh_rollup(
    con: duckdb.DuckDBPyConnection,
    table: str,
    scope: tuple[str, str, dt.date, dt.date] | None = None,
) -> None:
    """Recompute the rollup of `table` (metrics.ROLLUPS; nothing when it has none) for one (platform, shop,
    first date, last date) scope, or entirely when scope is None. Called inside the writer's transaction after
    every change to the source rows, so the rollup always equals the source's sums."""
    rollup = ROLLUPS.get(table)
    if rollup is None:
        return
    source = TABLES[table]
    # Counts stay BIGINT, amounts DOUBLE: the column types of the source table.
    sums = ", ".join(f"CAST(sum({c}) AS {SQL_TYPE[source.columns[c]]})" for c in source.metrics)
    where, params = ("WHERE platform = ? AND shop = ? AND date BETWEEN ? AND ?", list(scope)) if scope else ("", [])
    run(con, f"DELETE FROM {rollup.table} {where}", params)
    run(
        con,
        f"INSERT INTO {rollup.table} SELECT platform, shop, date, count(*), {sums} FROM {table} {where} "
        "GROUP BY platform, shop, date",
        params,
    )


def _log(
    con: duckdb.DuckDBPyConnection,
    import_id: int,
    parsed: Parsed,
    rows: pa.Table,
    dates: tuple[dt.date, dt.date],
    result: WriteResult,
    *,
    status: str,
    user: str,
) -> None:
    first, last = dates
    shop = rows["shop"][0].as_py()
    platform = rows["platform"][0].as_py()
    run(
        con,
        "INSERT INTO import_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        [
            import_id,
            parsed.path.name,
            str(parsed.path),
            parsed.sha256,
            parsed.source,
            platform,
            shop,
            parsed.table.name,
            parsed.sheet,
            rows.num_rows,
            result.new,
            result.replaced,
            result.unchanged,
            first,
            last,
            dt.datetime.now(),
            status,
            user,
        ],
    )


def log_skip(
    con: duckdb.DuckDBPyConnection, path: Path, sha256: str, shop: str, user: str, *, error: str | None
) -> int:
    """Record a file that wrote nothing: a failure (error text) or an identical re-import (error None)."""
    import_id = next_import_id(con)
    run(
        con,
        """INSERT INTO import_log (id, file_name, path, sha256, shop, imported_at, status, error, user_name,
        rows_total, rows_new, rows_replaced, rows_unchanged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0)""",
        [
            import_id,
            path.name,
            str(path),
            sha256,
            shop,
            dt.datetime.now(),
            "failed" if error else "unchanged",
            error,
            user,
        ],
    )
    return import_id


# --- OKR definitions: the one write path for objectives, KRs, tests, locks and closings ----------------


class LockedCycleError(ValueError):
    """A start or target change in a locked cycle without a reason."""


@dataclass(frozen=True)
class Change:
    """One recorded change to a definition."""

    cycle: str | None
    entity: str  # cycle | objective | key_result | ab_test
    entity_id: str
    field: str
    old: str | None
    new: str | None


def read_okrs(con: duckdb.DuckDBPyConnection) -> OKRFile:
    """Every stored cycle, objective (with KRs) and A/B test, in their stored order."""
    from shopkr.domain.okr import ABTestDef, Cycle, Objective, OKRFile

    cycles = [
        Cycle(id=r[0], start=r[1], end=r[2])
        for r in run(con, 'SELECT id, start, "end" FROM okr_cycles WHERE start IS NOT NULL ORDER BY start, id')
    ]
    objectives = [
        Objective.model_validate_json(r[0]) for r in run(con, "SELECT body FROM okr_objectives ORDER BY position, id")
    ]
    tests = [ABTestDef.model_validate_json(r[0]) for r in run(con, "SELECT body FROM ab_tests ORDER BY position, id")]
    return OKRFile(cycles=cycles, objectives=objectives, ab_tests=tests)


def locked_cycles(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Locked cycles: id -> (locked_at, locked_by, closed_at)."""
    rows = run(con, "SELECT id, locked_at, locked_by, closed_at FROM okr_cycles WHERE locked_at IS NOT NULL")
    return {r[0]: r[1:] for r in rows}


def _flat(okrs: OKRFile) -> dict[tuple[str, str], tuple[str | None, dict]]:
    """(entity, id) -> (cycle, field values as text) for diffing."""
    out: dict[tuple[str, str], tuple[str | None, dict]] = {}
    for c in okrs.cycles:
        out[("cycle", c.id)] = (c.id, {"start": str(c.start), "end": str(c.end)})
    for o in okrs.objectives:
        fields = o.model_dump(mode="json", exclude={"key_results", "id"})
        out[("objective", o.id)] = (o.cycle, {k: _text(v) for k, v in fields.items()})
        for kr in o.key_results:
            kf = kr.model_dump(mode="json", exclude={"id"})
            kf["objective"] = o.id
            out[("key_result", kr.id)] = (o.cycle, {k: _text(v) for k, v in kf.items()})
    for t in okrs.ab_tests:
        out[("ab_test", t.id)] = (None, {k: _text(v) for k, v in t.model_dump(mode="json", exclude={"id"}).items()})
    return out


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def diff_okrs(old: OKRFile, new: OKRFile) -> list[Change]:
    """Field-level changes from `old` to `new` (created and deleted entities included)."""
    a, b = _flat(old), _flat(new)
    changes: list[Change] = []
    for key in list(a) + [k for k in b if k not in a]:
        entity, ident = key
        if key not in b:
            changes.append(Change(a[key][0], entity, ident, "(deleted)", None, None))
            continue
        if key not in a:
            changes.append(Change(b[key][0], entity, ident, "(created)", None, None))
            continue
        for field in sorted(set(a[key][1]) | set(b[key][1])):
            before, after = a[key][1].get(field), b[key][1].get(field)
            if before != after:
                changes.append(Change(b[key][0], entity, ident, field, before, after))
    return changes


def removed_objectives(old: OKRFile, new: OKRFile) -> list[Objective]:
    """The objectives of `old` that `new` no longer has (by id), in stored order: what storing `new` deletes."""
    kept = {o.id for o in new.objectives}
    return [o for o in old.objectives if o.id not in kept]


def save_okrs(con: duckdb.DuckDBPyConnection, new: OKRFile, *, user: str, reason: str | None = None) -> list[Change]:
    """Replace the stored definitions by `new` (already validated), recording every field change.

    In a locked cycle, changing a KR's start or target (or deleting a KR) needs a reason; without one
    nothing is written and LockedCycleError lists the KRs.
    """
    old = read_okrs(con)
    changes = diff_okrs(old, new)
    locks = locked_cycles(con)
    guarded = [
        c
        for c in changes
        if c.cycle in locks
        and c.entity == "key_result"
        and c.field in ("start", "target", "(deleted)", "metric", "sql")
    ]
    if guarded and not (reason and reason.strip()):
        listed = ", ".join(sorted({f"{c.entity_id} {c.field}" for c in guarded}))
        raise LockedCycleError(
            f"cycle {guarded[0].cycle} is locked: changing {listed} needs a reason (--reason / 原因)."
        )
    if not changes:
        return []
    now = dt.datetime.now()
    with transaction(con):
        for c in new.cycles:
            run(
                con,
                'INSERT INTO okr_cycles (id, start, "end") VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET '
                'start = excluded.start, "end" = excluded."end"',
                [c.id, c.start, c.end],
            )
        declared = {c.id for c in new.cycles}
        for cid in {c.id for c in old.cycles} - declared:
            run(con, 'UPDATE okr_cycles SET start = NULL, "end" = NULL WHERE id = ?', [cid])
        run(con, "DELETE FROM okr_objectives")
        for position, o in enumerate(new.objectives):
            run(
                con,
                "INSERT INTO okr_objectives VALUES (?, ?, ?, ?, ?)",
                [o.id, o.cycle, o.owner, position, o.model_dump_json(exclude_none=True)],
            )
        run(con, "DELETE FROM ab_tests")
        for position, t in enumerate(new.ab_tests):
            run(con, "INSERT INTO ab_tests VALUES (?, ?, ?)", [t.id, position, t.model_dump_json(exclude_none=True)])
        for c in changes:
            run(
                con,
                "INSERT INTO okr_changes VALUES (nextval('okr_change_seq'), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [now, user, c.cycle, c.entity, c.entity_id, c.field, c.old, c.new, reason],
            )
        bump_data_version(con)
    return changes


def set_lock(con: duckdb.DuckDBPyConnection, cycle: Cycle, *, user: str, locked: bool) -> None:
    """Lock (or unlock) a cycle: after locking, start/target changes need a reason and are logged."""
    with transaction(con):
        run(
            con,
            'INSERT INTO okr_cycles (id, start, "end") VALUES (?, NULL, NULL) ON CONFLICT (id) DO NOTHING',
            [cycle.id],
        )
        run(
            con,
            "UPDATE okr_cycles SET locked_at = ?, locked_by = ? WHERE id = ?",
            [dt.datetime.now() if locked else None, user if locked else None, cycle.id],
        )
        run(
            con,
            "INSERT INTO okr_changes VALUES (nextval('okr_change_seq'), ?, ?, ?, 'cycle', ?, 'locked', ?, ?, NULL)",
            [dt.datetime.now(), user, cycle.id, cycle.id, str(not locked).lower(), str(locked).lower()],
        )
        bump_data_version(con)


def save_closing(con: duckdb.DuckDBPyConnection, grades: Closing, *, user: str) -> None:
    """Freeze a cycle's final grades (engine.final_grades; replacing an earlier closing of the same cycle) and
    lock it, in one transaction. Grades with `final_on` (some values still settling) are frozen as provisional:
    each KR row keeps its `provisional` flag and share, the cycle row its `final_on`, and the history says
    `closed_provisional` (new value: the final_on date); final grades clear `final_on` and the history says
    `closed`."""
    cycle = grades.cycle
    now = dt.datetime.now()
    with transaction(con):
        run(con, "DELETE FROM kr_closings WHERE cycle = ?", [cycle])
        run(con, "DELETE FROM objective_closings WHERE cycle = ?", [cycle])
        for k in grades.krs.values():
            run(
                con,
                "INSERT INTO kr_closings (cycle, closed_at, kr_id, objective_id, value, numerator, denominator, "
                "start, target, progress, score, status, data_through, query, source_rows, rows_hash, provisional, "
                "provisional_share) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [cycle, now, *dataclasses.astuple(k)],  # FrozenKR's fields in the order of the columns
            )
        for o in grades.objectives.values():
            run(
                con,
                "INSERT INTO objective_closings (cycle, objective_id, closed_at, score, status) VALUES (?, ?, ?, ?, ?)",
                [cycle, o.objective_id, now, o.score, o.status],
            )
        run(con, "INSERT INTO okr_cycles (id) VALUES (?) ON CONFLICT (id) DO NOTHING", [cycle])
        run(
            con,
            "UPDATE okr_cycles SET closed_at = ?, locked_at = coalesce(locked_at, ?), "
            "locked_by = coalesce(locked_by, ?), final_on = ? WHERE id = ?",
            [now, now, user, grades.final_on, cycle],
        )
        field, new = (
            ("closed_provisional", grades.final_on.isoformat())
            if grades.final_on is not None
            else ("closed", now.isoformat(timespec="seconds"))
        )
        run(
            con,
            "INSERT INTO okr_changes VALUES (nextval('okr_change_seq'), ?, ?, ?, 'cycle', ?, ?, NULL, ?, NULL)",
            [now, user, cycle, cycle, field, new],
        )
        bump_data_version(con)


# --- users and sign-in (issue 12) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    """A user of the dashboard: name, role (shopkr.domain.roles.Role), e-mail (OIDC sign-in matches on it).
    The password hash is never part of it: only `password_hash` reads it, for verifying a sign-in."""

    name: str
    role: str
    email: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class UserError(Refusal):
    """A refused user change (`user.*`: unknown user, name taken, the last admin); nothing was written."""


def users(con: duckdb.DuckDBPyConnection) -> list[User]:
    """Every user, by name."""
    rows = run(con, "SELECT name, role, email, created_at, updated_at FROM users ORDER BY name")
    return [User(*r) for r in rows]


def has_users(con: duckdb.DuckDBPyConnection) -> bool:
    """True when at least one user exists (then the dashboard asks for sign-in)."""
    return bool(one(con, "SELECT count(*) FROM users")[0])


def password_hash(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The stored hash of `name`'s password (None: no such user, or one without a password, OIDC only)."""
    row = one(con, "SELECT password_hash FROM users WHERE name = ?", [name])
    return row[0] if row else None


def _user_history(con: duckdb.DuckDBPyConnection, by: str, name: str, field: str, old: str | None, new: str | None):
    run(
        con,
        "INSERT INTO okr_changes VALUES (nextval('okr_change_seq'), ?, ?, NULL, 'user', ?, ?, ?, ?, NULL)",
        [dt.datetime.now(), by, name, field, old, new],
    )


def _admins(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in run(con, "SELECT name FROM users WHERE role = 'admin'")]


def add_user(
    con: duckdb.DuckDBPyConnection, name: str, role: str, hashed: str | None, *, by: str, email: str | None = None
) -> None:
    """Add a user with a role and a password hash (shopkr.app.auth.hash_password; None for an OIDC-only user,
    who then needs an e-mail). The history records who added whom with which role, never the hash. Raises
    UserError (`user.exists`, `user.bad_name`, `user.bad_email`, `user.email_taken`: an OIDC sign-in is matched
    by e-mail, case-insensitively, so two users may not share one; `user.no_way_in`: neither password nor e-mail)."""
    name = name.strip()
    if not name or len(name) > 64 or any(c in name for c in "\r\n\t"):
        raise UserError("user.bad_name", name=name)
    email = (email or "").strip() or None
    if email is not None and (email.count("@") != 1 or any(c.isspace() for c in email) or email.startswith("@")):
        raise UserError("user.bad_email", email=email)
    if email is None and hashed is None:
        raise UserError("user.no_way_in", name=name)
    with transaction(con):
        if one(con, "SELECT 1 FROM users WHERE name = ?", [name]):
            raise UserError("user.exists", name=name)
        taken = email and one(con, "SELECT name FROM users WHERE lower(email) = lower(?)", [email])
        if taken:
            raise UserError("user.email_taken", email=email, name=taken[0])
        now = dt.datetime.now()
        run(con, "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)", [name, role, hashed, email, now, now])
        _user_history(con, by, name, "user_added", None, role)


def set_role(con: duckdb.DuckDBPyConnection, name: str, role: str, *, by: str) -> None:
    """Change `name`'s role. Raises UserError (`user.unknown`; `user.last_admin` when it would leave no admin)."""
    with transaction(con):
        row = one(con, "SELECT role FROM users WHERE name = ?", [name])
        if row is None:
            raise UserError("user.unknown", name=name)
        if row[0] == "admin" and role != "admin" and _admins(con) == [name]:
            raise UserError("user.last_admin", name=name)
        run(con, "UPDATE users SET role = ?, updated_at = ? WHERE name = ?", [role, dt.datetime.now(), name])
        _user_history(con, by, name, "role", row[0], role)


def set_password(con: duckdb.DuckDBPyConnection, name: str, hashed: str, *, by: str) -> None:
    """Replace `name`'s password hash; the history says the password changed, with no value. Raises UserError
    (`user.unknown`)."""
    with transaction(con):
        if one(con, "SELECT 1 FROM users WHERE name = ?", [name]) is None:
            raise UserError("user.unknown", name=name)
        run(con, "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?", [hashed, dt.datetime.now(), name])
        _user_history(con, by, name, "password", None, None)


def remove_user(con: duckdb.DuckDBPyConnection, name: str, *, by: str) -> None:
    """Remove a user (their OKRs, check-ins and history stay: they are the team's record). Raises UserError
    (`user.unknown`; `user.last_admin` when other users would remain without an admin)."""
    with transaction(con):
        row = one(con, "SELECT role FROM users WHERE name = ?", [name])
        if row is None:
            raise UserError("user.unknown", name=name)
        others = one(con, "SELECT count(*) FROM users WHERE name <> ?", [name])[0]
        if row[0] == "admin" and _admins(con) == [name] and others:
            raise UserError("user.last_admin", name=name)
        run(con, "DELETE FROM users WHERE name = ?", [name])
        _user_history(con, by, name, "user_removed", row[0], None)


def record_signin(con: duckdb.DuckDBPyConnection, name: str, ok: bool, at: dt.datetime | None = None) -> None:
    """Record a sign-in attempt (for the rate limit); attempts older than a day are dropped."""
    at = at or dt.datetime.now()
    with transaction(con):
        run(con, "INSERT INTO signin_attempts VALUES (?, ?, ?)", [name, at, ok])
        run(con, "DELETE FROM signin_attempts WHERE attempted_at < ?", [at - dt.timedelta(days=1)])


def failed_signins(con: duckdb.DuckDBPyConnection, name: str, since: dt.datetime) -> list[dt.datetime]:
    """Times of `name`'s failed sign-ins since `since` and after the last successful one, oldest first."""
    rows = run(
        con,
        "SELECT attempted_at FROM signin_attempts WHERE name = ? AND NOT ok AND attempted_at >= ? AND attempted_at > "
        "coalesce((SELECT max(attempted_at) FROM signin_attempts WHERE name = ? AND ok), TIMESTAMP '1970-01-01') "
        "ORDER BY attempted_at",
        [name, since, name],
    )
    return [r[0] for r in rows]


# --- meta flags and demo data -------------------------------------------------------------------------


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """A value from the meta table (schema_version, data_version, demo, ...)."""
    row = one(con, "SELECT value FROM meta WHERE key = ?", [key])
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Set a meta value."""
    run(con, "INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """No canonical rows and no objectives."""
    counts = [one(con, f"SELECT count(*) FROM (SELECT 1 FROM {t} LIMIT 1)")[0] for t in TABLES]
    counts.append(one(con, "SELECT count(*) FROM okr_objectives")[0])
    return not any(counts)


# --- the demo's marks: what it wrote, recorded when it writes it, so clearing it removes exactly that ----------

_LOCK_FIELDS = ("locked_at", "locked_by", "closed_at")
_LOCK_HISTORY = ("locked", "closed", "closed_provisional")  # history fields of locking and closing a cycle


@dataclass(frozen=True)
class DemoMarks:
    """What the demo wrote, as it wrote it. `recorded` is False for marks reconstructed for a demo loaded before
    schema v3 (see `reconstruct_demo_marks`): those name no history rows, so every history row stays."""

    imports: frozenset[int]  # import_log ids; canonical rows still carrying one were written by the demo
    objectives: dict[str, str]  # objective id -> JSON body as loaded
    tests: dict[str, str]  # A/B test id -> JSON body as loaded
    cycles: dict[str, dict[str, str | None]]  # cycle id -> start, end and lock fields (text) as the demo left them
    changes: frozenset[int]  # okr_changes ids the demo wrote
    recorded: bool = True
    # (entity, id) -> body as written: the check-ins, notes and reviews the demo wrote (demo_rhythm; issue 11)
    rhythm: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class DemoPlan:
    """What clearing the demo removes, and what of the demo's stays because someone changed it since."""

    recorded: bool  # False: marks reconstructed for a demo loaded before they were recorded
    imports: tuple[int, ...]  # the demo's import_log rows (removed)
    rows: dict[str, int]  # canonical table -> rows still carrying a demo import id (removed)
    kept_rows: int  # rows of the demo's shops written by other imports (stay)
    objectives: tuple[str, ...]  # demo objectives unchanged since loaded (removed, with their KRs and closings)
    kept_objectives: tuple[str, ...]  # demo objective ids changed or replaced since (stay)
    tests: tuple[str, ...]  # demo A/B tests unchanged since loaded (removed)
    kept_tests: tuple[str, ...]  # demo A/B test ids changed or replaced since (stay)
    closing_keys: tuple[tuple[str, str], ...]  # (cycle, objective id) of the removed objectives' closings
    closings: int  # frozen grade rows removed (KRs and objectives)
    changes: tuple[int, ...]  # the demo's own history rows about what is removed
    cycles: tuple[str, ...]  # cycle rows as the demo left them, with nothing else in them (removed)
    locks: tuple[str, ...]  # the demo's closing lock is removed, the cycle row stays (someone changed its dates)
    kept_cycles: tuple[str, ...]  # demo cycles that stay: someone's objectives or grades in them, or a lock they set
    revisions: int = 0  # revision-history rows written by the demo's imports (removed; others' stay)
    # Issue 11, the demo's check-ins, notes and reviews (entity, id) as in demo_rhythm: unchanged since the demo
    # wrote them (removed, with the history rows their writes recorded) and changed since (stay); rows the demo did
    # not write on what is removed (check-ins and notes on removed KRs, reviews of removed objectives: they stay
    # in the database without their objective), by entity. See `rhythm_plan`.
    rhythm: tuple[tuple[str, str], ...] = ()
    kept_rhythm: tuple[tuple[str, str], ...] = ()
    others_rhythm: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def row_count(self) -> int:
        """Canonical rows removed, all tables."""
        return sum(self.rows.values())

    def rhythm_count(self, entity: str, *, kept: bool = False) -> int:
        """How many of the demo's rows of `entity` (checkin | annotation | kr_review | objective_review) clearing
        removes (`kept` False) or leaves because someone changed them since (`kept` True)."""
        return sum(e == entity for e, _ in (self.kept_rhythm if kept else self.rhythm))


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def cycle_rows(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, dict[str, str | None]]:
    """Stored cycle rows by id: start, end, locked_at, locked_by and closed_at as text (None when empty)."""
    rows = run(
        con,
        'SELECT id, start, "end", locked_at, locked_by, closed_at FROM okr_cycles '
        "WHERE list_contains(?::VARCHAR[], id)",
        [ids],
    )
    names = ("start", "end", *_LOCK_FIELDS)
    return {r[0]: {n: _text_or_none(v) for n, v in zip(names, r[1:], strict=True)} for r in rows}


def shop_rows(con: duckdb.DuckDBPyConnection, shops: list[str]) -> dict[str, int]:
    """Canonical rows per shop (all tables) for the named shops that have any."""
    found: dict[str, int] = {}
    for table in TABLES:
        sql = f"SELECT shop, count(*) FROM {table} WHERE list_contains(?::VARCHAR[], shop) GROUP BY shop"
        for shop, n in run(con, sql, [shops]):
            found[shop] = found.get(shop, 0) + n
    return found


def last_change_id(con: duckdb.DuckDBPyConnection) -> int:
    """The newest change-history id (0 when there is none)."""
    return one(con, "SELECT coalesce(max(id), 0) FROM okr_changes")[0]


def changes_since(con: duckdb.DuckDBPyConnection, after: int, user: str) -> list[int]:
    """Ids of the history rows `user` wrote after history id `after`."""
    return [
        r[0] for r in run(con, "SELECT id FROM okr_changes WHERE id > ? AND user_name = ? ORDER BY id", [after, user])
    ]


def mark_demo(
    con: duckdb.DuckDBPyConnection,
    *,
    import_ids: Iterable[int] = (),
    objective_ids: Iterable[str] = (),
    test_ids: Iterable[str] = (),
    cycle_ids: Iterable[str] = (),
    change_ids: Iterable[int] = (),
) -> None:
    """Record what the demo has just written: import ids, and the objectives, A/B tests and cycle rows as they are
    stored now (bodies and lock fields), and its history rows."""
    with transaction(con):
        run(con, "INSERT OR IGNORE INTO demo_imports SELECT unnest(?::BIGINT[])", [list(import_ids)])
        run(con, "INSERT OR IGNORE INTO demo_changes SELECT unnest(?::BIGINT[])", [list(change_ids)])
        for entity, table, ids in (("objective", "okr_objectives", objective_ids), ("ab_test", "ab_tests", test_ids)):
            run(
                con,
                f"INSERT OR REPLACE INTO demo_definitions SELECT ?, id, CAST(body AS VARCHAR) FROM {table} "
                "WHERE list_contains(?::VARCHAR[], id)",
                [entity, list(ids)],
            )
        for cid, row in cycle_rows(con, list(cycle_ids)).items():
            run(con, "INSERT OR REPLACE INTO demo_definitions VALUES ('cycle', ?, ?)", [cid, json.dumps(row)])


def demo_marks(con: duckdb.DuckDBPyConnection) -> DemoMarks | None:
    """The marks recorded when the demo was loaded; None when nothing was recorded."""
    imports = frozenset(r[0] for r in run(con, "SELECT import_id FROM demo_imports"))
    changes = frozenset(r[0] for r in run(con, "SELECT change_id FROM demo_changes"))
    defs: dict[str, dict[str, str]] = {"objective": {}, "ab_test": {}, "cycle": {}}
    for entity, ident, body in run(con, "SELECT entity, id, body FROM demo_definitions"):
        defs.setdefault(entity, {})[ident] = body
    rhythm = {(e, i): body for e, i, body in run(con, "SELECT entity, id, body FROM demo_rhythm")}
    if not (imports or changes or any(defs.values()) or rhythm):
        return None
    cycles = {cid: json.loads(body) for cid, body in defs["cycle"].items()}
    return DemoMarks(imports, defs["objective"], defs["ab_test"], cycles, changes, rhythm=rhythm)


def reconstruct_demo_marks(con: duckdb.DuckDBPyConnection, shops: list[str], okrs: OKRFile, *, user: str) -> DemoMarks:
    """Conservative marks for a demo loaded before marks were recorded (schema < 3): the imports logged by `user`
    into the demo `shops`; the objectives and tests of the demo file `okrs` (removed only where the stored body
    still equals the file's); its cycles with their lock only where `user` set it and nobody else locked, unlocked
    or closed the cycle since. No history rows: which ones the demo wrote was not recorded, so all stay."""
    imports = frozenset(
        r[0]
        for r in run(
            con, "SELECT id FROM import_log WHERE user_name = ? AND list_contains(?::VARCHAR[], shop)", [user, shops]
        )
    )
    stored = cycle_rows(con, [c.id for c in okrs.cycles])
    cycles: dict[str, dict[str, str | None]] = {}
    for c in okrs.cycles:
        row = stored.get(c.id)
        lock: dict[str, str | None] = dict.fromkeys(_LOCK_FIELDS)
        if row and row["locked_by"] == user:
            others = one(
                con,
                "SELECT count(*) FROM okr_changes WHERE entity = 'cycle' AND entity_id = ? "
                "AND field IN ('locked', 'closed', 'closed_provisional') AND user_name IS DISTINCT FROM ?",
                [c.id, user],
            )[0]
            if not others:
                lock = {f: row[f] for f in _LOCK_FIELDS}
        cycles[c.id] = {"start": str(c.start), "end": str(c.end), **lock}
    return DemoMarks(
        imports,
        {o.id: o.model_dump_json(exclude_none=True) for o in okrs.objectives},
        {t.id: t.model_dump_json(exclude_none=True) for t in okrs.ab_tests},
        cycles,
        frozenset(),
        recorded=False,
    )


def _same_body(model: type, stored: str, loaded: str) -> bool:
    """Do two JSON bodies define the same objective / test (compared as models, not as text)?"""
    try:
        return model.model_validate_json(stored) == model.model_validate_json(loaded)
    except ValueError:  # a body this version cannot read: treat as changed, so it stays
        return False


def _unchanged(con: duckdb.DuckDBPyConnection, table: str, model: type, loaded: dict[str, str]) -> tuple[list, list]:
    """(ids whose stored body still equals the loaded one, ids stored with another body)."""
    stored = dict(run(con, f"SELECT id, CAST(body AS VARCHAR) FROM {table}"))
    same = [i for i, body in loaded.items() if i in stored and _same_body(model, stored[i], body)]
    other = [i for i in loaded if i in stored and i not in same]
    return sorted(same), sorted(other)


def demo_plan(con: duckdb.DuckDBPyConnection, marks: DemoMarks) -> DemoPlan:
    """What `clear_demo` removes given the demo's marks, and what of the demo's stays (see DemoPlan)."""
    from shopkr.domain.okr import ABTestDef, Objective

    ids = sorted(marks.imports)
    in_demo = "import_id IN (SELECT unnest(?::BIGINT[]))"
    rows = {t: one(con, f"SELECT count(*) FROM {t} WHERE {in_demo}", [ids])[0] for t in TABLES}
    shops = [r[0] for r in run(con, "SELECT DISTINCT shop FROM import_log WHERE list_contains(?::BIGINT[], id)", [ids])]
    kept_rows = sum(
        one(
            con,
            f"SELECT count(*) FROM {t} WHERE list_contains(?::VARCHAR[], shop) AND "
            f"(import_id IS NULL OR NOT {in_demo})",
            [shops, ids],
        )[0]
        for t in TABLES
    )
    imports = tuple(
        r[0] for r in run(con, "SELECT id FROM import_log WHERE list_contains(?::BIGINT[], id) ORDER BY id", [ids])
    )
    objectives, kept_objectives = _unchanged(con, "okr_objectives", Objective, marks.objectives)
    tests, kept_tests = _unchanged(con, "ab_tests", ABTestDef, marks.tests)

    removed = {i: Objective.model_validate_json(marks.objectives[i]) for i in objectives}
    closing_keys = tuple(sorted((o.cycle, i) for i, o in removed.items()))
    closings = sum(
        one(con, f"SELECT count(*) FROM {table} WHERE cycle = ? AND objective_id = ?", list(key))[0]
        for key in closing_keys
        for table in ("kr_closings", "objective_closings")
    )
    left = "SELECT DISTINCT cycle FROM okr_objectives WHERE NOT list_contains(?::VARCHAR[], id)"
    in_use = {r[0] for r in run(con, left, [objectives])}
    graded = "SELECT cycle, objective_id FROM kr_closings UNION SELECT cycle, objective_id FROM objective_closings"
    in_use |= {c for c, o in run(con, graded) if (c, o) not in set(closing_keys)}

    deleted, reset, kept_cycles = [], [], []
    for cid, row in sorted(cycle_rows(con, list(marks.cycles)).items()):
        mark = marks.cycles[cid]
        demo_lock = all(row[f] == mark.get(f) for f in _LOCK_FIELDS)
        if cid in in_use or not demo_lock:
            kept_cycles.append(cid)
        elif row["start"] == mark.get("start") and row["end"] == mark.get("end"):
            deleted.append(cid)
        elif any(mark.get(f) for f in _LOCK_FIELDS):
            reset.append(cid)
        else:
            kept_cycles.append(cid)

    kr_ids = {k.id for o in removed.values() for k in o.key_results}

    def goes(entity: str, ident: str, field: str) -> bool:
        return (
            (entity == "objective" and ident in removed)
            or (entity == "key_result" and ident in kr_ids)
            or (entity == "ab_test" and ident in tests)
            or (entity == "cycle" and (ident in deleted or (ident in reset and field in _LOCK_HISTORY)))
        )

    history = run(
        con,
        "SELECT id, entity, entity_id, field FROM okr_changes WHERE list_contains(?::BIGINT[], id) ORDER BY id",
        [sorted(marks.changes)],
    )
    rhythm = rhythm_plan(con, marks, kr_ids, closing_keys)
    return DemoPlan(
        recorded=marks.recorded,
        imports=imports,
        rows=rows,
        kept_rows=kept_rows,
        objectives=tuple(objectives),
        kept_objectives=tuple(kept_objectives),
        tests=tuple(tests),
        kept_tests=tuple(kept_tests),
        closing_keys=closing_keys,
        closings=closings,
        changes=tuple(r[0] for r in history if goes(r[1], r[2], r[3]) or r[0] in rhythm.changes),
        cycles=tuple(deleted),
        locks=tuple(reset),
        kept_cycles=tuple(kept_cycles),
        revisions=one(con, "SELECT count(*) FROM revisions WHERE list_contains(?::BIGINT[], import_id)", [ids])[0],
        rhythm=rhythm.goes,
        kept_rhythm=rhythm.kept,
        others_rhythm=rhythm.others,
    )


def clear_demo(con: duckdb.DuckDBPyConnection, marks: DemoMarks, *, user: str) -> DemoPlan:
    """Remove exactly what the demo wrote and nobody changed since (see `demo_plan`, computed again inside the
    transaction), forget the marks, and set meta demo = cleared (an empty database does not load it again). The
    history records who cleared it (entity demo, field cleared, the count of canonical rows removed). Returns what
    was removed."""
    with transaction(con):
        plan = demo_plan(con, marks)
        ids = sorted(marks.imports)
        for table in TABLES:
            run(con, f"DELETE FROM {table} WHERE import_id IN (SELECT unnest(?::BIGINT[]))", [ids])
            refresh_rollup(con, table)
        run(con, "DELETE FROM import_log WHERE list_contains(?::BIGINT[], id)", [ids])
        run(con, "DELETE FROM revisions WHERE list_contains(?::BIGINT[], import_id)", [ids])
        run(con, "DELETE FROM okr_objectives WHERE list_contains(?::VARCHAR[], id)", [list(plan.objectives)])
        run(con, "DELETE FROM ab_tests WHERE list_contains(?::VARCHAR[], id)", [list(plan.tests)])
        for cycle, objective_id in plan.closing_keys:
            for table in ("kr_closings", "objective_closings"):
                run(con, f"DELETE FROM {table} WHERE cycle = ? AND objective_id = ?", [cycle, objective_id])
        run(con, "DELETE FROM okr_changes WHERE list_contains(?::BIGINT[], id)", [list(plan.changes)])
        run(con, "DELETE FROM okr_cycles WHERE list_contains(?::VARCHAR[], id)", [list(plan.cycles)])
        run(
            con,
            "UPDATE okr_cycles SET locked_at = NULL, locked_by = NULL, closed_at = NULL "
            "WHERE list_contains(?::VARCHAR[], id)",
            [list(plan.locks)],
        )
        clear_rhythm(con, plan.rhythm)
        for table in ("demo_imports", "demo_definitions", "demo_changes", "demo_rhythm"):
            run(con, f"DELETE FROM {table}")
        set_meta(con, "demo", "cleared")
        run(
            con,
            "INSERT INTO okr_changes VALUES "
            "(nextval('okr_change_seq'), ?, ?, NULL, 'demo', 'demo', 'cleared', NULL, ?, NULL)",
            [dt.datetime.now(), user, str(plan.row_count)],
        )
        bump_data_version(con)
    return plan


def demo_only_shops(con: duckdb.DuckDBPyConnection, import_ids: Iterable[int]) -> set[str]:
    """Shops whose every import that wrote rows is one of `import_ids` (the demo's): no one else's data in them."""
    rows = run(
        con,
        "SELECT shop FROM import_log WHERE status = 'ok' AND shop IS NOT NULL GROUP BY shop "
        "HAVING count(*) FILTER (WHERE NOT list_contains(?::BIGINT[], id)) = 0",
        [sorted(import_ids)],
    )
    return {r[0] for r in rows}


# --- quarter-end reviews (issue 11) ---
# When a cycle has ended (or was closed), each owner grades each KR 0.0-1.0 beside the score the data gave
# (`kr_reviews`) and answers three questions per objective (`objective_reviews`): what worked, what did not, and
# continue / change / stop. One review per cycle and objective, edited in place; every changed field is also in
# okr_changes (entity 'review': entity_id the KR for grade/data_score, the objective for the answers).

Decision = Literal["continue", "change", "stop"]
DECISIONS: tuple[str, ...] = ("continue", "change", "stop")
REVIEW_OVERDUE_DAYS = 14  # a review still missing or incomplete this many days after its cycle's end is listed
MAX_ANSWER_CHARS = 4000  # one answer or note (a look-back is a few sentences, not a document)
_ANSWERS = ("worked", "did_not_work", "decision", "decision_note")


class ReviewError(Refusal):
    """A review that cannot be saved (`review.error.*`). Raised before anything is written."""


@dataclass(frozen=True)
class KRGrade:
    """An owner's grade of one KR: `grade` 0.0-1.0 (None: not graded yet) beside `data_score`, the score the data
    gave when it was graded (a closed cycle's frozen closing score, else the engine's score; the grade is
    pre-filled with it), so the look-back shows how far the owner's judgement is from the data. `author` and
    `updated_at`: who saved it last and when (None until saved)."""

    kr_id: str
    grade: float | None
    data_score: float | None = None
    author: str | None = None
    updated_at: dt.datetime | None = None

    @property
    def gap(self) -> float | None:
        """grade - data_score (None when either is missing): > 0 when the owner grades above the data."""
        return None if self.grade is None or self.data_score is None else self.grade - self.data_score


@dataclass(frozen=True)
class ObjectiveReview:
    """One objective's quarter-end review: its KR grades and the three answers (what worked, what did not, the
    decision continue | change | stop, with an optional note on the decision). Texts are None when not answered.

    As `read_reviews` returns it, `grades` has one KRGrade per KR of the objective (grade None where not graded),
    `owner` is the objective's owner, `author`/`updated_at` who saved any part of it last and when. As given to
    `save_review`, `grades` holds the grades to store (others stay as they are) and the answers are the new values.
    A review is complete when every KR has a grade and all three answers are there (the note is optional)."""

    cycle: str
    objective_id: str
    grades: tuple[KRGrade, ...] = ()
    worked: str | None = None
    did_not_work: str | None = None
    decision: Decision | None = None
    decision_note: str | None = None
    owner: str | None = None
    author: str | None = None
    updated_at: dt.datetime | None = None

    @property
    def graded(self) -> bool:
        """Every KR has a grade."""
        return all(g.grade is not None for g in self.grades)

    @property
    def answered(self) -> bool:
        """What worked, what did not and the decision are all there."""
        return bool(self.worked and self.did_not_work and self.decision)

    @property
    def complete(self) -> bool:
        """Every KR graded and the three questions answered."""
        return self.graded and self.answered

    @property
    def started(self) -> bool:
        """Anything saved: a grade, an answer or the note."""
        return any(g.grade is not None for g in self.grades) or any(getattr(self, f) for f in _ANSWERS)


@dataclass(frozen=True)
class MissingReview:
    """One owner's reviews of one cycle that are not complete: objectives with nothing saved (`missing`) and
    objectives started but not complete (`incomplete`), by id. `end` is the cycle's last day."""

    owner: str
    cycle: str
    end: dt.date
    missing: tuple[str, ...]
    incomplete: tuple[str, ...]

    @property
    def objectives(self) -> int:
        """How many of the owner's objectives in the cycle still need their review."""
        return len(self.missing) + len(self.incomplete)


def review_grade(value: object, kr_id: str) -> float:
    """A grade as a number 0.0-1.0 from a number or text such as "0.7" (a command-line argument, a form field).
    ReviewError `review.error.grade_not_number` for anything else (text that is no number, NaN, True/False,
    None) and `review.error.grade_range` for a number outside 0.0-1.0 (70 for 70% too: the scale is 0.0-1.0,
    write 0.7)."""
    number: float | None = None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value.strip())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    if number is None or number != number:  # not a number, or NaN
        raise ReviewError("review.error.grade_not_number", kr=kr_id, value=repr(value)[:80])
    if not 0.0 <= number <= 1.0:
        shown = value if isinstance(value, int | float) else str(value).strip()
        raise ReviewError("review.error.grade_range", kr=kr_id, value=shown)
    return number


def _answer(value: object, field: str) -> str | None:
    """An answer as stored: stripped text, None when empty; ReviewError when it is too long."""
    text = str(value).strip() if value is not None else ""
    if len(text) > MAX_ANSWER_CHARS:
        raise ReviewError("review.error.too_long", field=field, n=len(text), max=MAX_ANSWER_CHARS)
    return text or None


def closed_cycles(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Ids of the cycles whose grades were frozen (`okrs close`)."""
    return {r[0] for r in run(con, "SELECT id FROM okr_cycles WHERE closed_at IS NOT NULL")}


def review_cycles(con: duckdb.DuckDBPyConnection, today: dt.date) -> list[str]:
    """The cycles that can be reviewed on `today`: those with objectives that have ended (their last day is before
    `today`) or were closed, newest first (by start, then id)."""
    from shopkr.domain.okr import resolve_cycles

    okrs = read_okrs(con)
    cycles = resolve_cycles(okrs)
    closed = closed_cycles(con)
    used = {o.cycle for o in okrs.objectives if o.cycle in cycles}
    ready = [c for c in used if cycles[c].end < today or c in closed]
    return sorted(ready, key=lambda c: (cycles[c].start, c), reverse=True)


def save_review(
    con: duckdb.DuckDBPyConnection, review: ObjectiveReview, *, user: str, today: dt.date | None = None
) -> list[Change]:
    """Store one objective's review (upsert) in one transaction, as `user`, recording each changed field in
    okr_changes (entity 'review') and bumping the data version. The grades given are stored with their data
    score (grades with `grade` None and KRs not given stay as they are); the answers and the note are stored as
    given (stripped; empty text is None). Returns the changes; nothing differs from what is stored: nothing is
    written and the result is empty.

    Refused with ReviewError (codes `review.error.*`), writing nothing: an empty `user` (no_user); a cycle without
    objectives (unknown_cycle) or an objective not in it (unknown_objective); a cycle that has not ended by `today`
    (default: the clock's date) and is not closed (not_ended); a KR not in the objective (kr_not_in_objective) or
    given twice (kr_twice); a grade that is not a number 0.0-1.0 (`review_grade`); a data score outside 0.0-1.0
    (data_score); a decision other than continue, change or stop (decision); an answer over MAX_ANSWER_CHARS
    (too_long)."""
    from shopkr.domain.okr import resolve_cycles

    who = (user or "").strip()
    if not who:
        raise ReviewError("review.error.no_user")
    okrs = read_okrs(con)
    cycle = resolve_cycles(okrs).get(review.cycle)
    in_cycle = [o for o in okrs.objectives if o.cycle == review.cycle]
    if cycle is None or not in_cycle:
        used = sorted({o.cycle for o in okrs.objectives})
        raise ReviewError("review.error.unknown_cycle", cycle=review.cycle, known=", ".join(used) or "-")
    objective = next((o for o in in_cycle if o.id == review.objective_id), None)
    if objective is None:
        known = ", ".join(o.id for o in in_cycle)
        raise ReviewError("review.error.unknown_objective", objective=review.objective_id, cycle=cycle.id, known=known)
    day = today or dt.date.today()
    if day <= cycle.end and cycle.id not in closed_cycles(con):
        raise ReviewError("review.error.not_ended", cycle=cycle.id, end=cycle.end.isoformat())
    kr_ids = [kr.id for kr in objective.key_results]
    grades: dict[str, tuple[float, float | None]] = {}
    seen: set[str] = set()
    for g in review.grades:
        if g.kr_id not in kr_ids:
            known = ", ".join(kr_ids)
            raise ReviewError("review.error.kr_not_in_objective", kr=g.kr_id, objective=objective.id, krs=known)
        if g.kr_id in seen:
            raise ReviewError("review.error.kr_twice", kr=g.kr_id)
        seen.add(g.kr_id)
        if g.grade is None:
            continue
        data = g.data_score
        if data is not None and (isinstance(data, bool) or not isinstance(data, int | float) or not 0 <= data <= 1):
            raise ReviewError("review.error.data_score", kr=g.kr_id, value=repr(data)[:80])
        grades[g.kr_id] = (review_grade(g.grade, g.kr_id), None if data is None else float(data))
    if review.decision is not None and review.decision not in DECISIONS:
        raise ReviewError("review.error.decision", value=str(review.decision)[:80], allowed=", ".join(DECISIONS))
    answers = {f: review.decision if f == "decision" else _answer(getattr(review, f), f) for f in _ANSWERS}

    stored = {
        r[0]: (r[1], r[2])
        for r in run(
            con,
            "SELECT kr_id, grade, data_score FROM kr_reviews WHERE cycle = ? AND list_contains(?::VARCHAR[], kr_id)",
            [cycle.id, kr_ids],
        )
    }
    row = one(
        con,
        "SELECT worked, did_not_work, decision, decision_note FROM objective_reviews WHERE cycle = ? AND "
        "objective_id = ?",
        [cycle.id, objective.id],
    )
    before = dict(zip(_ANSWERS, row, strict=True)) if row else dict.fromkeys(_ANSWERS)
    changes: list[Change] = []
    changed_krs = []
    for kr_id in kr_ids:
        if kr_id not in grades:
            continue
        old = stored.get(kr_id, (None, None))
        fields = [(f, o, n) for f, o, n in zip(("grade", "data_score"), old, grades[kr_id], strict=True) if o != n]
        changes += [Change(cycle.id, "review", kr_id, f, _text(o), _text(n)) for f, o, n in fields]
        if fields:
            changed_krs.append(kr_id)
    changes += [
        Change(cycle.id, "review", objective.id, f, before[f], answers[f]) for f in _ANSWERS if before[f] != answers[f]
    ]
    if not changes:
        return []
    now = dt.datetime.now()
    with transaction(con):
        for kr_id in changed_krs:
            run(
                con,
                "INSERT INTO kr_reviews (cycle, kr_id, objective_id, grade, data_score, author, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cycle, kr_id) DO UPDATE SET objective_id = "
                "excluded.objective_id, grade = excluded.grade, data_score = excluded.data_score, "
                "author = excluded.author, updated_at = excluded.updated_at",
                [cycle.id, kr_id, objective.id, *grades[kr_id], who, now],
            )
        run(
            con,
            "INSERT INTO objective_reviews (cycle, objective_id, owner, worked, did_not_work, decision, decision_note, "
            "author, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cycle, objective_id) DO UPDATE SET "
            "owner = excluded.owner, worked = excluded.worked, did_not_work = excluded.did_not_work, "
            "decision = excluded.decision, decision_note = excluded.decision_note, author = excluded.author, "
            "updated_at = excluded.updated_at",
            [cycle.id, objective.id, objective.owner, *(answers[f] for f in _ANSWERS), who, now],
        )
        for c in changes:
            run(
                con,
                "INSERT INTO okr_changes VALUES (nextval('okr_change_seq'), ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                [now, who, c.cycle, c.entity, c.entity_id, c.field, c.old, c.new],
            )
        bump_data_version(con)
    return changes


def read_reviews(con: duckdb.DuckDBPyConnection, cycle: str, okrs: OKRFile | None = None) -> list[ObjectiveReview]:
    """Every objective of `cycle` (in the definitions' order; `okrs` default: the stored ones) with its review as
    stored: a KRGrade per KR of the objective (grade None where not graded), the answers (None where not given)
    and `owner` = the objective's owner. Reviews of objectives or KRs no longer defined are not returned."""
    okrs = okrs or read_okrs(con)
    objectives = [o for o in okrs.objectives if o.cycle == cycle]
    graded = {
        r[0]: KRGrade(*r)
        for r in run(
            con, "SELECT kr_id, grade, data_score, author, updated_at FROM kr_reviews WHERE cycle = ?", [cycle]
        )
    }
    answered = {
        r[0]: r[1:]
        for r in run(
            con,
            "SELECT objective_id, worked, did_not_work, decision, decision_note, author, updated_at "
            "FROM objective_reviews WHERE cycle = ?",
            [cycle],
        )
    }
    out = []
    for o in objectives:
        grades = tuple(graded.get(kr.id) or KRGrade(kr.id, None) for kr in o.key_results)
        worked, not_worked, decision, note, author, at = answered.get(o.id, (None,) * 6)
        out.append(ObjectiveReview(cycle, o.id, grades, worked, not_worked, decision, note, o.owner, author, at))
    return out


def read_review(con: duckdb.DuckDBPyConnection, cycle: str, objective_id: str) -> ObjectiveReview | None:
    """One objective's review as `read_reviews` gives it; None when the cycle has no such objective."""
    return next((r for r in read_reviews(con, cycle) if r.objective_id == objective_id), None)


def missing_reviews(
    con: duckdb.DuckDBPyConnection, today: dt.date, *, after_days: int = REVIEW_OVERDUE_DAYS
) -> list[MissingReview]:
    """The reviews still missing or incomplete `after_days` (default 14) or more days after their cycle's end on
    `today` (a cycle ending 12-31 is listed from 01-14 on), one item per owner and cycle: newest cycle first, then
    the owners in the definitions' order. Cycles that ended less than `after_days` days ago are not listed."""
    from shopkr.domain.okr import resolve_cycles

    okrs = read_okrs(con)
    cycles = resolve_cycles(okrs)
    used = {o.cycle for o in okrs.objectives if o.cycle in cycles}
    due = sorted(
        (cycles[c] for c in used if (today - cycles[c].end).days >= after_days),
        key=lambda c: (c.end, c.id),
        reverse=True,
    )
    out = []
    for c in due:
        owners: dict[str, tuple[list[str], list[str]]] = {}
        for r in read_reviews(con, c.id, okrs):
            if not r.complete:
                owners.setdefault(r.owner or "", ([], []))[1 if r.started else 0].append(r.objective_id)
        out += [MissingReview(name, c.id, c.end, tuple(m), tuple(i)) for name, (m, i) in owners.items()]
    return out


# --- check-ins (issue 11) ---------------------------------------------------------------------------------------
# An owner's confidence (a whole number 0-10: how likely they think the target is reached) and a note on a KR for a
# day, in `checkins` (schema v6). One per (KR, author, date): saving again the same day edits it; on a later day
# it is refused (a new check-in for today is added instead). Every save also writes the change history
# (`okr_changes`, entity 'checkin', entity_id the KR id, fields confidence and note).

CHECKIN_NOTE_MAX = 2000  # characters of a note: a few paragraphs; a longer text belongs in a document
CHECKIN_STALE_DAYS = 7  # a KR without a check-in for this many days is listed on 我的KR
CHECKIN_CONFIDENCE_MAX = 10


@dataclass(frozen=True)
class CheckIn:
    """One stored check-in: `confidence` 0-10 (a whole number), `note` ("" when none), `date` the day it is
    for, `created_at` / `updated_at` when it was first saved and last edited (local time)."""

    id: int
    cycle: str
    kr_id: str
    date: dt.date
    author: str
    confidence: int
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class CheckInSave:
    """What `save_checkin` did: the check-in as stored, whether it is new (else an edit of the same day's), and
    the fields whose value changed (confidence, note; empty for an edit that changed nothing)."""

    checkin: CheckIn
    created: bool
    changed: tuple[str, ...]


class CheckInError(Refusal):
    """A refused check-in (`checkin.error.*`; nothing written)."""


@dataclass(frozen=True)
class StaleKR:
    """One of an owner's KRs without a check-in for `days` days (`last`: the last check-in's date, None if the
    KR never had one; then `days` counts from the cycle start, that day included)."""

    kr_id: str
    title: str
    objective_id: str
    last: dt.date | None
    days: int


_CHECKIN_COLUMNS = "id, cycle, kr_id, date, author, confidence, note, created_at, updated_at"


def _checkin(row: tuple) -> CheckIn:
    return CheckIn(int(row[0]), row[1], row[2], row[3], row[4], int(row[5]), row[6] or "", row[7], row[8])


def _whole_number(value: object) -> int | None:
    """`value` as an int when it is a whole number (7, 7.0, "7"), else None (7.5, True, "seven", NaN)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _checkin_kr(con: duckdb.DuckDBPyConnection, kr_id: str) -> tuple[str, Cycle]:
    """The cycle id and cycle of the stored KR `kr_id`; CheckInError `checkin.error.unknown_kr` if none."""
    from shopkr.domain.okr import resolve_cycles

    okrs = read_okrs(con)
    cycles = resolve_cycles(okrs)
    for o in okrs.objectives:
        if any(kr.id == kr_id for kr in o.key_results) and o.cycle in cycles:
            return o.cycle, cycles[o.cycle]
    known = sorted(kr.id for o in okrs.objectives for kr in o.key_results)
    shown = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
    raise CheckInError("checkin.error.unknown_kr", kr=kr_id, known=shown or "-")


def save_checkin(
    con: duckdb.DuckDBPyConnection,
    kr_id: str,
    *,
    confidence: object,
    note: str | None,
    author: str,
    date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> CheckInSave:
    """Store `author`'s check-in on KR `kr_id` for `date` (default: today, from `now`, default the clock): a new
    one, or an edit of the same author's check-in for that KR and date when that check-in was made today
    (`created_at`'s date is `now`'s date). Writes the check-in and one okr_changes row per changed field
    (entity 'checkin', entity_id the KR id, fields confidence and note; a new check-in's old values are NULL)
    and bumps the data version, in one transaction.

    Refused with CheckInError (nothing written): an empty author (`no_author`); an unknown KR (`unknown_kr`);
    a confidence that is not a whole number 0-10 (`confidence`); a date after today (`future_date`), before the
    KR's cycle start (`before_cycle`) or after its end (`after_cycle`); a KR of a closed cycle (`closed_cycle`: its
    grades are frozen, the look-back is the 复盘); a note over CHECKIN_NOTE_MAX characters
    (`note_too_long`); an edit of a check-in made on an earlier day (`edit_later_day`: add one for today
    instead). The note is kept as typed, without surrounding blanks; `note=None` keeps an edited check-in's note
    (a new one has none)."""
    now = now or dt.datetime.now()
    today = now.date()
    who = (author or "").strip()
    if not who:
        raise CheckInError("checkin.error.no_author")
    kr_id = (kr_id or "").strip()
    cycle_id, cycle = _checkin_kr(con, kr_id)
    closed = one(con, "SELECT closed_at FROM okr_cycles WHERE id = ? AND closed_at IS NOT NULL", [cycle_id])
    if closed:
        raise CheckInError("checkin.error.closed_cycle", cycle=cycle_id, date=f"{closed[0]:%Y-%m-%d}")
    level = _whole_number(confidence)
    if level is None or not 0 <= level <= CHECKIN_CONFIDENCE_MAX:
        raise CheckInError("checkin.error.confidence", value=str(confidence))
    day = date or today
    if day > today:
        raise CheckInError("checkin.error.future_date", date=day.isoformat(), today=today.isoformat())
    if day < cycle.start:
        raise CheckInError(
            "checkin.error.before_cycle", date=day.isoformat(), cycle=cycle_id, start=cycle.start.isoformat()
        )
    if day > cycle.end:
        raise CheckInError("checkin.error.after_cycle", date=day.isoformat(), cycle=cycle_id, end=cycle.end.isoformat())
    text = (note or "").strip()
    if len(text) > CHECKIN_NOTE_MAX:
        raise CheckInError("checkin.error.note_too_long", n=len(text), max=CHECKIN_NOTE_MAX)
    with transaction(con):
        row = one(
            con,
            f"SELECT {_CHECKIN_COLUMNS} FROM checkins WHERE kr_id = ? AND author = ? AND date = ?",
            [kr_id, who, day],
        )
        old = _checkin(row) if row else None
        if old is not None and old.created_at.date() != today:
            raise CheckInError(
                "checkin.error.edit_later_day",
                date=day.isoformat(),
                made=old.created_at.date().isoformat(),
                today=today.isoformat(),
            )
        if note is None and old is not None:
            text = old.note
        before: dict[str, str | None] = (
            {"confidence": None, "note": None} if old is None else {"confidence": str(old.confidence), "note": old.note}
        )
        after = {"confidence": str(level), "note": text}
        changed = tuple(f for f in ("confidence", "note") if old is None or before[f] != after[f])
        if old is None:
            ident = one(con, "SELECT nextval('checkin_seq')")[0]
            run(
                con,
                f"INSERT INTO checkins ({_CHECKIN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [ident, cycle_id, kr_id, day, who, level, text, now, now],
            )
        else:
            ident = old.id
            if changed:  # saving the same values again writes nothing
                run(
                    con,
                    "UPDATE checkins SET confidence = ?, note = ?, updated_at = ? WHERE id = ?",
                    [level, text, now, ident],
                )
        for field in changed:
            run(
                con,
                "INSERT INTO okr_changes VALUES (nextval('okr_change_seq'), ?, ?, ?, 'checkin', ?, ?, ?, ?, NULL)",
                [now, who, cycle_id, kr_id, field, before[field], after[field]],
            )
        if changed:
            bump_data_version(con)
        stored = _checkin(one(con, f"SELECT {_CHECKIN_COLUMNS} FROM checkins WHERE id = ?", [ident]))
    return CheckInSave(stored, old is None, changed)


def checkins_of_kr(con: duckdb.DuckDBPyConnection, kr_id: str) -> list[CheckIn]:
    """Every check-in of one KR in timeline order: by date, then when it was made."""
    rows = run(con, f"SELECT {_CHECKIN_COLUMNS} FROM checkins WHERE kr_id = ? ORDER BY date, created_at, id", [kr_id])
    return [_checkin(r) for r in rows]


def latest_checkins(con: duckdb.DuckDBPyConnection, cycle_id: str, as_of: dt.date) -> dict[str, CheckIn]:
    """KR id -> its latest check-in dated on or before `as_of`, for the KRs of cycle `cycle_id` that have one (of
    several authors' check-ins on that day, the one saved last)."""
    rows = run(
        con,
        f"SELECT {_CHECKIN_COLUMNS} FROM checkins WHERE cycle = ? AND date <= ? "
        "QUALIFY row_number() OVER (PARTITION BY kr_id ORDER BY date DESC, updated_at DESC, id DESC) = 1",
        [cycle_id, as_of],
    )
    return {r[2]: _checkin(r) for r in rows}


def stale_krs(
    con: duckdb.DuckDBPyConnection, owner: str, cycle_id: str, as_of: dt.date, days: int = CHECKIN_STALE_DAYS
) -> list[StaleKR]:
    """`owner`'s KRs in cycle `cycle_id` without a check-in (by anyone) in the `days` days up to `as_of` (that day
    included), in the order of the OKRs: a KR checked in last on as_of - 7 is listed, one checked in on as_of - 6
    is not; a KR never checked in is listed from the cycle's 7th day on. Only while the cycle runs (start <= as_of
    <= end) and for KRs whose deadline is not past; else an empty list."""
    from shopkr.domain.okr import resolve_cycles

    okrs = read_okrs(con)
    cycle = resolve_cycles(okrs).get(cycle_id)
    if cycle is None or not cycle.start <= as_of <= cycle.end:
        return []
    krs = [
        (o, kr)
        for o in okrs.objectives
        if o.cycle == cycle_id and o.owner == owner
        for kr in o.key_results
        if (kr.deadline or cycle.end) >= as_of
    ]
    if not krs:
        return []
    last = dict(
        run(
            con,
            "SELECT kr_id, max(date) FROM checkins WHERE list_contains(?::VARCHAR[], kr_id) AND date <= ? "
            "GROUP BY kr_id",
            [[kr.id for _, kr in krs], as_of],
        )
    )
    out = []
    for o, kr in krs:
        seen = last.get(kr.id)
        without = (as_of - seen).days if seen is not None else (as_of - cycle.start).days + 1
        if without >= days:
            out.append(StaleKR(kr.id, kr.title, o.id, seen, without))
    return out


# --- annotations (issue 11) ---------------------------------------------------------------------------------------
# Notes on the charts: a day or a date range, a scope (a shop; a product or a creative of a shop; or a KR), a text and
# its author, in `annotations` (schema v6; a one-day note is stored with end = start). Only its author removes a
# note. Adding and removing write the change history (okr_changes, entity 'annotation', entity_id the note's id:
# field "(created)" with the note as JSON in new_value, "(deleted)" with it in old_value; cycle: the KR's cycle for
# a KR note, else NULL). Which charts show a note is the rule of shopkr/domain/annotations.py. The start and end
# marks of A/B tests are not stored: `chart_annotations` derives them from the stored tests when it reads, so they
# follow an edit of a test's dates.

if TYPE_CHECKING:
    from shopkr.domain.annotations import Scope
    from shopkr.domain.okr import ABTestDef

AnnotationKind = Literal["note", "ab_start", "ab_end"]
_KNOWN_LISTED = 20  # ids or shops named in a refusal, at most


@dataclass(frozen=True)
class Annotation:
    """A note on the charts as stored (`kind` "note", `id` its row id), or an A/B test's start or end mark derived
    from the test (`kind` "ab_start" / "ab_end", `id` None, `test_id` the test, `text` its title, `author` None).
    `start` and `end` are the days it covers, both included (equal for a one-day note). Exactly one of: `kr_id`
    alone, or `shop` with at most one of `product_id` / `creative_id`."""

    id: int | None
    start: dt.date
    end: dt.date
    shop: str | None
    product_id: str | None
    creative_id: str | None
    kr_id: str | None
    text: str
    author: str | None
    created_at: dt.datetime | None
    kind: AnnotationKind = "note"
    test_id: str | None = None

    @property
    def one_day(self) -> bool:
        """A single day (a vertical line on a chart) rather than a range (a band)."""
        return self.start == self.end

    @property
    def scope_kind(self) -> str | None:
        """kr, creative, product or shop (annotations.scope_kind)."""
        from shopkr.domain.annotations import scope_kind

        return scope_kind(self)

    def body(self) -> dict[str, object]:
        """The note as the change history keeps it: dates (ISO), scope fields that are set, and the text."""
        fields = {"start": str(self.start), "end": str(self.end), "shop": self.shop, "product_id": self.product_id}
        fields |= {"creative_id": self.creative_id, "kr_id": self.kr_id, "text": self.text}
        return {k: v for k, v in fields.items() if v is not None}


class AnnotationError(Refusal):
    """A refused note (`note.error.*`; nothing written)."""


_ANNOTATION_COLUMNS = 'id, start, "end", shop, product_id, creative_id, kr_id, text, author, created_at'


def _annotation(row: tuple) -> Annotation:
    return Annotation(int(row[0]), row[1], row[2] or row[1], *row[3:10])


def _listed(names: Iterable[str]) -> str:
    """Names for a refusal: comma-separated, at most _KNOWN_LISTED, "…" when there are more; "-" when none."""
    names = list(names)
    shown = ", ".join(names[:_KNOWN_LISTED])
    return (shown + (", …" if len(names) > _KNOWN_LISTED else "")) or "-"


def _annotation_history(
    con: duckdb.DuckDBPyConnection, when: dt.datetime, user: str, cycle: str | None, note: Annotation, field: str
) -> None:
    """One okr_changes row for a note created or deleted (`field`), the note as JSON in new_value / old_value."""
    body = json.dumps(note.body(), ensure_ascii=False)
    old, new = (None, body) if field == "(created)" else (body, None)
    run(
        con,
        "INSERT INTO okr_changes VALUES (nextval('okr_change_seq'), ?, ?, ?, 'annotation', ?, ?, ?, ?, NULL)",
        [when, user, cycle, str(note.id), field, old, new],
    )


def known_shops(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Shops with imported data (a successful import in the log), sorted: the shops a note may name."""
    rows = run(con, "SELECT DISTINCT shop FROM import_log WHERE status = 'ok' AND shop IS NOT NULL ORDER BY shop")
    return [r[0] for r in rows]


def add_annotation(
    con: duckdb.DuckDBPyConnection,
    *,
    start: dt.date,
    end: dt.date | None = None,
    text: str,
    author: str,
    shop: str | None = None,
    product_id: str | None = None,
    creative_id: str | None = None,
    kr_id: str | None = None,
) -> Annotation:
    """Store a note for the day `start` (or the days `start`..`end`, both included) about a KR (`kr_id` alone), a
    shop, or a product or creative of a shop, written by `author`; returns it as stored. Text and names are
    stripped. Raises AnnotationError and writes nothing when: the text is empty or over annotations.MAX_TEXT
    characters, there is no author, `end` is before `start`, nothing or too much is named (see
    annotations.check), the KR does not exist (in any cycle) or the shop has no imported data (the error lists
    the known ones). Writes the change history and bumps the data version."""
    from shopkr.domain import annotations

    text = (text or "").strip()
    author = (author or "").strip()
    shop, product_id, creative_id, kr_id = (annotations.as_text(v) for v in (shop, product_id, creative_id, kr_id))
    end = end or start
    problem = annotations.check(
        start=start,
        end=end,
        text=text,
        author=author,
        shop=shop,
        product_id=product_id,
        creative_id=creative_id,
        kr_id=kr_id,
    )
    if problem is not None:
        raise AnnotationError(problem.code, **problem.params)
    cycle = None
    if kr_id is not None:
        krs = {k.id: o.cycle for o in read_okrs(con).objectives for k in o.key_results}
        if kr_id not in krs:
            raise AnnotationError("note.error.unknown_kr", kr=kr_id, known=_listed(sorted(krs)))
        cycle = krs[kr_id]
    else:
        shops = known_shops(con)
        if shop not in shops:
            raise AnnotationError("note.error.unknown_shop", shop=shop, known=_listed(shops))
    now = dt.datetime.now()
    with transaction(con):
        ident = one(con, "SELECT nextval('annotation_seq')")[0]
        note = Annotation(int(ident), start, end, shop, product_id, creative_id, kr_id, text, author, now)
        run(
            con,
            f"INSERT INTO annotations ({_ANNOTATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [note.id, start, end, shop, product_id, creative_id, kr_id, text, author, now],
        )
        _annotation_history(con, now, author, cycle, note, "(created)")
        bump_data_version(con)
    return note


def remove_annotation(con: duckdb.DuckDBPyConnection, annotation_id: int, *, user: str) -> Annotation:
    """Remove the note `annotation_id` as `user`, who must be its author (no one removes what they did not write);
    returns the removed note. Raises AnnotationError and writes nothing when there is no such note or `user` is not
    its author. Writes the change history ("(deleted)", the note in old_value) and bumps the data version."""
    user = (user or "").strip()
    if not user:
        raise AnnotationError("note.error.no_author")
    with transaction(con):
        row = one(con, f"SELECT {_ANNOTATION_COLUMNS} FROM annotations WHERE id = ?", [annotation_id])
        if row is None:
            raise AnnotationError("note.error.not_found", id=annotation_id)
        note = _annotation(row)
        if note.author != user:
            raise AnnotationError("note.error.not_author", id=annotation_id, author=note.author or "-", user=user)
        krs = {k.id: o.cycle for o in read_okrs(con).objectives for k in o.key_results} if note.kr_id else {}
        run(con, "DELETE FROM annotations WHERE id = ?", [annotation_id])
        _annotation_history(con, dt.datetime.now(), user, krs.get(note.kr_id), note, "(deleted)")
        bump_data_version(con)
    return note


def read_annotations(
    con: duckdb.DuckDBPyConnection, *, shop: str | None = None, kr_id: str | None = None
) -> list[Annotation]:
    """Stored notes, by start date then id: all of them, or those naming `shop` (any product or creative in it)
    and/or `kr_id` (both given: either)."""
    where, params = [], []
    if shop is not None:
        where.append("shop = ?")
        params.append(shop)
    if kr_id is not None:
        where.append("kr_id = ?")
        params.append(kr_id)
    sql = f"SELECT {_ANNOTATION_COLUMNS} FROM annotations"
    if where:
        sql += " WHERE " + " OR ".join(where)
    return [_annotation(r) for r in run(con, sql + " ORDER BY start, id", params)]


def ab_test_annotations(tests: Iterable[ABTestDef]) -> list[Annotation]:
    """The start and end marks of A/B tests (kinds ab_start and ab_end, one day each, text the test's title), with
    the test's scope: its shop and product (the shop alone when it has no product)."""
    from shopkr.domain.annotations import as_text

    out = []
    for t in tests:
        product = as_text(t.product_id)
        for kind, day in (("ab_start", t.start), ("ab_end", t.end)):
            out.append(Annotation(None, day, day, t.shop, product, None, None, t.title, None, None, kind, t.id))
    return out


def chart_annotations(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    okrs: OKRFile | None = None,
) -> list[Annotation]:
    """What a chart of `scope` shows (annotations.applies): the stored notes and the start / end marks of the A/B
    tests (`okrs`' tests, else the stored ones) whose scope includes it, limited to those meeting the days
    `first`..`last` when given; by start date, stored notes before A/B marks on the same day."""
    from shopkr.domain.annotations import applies, overlaps

    stored = read_annotations(con, shop=scope.shop, kr_id=scope.kr_id) if scope.shop or scope.kr_id else []
    tests = (okrs or read_okrs(con)).ab_tests
    found = [a for a in [*stored, *ab_test_annotations(tests)] if applies(a, scope)]
    if first is not None and last is not None:
        found = [a for a in found if overlaps(a.start, a.end, first, last)]
    return sorted(found, key=lambda a: (a.start, a.kind != "note", a.id or 0, a.test_id or ""))


# --- the demo's rhythm (issue 11) ---
# The check-ins, notes on the charts and quarter-end reviews the demo writes when it loads (shopkr/data/demo.py,
# data/samples/rhythm.yaml) go through save_checkin / add_annotation / save_review like anyone's, as the demo's
# owners, and are then marked in `demo_rhythm` (schema v6): entity (checkin | annotation | kr_review |
# objective_review), id (a check-in's or note's id as text; a review's `review_key`) and body, JSON
# {"row": the row's fields as stored right after the write, "changes": the okr_changes ids that write recorded}.
# Clearing the demo removes a marked row when its stored fields still equal "row" (nobody edited it since), with
# the history rows of its write; a row changed since stays, and so does its history (a review, its KR grades and
# answers, goes or stays whole). Rows the demo did not write are never removed, also those on the demo's own
# objectives (a check-in on O2.KR1, a note on its chart, a review of Q3-O2): when their objective is removed they
# stay in the database without it (no page shows them then; loading the demo again shows them again). A demo
# loaded before this (no demo_rhythm rows) clears as before.

RHYTHM_ENTITIES: tuple[str, ...] = ("checkin", "annotation", "kr_review", "objective_review")


@dataclass(frozen=True)
class RhythmWrite:
    """One row the demo has just written through a store function: `entity` (one of RHYTHM_ENTITIES), `id` (a
    check-in's or note's id as text; a review's `review_key(cycle, KR or objective id)`) and `changes`, the
    okr_changes ids that write recorded about this row."""

    entity: str
    id: str
    changes: tuple[int, ...] = ()


@dataclass(frozen=True)
class RhythmPlan:
    """What clearing does with the demo's rhythm rows: (entity, id) of those unchanged since written (`goes`) and
    changed since (`kept`); the history ids of the removed rows' writes (`changes`); and per entity how many rows
    the demo did not write are about what is removed (`others`: check-ins and KR notes on removed KRs, reviews of
    removed objectives; they stay)."""

    goes: tuple[tuple[str, str], ...]
    kept: tuple[tuple[str, str], ...]
    changes: frozenset[int]
    others: dict[str, int]


def review_key(cycle: str, ident: str) -> str:
    """The demo_rhythm id of a review row: its cycle and KR or objective id as a JSON list (["2026-Q3", "Q3-O2"]),
    unambiguous whatever the ids hold."""
    return json.dumps([cycle, ident], ensure_ascii=False)


def _number_ids(ids: Iterable[str]) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def _rhythm_rows(con: duckdb.DuckDBPyConnection, entity: str, ids: Iterable[str]) -> dict[str, dict]:
    """The stored rows of `entity` among the demo_rhythm `ids`: id -> the fields clearing compares (JSON values:
    dates as ISO text). Ids with no stored row are left out."""
    ids = list(ids)
    if not ids:
        return {}
    if entity == "checkin":
        rows = run(
            con,
            "SELECT id, cycle, kr_id, date, author, confidence, note FROM checkins "
            "WHERE list_contains(?::BIGINT[], id)",
            [_number_ids(ids)],
        )
        names = ("cycle", "kr_id", "date", "author", "confidence", "note")
        return {str(r[0]): dict(zip(names, (*r[1:3], str(r[3]), *r[4:]), strict=True)) for r in rows}
    if entity == "annotation":
        rows = run(
            con,
            f"SELECT {_ANNOTATION_COLUMNS} FROM annotations WHERE list_contains(?::BIGINT[], id)",
            [_number_ids(ids)],
        )
        return {str(a.id): {**a.body(), "author": a.author} for a in map(_annotation, rows)}
    wanted = set(ids)
    if entity == "kr_review":
        rows = run(con, "SELECT cycle, kr_id, objective_id, grade, data_score, author FROM kr_reviews")
        names = ("objective_id", "grade", "data_score", "author")
    elif entity == "objective_review":
        rows = run(
            con,
            "SELECT cycle, objective_id, owner, worked, did_not_work, decision, decision_note, author "
            "FROM objective_reviews",
        )
        names = ("owner", *_ANSWERS, "author")
    else:
        raise ValueError(f"unknown demo rhythm entity {entity!r}; one of {', '.join(RHYTHM_ENTITIES)}")
    found = {review_key(r[0], r[1]): dict(zip(names, r[2:], strict=True)) for r in rows}
    return {k: v for k, v in found.items() if k in wanted}


def mark_demo_rhythm(con: duckdb.DuckDBPyConnection, written: Iterable[RhythmWrite]) -> None:
    """Record check-ins, notes and reviews the demo has just written: each row's fields as stored now and the
    history ids of its write, in demo_rhythm (a row marked before keeps its earlier history ids too), and those
    history ids in demo_changes. A row no longer stored is not marked (its history ids still are)."""
    merged: dict[tuple[str, str], set[int]] = {}
    for w in written:
        if w.entity not in RHYTHM_ENTITIES:
            raise ValueError(f"unknown demo rhythm entity {w.entity!r}; one of {', '.join(RHYTHM_ENTITIES)}")
        merged.setdefault((w.entity, w.id), set()).update(w.changes)
    with transaction(con):
        before = {(e, i): json.loads(b) for e, i, b in run(con, "SELECT entity, id, body FROM demo_rhythm")}
        marks: list[tuple[str, str, str]] = []
        for entity in RHYTHM_ENTITIES:
            mine = [i for e, i in merged if e == entity]
            for ident, row in _rhythm_rows(con, entity, mine).items():
                changes = merged[(entity, ident)] | set(before.get((entity, ident), {}).get("changes", ()))
                body = json.dumps({"row": row, "changes": sorted(changes)}, ensure_ascii=False, sort_keys=True)
                marks.append((entity, ident, body))
        columns = [list(c) for c in zip(*marks, strict=True)] if marks else [[], [], []]
        run(  # one statement for all of them (the demo marks some sixty rows at its first start)
            con,
            "INSERT OR REPLACE INTO demo_rhythm SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
            "unnest(?::VARCHAR[])",
            columns,
        )
        every = sorted({c for ids in merged.values() for c in ids})
        run(con, "INSERT OR IGNORE INTO demo_changes SELECT unnest(?::BIGINT[])", [every])


def _rhythm_order(ident: str) -> tuple:
    return (len(ident), ident) if ident.isdigit() else (0, ident)  # numeric ids in number order


def rhythm_plan(
    con: duckdb.DuckDBPyConnection,
    marks: DemoMarks,
    kr_ids: Iterable[str] = (),
    objective_keys: Iterable[tuple[str, str]] = (),
) -> RhythmPlan:
    """What clearing does with check-ins, notes and reviews (see RhythmPlan): the demo's marked rows go when their
    stored fields equal the fields as written, else they stay; a review goes or stays whole (a changed grade or
    answer keeps its KR grades and answers); a marked row no longer stored (its author removed a note) is in
    neither. `kr_ids` and `objective_keys` ((cycle, objective id)) are what clearing removes of the
    definitions: rows the demo did not write about them are counted in `others`."""
    goes: list[tuple[str, str]] = []
    kept: list[tuple[str, str]] = []
    marked = {key: json.loads(body) for key, body in marks.rhythm.items()}
    for entity in RHYTHM_ENTITIES:
        stored = _rhythm_rows(con, entity, [i for e, i in marked if e == entity])
        for ident in sorted(stored, key=_rhythm_order):
            same = stored[ident] == marked[(entity, ident)].get("row")
            (goes if same else kept).append((entity, ident))

    def review_of(entity: str, ident: str) -> tuple | None:
        """(cycle, objective id) of a review row, None for a check-in or note."""
        if entity == "objective_review":
            return tuple(json.loads(ident))
        if entity == "kr_review":
            return json.loads(ident)[0], marked[(entity, ident)].get("row", {}).get("objective_id")
        return None

    # A review is one thing: when someone changed any part of it (a grade or an answer), all of it stays.
    touched = {review_of(*key) for key in kept} - {None}
    kept += [key for key in goes if review_of(*key) in touched]
    goes = [key for key in goes if review_of(*key) not in touched]
    changes = {c for key in goes for c in marked[key].get("changes", ())}
    krs = sorted(set(kr_ids))
    mine = {e: [i for (m, i) in marks.rhythm if m == e] for e in RHYTHM_ENTITIES}
    keys = {review_key(c, o) for c, o in objective_keys}
    others = {
        entity: one(
            con,
            f"SELECT count(*) FROM {table} WHERE list_contains(?::VARCHAR[], kr_id) "
            "AND NOT list_contains(?::BIGINT[], id)",
            [krs, _number_ids(mine[entity])],
        )[0]
        for entity, table in (("checkin", "checkins"), ("annotation", "annotations"))
    }
    for entity, table, column in (
        ("kr_review", "kr_reviews", "kr_id"),
        ("objective_review", "objective_reviews", "objective_id"),
    ):
        demo_keys = set(mine[entity])
        rows = run(con, f"SELECT cycle, objective_id, {column} FROM {table}")
        others[entity] = sum(review_key(c, o) in keys and review_key(c, i) not in demo_keys for c, o, i in rows)
    return RhythmPlan(tuple(goes), tuple(kept), frozenset(changes), others)


def clear_rhythm(con: duckdb.DuckDBPyConnection, rows: Iterable[tuple[str, str]]) -> None:
    """Delete these (entity, id) rows of the demo's rhythm (RhythmPlan.goes). Runs inside the caller's
    `transaction` (clear_demo's), so it opens none itself."""
    rows = list(rows)
    for entity, table in (("checkin", "checkins"), ("annotation", "annotations")):
        ids = _number_ids(i for e, i in rows if e == entity)
        run(con, f"DELETE FROM {table} WHERE list_contains(?::BIGINT[], id)", [ids])
    for entity, table, column in (
        ("kr_review", "kr_reviews", "kr_id"),
        ("objective_review", "objective_reviews", "objective_id"),
    ):
        for cycle, ident in (json.loads(i) for e, i in rows if e == entity):
            run(con, f"DELETE FROM {table} WHERE cycle = ? AND {column} = ?", [cycle, ident])


def change_subjects(con: duckdb.DuckDBPyConnection, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """History id -> (entity, entity_id) of those okr_changes rows (what each one is about)."""
    sql = "SELECT id, entity, entity_id FROM okr_changes WHERE list_contains(?::BIGINT[], id) ORDER BY id"
    return {r[0]: (r[1], r[2]) for r in run(con, sql, [list(ids)])}
