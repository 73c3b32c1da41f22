"""Import throughput: a big export through `python -m shopkr import`, against baselines on the same file.

Two kinds of file (--kind):
  sycm     1,000,000 rows of a 生意参谋 商品-style CSV ("1,391" text, "%" and "-" cells), the default
  generic  736,000 rows of a generic CSV (date, product_id, visitors, buyers, gmv, impressions, clicks),
           imported with --platform pdd (issue 9's goal: at most 2x duckdb_read_csv)

Each step is a fresh Python process on the same file (the runner times the whole step, interpreter start
included), alternating, medians of --repeat runs:
  duckdb_read_csv  DuckDB's own read_csv into a table (the practical floor; no cleaning, no key handling)
  pandas_clean     a plain pandas read -> clean ("1,391", "-", IDs) -> insert into DuckDB (sycm only)
  shopkr           `python -m shopkr import FILE --shop ... --db NEW` into a fresh database
and shopkr again as a re-import of the same rows under a new file hash (all unchanged: the upsert path).

Usage: python bench/bench_import.py [--kind sycm|generic] [--rows N] [--encoding utf-8|gb18030] [--repeat 3]
                                    [--quick] [--compare-root DIR]
  --quick             100,000 rows, one run each (for bench/run.py --quick)
  --compare-root DIR  also time `shopkr import` of another checkout (e.g. the previous commit, unpacked with
                      `git archive HEAD | tar -x -C DIR`) for before/after figures in the same run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
from common import emit, fresh, record

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "统计日期,商品ID,商品名称,商品访客数,商品浏览量,商品加购人数,支付买家数,支付件数,支付金额,商品支付转化率,"
    "成功退款金额"
)


def make_csv(path: Path, rows: int, encoding: str) -> None:
    """Write `rows` product-day rows: 1,000 products x N days, with "1,391" text, "%" and "-" cells."""
    rng = np.random.default_rng(7)
    products = 1000
    days = -(-rows // products)
    dates = np.datetime64("2020-01-01") + np.arange(days)
    date_col = np.repeat(dates.astype(str), products)[:rows]
    pid = np.tile(np.arange(988_000_000_000, 988_000_000_000 + products).astype(str), days)[:rows]
    visitors = rng.integers(0, 5000, rows)
    buyers = (visitors * rng.uniform(0, 0.06, rows)).astype(int)
    gmv = buyers * rng.uniform(50, 300, rows)
    refund = np.where(rng.random(rows) < 0.5, gmv * 0.08, 0)

    def thousands(a: np.ndarray, fmt: str) -> list[str]:
        return [f'"{v:{fmt}}"' if v >= 1000 else f"{v:{fmt.replace(',', '')}}" for v in a]

    with open(path, "w", encoding=encoding, newline="") as f:
        f.write(HEADER + "\n")
        vis = thousands(visitors, ",d")
        pv = thousands(visitors * 2, ",d")
        money = thousands(gmv, ",.2f")
        ref = ["-" if r == 0 else f"{r:.2f}" for r in refund]
        conv = [f"{(b / v * 100 if v else 0):.2f}%" for b, v in zip(buyers, visitors, strict=True)]
        for i in range(rows):
            f.write(
                f"{date_col[i]},{pid[i]},商品{pid[i][-4:]},{vis[i]},{pv[i]},{buyers[i] * 3},{buyers[i]},"
                f"{buyers[i]},{money[i]},{conv[i]},{ref[i]}\n"
            )


BASELINE_DUCKDB = """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [sys.argv[1]])
print(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
"""

BASELINE_PANDAS = """
import duckdb, sys, pandas as pd
df = pd.read_csv(sys.argv[1], dtype=str, encoding=sys.argv[3], keep_default_na=False)
def num(s):
    s = s.str.replace(",", "", regex=False).str.strip()
    return pd.to_numeric(s.where(~s.isin(["", "-", "--"])), errors="coerce")
out = pd.DataFrame({
    "date": pd.to_datetime(df["统计日期"]).dt.date, "product_id": df["商品ID"].str.strip(),
    "product_name": df["商品名称"], "visitors": num(df["商品访客数"]), "pageviews": num(df["商品浏览量"]),
    "cart_buyers": num(df["商品加购人数"]), "buyers": num(df["支付买家数"]), "units": num(df["支付件数"]),
    "gmv": num(df["支付金额"]), "refund_amount": num(df["成功退款金额"]),
})
con = duckdb.connect(sys.argv[2])
con.register("out", out)
con.execute("CREATE TABLE t AS SELECT * FROM out")
print(con.execute("SELECT count(*) FROM t").fetchall()[0][0])
"""


def make_generic_csv(path: Path, rows: int) -> None:
    """Write `rows` generic product-day rows (canonical headers, plain numbers): 1,000 products x N days."""
    rng = np.random.default_rng(7)
    products = 1000
    days = -(-rows // products)
    dates = np.repeat((np.datetime64("2020-01-01") + np.arange(days)).astype(str), products)[:rows]
    pid = np.tile(np.arange(988_000_000_000, 988_000_000_000 + products).astype(str), days)[:rows]
    visitors = rng.integers(0, 5000, rows)
    buyers = (visitors * rng.uniform(0, 0.06, rows)).astype(int)
    gmv = np.round(buyers * rng.uniform(50, 300, rows), 2)
    clicks = visitors
    impressions = visitors * 8 + rng.integers(0, 100, rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("date,product_id,visitors,buyers,gmv,impressions,clicks\n")
        for i in range(rows):
            f.write(f"{dates[i]},{pid[i]},{visitors[i]},{buyers[i]},{gmv[i]:.2f},{impressions[i]},{clicks[i]}\n")


def shopkr_cmd(csv_path: Path, db: Path, kind: str) -> list[str]:
    """The CLI import of one file into `db` (run with the checkout as working directory)."""
    cmd = [sys.executable, "-m", "shopkr", "import", str(csv_path), "--shop", "bench shop", "--db", str(db)]
    cmd += ["--user", "bench"]
    return cmd + (["--platform", "pdd"] if kind == "generic" else [])


def result_line(stdout: str) -> str:
    """The CLI's line for the file (imported / unchanged), which names the rows new, replaced, unchanged."""
    return next((line for line in stdout.splitlines() if " rows: " in line), stdout.strip()[-200:])


def run(script: str, *args: str) -> tuple[float, str]:
    """Seconds for a fresh Python process to run `script`, and what it printed."""
    seconds, out = fresh([sys.executable, "-c", textwrap.dedent(script), *args])
    return seconds, out.strip()


def main(argv: list[str] | None = None) -> int:
    """Build the file once, then time each step `repeat` times (alternating) and print medians and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", default="sycm", choices=["sycm", "generic"])
    parser.add_argument("--rows", type=int, help="rows in the file (default: 1,000,000 sycm, 736,000 generic)")
    parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "gb18030"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100,000 rows, one run each")
    parser.add_argument("--compare-root", type=Path, help="another checkout whose `shopkr import` is also timed")
    args = parser.parse_args(argv)
    rows = args.rows or (1_000_000 if args.kind == "sycm" else 736_000)
    if args.quick:
        rows, args.repeat = 100_000, 1
    if args.kind == "generic" and args.encoding != "utf-8":
        parser.error("the generic file is UTF-8")
    roots = {"shopkr": ROOT}
    if args.compare_root:
        roots["shopkr_compare"] = args.compare_root.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        name = "生意参谋_商品_bench.csv" if args.kind == "sycm" else "generic_bench.csv"
        csv_path = Path(tmp) / name
        t0 = time.perf_counter()
        if args.kind == "sycm":
            make_csv(csv_path, rows, args.encoding)
        else:
            make_generic_csv(csv_path, rows)
        size = csv_path.stat().st_size / 1e6
        print(
            f"{args.kind}: {rows:,} rows, {size:.0f} MB, {args.encoding}; generated in {time.perf_counter() - t0:.1f} s"
        )
        steps = ["duckdb_read_csv", *(["pandas_clean"] if args.kind == "sycm" else [])]
        steps += [n for r in roots for n in (r, f"{r}_reimport")]
        times: dict[str, list[float]] = {n: [] for n in steps}
        said: dict[str, str] = {}
        # Same rows, new bytes (a trailing newline): the full upsert compare path, every row unchanged.
        copy = Path(tmp) / f"copy_{name}"
        copy.write_bytes(csv_path.read_bytes() + b"\n")
        for i in range(args.repeat):
            db = Path(tmp) / f"b{i}"
            if args.encoding == "utf-8":  # DuckDB reads GB18030 only with its encodings extension (not offline)
                times["duckdb_read_csv"].append(run(BASELINE_DUCKDB, str(csv_path), f"{db}_duck.duckdb")[0])
            if "pandas_clean" in times:
                enc = "utf-8" if args.encoding == "utf-8" else "gb18030"
                times["pandas_clean"].append(run(BASELINE_PANDAS, str(csv_path), f"{db}_pd.duckdb", enc)[0])
            for label, root in roots.items():
                target = Path(f"{db}_{label}.duckdb")
                seconds, out = fresh(shopkr_cmd(csv_path, target, args.kind), cwd=root)
                times[label].append(seconds)
                said[label] = result_line(out)
                seconds, out = fresh(shopkr_cmd(copy, target, args.kind), cwd=root)
                times[f"{label}_reimport"].append(seconds)
                said[f"{label}_reimport"] = result_line(out)
        for label, line in said.items():
            print(f"{label}: {line.strip()}")
        base = "duckdb_read_csv" if times["duckdb_read_csv"] else "pandas_clean"
        floor = statistics.median(times[base])
        for step, values in times.items():
            if not values:
                print(f"{step:<22} not run: DuckDB cannot decode GB18030 here (no encodings extension offline)")
                continue
            med = statistics.median(values)
            where = f" in {roots[step]}" if step in roots and roots[step] != ROOT else ""
            print(
                f"{step:<22} median {med:6.2f} s  ({med / floor:4.2f}x {base})   runs: "
                + ", ".join(f"{v:.2f}" for v in values)
                + where
            )
        what = f"python -m shopkr import, {args.kind} CSV, {rows:,} rows, {size:.0f} MB {args.encoding}, fresh database"
        base_what = {
            "duckdb_read_csv": "python -c: DuckDB read_csv of the same file into a table",
            "pandas_clean": "python -c: pandas read, clean, insert into DuckDB",
        }[base]
        extra = {}
        if args.compare_root:
            extra = {"compare": statistics.median(times["shopkr_compare"])}
            extra["compare_ratio"] = extra["compare"] / floor
        goal = {"ratio": 2.0} if args.kind == "generic" else None
        emit(
            record(
                f"import_{args.kind}",
                what,
                statistics.median(times["shopkr"]),
                baseline=floor,
                baseline_what=base_what,
                goal=goal,
                repeat=args.repeat,
                **extra,
            )
        )
        emit(
            record(
                f"import_{args.kind}_reimport",
                "the same, re-imported under a new file hash (every row unchanged)",
                statistics.median(times["shopkr_reimport"]),
                baseline=floor,
                baseline_what=base_what,
                repeat=args.repeat,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
