"""Read Excel workbooks (.xls, .xlsx) in a separate worker process with memory, time and size limits.

A 7 KB workbook can claim a grid of a million rows by 16,384 columns (one stray cell at XFD1048576, or a
corrupt .xls that says it is 64,000 columns wide). python-calamine allocates the whole grid between the
first and the last cell before any Python code can look at its size, and a failed allocation in its Rust
core aborts the process: in the dashboard that would take the server down for every user. So workbooks
are opened only in worker processes whose address space is capped (RLIMIT_AS); a worker that dies or
overruns the time limit costs that one file, with a message, and a fresh worker reads the next file.

Inside the worker, a sheet larger than the caps below is scanned row by row for its used range: an empty
grid around the real table is ignored; a value far outside any real export's shape refuses the file.
This module must stay light to import (it runs in the workers): no DuckDB, pandas or pyarrow.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import io
import json
import os
import re
import select
import struct
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass

# Far above any real export: 生意参谋/罗盘/千川/万相台 sheets have at most ~100 columns and a few hundred
# thousand rows. Excel's own limits are 16,384 columns and 1,048,576 rows.
MAX_COLUMNS = 1_000
MAX_CELLS = 20_000_000
# A sheet whose allocated grid is at most this many cells is scanned for its used range (bounded: a few
# seconds); a larger one is refused without scanning.
MAX_SCAN_CELLS = 100_000_000
# Address space of a worker: calamine's grid costs 32 bytes a cell, the Python rows about as much again.
WORKER_MEMORY_BYTES = 6 * 1024**3
# Wall time for one workbook, reading and converting every sheet.
WORKBOOK_TIMEOUT_S = 120.0


class WorkbookError(Exception):
    """A workbook that cannot be read; `reason` is a sentence a shop operator can act on (English), `code` and
    `params` the same as a message code (see connectors.errors.CODES). This module runs on its own in the worker
    process, so it imports nothing from connectors: a nested message in `params` is a {"code", "params"} dict."""

    def __init__(
        self, reason: str, sheet: str | None = None, *, code: str | None = None, params: dict | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sheet = sheet
        self.code = code
        self.params = dict(params or {})


@dataclass
class Sheet:
    """One sheet's cells as the text a person sees, row 0 = Excel row 1, column 0 = column A."""

    name: str
    rows: list[list[str | None]]


def column_letters(index: int) -> str:
    """Excel column name of a 0-based column index (0 -> A, 16383 -> XFD)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value: object) -> str | None:
    """Excel cell value as the text a person sees (integral floats without .0, dates as ISO)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _too_large(name: str, rows: int, cols: int, far: tuple[int, int] | None) -> WorkbookError:
    cell = f"{column_letters(far[1])}{far[0] + 1}" if far else None
    where = f" It has a value at {cell}, far outside any export's table." if far else ""
    return WorkbookError(
        f"sheet {name!r} spans {rows:,} rows x {cols:,} columns, more than an export ever has (at most "
        f"{MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells).{where} Delete what lies outside the table (in Excel, "
        "Ctrl+End jumps to the last cell), save, and import again; or download the export again.",
        sheet=name,
        code="file.workbook_too_large",
        params={
            "sheet": name,
            "rows": rows,
            "columns": cols,
            "max_columns": MAX_COLUMNS,
            "max_cells": MAX_CELLS,
            "far": {"code": "file.workbook_far_cell", "params": {"cell": cell}} if cell else "",
        },
    )


def _blank(values: list) -> bool:
    """No value in these cells (calamine gives '' for an empty cell); counted at C speed."""
    return values.count("") + values.count(None) == len(values)


