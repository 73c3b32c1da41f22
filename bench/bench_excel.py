"""Excel exports: the demo's .xls and .xlsx files through `python -m shopkr import`, against python-calamine
reading the same files.

The files: every .xls/.xlsx under data/samples (58 生意参谋 商品 .xls and one 取数 .xlsx of 暖居旗舰店, 207 罗盘 and
千川 .xlsx of 暖居抖音小店), all imported for one shop into a fresh database in one run.

Each step is a fresh Python process (interpreter start included), alternating, medians of --repeat runs:
  calamine  baseline: `python -c` that opens every file with python-calamine and reads every sheet to Python
            values (no header search, no cleaning, no database)
  shopkr    python -m shopkr import FILES --shop "bench shop" --db NEW (workbooks are read in capped worker
            processes, cleaned by the SQL cell rules, upserted, logged)

Usage: python bench/bench_excel.py [--repeat 3] [--quick] [--compare-root DIR]
  --quick             10 .xls and 10 .xlsx files, one run each (for bench/run.py --quick)
  --compare-root DIR  also time `shopkr import` of another checkout, for before/after figures in the same run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from common import emit, fresh, python, record

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"

BASELINE = """
import sys
from python_calamine import CalamineWorkbook
cells = 0
for path in sys.argv[1:]:
    book = CalamineWorkbook.from_path(path)
    for name in book.sheet_names:
        cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
print(cells)
"""


def excel_files(quick: bool) -> list[Path]:
    """The demo's Excel exports (sorted); with `quick`, the first 10 of each kind."""
    xls = sorted(SAMPLES.rglob("*.xls"))
    xlsx = sorted(SAMPLES.rglob("*.xlsx"))
    return xls[:10] + xlsx[:10] if quick else xls + xlsx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20 files, one run each")
    parser.add_argument("--compare-root", type=Path, help="another checkout whose `shopkr import` is also timed")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
    files = excel_files(args.quick)
    size = sum(f.stat().st_size for f in files) / 1e6
    kinds = f"{sum(f.suffix == '.xls' for f in files)} .xls + {sum(f.suffix == '.xlsx' for f in files)} .xlsx"
    print(f"{len(files)} Excel files ({kinds}), {size:.1f} MB")
    roots = {"shopkr": ROOT}
    if args.compare_root:
        roots["shopkr_compare"] = args.compare_root.resolve()
    times: dict[str, list[float]] = {"calamine": [], **{name: [] for name in roots}}
    said: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="shopkr-bench-excel-") as tmp:
        for i in range(args.repeat):
            seconds, out = fresh(python("-c", BASELINE, *map(str, files)))
            times["calamine"].append(seconds)
            said["calamine"] = f"{int(out):,} cells read"
            for name, root in roots.items():
                db = Path(tmp) / f"{name}_{i}.duckdb"
                cmd = python("-m", "shopkr", "import", *map(str, files), "--shop", "bench shop", "--db", str(db))
                seconds, out = fresh([*cmd, "--user", "bench"], cwd=root)
                times[name].append(seconds)
                said[name] = out.strip().splitlines()[-1]
                if " 0 failed" not in said[name]:  # two demo files are byte copies of others: unchanged
                    raise SystemExit(f"{name}: some files failed:\n{out[-3000:]}")
    for name, line in said.items():
        print(f"{name}: {line}")
    floor = statistics.median(times["calamine"])
    for name, values in times.items():
        med = statistics.median(values)
        where = f" in {roots[name]}" if name in roots and roots[name] != ROOT else ""
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:<16} median {med:6.2f} s  ({med / floor:4.2f}x calamine)   runs: {runs}{where}")
    extra = {}
    if args.compare_root:
        extra = {"compare": statistics.median(times["shopkr_compare"])}
        extra["compare_ratio"] = extra["compare"] / floor
    emit(
        record(
            "import_excel",
            f"python -m shopkr import, {len(files)} demo Excel files ({kinds}), fresh database",
            statistics.median(times["shopkr"]),
            baseline=floor,
            baseline_what="python -c: python-calamine reads every sheet of the same files",
            repeat=args.repeat,
            **extra,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
