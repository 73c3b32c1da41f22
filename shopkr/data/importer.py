"""Import many export files into the store: expand folders, skip identical files, parse, order, write.

Used by `python -m shopkr import` and by the dashboard's import page. Every file is atomic; one bad file
does not stop the others. Within one run, files are applied in order of the last business date they
contain (then file name), so the pull reaching furthest wins where pulls overlap.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from shopkr.data import store

if TYPE_CHECKING:  # the connectors are imported when files are imported, not with this module
    from connectors import Parsed
    from connectors.errors import Message

SUFFIXES = {".csv", ".xls", ".xlsx", ".txt"}
Status = Literal["ok", "unchanged", "failed"]

# What one run may parse while holding its database connection: text files of at most this many bytes in all
# (a 37 MB CSV of 736,000 rows parses in about 0.5 s on two cores; the dashboard waits that long at most).
# Excel files (a worker process, up to 120 s) and bigger runs parse with the database closed.
HOLD_BYTES = 64_000_000


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
    # `error` and `note` as message codes (connectors.errors.Message), for the pages (translated in
    # shopkr/app/i18n.py); `error` and `note` stay the English text of the command line and the import log.
    detail: Message | None = None
    notes: tuple[Message, ...] = ()


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
    """Import files (paths, or (name, bytes) from an upload) for one shop; returns one result per file, in order.

    Each file is read and hashed once; a file whose bytes were imported for this shop before is `unchanged`
    without being parsed. The run opens the database once when what it parses is at most HOLD_BYTES of text
    (the file lock is then held while parsing, about half a second for a 37 MB CSV); bigger runs, and runs
    with Excel files, parse with the database closed and open it again to write, so the dashboard never waits
    for a long parse. Raises ValueError for an empty shop name and store.DatabaseBusy when the file stays locked
    by another process; every problem with a file is a `failed` result instead.
    """
    from connectors import ImportFileError, read_export, sha256_of  # here: `python -m shopkr score` needs none

    user = user or default_user()
    shop = shop.strip()
    if not shop:
        raise ValueError("a shop name is required: the exports do not contain it (use --shop NAME).")
    items: list[tuple[Path, bytes | None]] = [
        (Path(f[0]), f[1]) if isinstance(f, tuple) else (Path(f), None) for f in files
    ]
    from_disk = [not isinstance(f, tuple) for f in files]
    results: dict[int, FileResult] = {}
    hashes: dict[int, str] = {}

    def read_and_hash() -> None:
        for i, (path, data) in enumerate(items):
            if data is None:
                try:
                    data = read_export(path)
                except ImportFileError as exc:
                    results[i] = FileResult(path, "failed", error=exc.message, detail=exc.detail)
                    continue
            items[i] = (path, data)
            hashes[i] = sha256_of(data)

    run = _Run(items, from_disk, hashes, results, shop, platform, user, progress)
    # Reading and hashing the files, and preparing a parser, overlap opening (and on first use creating) the
    # database, which waits on DuckDB without the GIL: about 0.1 s of a one-file run.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="import-prepare") as pool:
        read = pool.submit(read_and_hash)
        if items:
            run.spare_parser = pool.submit(_prepare_parser)
            pool.submit(_import_arrow)  # once reading and hashing or the parser are done (two workers)
        try:
            with store.connect(db, on_wait=on_wait) as con:
                read.result()
                run.find_known(con)
                if run.parse_is_short():
                    run.parse()
                    return run.write(con)
            run.parse()
            with store.connect(db, on_wait=on_wait) as con:
                return run.write(con)
        finally:
            run.discard_spare_parser()


def _prepare_parser():
    """A parser connection (connectors.parsing.new_parser_connection), with the parsing modules imported, so
    that this can run while the database opens."""
    import connectors.base  # noqa: F401 - the cell rules
    from connectors.parsing import new_parser_connection

    return new_parser_connection()


def _import_arrow() -> None:
    """Import pyarrow (~50 ms of Python, holding the GIL), which parsing needs only to hand its rows over: in the
    background, it overlaps the database opening (DuckDB work and file syncs, without the GIL) and the start of
    parsing."""
    if "numpy" not in sys.modules:
        # pyarrow imports numpy, whose OpenBLAS starts a worker thread per core that spins for a while waiting for
        # work: ~30 ms of a core that DuckDB is using. Importing files does no linear algebra. (A process that has
        # numpy already, such as the dashboard, keeps its threads.)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import pyarrow  # noqa: F401


def _date_range(con, parsed: Parsed) -> tuple:
    """Parsed.date_range, (first, last) business date, read by DuckDB (`con`, a parser connection): pyarrow.compute,
    which Parsed.date_range uses, takes longer to import (25 ms) than a run uses it for."""
    con.register("import_rows", parsed.rows)
    try:
        return con.execute("SELECT min(date), max(date) FROM import_rows").fetchall()[0]
    finally:
        con.unregister("import_rows")


@dataclass
class _Run:
    """The state of one `import_files` run between its steps: find known files, parse the others, write."""

    items: list[tuple[Path, bytes | None]]
    from_disk: list[bool]
    hashes: dict[int, str]
    results: dict[int, FileResult]
    shop: str
    platform: str | None
    user: str
    progress: Callable[[int, int, str], None] | None
    known: dict[int, tuple[str, tuple]] = field(default_factory=dict)
    todo: list[int] = field(default_factory=list)
    parsed: list[tuple[int, Parsed]] = field(default_factory=list)
    closing: threading.Thread | None = None
    # A parser connection opened while the database opens (import_files), for the first file parsed.
    spare_parser: Future | None = None
    dates: dict[int, tuple] = field(default_factory=dict)  # (first, last) business date of each parsed file

    def find_known(self, con) -> None:
        """Files whose bytes were imported for this shop before are `unchanged`; the rest are to be parsed."""
        for i, sha in self.hashes.items():
            earlier = store.find_import(con, sha, self.shop)
            if earlier:
                self.known[i] = (sha, earlier)
        from connectors.errors import Message

        for i, (_, (_, name, at)) in self.known.items():
            path = self.items[i][0]
            note = f"identical to {name} imported {at:%Y-%m-%d %H:%M}" if name != path.name else "already imported"
            said = (
                Message.make("import.note.identical", name=name, at=f"{at:%Y-%m-%d %H:%M}")
                if name != path.name
                else Message("import.note.already")
            )
            self.results[i] = FileResult(path, "unchanged", note=note, notes=(said,))
        self.todo = [i for i in range(len(self.items)) if i not in self.results]

    def parse_is_short(self) -> bool:
        """Whether the files to parse are text (no Excel workbook) of at most HOLD_BYTES in all."""
        from connectors.parsing import sniff_container

        data = [self.items[i][1] or b"" for i in self.todo]
        return sum(map(len, data)) <= HOLD_BYTES and not any(sniff_container(d) in ("xls", "xlsx") for d in data)

    def parse(self) -> None:
        """Parse the files to import, two at a time (DuckDB and calamine release the GIL, so both cores work),
        each thread on its own in-memory parser connection, reused across its files. The parsers are closed in
        the background (freeing a big file's parsed rows takes a while) while the rows are written."""
        from connectors import ImportFileError, load_file, new_parser_connection
        from connectors.errors import Message

        local = threading.local()
        parsers: list = []
        taking = threading.Lock()

        def parse(i: int) -> tuple[int, Parsed | FileResult]:
            path, data = self.items[i]
            if not hasattr(local, "parser"):
                with taking:
                    spare, self.spare_parser = self.spare_parser, None
                local.parser = spare.result() if spare is not None else new_parser_connection()
                parsers.append(local.parser)
            try:
                # Files on disk are read by DuckDB straight from disk where it can (a UTF-8 CSV): their bytes
                # were read once already, to hash them; uploads hand over their bytes.
                parsed = load_file(
                    path,
                    self.shop,
                    self.platform,
                    data=data,
                    parser=local.parser,
                    on_disk=self.from_disk[i],
                    sha256=self.hashes[i],
                )
                # The run is ordered by it: a date Python cannot hold fails this file only.
                self.dates[i] = _date_range(local.parser, parsed)
                return i, parsed
            except ImportFileError as exc:
                return i, FileResult(path, "failed", error=exc.message, detail=exc.detail)
            except Exception as exc:  # a bug must fail this file with a message, not abort the whole run
                what = f"{type(exc).__name__}: {exc}"
                said = Message.make("import.error.unexpected", file=path.name, detail=what)
                return i, FileResult(path, "failed", error=f"{path.name}: unexpected error ({what})", detail=said)

        with ThreadPoolExecutor(max_workers=2) as pool:
            for done, (i, outcome) in enumerate(pool.map(parse, self.todo), start=1):
                if isinstance(outcome, FileResult):
                    self.results[i] = outcome
                else:
                    self.parsed.append((i, outcome))
                if self.progress:
                    self.progress(done, len(self.todo), self.items[i][0].name)
        self.closing = threading.Thread(target=lambda: [p.close() for p in parsers], name="close parsers")
        self.closing.start()

    def discard_spare_parser(self) -> None:
        """Close the parser opened in advance when no file needed it (all known, or the run failed first)."""
        spare, self.spare_parser = self.spare_parser, None
        if spare is not None and spare.exception() is None:
            spare.result().close()

    def write(self, con) -> list[FileResult]:
        """Write the parsed files in order of their last business date (then file name), log the others,
        and return one result per file, in the order given."""
        try:
            self._write(con)
        finally:
            if self.closing is not None:
                self.closing.join()
        return [self.results[i] for i in range(len(self.items))]

    def _write(self, con) -> None:
        from connectors.errors import Message

        parsed = sorted(self.parsed, key=lambda item: (self.dates[item[0]][1], item[1].path.name))
        written = store.write_many(con, [p for _, p in parsed], user=self.user)
        for (i, p), w in zip(parsed, written, strict=True):
            if isinstance(w, Exception):  # its transaction was rolled back: nothing from this file is written
                said = Message.make("import.error.write_failed", file=p.path.name, detail=str(w))
                error = f"{p.path.name}: {w}"
                self.results[i] = FileResult(p.path, "failed", source=p.label, error=error, detail=said)
                continue
            first, last = self.dates[i]
            note = "; ".join(p.notes) or None
            self.results[i] = FileResult(
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
                notes=tuple(p.note_messages),
            )
        for i, r in self.results.items():
            if r.status == "failed":
                sha = self.hashes.get(i) or hashlib.sha256(self.items[i][1] or b"").hexdigest()
                store.log_skip(con, r.path, sha, self.shop, self.user, error=r.error)
            elif i in self.known:
                store.log_skip(con, r.path, self.known[i][0], self.shop, self.user, error=None)
