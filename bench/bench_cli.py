"""`python -m shopkr score` end to end: 1,000 KRs over 736,000 product-day rows, each run a fresh process.

The database comes from bench_score.py's generator with fewer products (5 shops x 1,472 products x 100 days
= 736,000 product_daily rows, plus the shop_daily sums) and its 1,000 KRs, stored with `store.save_okrs`.

Timed, each in a fresh Python process (interpreter start included), alternating, medians of --repeat runs:
  score     python -m shopkr score --cycle 2026-Q4 --as-of 2026-12-15 --format json --db FILE
  per_kr    baseline: `python -c` that imports duckdb, opens the file and runs one
            `SELECT sum(num), sum(den) ... WHERE filters AND date BETWEEN` per KR (the queries are
            bench_score.per_kr_values's own, recorded once) and prints the values as JSON
Both must give the same value for every KR. The goal (issue 9): score <= 0.25x per_kr.

Usage: python bench/bench_cli.py [--rows 736000] [--repeat 5] [--quick] [--compare-root DIR]
  --quick             100,000 rows, one run each (for bench/run.py --quick)
  --compare-root DIR  also time the same command in another checkout (e.g. the previous commit, unpacked
                      with `git archive HEAD | tar -x -C DIR`), on the same data in a database built by that
                      checkout's own shopkr, for before/after figures in the same run
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import bench_score  # noqa: E402
from common import emit, fresh, python, record  # noqa: E402

from shopkr.data import store  # noqa: E402
from shopkr.domain import metrics  # noqa: E402

GOAL = 0.25
HEAVY = ("scipy", "statsmodels", "streamlit", "plotly")

BASELINE = """
import duckdb, json, sys
queries = json.load(open(sys.argv[2], encoding="utf-8"))
con = duckdb.connect(sys.argv[1], read_only=True)
out = {}
for kr_id, sql, params, ratio in queries:
    num, den = con.execute(sql, params).fetchone()
    if not ratio:
        out[kr_id] = float(num) if num is not None else None
    else:
        out[kr_id] = float(num) / float(den) if num is not None and den not in (None, 0) else None
print(json.dumps(out))
"""


class _Recorder:
    """Stands in for a DuckDB connection and its cursor: records each (sql, params) that bench_score's
    one-query-per-KR loop sends, answering (None, None), so the baseline runs exactly its queries."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, list]] = []

    def cursor(self) -> _Recorder:
        return self

    def execute(self, sql: str, params: list) -> _Recorder:
        self.queries.append((sql, [str(p) for p in params]))
        return self

    def fetchone(self) -> tuple[None, None]:
        return None, None

    def close(self) -> None:
        pass


def per_kr_queries(okrs) -> list[tuple[str, str, list, bool]]:
    """(KR id, SQL, parameters as text, whether the value is a ratio) for each KR, in bench_score's order."""
    recorder = _Recorder()
    ids = list(bench_score.per_kr_values(recorder, okrs, bench_score.AS_OF))
    ratio = {k.id: metrics.CATALOGUE[k.metric].denominator is not None for o in okrs.objectives for k in o.key_results}
    return [(kr, sql, params, ratio[kr]) for kr, (sql, params) in zip(ids, recorder.queries, strict=True)]


def build(db: Path, products: int) -> object:
    """Fill `db` with the bench rows and store the 1,000 KRs; returns the OKRs."""
    okrs = bench_score.make_okrs(products=products)
    with store.connect(db) as con:
        seconds = bench_score.generate(con, products)
        rows = store.one(con, "SELECT count(*) FROM product_daily")[0]
        store.save_okrs(con, okrs, user="bench")
        store.run(con, "CHECKPOINT")
    print(f"{rows:,} product_daily rows generated in {seconds:.1f} s; {bench_score.N_KRS} KRs stored ({db})")
    return okrs


BUILD_IN = """
import sys
root, bench, main, db, products = sys.argv[1:]
sys.path[:0] = [root, bench]
sys.path.append(main)  # so that bench_score does not put this checkout's shopkr first
from shopkr.data import store
if not hasattr(store, "refresh_rollup"):  # a checkout from before the rollups: nothing to refresh
    store.refresh_rollup = lambda *args, **kwargs: None
import bench_cli
bench_cli.build(bench_cli.Path(db), int(products))
"""


def build_in(root: Path, db: Path, products: int) -> None:
    """Build the bench database with `root`'s shopkr (its own schema version), in a fresh process."""
    _, out = fresh(python("-c", BUILD_IN, str(root), str(ROOT / "bench"), str(ROOT), str(db), str(products)))
    print(out.strip())


