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
from typing import TYPE_CHECKING

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
            migrate(con)
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


# Append-only: migration n brings the schema from version n-1 to n. Never edit a released step.
MIGRATIONS: list[Callable[[duckdb.DuckDBPyConnection], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found before."""
    run(con, "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    row = one(con, "SELECT value FROM meta WHERE key = 'schema_version'")
    found = int(row[0]) if row else 0
    if found > SCHEMA_VERSION:
        raise RuntimeError(
            f"the database has schema version {found}, newer than this ShopKR ({SCHEMA_VERSION}). Update ShopKR."
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with transaction(con):
            MIGRATIONS[version - 1](con)
            run(con, "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(version)])
    return found


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

    @property
    def row_count(self) -> int:
        """Canonical rows removed, all tables."""
        return sum(self.rows.values())


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
    if not (imports or changes or any(defs.values())):
        return None
    cycles = {cid: json.loads(body) for cid, body in defs["cycle"].items()}
    return DemoMarks(imports, defs["objective"], defs["ab_test"], cycles, changes)


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
        changes=tuple(r[0] for r in history if goes(r[1], r[2], r[3])),
        cycles=tuple(deleted),
        locks=tuple(reset),
        kept_cycles=tuple(kept_cycles),
        revisions=one(con, "SELECT count(*) FROM revisions WHERE list_contains(?::BIGINT[], import_id)", [ids])[0],
    )


def clear_demo(con: duckdb.DuckDBPyConnection, marks: DemoMarks) -> DemoPlan:
    """Remove exactly what the demo wrote and nobody changed since (see `demo_plan`, computed again inside the
    transaction), forget the marks, and set meta demo = cleared (an empty database does not load it again).
    Returns what was removed."""
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
        for table in ("demo_imports", "demo_definitions", "demo_changes"):
            run(con, f"DELETE FROM {table}")
        set_meta(con, "demo", "cleared")
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
