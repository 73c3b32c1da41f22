"""Run every bench and write bench/RESULTS.md: the machine, the versions, and each figure against its baseline.

Each bench script runs as its own subprocess (with this interpreter) and ends with `BENCH {...}` lines
(bench/common.py); this runner collects them into one table: the figure, its same-run baseline, the ratio,
the goal and whether it is met. A slow figure is reported, never an error: the exit code is 1 only when a
bench crashed (or printed no result), so CI runs `python bench/run.py --quick` after the tests.

Usage: python bench/run.py [--quick] [--only NAME ...] [--output FILE] [--compare-root DIR]
  --quick             small sizes and one run each (under a minute); prints the table, writes a file only
                      with --output
  --only NAME         run only these benches (names below)
  --output FILE       where to write the Markdown (default: bench/RESULTS.md for a full run)
  --compare-root DIR  also time another checkout (e.g. `git archive HEAD | tar -x -C DIR`) where a bench
                      supports it (cli, import_generic, import_sycm, excel): a "compare" column
  --compare-label TEXT  what that checkout is, for the results (default: its path)
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from common import PREFIX  # noqa: E402


@dataclass(frozen=True)
class Bench:
    """One bench script run: its arguments for a full and a quick run, and whether it takes --compare-root."""

    name: str
    script: str
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] | None = ("--quick",)  # None: not part of the quick (CI) run
    compare: bool = False


BENCHES = (
    Bench("import_generic", "bench_import.py", ("--kind", "generic"), ("--kind", "generic", "--quick"), True),
    Bench("import_sycm", "bench_import.py", ("--kind", "sycm"), ("--kind", "sycm", "--quick"), True),
    Bench("excel", "bench_excel.py", compare=True),
    Bench("score", "bench_score.py"),
    Bench("cli", "bench_cli.py", compare=True),
    Bench("pages", "bench_pages.py"),
    Bench("forecast", "bench_forecast.py"),
    # Needs Chromium and the git history (its baseline is dashboard.py at an older commit): full runs only, so a
    # CI checkout without history cannot crash the quick run.
    Bench("first_start", "bench_first_start.py", quick=None),
)
# Benches named by an issue that do not exist yet: listed in the results, not invented.
NOT_YET_BUILT: dict[str, str] = {}


@dataclass
class Outcome:
    """What one bench run gave: its BENCH records, or why it failed."""

    bench: Bench
    seconds: float
    records: list[dict] = field(default_factory=list)
    error: str | None = None


def run_bench(bench: Bench, *, quick: bool, compare_root: Path | None, timeout: float) -> Outcome:
    """Run one bench script in a fresh process, echoing its output; a crash or a timeout is an Outcome error."""
    args = list(bench.quick if quick else bench.full)
    if compare_root is not None and bench.compare:
        args += ["--compare-root", str(compare_root)]
    cmd = [sys.executable, str(BENCH / bench.script), *args]
    print(f"\n== {bench.name}: {' '.join(cmd[1:])}", flush=True)
    start = time.perf_counter()
    lines: list[str] = []
    killed = threading.Event()
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None

        def kill() -> None:  # a bench that hangs, even silently, ends here
            killed.set()
            proc.kill()

        watchdog = threading.Timer(timeout, kill)
        watchdog.start()
        try:
            for line in proc.stdout:
                lines.append(line)
                if not line.startswith(PREFIX):
                    print(f"   {line}", end="", flush=True)
            code = proc.wait()
        finally:
            watchdog.cancel()
    seconds = time.perf_counter() - start
    records = [json.loads(line[len(PREFIX) :]) for line in lines if line.startswith(PREFIX)]
    error = None
    if killed.is_set():
        error = f"timed out after {timeout:.0f} s"
    elif code:
        last = next((line.strip() for line in reversed(lines) if line.strip()), "")
        error = f"exit code {code}: {last[-300:]}"
    elif not records:
        error = "printed no BENCH result"
    print(f"   ({seconds:.0f} s{'; FAILED: ' + error if error else ''})", flush=True)
    return Outcome(bench, seconds, records, error)


def machine() -> dict[str, str]:
    """CPU model, cores, memory, OS, Python and the versions of the libraries the figures depend on."""
    cpu = platform.processor() or platform.machine()
    memory = "?"
    try:
        text = Path("/proc/cpuinfo").read_text()
        cpu = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")), cpu)
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    info = {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "OS": platform.platform(),
        "Python": platform.python_version(),
    }
    for package in ("duckdb", "pandas", "pyarrow", "numpy", "streamlit", "python-calamine", "pydantic"):
        try:
            info[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[package] = "not installed"
    info["PYTHONDONTWRITEBYTECODE"] = os.environ.get("PYTHONDONTWRITEBYTECODE") or "unset"
    return info


def checkout() -> str:
    """The commit measured, with '+ local changes' when the tree differs from it (read-only git calls)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return "unknown"
    if head.returncode:
        return "unknown"
    return head.stdout.strip() + (" + local changes" if dirty.stdout.strip() else "")


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.3g} {unit}".strip() if abs(value) < 100 else f"{value:,.0f} {unit}".strip()


