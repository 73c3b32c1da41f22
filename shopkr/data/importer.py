"""Import many export files into the store: expand folders, skip identical files, parse, order, write.

Used by `python -m shopkr import` and by the dashboard's import page. Every file is atomic; one bad file
does not stop the others. Within one run, files are applied in order of the last business date they
contain (then file name), so the pull reaching furthest wins where pulls overlap.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from connectors import ImportFileError, Parsed, load_file, new_parser_connection, read_export
from shopkr.data import store

SUFFIXES = {".csv", ".xls", ".xlsx", ".txt"}
Status = Literal["ok", "unchanged", "failed"]


@dataclass(frozen=True)
class FileResult:
    """The outcome for one file, as printed by the CLI and shown by the import page."""

    path: Path
    status: Status
    source: str | None = None  # label such as 生意参谋 店铺整体
    table: str | None = None
    rows: int = 0
    new: int = 0
    replaced: int = 0
    unchanged: int = 0
    first: dt.date | None = None
    last: dt.date | None = None
    error: str | None = None
    note: str | None = None
    import_ids: tuple[int, ...] = ()  # the import_log ids this file wrote (one per platform in the file)


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus export files found recursively in named folders (sorted, no duplicates)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        else:
            found.append(p)
    seen: set[Path] = set()
    return [f for f in found if not (f.resolve() in seen or seen.add(f.resolve()))]


def default_user() -> str:
    """The OS user name, for the import log and the change history."""
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def import_files(
    files: Sequence[Path | tuple[str, bytes]],
    shop: str,
    *,
    platform: str | None = None,
    db: str | Path | None = None,
    user: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> list[FileResult]:
    """Import files (paths, or (name, bytes) from an upload) for one shop; returns one result per file."""
    user = user or default_user()
    shop = shop.strip()
    if not shop:
        raise ValueError("a shop name is required: the exports do not contain it (use --shop NAME).")
    items: list[tuple[Path, bytes | None]] = [
        (Path(f[0]), f[1]) if isinstance(f, tuple) else (Path(f), None) for f in files
    ]
    from_disk = [not isinstance(f, tuple) for f in files]
    results: dict[int, FileResult] = {}
    parsed: list[tuple[int, Parsed]] = []
    with store.connect(db, on_wait=on_wait) as con:
        known = {}
        for i, (path, data) in enumerate(items):
            if data is None:
                try:
                    data = read_export(path)
                except ImportFileError as exc:
                    results[i] = FileResult(path, "failed", error=exc.message)
                    continue
            items[i] = (path, data)
            sha = hashlib.sha256(data).hexdigest()
            earlier = store.find_import(con, sha, shop)
            if earlier:
                known[i] = (sha, earlier)
    # Parse outside any database connection (the file lock is held only while writing), two files at a time:
    # DuckDB and calamine release the GIL, so the two cores both work.
    todo = [i for i in range(len(items)) if i not in results and i not in known]
    for i in known:
        path = items[i][0]
        sha, (_, name, at) = known[i]
        note = f"identical to {name} imported {at:%Y-%m-%d %H:%M}" if name != path.name else "already imported"
        results[i] = FileResult(path, "unchanged", note=note)
    local = threading.local()
    parsers: list = []

    def parse(i: int) -> tuple[int, Parsed | FileResult]:
        path, data = items[i]
        if not hasattr(local, "parser"):
            local.parser = new_parser_connection()
            parsers.append(local.parser)
        try:
            # Files on disk are read again by the parser (DuckDB reads a UTF-8 CSV straight from disk);
            # uploads hand over their bytes.
            source = None if from_disk[i] else data
            parsed = load_file(path, shop, platform, data=source, parser=local.parser)
            parsed.date_range  # noqa: B018 - the run is ordered by it: a date Python cannot hold fails this file only
            return i, parsed
        except ImportFileError as exc:
            return i, FileResult(path, "failed", error=exc.message)
        except Exception as exc:  # a bug must fail this file with a message, not abort the whole run
            return i, FileResult(path, "failed", error=f"{path.name}: unexpected error ({type(exc).__name__}: {exc})")

    with ThreadPoolExecutor(max_workers=2) as pool:
        for done, (i, outcome) in enumerate(pool.map(parse, todo), start=1):
            if isinstance(outcome, FileResult):
                results[i] = outcome
            else:
                parsed.append((i, outcome))
            if progress:
                progress(done, len(todo), items[i][0].name)
    for parser in parsers:
        parser.close()
    parsed.sort(key=lambda item: (item[1].date_range[1], item[1].path.name))
    with store.connect(db, on_wait=on_wait) as con:
        written = store.write_many(con, [p for _, p in parsed], user=user)
        for (i, p), w in zip(parsed, written, strict=True):
            if isinstance(w, Exception):  # its transaction was rolled back: nothing from this file is written
                results[i] = FileResult(p.path, "failed", source=p.label, error=f"{p.path.name}: {w}")
                continue
            first, last = p.date_range
            note = "; ".join(p.notes) or None
            results[i] = FileResult(
                p.path,
                "ok" if w.new or w.replaced else "unchanged",
                p.label,
                p.table.name,
                p.rows.num_rows,
                w.new,
                w.replaced,
                w.unchanged,
                first,
                last,
                note=note,
                import_ids=w.import_ids,
            )
        for i, r in results.items():
            if r.status == "failed":
                store.log_skip(con, r.path, hashlib.sha256(items[i][1] or b"").hexdigest(), shop, user, error=r.error)
            elif i in known:
                store.log_skip(con, r.path, known[i][0], shop, user, error=None)
    return [results[i] for i in range(len(items))]