def _sheet_rows(sheet: object, name: str) -> list[list[str | None]]:
    """A sheet's rows from A1, cropped to its used range when the grid is larger than the caps."""
    height, width = sheet.height, sheet.width  # type: ignore[attr-defined]
    if height == 0 or width == 0:
        return []
    top, left = sheet.start  # type: ignore[attr-defined]
    rows_total, cols_total = top + height, left + width
    if cols_total <= MAX_COLUMNS and rows_total * cols_total <= MAX_CELLS:
        return [[cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]  # type: ignore[attr-defined]
    if height * width > MAX_SCAN_CELLS:
        raise _too_large(name, rows_total, cols_total, sheet.end)  # type: ignore[attr-defined]
    # An empty grid around a real table (an empty string or formatting far away) is ignored: keep the cells
    # up to the cap; a value beyond it refuses the file. iter_rows yields rows from row 1 and columns from
    # the sheet's first used column (`left`).
    keep = max(0, MAX_COLUMNS - left)
    rows: list[list[str | None]] = []
    last_row, cells = -1, 0
    for r, values in enumerate(sheet.iter_rows()):  # type: ignore[attr-defined]
        beyond = values[keep:]
        if beyond and not _blank(beyond):
            c = next(i for i, v in enumerate(beyond) if v not in ("", None))
            raise _too_large(name, rows_total, cols_total, (r, left + keep + c))
        inside = values[:keep]
        if _blank(inside):
            rows.append([])
            continue
        texts = [None] * left + [cell_text(v) for v in inside]
        while texts and texts[-1] is None:
            texts.pop()
        rows.append(texts)
        last_row = r
        cells += len(texts)
        if cells > MAX_CELLS:
            raise _too_large(name, rows_total, cols_total, (r, len(texts) - 1))
    return rows[: last_row + 1]


def read_workbook(data: bytes) -> list[Sheet]:
    """Every sheet of an .xls/.xlsx as text rows. Runs inside a worker; raises WorkbookError."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several types for truncated or corrupt files
        raise WorkbookError(
            f"the workbook is damaged or incomplete ({exc}). Download it again.",
            code="file.workbook_damaged",
            params={"detail": str(exc)},
        ) from None
    sheets = []
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception as exc:
            raise WorkbookError(
                f"sheet {name!r} cannot be read ({exc}). Download the file again.",
                name,
                code="file.workbook_sheet",
                params={"sheet": name, "detail": str(exc)},
            ) from None
        try:
            sheets.append(Sheet(name, _sheet_rows(sheet, name)))
        except MemoryError:
            raise WorkbookError(
                f"sheet {name!r} is too large to read within {WORKER_MEMORY_BYTES // 1024**3} GB of memory. "
                "Split the export into smaller date ranges.",
                name,
                code="file.workbook_sheet_memory",
                params={"sheet": name, "gb": WORKER_MEMORY_BYTES // 1024**3},
            ) from None
    return sheets


# --- the workers -----------------------------------------------------------------------------------------
#
# A worker is this file run as a script by the same interpreter (`python connectors/excel.py`), so that it
# imports only python-calamine: not the caller's main module (multiprocessing would re-run it), not DuckDB.
# Protocol on its stdin/stdout: a request is an 8-byte big-endian length and the workbook's bytes; the
# answer is a length and UTF-8 JSON, either {"sheets": [[name, rows], ...]} or {"error": reason, "sheet": s}.
# JSON, not pickle: the worker reads untrusted files, so nothing it sends back can run code in the caller.

_HEADER = struct.Struct(">Q")


class _Worker:
    """One worker process, used by one thread at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", os.path.abspath(__file__), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def ask(self, data: bytes, timeout: float) -> dict:
        """Send a workbook, wait for the answer; raises _Died or TimeoutError (after killing the worker)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(_HEADER.pack(len(data)) + data)
            self.process.stdin.flush()
        except OSError:
            raise _Died from None
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        size = _HEADER.unpack(self._read(fd, _HEADER.size, deadline))[0]
        return json.loads(self._read(fd, size, deadline))

    def _read(self, fd: int, n: int, deadline: float) -> bytes:
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.kill()
                raise TimeoutError
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:  # the worker died (an allocation over its memory cap aborts calamine)
                self.kill()
                raise _Died
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def kill(self) -> None:
        """Stop the worker for good."""
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(Exception):
                stream.close()  # type: ignore[union-attr]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


class _Died(Exception):
    """The worker process ended while reading a workbook."""


_lock = threading.Lock()
_idle: list[_Worker] = []


def _borrow() -> _Worker:
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive:
                return worker
    return _Worker()


def _give_back(worker: _Worker) -> None:
    if worker.alive:
        with _lock:
            _idle.append(worker)


@atexit.register
def _stop_workers() -> None:
    with _lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        worker.kill()


def read_excel(data: bytes) -> list[Sheet]:
    """Every sheet of an .xls/.xlsx workbook, read in a worker process whose memory is capped at
    WORKER_MEMORY_BYTES and whose time is capped at WORKBOOK_TIMEOUT_S. Raises WorkbookError."""
    worker = _borrow()
    try:
        answer = worker.ask(data, WORKBOOK_TIMEOUT_S)
    except _Died:
        raise _far_cell_error(data) from None
    except TimeoutError:
        raise WorkbookError(
            f"reading the workbook took longer than {WORKBOOK_TIMEOUT_S:.0f} s and was stopped. Split the export "
            "into smaller date ranges, or save it as CSV.",
            code="file.workbook_timeout",
            params={"seconds": WORKBOOK_TIMEOUT_S},
        ) from None
    _give_back(worker)
    if "error" in answer:
        raise WorkbookError(answer["error"], answer.get("sheet"), code=answer.get("code"), params=answer.get("params"))
    return [Sheet(name, rows) for name, rows in answer["sheets"]]


def _serve() -> None:
    """The worker's loop: read a workbook, answer, repeat until stdin closes."""
    _limit_worker()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while header := stdin.read(_HEADER.size):
        data = stdin.read(_HEADER.unpack(header)[0])
        try:
            answer: dict = {"sheets": [[s.name, s.rows] for s in read_workbook(data)]}
        except WorkbookError as exc:
            answer = {"error": exc.reason, "sheet": exc.sheet, "code": exc.code, "params": exc.params}
        except MemoryError:
            answer = {
                "error": f"the workbook needs more than {WORKER_MEMORY_BYTES // 1024**3} GB of memory to read.",
                "code": "file.workbook_memory",
                "params": {"gb": WORKER_MEMORY_BYTES // 1024**3},
            }
        body = json.dumps(answer, ensure_ascii=False).encode()
        stdout.write(_HEADER.pack(len(body)) + body)
        stdout.flush()


def _limit_worker() -> None:
    """Cap the worker's address space, so a runaway allocation fails in the worker, never in the caller."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = WORKER_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z0-9:]+)"')


def _far_cell_error(data: bytes) -> WorkbookError:
    """Why a workbook killed its reader, naming the far cell of an .xlsx when it can be found (error path)."""
    far = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if not re.match(r"xl/worksheets/sheet\d+\.xml$", name):
                    continue
                with archive.open(name) as stream:
                    tail = b""
                    while chunk := stream.read(1 << 20):
                        block = tail + chunk
                        for m in _CELL_REF.finditer(block):
                            col = 0
                            for ch in m.group(1):
                                col = col * 26 + ch - 64
                            row = int(m.group(2))
                            if col > MAX_COLUMNS or row * max(col, 1) > MAX_CELLS:
                                far = (m.group(1).decode() + m.group(2).decode(), name)
                                break
                        if far:
                            break
                        tail = block[-200:]
                if far:
                    break
    except (zipfile.BadZipFile, OSError, ValueError):
        pass
    where = f" a value at {far[0]}, far outside the table," if far else " cells far outside the table"
    gb = WORKER_MEMORY_BYTES // 1024**3
    return WorkbookError(
        f"the workbook has{where} so reading it would need more than {gb} GB of "
        "memory. Delete what lies outside the table (in Excel, Ctrl+End jumps to the last cell), save, and import "
        "again; or download the export again.",
        code="file.workbook_killed_at" if far else "file.workbook_killed",
        params={"cell": far[0], "gb": gb} if far else {"gb": gb},
    )


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    _serve()
