"""Shared plumbing of the browser tests: start `streamlit run` on a free port, launch Debian's Chromium through
playwright, and wait until a page has finished running. Chromium missing: skip, except in CI (CI=true), where
it fails because .ci/run installs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"


def need_chromium() -> None:
    """Skip (or fail in CI) when Chromium or playwright is missing."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium and fonts-noto-cjk")
        pytest.skip("no /usr/bin/chromium here (apt-get install chromium fonts-noto-cjk)")
    pytest.importorskip("playwright")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(script: Path, env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """`streamlit run script` headless on 127.0.0.1 (environment `env` added); yields its URL once healthy,
    stops it afterwards. The server's output goes to log_dir/streamlit.log (quoted when it does not start)."""
    port = _free_port()
    log_path = log_dir / "streamlit.log"
    args = ["--server.headless", "true", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), *args, "--server.fileWatcherType", "none"],
            cwd=script.parent,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            pytest.fail("streamlit did not start: " + log_path.read_text()[-2000:])
        try:
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def launch() -> Iterator[object]:
    """A headless Chromium (playwright Browser) on the system binary; closed afterwards."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        yield b
        b.close()


def settle(page: object, timeout: float = 120) -> None:
    """Wait until Streamlit has finished running the script: no running indicator, no skeleton and no first-start
    progress (the demo loading in the background, `.st-key-demo_loading`) for 1.5 s."""
    deadline = time.monotonic() + timeout
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout * 1000)
    quiet_since = None
    while time.monotonic() < deadline:
        busy = (
            page.query_selector('[data-testid="stStatusWidget"]')
            or page.query_selector('[data-testid="stSkeleton"]')
            or page.query_selector(".st-key-demo_loading")
        )
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.25)
    raise AssertionError("the page kept running for too long")
