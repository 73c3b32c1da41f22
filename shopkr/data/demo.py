"""The demo: load the sample exports and OKRs of data/samples, or clear exactly what the demo wrote.

The demo marks what it writes when it writes it (its import ids, its objectives, A/B tests and cycle rows as
stored, its change-history rows; `store.mark_demo`). Clearing removes exactly that and nothing someone changed
since: rows rewritten by a later import, objectives or tests edited or replaced under the same id, anyone's
history, locks and cycle definitions someone set (`store.demo_plan` lists what goes and what stays).

Issue 11: the demo also shows the OKR rhythm (data/samples/rhythm.yaml): weekly check-ins of three owners, notes on
the charts and the 2026-Q3 quarter-end reviews, written as those owners through the store's own functions and
marked as the demo's (`store.mark_demo_rhythm`), so clearing removes them too unless someone changed them since.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import duckdb

from shopkr.data import closing, importer, store
from shopkr.domain.okr import OKRFile, merge_file, parse_yaml, validate

SAMPLES = store.ROOT / "data" / "samples"
# One folder per shop: the exports do not name the shop.
SHOPS = {"暖居旗舰店": None, "暖居抖音小店": None, "暖居拼多多店": "pdd"}
OKR_FILE = SAMPLES / "okrs.yaml"
CLOSED_CYCLES = ("2026-Q3",)
USER = "demo"  # the user name in the import log and the change history
RHYTHM_FILE = SAMPLES / "rhythm.yaml"  # the demo's check-ins, notes on the charts and quarter-end reviews
CHECKIN_TIME = dt.time(18, 0)  # the demo's owners check in at the end of the day (created_at of their check-ins)


@dataclass(frozen=True)
class Conflict:
    """Why the demo cannot be loaded without overwriting data: a code, what it concerns, and a count."""

    code: str  # loaded | shop_rows | cycle_objectives | id_taken | cycle_set
    subject: str = ""
    count: int = 0


class DemoConflict(RuntimeError):
    """Loading the demo would overwrite or change data already in the database; nothing was written."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__("; ".join(f"{c.code} {c.subject}".strip() for c in conflicts))
        self.conflicts = conflicts


def definitions() -> OKRFile:
    """The demo OKRs (data/samples/okrs.yaml), validated."""
    doc, problems = parse_yaml(OKR_FILE.read_text(encoding="utf-8"))
    okrs, problems = validate(doc or {}) if doc is not None else (None, problems)
    if okrs is None:
        raise RuntimeError("demo OKRs invalid: " + "; ".join(str(p) for p in problems))
    return okrs


def should_load(db: str | Path | None = None) -> bool:
    """True for an empty database where the demo was never cleared."""
    with store.connect(db) as con:
        return store.get_meta(con, "demo") != "cleared" and store.is_empty(con)


def conflicts(con: duckdb.DuckDBPyConnection, okrs: OKRFile | None = None) -> list[Conflict]:
    """What in the database the demo would overwrite or change: data of its shops, objectives in its cycles, ids
    it uses, a lock or other dates on its cycles; or the demo is loaded already. Empty: loading is safe."""
    okrs = okrs or definitions()
    found: list[Conflict] = []
    if store.demo_marks(con) is not None or store.get_meta(con, "demo") == "loaded":
        found.append(Conflict("loaded"))
    found += [Conflict("shop_rows", shop, n) for shop, n in sorted(store.shop_rows(con, list(SHOPS)).items())]
    stored = store.read_okrs(con)
    cycles = {c.id: c for c in okrs.cycles}
    for cycle in sorted({o.cycle for o in okrs.objectives}):
        n = sum(o.cycle == cycle for o in stored.objectives)
        if n:
            found.append(Conflict("cycle_objectives", cycle, n))
    ids = {o.id for o in okrs.objectives} | {k.id for o in okrs.objectives for k in o.key_results}
    ids |= {t.id for t in okrs.ab_tests}
    taken = {o.id for o in stored.objectives if o.cycle not in cycles}
    taken |= {k.id for o in stored.objectives if o.cycle not in cycles for k in o.key_results}
    taken |= {t.id for t in stored.ab_tests}
    found += [Conflict("id_taken", i) for i in sorted(ids & taken)]
    for cid, row in sorted(store.cycle_rows(con, list(cycles)).items()):
        c = cycles[cid]
        other_dates = row["start"] is not None and (row["start"], row["end"]) != (str(c.start), str(c.end))
        if row["locked_at"] or row["closed_at"] or other_dates:
            found.append(Conflict("cycle_set", cid))
    return found


