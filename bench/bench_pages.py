"""Page render times through Streamlit's AppTest: cold (caches cleared) and warm (a rerun), per page.

Two databases: the demo (as `streamlit run dashboard.py` loads it on first start), and a large one with
10,000,000 product-day rows and 1,000 KRs (built by bench_score.py's generator, reused with --big-db).
The goals: demo pages under 2 s cold and 0.3 s warm; the large database under 3 s cold.
The baseline, run the same way: a one-line Streamlit page (`st.write`) through AppTest, cold and warm (what
Streamlit itself costs). The last lines are `BENCH {...}` results for bench/run.py: the slowest page of each
kind against the baseline and its goal.

Usage: python bench/bench_pages.py [--big-db FILE] [--skip-big] [--repeat 3] [--quick]
  --quick  the demo database only, one run each (for bench/run.py --quick)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import streamlit as st  # noqa: E402
from common import emit, record  # noqa: E402
from streamlit.testing.v1 import AppTest, app_test  # noqa: E402

from shopkr.app import ui  # noqa: E402
from shopkr.data import demo, store  # noqa: E402

PAGES = [
    "pages/overview.py",
    "pages/my_krs.py",
    "pages/kr_detail.py",
    "pages/abtest.py",
    "pages/manage.py",
    "pages/data_import.py",
    "pages/people.py",
]


# As a live server after its first request (see shopkr.app.ui.live_pages_manager).
app_test.PagesManager = ui.live_pages_manager()


def render_times(db: Path, repeat: int, params: dict[str, str] | None = None) -> dict[str, tuple[float, float]]:
    """Per page: median cold seconds (caches cleared, fresh AppTest) and median warm seconds (rerun)."""
    os.environ["SHOPKR_DB"] = str(db)
    out = {}
    for page in PAGES:
        cold, warm = [], []
        for _ in range(repeat):
            st.cache_data.clear()
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
            for key, value in (params or {}).items():
                at.query_params[key] = value
            at.run()  # the shell (dashboard.py + default page) once, as a browser's first load does
            start = time.perf_counter()
            st.cache_data.clear()
            at.switch_page(page).run()
            cold.append(time.perf_counter() - start)
            assert not at.exception, [e.value for e in at.exception]
            start = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - start)
        out[page] = (statistics.median(cold), statistics.median(warm))
    return out


def baseline_times(repeat: int) -> tuple[float, float]:
    """Median cold and warm seconds of a one-line Streamlit page through AppTest (the framework's floor)."""
    cold, warm = [], []
    for _ in range(repeat):
        st.cache_data.clear()
        at = AppTest.from_string("import streamlit as st\nst.write('ok')", default_timeout=600)
        start = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    return statistics.median(cold), statistics.median(warm)


def slowest(name: str, what: str, times: dict[str, tuple[float, float]], which: int, base: float, goal: float) -> dict:
    """The BENCH record of the slowest page (cold: which=0, warm: which=1) against the baseline and its goal."""
    page, value = max(((p, t[which]) for p, t in times.items()), key=lambda item: item[1])
    return record(
        name,
        f"{what} (slowest: {page})",
        value,
        baseline=base,
        baseline_what="a one-line Streamlit page through AppTest, the same way",
        goal={"figure": goal},
    )


def report(title: str, times: dict[str, tuple[float, float]]) -> None:
    """Print one table of cold/warm times."""
    print(f"\n{title}")
    print(f"{'page':<24} {'cold s':>8} {'warm s':>8}")
    for page, (cold, warm) in times.items():
        print(f"{page:<24} {cold:8.2f} {warm:8.2f}")


def main() -> int:
    """Time every page on the demo database, then on the large one."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--big-db", help="reuse (or create) the 10M-row bench database at this path")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the demo database only, one run each")
    args = parser.parse_args()
    if args.quick:
        args.skip_big, args.repeat = True, 1
    results = []
    with tempfile.TemporaryDirectory(prefix="shopkr-pages-") as tmp:
        db = Path(tmp) / "demo.duckdb"
        start = time.perf_counter()
        demo.load(db)
        print(f"demo loaded in {time.perf_counter() - start:.1f} s (the first start of the dashboard)")
        base_cold, base_warm = baseline_times(args.repeat)
        print(f"baseline (a one-line page): cold {base_cold:.2f} s, warm {base_warm:.2f} s")
        times = render_times(db, args.repeat)
        report("demo data", times)
        results.append(slowest("pages_demo_cold", "page render, demo data, cold", times, 0, base_cold, 2.0))
        results.append(slowest("pages_demo_warm", "page render, demo data, warm", times, 1, base_warm, 0.3))
        if args.skip_big:
            for result in results:
                emit(result)
            return 0
        import bench_score

        big = Path(args.big_db) if args.big_db else Path(tmp) / "big.duckdb"
        with store.connect(big) as con:
            if store.one(con, "SELECT count(*) FROM product_daily")[0] < 10_000_000:
                print(f"generating 10M product-day rows in {bench_score.generate(con):.0f} s")
            okrs = bench_score.make_okrs()
            if not store.read_okrs(con).objectives:
                store.save_okrs(con, okrs, user="bench")
        owner = okrs.objectives[0].owner
        kr = okrs.objectives[0].key_results[0].id
        times = render_times(big, max(1, args.repeat - 1), {"cycle": bench_score.CYCLE, "owner": owner, "kr": kr})
        report(f"10M product-day rows, {sum(len(o.key_results) for o in okrs.objectives)} KRs", times)
        what = f"page render, {bench_score.SHOPS * bench_score.PRODUCTS * bench_score.DAYS:,} rows, 1,000 KRs, cold"
        results.append(slowest("pages_big_cold", what, times, 0, base_cold, 3.0))
    for result in results:
        emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
