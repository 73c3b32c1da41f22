"""The demo: load the sample exports and OKRs of data/samples, or clear exactly what the demo wrote.

The demo marks what it writes when it writes it (its import ids, its objectives, A/B tests and cycle rows as
stored, its change-history rows; `store.mark_demo`). Clearing removes exactly that and nothing someone changed
since: rows rewritten by a later import, objectives or tests edited or replaced under the same id, anyone's
history, locks and cycle definitions someone set (`store.demo_plan` lists what goes and what stays).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from shopkr.data import closing, importer, store
from shopkr.domain.okr import OKRFile, merge_file, parse_yaml, validate

SAMPLES = store.ROOT / "data" / "samples"
# One folder per shop: the exports do not name the shop.
SHOPS = {"暖居旗舰店": None, "暖居抖音小店": None, "暖居拼多多店": "pdd"}
OKR_FILE = SAMPLES / "okrs.yaml"
CLOSED_CYCLES = ("2026-Q3",)
USER = "demo"  # the user name in the import log and the change history


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


def load(db: str | Path | None = None, progress: Callable[[float, str], None] | None = None) -> None:
    """Import every demo shop folder, load the demo OKRs and close the past quarter, marking all of it as the
    demo's. Raises DemoConflict (writing nothing) when that would overwrite or change data already stored."""
    okrs = definitions()
    with store.connect(db) as con:
        found = conflicts(con, okrs)
    if found:
        raise DemoConflict(found)
    shops = list(SHOPS.items())
    for n, (shop, platform) in enumerate(shops):
        if progress:
            progress(n / (len(shops) + 1), shop)
        files = importer.expand([SAMPLES / shop])
        results = importer.import_files(files, shop, platform=platform, db=db, user=USER)
        with store.connect(db) as con:  # marked at once: whatever else happens, these rows are known as the demo's
            store.mark_demo(con, import_ids=[i for r in results for i in r.import_ids])
        failed = [r.error for r in results if r.status == "failed"]
        if failed:
            raise RuntimeError("demo import failed: " + "; ".join(failed[:3]))
    if progress:
        progress(len(shops) / (len(shops) + 1), "OKR")
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
        store.set_meta(con, "demo", "loaded")
        store.run(con, "CHECKPOINT")  # everything in the main file: the database can be copied as one file
    if progress:
        progress(1.0, "")


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


def clear(db: str | Path | None = None) -> store.DemoPlan | None:
    """Remove exactly what the demo wrote and nobody changed since; returns what was removed (None when no demo
    was loaded: nothing changes). Afterwards an empty database does not load the demo again."""
    with store.connect(db) as con:
        found = marks(con)
        return store.clear_demo(con, found) if found is not None else None


def demo_shops(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Shops that hold only the demo's data (no other import wrote rows into them)."""
    found = marks(con)
    return store.demo_only_shops(con, found.imports) if found is not None else set()
