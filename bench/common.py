"""Helpers shared by the bench scripts: timing a fresh process, and the machine-readable result line.

Every bench script ends by printing one `BENCH {...}` line per figure (JSON on one line), which
`bench/run.py` collects into bench/RESULTS.md:

  name        short id of the figure, e.g. "cli_score"
  what        what was timed, in words
  figure      the measured value (seconds unless `unit` says otherwise)
  baseline    the same-run baseline value, run the same way (None when the figure has no baseline)
  baseline_what  what the baseline is, in words
  ratio       figure / baseline (None without a baseline)
  goal        {"ratio": x} (ratio must be <= x) or {"figure": x} (figure must be <= x), or None
  met         whether the goal is met (None without a goal)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "BENCH "


def fresh(cmd: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds for a fresh process to run `cmd` (interpreter start included) and its stdout.

    Raises SystemExit with the process's stderr when it exits non-zero (a bench never times a failure)."""
    start = time.perf_counter()
    out = subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd, env=env)
    seconds = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(f"{' '.join(map(str, cmd))[:200]} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return seconds, out.stdout


def python(*args: str) -> list[str]:
    """A command running this interpreter (the project's venv when the bench was started with it)."""
    return [sys.executable, *args]


def record(
    name: str,
    what: str,
    figure: float,
    *,
    baseline: float | None = None,
    baseline_what: str | None = None,
    goal: dict[str, float] | None = None,
    unit: str = "s",
    **extra: object,
) -> dict:
    """The result of one figure as a dict (see the module docstring); `met` compares the ratio (goal
    {"ratio": x}) or the figure itself (goal {"figure": x}) with the goal, inclusive."""
    ratio = figure / baseline if baseline else None
    met = None
    if goal and "ratio" in goal and ratio is not None:
        met = ratio <= goal["ratio"]
    elif goal and "figure" in goal:
        met = figure <= goal["figure"]
    return {
        "name": name,
        "what": what,
        "figure": figure,
        "unit": unit,
        "baseline": baseline,
        "baseline_what": baseline_what,
        "ratio": ratio,
        "goal": goal,
        "met": met,
        **extra,
    }


def emit(result: dict) -> None:
    """Print one result as the `BENCH {...}` line bench/run.py reads."""
    print(PREFIX + json.dumps(result, ensure_ascii=False), flush=True)


def parse(stdout: str) -> list[dict]:
    """Every `BENCH {...}` record in a bench script's output, in order."""
    return [json.loads(line[len(PREFIX) :]) for line in stdout.splitlines() if line.startswith(PREFIX)]