def load(
    db: str | Path | None = None,
    progress: Callable[[float, str], None] | None = None,
    *,
    on_file: Callable[[float, str, int, int], None] | None = None,
) -> None:
    """Import every demo shop folder, load the demo OKRs, close the past quarter and write the demo's check-ins,
    notes and reviews (`write_rhythm`), marking all of it as the demo's. `progress(fraction 0-1, step)` is called
    as each shop starts (step: the shop name), before the OKRs (step "OKR") and at the end (1.0, "");
    `on_file(fraction, shop, done, total)` after each file of a shop is read. Raises DemoConflict (writing
    nothing) when that would overwrite or change data already stored, and RuntimeError naming up to three files
    when a demo export fails to import (the shops before stay loaded)."""
    okrs = definitions()
    steps = rhythm()  # a bad rhythm file fails here, before anything is written
    with store.connect(db) as con:
        found = conflicts(con, okrs)
    if found:
        raise DemoConflict(found)
    # The fraction follows the files (the shops differ tenfold in size); the OKRs take the last 5%.
    folders = [(shop, platform, importer.expand([SAMPLES / shop])) for shop, platform in SHOPS.items()]
    all_files = sum(len(files) for _, _, files in folders)
    before = 0
    for shop, platform, files in folders:
        if progress:
            progress(0.95 * before / all_files, shop)

        def read(
            done: int, total: int, _name: str, before: int = before, shop: str = shop, n: int = len(files)
        ) -> None:
            if on_file:
                on_file(0.95 * (before + n * done / max(total, 1)) / all_files, shop, done, total)

        results = importer.import_files(files, shop, platform=platform, db=db, user=USER, progress=read)
        before += len(files)
        with store.connect(db) as con:  # marked at once: whatever else happens, these rows are known as the demo's
            store.mark_demo(con, import_ids=[i for r in results for i in r.import_ids])
        failed = [r.error for r in results if r.status == "failed"]
        if failed:
            raise RuntimeError("demo import failed: " + "; ".join(failed[:3]))
    if progress:
        progress(0.95, "OKR")
    with store.connect(db) as con:
        since = store.last_change_id(con)
        store.save_okrs(con, merge_file(store.read_okrs(con), okrs), user=USER)
        for cycle in CLOSED_CYCLES:
            closing.close_cycle(con, store.read_okrs(con), cycle, user=USER, as_of=dt.date(2026, 10, 1))
        store.mark_demo(
            con,
            objective_ids=[o.id for o in okrs.objectives],
            test_ids=[t.id for t in okrs.ab_tests],
            cycle_ids=[c.id for c in okrs.cycles],
            change_ids=store.changes_since(con, since, USER),
        )
        write_rhythm(con, steps)
        store.set_meta(con, "demo", "loaded")
        store.run(con, "CHECKPOINT")  # everything in the main file: the database can be copied as one file
    if progress:
        progress(1.0, "")


# --- the demo's rhythm (issue 11): check-ins, notes on the charts, quarter-end reviews ----------------------------


@dataclass(frozen=True)
class DemoCheckIn:
    """A check-in the demo writes: `author`'s confidence 0-10 and note on KR `kr_id` for `date` (made that day at
    CHECKIN_TIME)."""

    kr_id: str
    author: str
    date: dt.date
    confidence: int
    note: str


@dataclass(frozen=True)
class DemoNote:
    """A note on the charts the demo writes: the days `start`..`end` (`end` None: one day) on `shop`, or on its
    product `product_id`, by `author`."""

    start: dt.date
    end: dt.date | None
    shop: str
    product_id: str | None
    text: str
    author: str


@dataclass(frozen=True)
class DemoReview:
    """One objective's quarter-end review the demo writes, as `author` on `date`: grades by KR id (the data score
    beside each is the cycle's frozen closing score) and the answers (None: not answered)."""

    cycle: str
    objective_id: str
    author: str
    date: dt.date
    grades: tuple[tuple[str, float], ...]
    worked: str | None = None
    did_not_work: str | None = None
    decision: str | None = None
    decision_note: str | None = None


@dataclass(frozen=True)
class Rhythm:
    """The demo's check-ins, notes and reviews (data/samples/rhythm.yaml), in the order they are written."""

    checkins: tuple[DemoCheckIn, ...]
    notes: tuple[DemoNote, ...]
    reviews: tuple[DemoReview, ...]


def _field(entry: dict, key: str, kind: type | tuple[type, ...], where: str, *, required: bool = True) -> Any:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise RuntimeError(f"demo rhythm invalid: {where}.{key} is {value!r}")
    return value