def _goal(goal: dict | None, unit: str) -> str:
    if not goal:
        return "–"
    if "ratio" in goal:
        return f"≤ {goal['ratio']:g}x"
    return f"≤ {goal['figure']:g} {unit}"


def markdown(outcomes: list[Outcome], *, quick: bool, compare: str | None, took: float) -> str:
    """bench/RESULTS.md: how and where it was measured, then one row per figure."""
    lines = [
        "# Bench results",
        "",
        f"Written by `python bench/run.py{' --quick' if quick else ''}` on {dt.datetime.now():%Y-%m-%d %H:%M} "
        f"({took:.0f} s), checkout {checkout()}. Each figure is the median of the bench's runs; the baseline is run "
        "the same way in the same run (see each script's docstring). "
        + ("Quick run: small sizes, one run each; the ratios are indicative only." if quick else ""),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in machine().items()),
        "",
        "## Figures",
        "",
    ]
    has_compare = any("compare" in r for o in outcomes for r in o.records)
    head = "| figure | what | value | baseline | baseline value | ratio | goal | met |"
    rule = "|---|---|---|---|---|---|---|---|"
    if has_compare:
        head += " compare | compare ratio |"
        rule += "---|---|"
    lines += [head, rule]
    for o in outcomes:
        if o.error:
            error = o.error.replace("|", "/").replace("\n", " ")
            lines.append(f"| {o.bench.name} | **failed**: {error} | | | | | | |" + (" | |" if has_compare else ""))
            continue
        for r in o.records:
            unit = r.get("unit", "s")
            met = {True: "yes", False: "**no**", None: "–"}[r.get("met")]
            goal = _goal(r.get("goal"), unit)
            row = (
                f"| {r['name']} | {r['what']} | {_num(r['figure'], unit)} | {r.get('baseline_what') or '–'} | "
                f"{_num(r.get('baseline'), unit)} | {_num(r.get('ratio'), 'x')} | {goal} | {met} |"
            )
            if has_compare:
                row += f" {_num(r.get('compare'), unit)} | {_num(r.get('compare_ratio'), 'x')} |"
            lines.append(row)
    for name, what in NOT_YET_BUILT.items():
        lines.append(f"| {name} | {what} | not yet built | | | | | |" + (" | |" if has_compare else ""))
    if has_compare:
        lines += ["", f"compare: the same bench on {compare}, alternating with this checkout in the same run."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each (for CI)")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHES], metavar="NAME")
    parser.add_argument("--output", type=Path, help="the Markdown file (default: bench/RESULTS.md unless --quick)")
    parser.add_argument("--compare-root", type=Path, help="another checkout to time where a bench supports it")
    parser.add_argument("--compare-label", help="what the other checkout is (default: its path)")
    args = parser.parse_args(argv)
    compare = args.compare_label or (f"the checkout in `{args.compare_root}`" if args.compare_root else None)
    output = args.output or (None if args.quick else BENCH / "RESULTS.md")
    timeout = 300.0 if args.quick else 3600.0
    start = time.perf_counter()
    outcomes = [
        run_bench(b, quick=args.quick, compare_root=args.compare_root, timeout=timeout)
        for b in BENCHES
        if (not args.only or b.name in args.only) and not (args.quick and b.quick is None)
    ]
    text = markdown(outcomes, quick=args.quick, compare=compare, took=time.perf_counter() - start)
    print("\n" + text)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}")
    failed = [o.bench.name for o in outcomes if o.error]
    if failed:
        print(f"bench crashed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
