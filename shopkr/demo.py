"""The demo: load the sample exports and OKRs of data/samples into an empty database, or clear them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from shopkr import engine, importer, store
from shopkr.okr import merge_file, parse_yaml, validate

SAMPLES = store.ROOT / "data" / "samples"
# One folder per shop: the exports do not name the shop.
SHOPS = {"暖居旗舰店": None, "暖居抖音小店": None, "暖居拼多多店": "pdd"}
OKR_FILE = SAMPLES / "okrs.yaml"
CLOSED_CYCLES = ("2026-Q3",)


def should_load(db: str | Path | None = None) -> bool:
    """True for an empty database where the demo was never cleared."""
    with store.connect(db) as con:
        return store.get_meta(con, "demo") != "cleared" and store.is_empty(con)


def load(db: str | Path | None = None, progress: Callable[[float, str], None] | None = None) -> None:
    """Import every demo shop folder, load the demo OKRs and close the past quarter."""
    shops = list(SHOPS.items())
    for n, (shop, platform) in enumerate(shops):
        if progress:
            progress(n / (len(shops) + 1), shop)
        files = importer.expand([SAMPLES / shop])
        results = importer.import_files(files, shop, platform=platform, db=db, user="demo")
        failed = [r.error for r in results if r.status == "failed"]
        if failed:
            raise RuntimeError("demo import failed: " + "; ".join(failed[:3]))
    if progress:
        progress(len(shops) / (len(shops) + 1), "OKR")
    doc, problems = parse_yaml(OKR_FILE.read_text(encoding="utf-8"))
    okrs, problems = validate(doc or {})
    if okrs is None:
        raise RuntimeError("demo OKRs invalid: " + "; ".join(str(p) for p in problems))
    with store.connect(db) as con:
        store.save_okrs(con, merge_file(store.read_okrs(con), okrs), user="demo")
        for cycle in CLOSED_CYCLES:
            engine.close_cycle(con, store.read_okrs(con), cycle, user="demo", as_of=dt.date(2026, 10, 1))
        store.set_meta(con, "demo", "loaded")
        store.run(con, "CHECKPOINT")  # everything in the main file: the database can be copied as one file
    if progress:
        progress(1.0, "")


def clear(db: str | Path | None = None) -> None:
    """Remove everything the demo loaded (other shops' data and OKRs stay)."""
    doc, _ = parse_yaml(OKR_FILE.read_text(encoding="utf-8"))
    okrs, _ = validate(doc or {})
    objective_ids = [o.id for o in okrs.objectives] if okrs else []
    test_ids = [t.id for t in okrs.ab_tests] if okrs else []
    cycles = sorted({o.cycle for o in okrs.objectives}) if okrs else []
    with store.connect(db) as con:
        store.clear_demo(con, list(SHOPS), objective_ids, test_ids, cycles)
