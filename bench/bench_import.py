"""Import throughput: a 1,000,000-row 生意参谋 商品-style CSV through `shopkr import`, against baselines.

Baselines, each in a fresh Python process on the same file (the runner times the whole step):
  duckdb_read_csv  DuckDB's own read_csv into a table (the practical floor; no cleaning, no key handling)
  pandas_clean     a plain pandas read -> clean ("1,391", "-", IDs) -> insert into DuckDB
  shopkr           connectors.load_file + store.write_parsed into a fresh database (what the CLI does)
and shopkr again as a re-import of the same rows under a new file hash (all unchanged: the upsert path).

Usage: python bench/bench_import.py [--rows 1000000] [--encoding utf-8|gb18030] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

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

SHOPKR = """
import sys
sys.path.insert(0, sys.argv[3])
from shopkr.data import importer
r = importer.import_files([sys.argv[1]], "bench shop", db=sys.argv[2], user="bench")[0]
assert r.status != "failed", r.error
print(r.rows, r.new, r.replaced, r.unchanged)
"""


def run(script: str, *args: str) -> tuple[float, str]:
    """Seconds for a fresh Python process to run `script`, and what it printed."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(out.stderr)
    return seconds, out.stdout.strip()


def main() -> None:
    """Build the file once, then time each step `repeat` times and print medians and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "gb18030"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "生意参谋_商品_bench.csv"
        t0 = time.perf_counter()
        make_csv(csv_path, args.rows, args.encoding)
        size = csv_path.stat().st_size / 1e6
        print(f"{args.rows:,} rows, {size:.0f} MB, {args.encoding}; generated in {time.perf_counter() - t0:.1f} s")
        times: dict[str, list[float]] = {"duckdb_read_csv": [], "pandas_clean": [], "shopkr": [], "shopkr_reimport": []}
        for i in range(args.repeat):
            db = Path(tmp) / f"b{i}"
            if args.encoding == "utf-8":  # DuckDB reads GB18030 only with its encodings extension (not offline)
                times["duckdb_read_csv"].append(run(BASELINE_DUCKDB, str(csv_path), f"{db}_duck.duckdb")[0])
            enc = "utf-8" if args.encoding == "utf-8" else "gb18030"
            times["pandas_clean"].append(run(BASELINE_PANDAS, str(csv_path), f"{db}_pd.duckdb", enc)[0])
            seconds, out = run(SHOPKR, str(csv_path), f"{db}_skr.duckdb", str(ROOT))
            times["shopkr"].append(seconds)
            # Same rows, new bytes (a trailing newline): the full upsert compare path, every row unchanged.
            copy = Path(tmp) / f"copy{i}.csv"
            copy.write_bytes(csv_path.read_bytes() + b"\n")
            seconds2, out2 = run(SHOPKR, str(copy), f"{db}_skr.duckdb", str(ROOT))
            times["shopkr_reimport"].append(seconds2)
        print(f"shopkr import printed rows/new/replaced/unchanged: {out}; re-import: {out2}")
        base = "duckdb_read_csv" if times["duckdb_read_csv"] else "pandas_clean"
        floor = statistics.median(times[base])
        for name, values in times.items():
            if not values:
                print(f"{name:<16} not run: DuckDB cannot decode GB18030 here (no encodings extension offline)")
                continue
            med = statistics.median(values)
            print(
                f"{name:<16} median {med:6.2f} s  ({med / floor:4.2f}x {base})   runs: "
                + ", ".join(f"{v:.2f}" for v in values)
            )


if __name__ == "__main__":
    main()