def score_cmd(db: Path) -> list[str]:
    as_of = bench_score.AS_OF.isoformat()
    return python("-m", "shopkr", "score", "--db", str(db), "--cycle", bench_score.CYCLE, "--as-of", as_of,
                  "--format", "json")  # fmt: skip


def values_of(score_json: str) -> dict[str, float | None]:
    doc = json.loads(score_json)
    return {k["id"]: k["value"] for o in doc["objectives"] for k in o["key_results"]}


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def heavy_imports(db: Path, cwd: Path) -> tuple[list[str], float]:
    """Which of HEAVY the score command imports, and its import time in seconds (from -X importtime)."""
    cmd = score_cmd(db)
    _, err = _stderr_of([cmd[0], "-X", "importtime", *cmd[1:]], cwd)
    loaded, total = set(), 0
    for line in err.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        name = name.rstrip()
        if not name.startswith("  ") and cumulative.strip().isdigit():  # top-level imports only
            total += int(cumulative)
        loaded.add(name.strip().split(".")[0])
    return sorted(loaded & set(HEAVY)), total / 1e6


def _stderr_of(cmd: list[str], cwd: Path) -> tuple[str, str]:
    import subprocess

    out = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if out.returncode:
        raise SystemExit(out.stderr[-4000:])
    return out.stdout, out.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=736_000, help="product_daily rows (5 shops x 100 days x N)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="100,000 rows, one run each")
    parser.add_argument("--compare-root", type=Path, help="another checkout to time (on its own copy of the data)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeat = 100_000, 1
    products = max(1, args.rows // (bench_score.SHOPS * bench_score.DAYS))

    with tempfile.TemporaryDirectory(prefix="shopkr-bench-cli-") as tmp:
        db = Path(tmp) / "cli.duckdb"
        okrs = build(db, products)
        dbs = {"score": db}
        if args.compare_root:  # its own copy: an older ShopKR refuses a database migrated by this one
            dbs["score_compare"] = Path(tmp) / "compare.duckdb"
            build_in(args.compare_root.resolve(), dbs["score_compare"], products)
        queries = per_kr_queries(okrs)
        qfile = Path(tmp) / "queries.json"
        qfile.write_text(json.dumps(queries), encoding="utf-8")
        baseline_cmd = python("-c", BASELINE, str(db), str(qfile))

        fresh(python("-c", "import duckdb"))  # warm the OS file cache for both sides
        roots = {"score": ROOT}
        if args.compare_root:
            roots["score_compare"] = args.compare_root.resolve()
        times: dict[str, list[float]] = {name: [] for name in (*roots, "per_kr")}
        outputs: dict[str, str] = {}
        for _ in range(args.repeat):
            for name, root in roots.items():
                seconds, outputs[name] = fresh(score_cmd(dbs[name]), cwd=root)
                times[name].append(seconds)
            seconds, outputs["per_kr"] = fresh(baseline_cmd)
            times["per_kr"].append(seconds)

        base = json.loads(outputs["per_kr"])
        for name in roots:
            got = values_of(outputs[name])
            differ = [k for k in base if not same(got.get(k), base[k])]
            assert len(got) == len(base) == bench_score.N_KRS, (name, len(got), len(base))
            if differ:
                k = differ[0]
                raise SystemExit(f"{name}: {len(differ)} KRs differ from per_kr, e.g. {k}: {got.get(k)} vs {base[k]}")
        print(f"all {bench_score.N_KRS} KR values agree ({sum(v is not None for v in base.values())} with a value)")

        floor = statistics.median(times["per_kr"])
        for name, values in times.items():
            med = statistics.median(values)
            where = f" in {roots[name]}" if name in roots and roots[name] != ROOT else ""
            print(f"{name:<14} median {med:6.2f} s  ({med / floor:4.2f}x per_kr)   runs: "
                  + ", ".join(f"{v:.2f}" for v in values) + where)  # fmt: skip
        heavy, import_s = heavy_imports(db, ROOT)
        print(f"score imports {import_s:.2f} s of modules; heavy packages loaded: {', '.join(heavy) or 'none'}")

        rows = products * bench_score.SHOPS * bench_score.DAYS
        extra = {}
        if args.compare_root:
            extra["compare"] = statistics.median(times["score_compare"])
            extra["compare_ratio"] = extra["compare"] / floor
        emit(
            record(
                "cli_score",
                f"python -m shopkr score --format json: {bench_score.N_KRS:,} KRs over {rows:,} product-day rows",
                statistics.median(times["score"]),
                baseline=floor,
                baseline_what="python -c: import duckdb, one query per KR (interpreter start included)",
                goal={"ratio": GOAL},
                repeat=args.repeat,
                heavy_imports=heavy,
                **extra,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