def rhythm(path: Path = RHYTHM_FILE) -> Rhythm:
    """The demo's rhythm as data/samples/rhythm.yaml defines it (fixed dates and texts, see the file).
    RuntimeError naming the entry when the file is not as expected (it ships with the code; tests read it)."""
    import yaml

    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(doc, dict):
        raise RuntimeError(f"demo rhythm invalid: {path.name} is not a mapping")
    checkins = []
    for n, entry in enumerate(doc.get("checkins") or []):
        where = f"checkins[{n}]"
        kr, author = _field(entry, "kr", str, where), _field(entry, "author", str, where)
        for w, week in enumerate(_field(entry, "weeks", list, where)):
            shape = (dt.date, int, str)
            if not (isinstance(week, list) and len(week) == 3 and all(map(isinstance, week, shape))):
                raise RuntimeError(f"demo rhythm invalid: {where}.weeks[{w}] is {week!r}; [date, confidence, note]")
            checkins.append(DemoCheckIn(kr, author, *week))
    notes = []
    for n, entry in enumerate(doc.get("notes") or []):
        where = f"notes[{n}]"
        notes.append(
            DemoNote(
                _field(entry, "start", dt.date, where),
                _field(entry, "end", dt.date, where, required=False),
                _field(entry, "shop", str, where),
                _field(entry, "product_id", str, where, required=False),
                _field(entry, "text", str, where),
                _field(entry, "author", str, where),
            )
        )
    reviews = []
    for n, entry in enumerate(doc.get("reviews") or []):
        where = f"reviews[{n}]"
        grades = _field(entry, "grades", dict, where)
        answers = {k: _field(entry, k, str, where, required=False) for k in ("worked", "did_not_work", "decision")}
        reviews.append(
            DemoReview(
                _field(entry, "cycle", str, where),
                _field(entry, "objective", str, where),
                _field(entry, "author", str, where),
                _field(entry, "date", dt.date, where),
                tuple((str(k), float(v)) for k, v in grades.items()),
                decision_note=_field(entry, "decision_note", str, where, required=False),
                **answers,
            )
        )
    return Rhythm(tuple(checkins), tuple(notes), tuple(reviews))


def write_rhythm(con: duckdb.DuckDBPyConnection, plan: Rhythm) -> list[store.RhythmWrite]:
    """Write the demo's check-ins, notes and reviews through the store's own functions as their authors (each
    check-in made on its day at CHECKIN_TIME, each review on its `date`, so the same-day edit rule and the "cycle
    ended" check hold as for a person), and mark every row written with the history rows of its write as the
    demo's (`store.mark_demo_rhythm`; also what was written before a failure). Never overwrites: a check-in of
    the same KR, author and day, or a review already started for the objective, is left as it is and not
    written. Returns what was marked. Raises the store's CheckInError / AnnotationError / ReviewError if the
    file names what the database does not have (a KR, a shop)."""
    written: list[store.RhythmWrite] = []
    last = store.last_change_id(con)

    def history(author: str) -> tuple[int, ...]:
        """The history ids `author` wrote since the previous write (one write's)."""
        nonlocal last
        ids = tuple(store.changes_since(con, last, author))
        last = max((last, *ids))
        return ids

    try:
        taken: dict[str, set[tuple[str, dt.date]]] = {}
        for c in plan.checkins:
            if c.kr_id not in taken:
                taken[c.kr_id] = {(x.author, x.date) for x in store.checkins_of_kr(con, c.kr_id)}
            if (c.author, c.date) in taken[c.kr_id]:
                continue
            saved = store.save_checkin(
                con,
                c.kr_id,
                confidence=c.confidence,
                note=c.note,
                author=c.author,
                date=c.date,
                now=dt.datetime.combine(c.date, CHECKIN_TIME),
            )
            written.append(store.RhythmWrite("checkin", str(saved.checkin.id), history(c.author)))
        for n in plan.notes:
            note = store.add_annotation(
                con, start=n.start, end=n.end, text=n.text, author=n.author, shop=n.shop, product_id=n.product_id
            )
            written.append(store.RhythmWrite("annotation", str(note.id), history(n.author)))
        for r in plan.reviews:
            stored = store.read_review(con, r.cycle, r.objective_id)
            if stored is not None and stored.started:
                continue
            frozen = closing.closing_state(con, r.cycle)
            scores = {k: f.score for k, f in frozen.krs.items()} if frozen is not None else {}
            review = store.ObjectiveReview(
                r.cycle,
                r.objective_id,
                tuple(store.KRGrade(kr, grade, scores.get(kr)) for kr, grade in r.grades),
                r.worked,
                r.did_not_work,
                r.decision,  # type: ignore[arg-type]  # checked by save_review
                r.decision_note,
            )
            store.save_review(con, review, user=r.author, today=r.date)
            subjects = store.change_subjects(con, history(r.author))
            for kr, _ in r.grades:
                ids = tuple(i for i, (_, about) in subjects.items() if about == kr)
                written.append(store.RhythmWrite("kr_review", store.review_key(r.cycle, kr), ids))
            ids = tuple(i for i, (_, about) in subjects.items() if about == r.objective_id)
            written.append(store.RhythmWrite("objective_review", store.review_key(r.cycle, r.objective_id), ids))
    finally:
        store.mark_demo_rhythm(con, written)
    return written


