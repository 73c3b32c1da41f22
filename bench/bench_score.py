"""Scoring throughput: 1,000 KRs over 10,000,000 product_daily rows, grouped engine vs one query per KR.

The database: 5 shops x 20,000 products x 100 days of product_daily (generated in DuckDB SQL with range(),
inserted through `store.connect` + `store.run`) and the matching shop_daily sums. The OKRs: one cycle
(2026-Q4) with 1,000 KRs in 250 objectives: gmv / conversion_rate / ctr / refund_rate / aov on
(shop, product_id) filters, on shop filters (shop_daily), and on shop filters with `level: product`
(a whole shop's products in product_daily); about a fifth have a deadline inside the cycle.

Timed in the same process, each repeated (default 3 times, medians reported):
  (a) grouped   engine.score_cycle: one grouped query per (table, filter signature), then Python scoring
  (b) per_kr    one `SELECT sum(num), sum(den) ... WHERE filters AND date BETWEEN` per KR through a cursor
and the two must give the same value for every KR.

Usage: python bench/bench_score.py [--db FILE] [--keep] [--repeat 3] [--products 20000] [--quick] [--profile]
  --db FILE   database to use (default: a temporary file); with --keep an existing bench database is reused
  --products  products per shop (rows = 5 x products x 100)
  --quick     200 products per shop (100,000 rows), one run each (for bench/run.py --quick)
  --profile   also run score_cycle once under cProfile and print where the time goes
The last line is the machine-readable `BENCH {...}` result that bench/run.py collects (bench/common.py).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import math
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from common import emit, record  # noqa: E402

from shopkr.data import store  # noqa: E402
from shopkr.domain import engine, metrics  # noqa: E402
from shopkr.domain.okr import OKRFile, validate  # noqa: E402

SHOPS = 5
PRODUCTS = 20_000
DAYS = 100
FIRST_DAY = dt.date(2026, 10, 1)
CYCLE = "2026-Q4"  # 2026-10-01 .. 2026-12-31; the data runs to 2027-01-08
AS_OF = dt.date(2026, 12, 15)
N_KRS = 1000
METRICS = ("gmv", "conversion_rate", "ctr", "refund_rate", "aov")


def shop_name(s: int) -> str:
    return f"bench_shop_{s}"


def product_id(s: int, p: int) -> str:
    return str(100_000_000_000 + s * 1_000_000 + p)


def generate(con, products: int = PRODUCTS) -> float:
    """Fill product_daily (SHOPS x `products` x DAYS rows), shop_daily (their sums) and the per-shop rollup of
    product_daily (store.refresh_rollup); returns seconds."""
    t0 = time.perf_counter()
    store.run(con, "DELETE FROM product_daily")
    store.run(con, "DELETE FROM shop_daily")
    # Day-major order, like daily imports. Values come from a hash of (day, shop, product): deterministic.
    store.run(
        con,
        f"""
        INSERT INTO product_daily
        SELECT CASE WHEN s < 3 THEN 'taobao' ELSE 'douyin' END AS platform,
               'bench_shop_' || s AS shop,
               DATE '{FIRST_DAY}' + CAST(d AS INTEGER) AS date,
               CAST(100000000000 + s * 1000000 + p AS VARCHAR) AS product_id,
               'product ' || p AS product_name,
               v AS visitors,
               v * 2 AS pageviews,
               b AS buyers,
               b + (h % 2) AS orders,
               b + (h % 3) AS units,
               round(b * (20 + (h >> 20) % 300) + ((h >> 30) % 100) / 100.0, 2) AS gmv,
               CASE WHEN (h >> 40) % 50 = 0 THEN NULL
                    ELSE round(b * (20 + (h >> 20) % 300) * ((h >> 44) % 15) / 100.0, 2) END AS refund_amount,
               (h >> 8) % (v + 1) AS cart_buyers,
               v * 8 + (h >> 24) % 100 AS impressions,
               v AS clicks,
               1 AS import_id
        FROM (
            SELECT d, s, p, v, (h >> 12) % (v // 10 + 1) AS b, h
            FROM (
                SELECT d, s, p, h, CAST(1 + h % 400 AS BIGINT) AS v
                FROM (
                    SELECT d, s, p, CAST(hash(d, s, p) >> 1 AS BIGINT) AS h
                    FROM range({DAYS}) r1(d), range({SHOPS}) r2(s), range({products}) r3(p)
                )
            )
        )
        """,
    )
    store.run(
        con,
        """
        INSERT INTO shop_daily
        SELECT platform, shop, date, sum(visitors), sum(pageviews), sum(buyers), sum(orders), sum(units),
               sum(gmv), sum(refund_amount), sum(cart_buyers), sum(impressions), sum(clicks), NULL, 1
        FROM product_daily GROUP BY platform, shop, date
        """,
    )
    # Rows written here bypass the import path: fill the per-shop rollup as that path would.
    store.refresh_rollup(con, "product_daily")
    store.run(con, "CHECKPOINT")
    return time.perf_counter() - t0


def make_okrs(seed: int = 11, products: int = PRODUCTS) -> OKRFile:
    """1,000 KRs in one cycle, four per objective, validated like a loaded file (product KRs pick among the
    first `products` products of a shop)."""
    rng = random.Random(seed)
    cycle_start, cycle_end = dt.date(2026, 10, 1), dt.date(2026, 12, 31)
    krs = []
    for i in range(N_KRS):
        s = rng.randrange(SHOPS)
        metric = rng.choice(METRICS)
        kr: dict = {"id": f"K{i:04d}", "title": f"KR {i}", "metric": metric}
        if i % 40 == 0:  # 25 KRs: a whole shop's products (level product, shop filter only)
            kr["filters"] = {"shop": shop_name(s)}
            kr["level"] = "product"
        elif i % 40 in (1, 2, 3):  # 75 KRs: shop totals from shop_daily
            kr["filters"] = {"shop": shop_name(s)}
        else:  # 900 KRs: one product
            kr["filters"] = {"shop": shop_name(s), "product_id": product_id(s, rng.randrange(products))}
        if metric == "gmv":
            kr["target"] = float(rng.randrange(10_000, 1_000_000))
        else:
            start = {"conversion_rate": 0.04, "ctr": 0.12, "refund_rate": 0.09, "aov": 150.0}[metric]
            kr["start"] = start
            kr["target"] = start * (0.7 if metric == "refund_rate" else 1.3)
        if rng.random() < 0.2:
            kr["deadline"] = (cycle_start + dt.timedelta(days=rng.randrange(30, 92))).isoformat()
        krs.append(kr)
    objectives = [
        {
            "id": f"O{j:03d}",
            "cycle": CYCLE,
            "title": f"objective {j}",
            "owner": f"owner {j % 50}",
            "level": "team",
            "origin": "bottom-up" if j % 2 else "top-down",
            "key_results": krs[4 * j : 4 * j + 4],
        }
        for j in range(N_KRS // 4)
    ]
    doc = {"cycles": [{"id": CYCLE, "start": str(cycle_start), "end": str(cycle_end)}], "objectives": objectives}
    okrs, problems = validate(doc)
    errors = [str(p) for p in problems if p.severity == "error"]
    if okrs is None:
        raise SystemExit("bench OKRs do not validate: " + "; ".join(errors[:5]))
    return okrs


def per_kr_values(con, okrs: OKRFile, as_of: dt.date) -> dict[str, float | None]:
    """Baseline: one query per KR (sum of numerator and denominator over its own filters and window)."""
    cycle = next(c for c in okrs.cycles if c.id == CYCLE)
    out: dict[str, float | None] = {}
    cur = con.cursor()
    try:
        for o in okrs.objectives:
            for kr in o.key_results:
                metric = metrics.CATALOGUE[kr.metric]
                table = metrics.LEVEL_TABLE[metrics.level_for(kr.filters, kr.level)]
                end = min(as_of, cycle.end, kr.deadline or cycle.end)
                names = sorted(kr.filters)
                where = " AND ".join([*(f"{n} = ?" for n in names), "date BETWEEN ? AND ?"])
                den = f"sum({metric.denominator})" if metric.denominator else "NULL"
                num, d = cur.execute(
                    f"SELECT sum({metric.numerator}), {den} FROM {table} WHERE {where}",
                    [str(kr.filters[n]) for n in names] + [cycle.start, end],
                ).fetchone()
                if metric.denominator is None:
                    out[kr.id] = float(num) if num is not None else None
                else:
                    out[kr.id] = float(num) / float(d) if num is not None and d not in (None, 0) else None
    finally:
        cur.close()
    return out


def grouped_values(con, okrs: OKRFile, as_of: dt.date) -> dict[str, float | None]:
    """The engine: score_cycle (grouped daily sums, then Python scoring)."""
    report = engine.score_cycle(con, okrs, CYCLE, as_of)
    return {k.id: k.value for k in report.key_results}


def timed(fn, repeat: int) -> tuple[list[float], list[float], object]:
    """Wall-clock and CPU seconds (all threads of this process, so DuckDB's too) of each run, and the result."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu, result


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database file (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="reuse the bench data already in --db")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile one score_cycle run with cProfile")
    parser.add_argument("--products", type=int, default=PRODUCTS, help="products per shop")
    parser.add_argument("--quick", action="store_true", help="200 products per shop, one run each")
    args = parser.parse_args(argv)
    if args.quick:
        args.products, args.repeat = 200, 1

    tmp = None
    if args.db:
        db = Path(args.db)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="shopkr-bench-")
        db = Path(tmp.name) / "bench.duckdb"
    expected_rows = SHOPS * args.products * DAYS
    with store.connect(db) as con:
        rows = store.one(con, "SELECT count(*) FROM product_daily")[0]
        if args.keep and rows == expected_rows:
            print(f"reusing {db}: {rows:,} product_daily rows")
        else:
            seconds = generate(con, args.products)
            rows = store.one(con, "SELECT count(*) FROM product_daily")[0]
            print(f"generated {rows:,} product_daily rows in {seconds:.1f} s ({db})")
        assert rows == expected_rows, rows

        t0 = time.perf_counter()
        okrs = make_okrs(products=args.products)
        print(f"{N_KRS} KRs defined and validated in {time.perf_counter() - t0:.2f} s")

        grouped_times, grouped_cpu, grouped = timed(lambda: grouped_values(con, okrs, AS_OF), args.repeat)
        per_kr_times, per_kr_cpu, per_kr = timed(lambda: per_kr_values(con, okrs, AS_OF), args.repeat)

        assert len(grouped) == len(per_kr) == N_KRS
        differ = [k for k in grouped if not same(grouped[k], per_kr[k])]
        assert not differ, f"{len(differ)} KRs differ, e.g. {differ[0]}: {grouped[differ[0]]} vs {per_kr[differ[0]]}"
        with_value = sum(v is not None for v in grouped.values())

        a, b = statistics.median(grouped_times), statistics.median(per_kr_times)
        ac, bc = statistics.median(grouped_cpu), statistics.median(per_kr_cpu)

        def runs(times: list[float]) -> str:
            return ", ".join(f"{t:.2f}" for t in times)

        print(f"(a) grouped score_cycle  median {a:6.2f} s wall, {ac:6.2f} s CPU   wall runs: {runs(grouped_times)}")
        print(f"(b) one query per KR     median {b:6.2f} s wall, {bc:6.2f} s CPU   wall runs: {runs(per_kr_times)}")
        print(
            f"(b)/(a) = {b / a:.1f}x wall, {bc / ac:.1f}x CPU; all {N_KRS} KR values agree ({with_value} with a value)"
        )

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            engine.score_cycle(con, okrs, CYCLE, AS_OF)
            profiler.disable()
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
            print(text.getvalue())
    if tmp is not None:
        tmp.cleanup()
    emit(
        record(
            "score_engine",
            f"engine.score_cycle (in process): {N_KRS:,} KRs over {expected_rows:,} product-day rows",
            a,
            baseline=b,
            baseline_what="one query per KR through a cursor, in the same process",
            repeat=args.repeat,
            cpu=ac,
            baseline_cpu=bc,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
