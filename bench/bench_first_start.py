"""A newcomer's first start: `streamlit run dashboard.py` on an empty database, one headless Chromium visit.

Each run starts a fresh server on a new empty database (SHOPKR_DB) and opens one page in a new browser context
(Chromium is launched once, before; the server is healthy before the clock starts). From `page.goto` on, the
page's DOM is polled every 50 ms for:

  first_page   the page heading (`stMain h1`) is shown and no skeleton (`stSkeleton`) is left in the main area
  progress     the demo's progress bar (`stProgress`) is shown (informational)
  demo_shown   the demo is fully shown: the heading, the sidebar's 示例数据 banner, no loading view
               (`.st-key-demo_loading`), no running indicator and no skeleton
  server_cpu   CPU seconds the server process had used by then (informational; less sensitive than wall
               time to other work on the machine)

Two variants, alternating, medians of --repeat runs each:
  current   this checkout's dashboard.py
  baseline  dashboard.py as it was at --baseline-ref (default 20cde65: the demo loaded inside the first
            script run, the page drawn after it), run from a temporary folder next to symlinks to this
            checkout's pages/, so both variants use the same modules and the same import speed
            (`git show REF:dashboard.py`, read-only); or --baseline-root DIR: another whole checkout
            (e.g. `git worktree add /tmp/fs_base 20cde65`)

The goal (issue 9): the first page in under 5 s. Prints one `BENCH {...}` line per figure (bench/common.py),
the first page last.

Usage: python bench/bench_first_start.py [--quick] [--repeat 3] [--path my_krs?owner=李娜]
                                         [--baseline-ref REF | --baseline-root DIR]
  --quick   one run per variant
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import emit, record  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
GOAL = 5.0
BASELINE_REF = "20cde65"

# One look at the page: what a person sees, as booleans and the heading's text.
PROBE = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const side = document.querySelector('[data-testid="stSidebar"]');
  const h1 = main ? main.querySelector('h1') : null;
  const banner = side ? [...side.querySelectorAll('[data-testid="stAlert"]')].some(
    a => a.innerText.includes('示例数据') || a.innerText.includes('demo data')) : false;
  return {
    h1: h1 ? h1.innerText.trim() : '',
    skeleton: !!(main && main.querySelector('[data-testid="stSkeleton"]')),
    progress: !!(main && main.querySelector('[data-testid="stProgress"]')),
    loading: !!document.querySelector('.st-key-demo_loading'),
    running: !!document.querySelector('[data-testid="stStatusWidget"]'),
    banner: banner,
    errors: document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]').length,
  };
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _baseline_script(ref: str, folder: Path) -> Path:
    """dashboard.py at `ref` written into `folder` next to a symlink to this checkout's pages/."""
    text = subprocess.run(
        ["git", "show", f"{ref}:dashboard.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    (folder / "pages").symlink_to(ROOT / "pages")
    script = folder / "dashboard.py"
    script.write_text(text, encoding="utf-8")
    return script


class Server:
    """`streamlit run script` headless on a free port with SHOPKR_DB=db; `stop()` ends it."""

    def __init__(self, script: Path, db: Path, pythonpath: Path, log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        args = ["--server.headless", "true", "--server.port", str(self.port), "--browser.gatherUsageStats", "false"]
        env = {**os.environ, "SHOPKR_DB": str(db), "PYTHONPATH": str(pythonpath)}
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), *args, "--server.fileWatcherType", "none"],
            cwd=script.parent,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise SystemExit("streamlit did not start: " + log.read_text()[-2000:])
        self.healthy_after = time.perf_counter() - started

    def stop(self) -> None:
        """Terminate the server (this process started it) and close its log."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process so far (Linux /proc), its children not included."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def visit(browser: object, url: str, pid: int | None = None, timeout: float = 180) -> dict[str, float]:
    """Seconds from `goto` to the first page, the progress bar and the demo fully shown (see the docstring), and
    `server_cpu`: CPU seconds the server process `pid` had used when the demo was shown. Raises SystemExit
    when the page shows an error or the demo is not shown within `timeout` seconds."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    found: dict[str, float] = {}
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        while time.perf_counter() - start < timeout:
            try:
                s = page.evaluate(PROBE)
            except Exception:  # the document is being replaced while it loads
                time.sleep(0.05)
                continue
            now = time.perf_counter() - start
            if s["errors"]:
                raise SystemExit(f"{url}: the page shows an error:\n" + page.inner_text("body")[:2000])
            if s["h1"] and not s["skeleton"]:
                found.setdefault("first_page", now)
            if s["progress"]:
                found.setdefault("progress", now)
            if s["h1"] and s["banner"] and not (s["loading"] or s["running"] or s["skeleton"]):
                found["demo_shown"] = now
                if pid is not None:
                    found["server_cpu"] = cpu_seconds(pid)
                return found
            time.sleep(0.05)
        raise SystemExit(f"{url}: the demo was not shown within {timeout:.0f} s:\n" + page.inner_text("body")[:2000])
    finally:
        context.close()


def run_once(browser: object, script: Path, pythonpath: Path, path: str) -> dict[str, float]:
    """One newcomer: a fresh server on a new empty database, one visit of `path`."""
    with tempfile.TemporaryDirectory(prefix="shopkr_first_start_") as tmp:
        server = Server(script, Path(tmp) / "shopkr.duckdb", pythonpath, Path(tmp) / "streamlit.log")
        try:
            found = visit(browser, f"{server.url}/{path}", server.proc.pid)
        finally:
            server.stop()
        found["server_start"] = server.healthy_after
        return found


def main() -> None:
    """Measure both variants and print the BENCH lines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run per variant")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--path", default="", help="the URL path and query visited (default: the overview)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--baseline-ref", default=BASELINE_REF)
    group.add_argument("--baseline-root", type=Path)
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"this bench drives {CHROMIUM} (Debian's chromium): not found")

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="shopkr_first_start_base_") as base_dir, sync_playwright() as p:
        if args.baseline_root:
            baseline = (args.baseline_root.resolve() / "dashboard.py", args.baseline_root.resolve())
            baseline_what = f"dashboard.py of {args.baseline_root}"
        else:
            baseline = (_baseline_script(args.baseline_ref, Path(base_dir)), ROOT)
            baseline_what = f"dashboard.py at {args.baseline_ref} (demo loaded inside the first run) on this checkout"
        variants = {"current": (ROOT / "dashboard.py", ROOT), "baseline": baseline}
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
        try:
            for i in range(repeat):
                for name, (script, pythonpath) in variants.items():
                    found = run_once(browser, script, pythonpath, args.path)
                    runs[name].append(found)
                    shown = ", ".join(f"{k} {v:.2f} s" for k, v in found.items())
                    print(f"run {i + 1} {name:8}: {shown}", flush=True)
        finally:
            browser.close()

    def median(name: str, key: str) -> float | None:
        values = [r[key] for r in runs[name] if key in r]
        return statistics.median(values) if values else None

    where = f"/{args.path}"
    for key, what, goal in (
        ("demo_shown", f"first start, {where}: from navigation to the demo fully shown", None),
        ("first_page", f"first start, {where}: from navigation to the page heading shown (no skeleton)", GOAL),
    ):
        emit(
            record(
                f"first_start_{key}",
                what,
                median("current", key),
                baseline=median("baseline", key),
                baseline_what=baseline_what,
                goal={"figure": goal} if goal else None,
                repeat=repeat,
                progress=median("current", "progress"),
                progress_baseline=median("baseline", "progress"),
                server_start=median("current", "server_start"),
                server_cpu=median("current", "server_cpu"),
                server_cpu_baseline=median("baseline", "server_cpu"),
            )
        )


if __name__ == "__main__":
    main()