# --- the first start: the demo loaded in the background, once per database file and process ------------------


@dataclass(frozen=True)
class LoadStatus:
    """A look at a background load: `state` running | done | failed, `fraction` 0-1, `step` (a shop name, "OKR"
    or ""), `files` (read, total) of the shop being read or None, `error` what made it fail (failed only)."""

    state: Literal["running", "done", "failed"]
    fraction: float = 0.0
    step: str = ""
    files: tuple[int, int] | None = None
    error: Exception | None = None


class LoadJob:
    """One load of the demo into one database file, in a thread of this process (see `start_load`). The thread
    is not a daemon (a thread started by a Streamlit script would inherit daemon=True, and the interpreter would
    abort in DuckDB's code at exit): a server stopped during the load exits cleanly once the shop being imported
    is written (the importer can start no new work after the interpreter began shutting down)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._status = LoadStatus("running")
        self._thread = threading.Thread(target=self._run, name="shopkr-demo-load", daemon=False)

    def status(self) -> LoadStatus:
        """The state and progress now."""
        with self._lock:
            return self._status

    def wait(self, timeout: float | None = None) -> LoadStatus:
        """Block until the load has finished (or `timeout` seconds passed); the status then."""
        self._thread.join(timeout)
        return self.status()

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _run(self) -> None:
        try:
            load(
                self.db,
                progress=lambda fraction, step: self._set(fraction=fraction, step=step, files=None),
                on_file=lambda fraction, shop, done, total: self._set(
                    fraction=fraction, step=shop, files=(done, total)
                ),
            )
        except Exception as exc:  # the pages say why; the traceback goes to the server's log
            logging.getLogger(__name__).exception("loading the demo into %s failed", self.db)
            self._set(state="failed", error=exc)
        else:
            self._set(state="done", fraction=1.0, step="", files=None)


_jobs: dict[Path, LoadJob] = {}
_jobs_lock = threading.Lock()


def _key(db: str | Path | None) -> Path:
    return store.db_path(db).resolve()


def start_load(db: str | Path | None = None) -> LoadJob | None:
    """Start loading the demo in a background thread when the database is empty and the demo was never cleared
    (`should_load`). Once per database file in this process: while a load runs, every caller gets that same job
    (a second load never starts beside it; `load` itself refuses a database that already has the demo's data).
    Returns the running job, or None when there is nothing to load. Raises store.DatabaseBusy when another
    process keeps the file locked."""
    key = _key(db)
    with _jobs_lock:
        job = _jobs.get(key)
        if job is not None and job.status().state == "running":
            return job
        if not should_load(key):
            return None
        job = _jobs[key] = LoadJob(key)
        job._thread.start()
        return job


def current_load(db: str | Path | None = None) -> LoadJob | None:
    """The latest background load into the database in this process (running, done or failed), or None."""
    with _jobs_lock:
        return _jobs.get(_key(db))


def marks(con: duckdb.DuckDBPyConnection) -> store.DemoMarks | None:
    """What the demo wrote: the marks recorded when it was loaded; for a demo loaded before marks were recorded,
    marks reconstructed conservatively (store.reconstruct_demo_marks); None when no demo is loaded."""
    recorded = store.demo_marks(con)
    if recorded is not None:
        return recorded
    if store.get_meta(con, "demo") != "loaded":
        return None
    return store.reconstruct_demo_marks(con, list(SHOPS), definitions(), user=USER)


def plan(db: str | Path | None = None) -> store.DemoPlan | None:
    """What `clear` would remove and what stays; None when no demo is loaded."""
    with store.connect(db) as con:
        found = marks(con)
        return store.demo_plan(con, found) if found is not None else None


def clear(db: str | Path | None = None, *, user: str) -> store.DemoPlan | None:
    """Remove exactly what the demo wrote and nobody changed since, as `user` (recorded in the history); returns
    what was removed (None when no demo was loaded: nothing changes). Afterwards an empty database does not load
    the demo again."""
    with store.connect(db) as con:
        found = marks(con)
        return store.clear_demo(con, found, user=user) if found is not None else None


def demo_shops(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Shops that hold only the demo's data (no other import wrote rows into them)."""
    found = marks(con)
    return store.demo_only_shops(con, found.imports) if found is not None else set()
