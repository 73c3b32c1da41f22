"""The real app in a real browser: `streamlit run dashboard.py` on an empty database (the demo loads on the
first visit), every page opened in headless Chromium, no Streamlit error element, a screenshot per page in
artifacts/screenshots/. Skips where Chromium is missing, except in CI (CI=true), where it fails."""

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
# (url path with query, a text the page must show)
PAGES = [
    ("my_krs?owner=李娜", "我的 KR"),  # first visit straight to a page URL: the app must still load fully
    ("", "总览"),  # the default page (Overview) lives at the root URL
    ("kr_detail?kr=O1.KR3", "KR详情"),
    ("abtest?test=T1", "主图"),
    ("manage", "OKR"),
    ("data_import", "导入"),
    ("people", "成员"),
    ("?lang=en", "Overview"),
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium and fonts-noto-cjk")
        pytest.skip("no /usr/bin/chromium here (apt-get install chromium fonts-noto-cjk)")
    pytest.importorskip("playwright")
    port = _free_port()
    db = tmp_path_factory.mktemp("browser") / "shopkr.duckdb"
    env = {**os.environ, "SHOPKR_DB": str(db)}
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
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
        pytest.fail("streamlit did not start: " + Path(log.name).read_text()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        yield b
        b.close()


def _settle(page: object, timeout: float = 120) -> None:
    """Wait until Streamlit has finished running the script (no running indicator, no skeleton)."""
    deadline = time.monotonic() + timeout
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout * 1000)
    quiet_since = None
    while time.monotonic() < deadline:
        busy = page.query_selector('[data-testid="stStatusWidget"]') or page.query_selector(
            '[data-testid="stSkeleton"]'
        )
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.25)
    raise AssertionError("the page kept running for too long")


@pytest.mark.parametrize(("path", "text"), PAGES, ids=[p or "root" for p, _ in PAGES])
def test_page_in_chromium(server: str, browser: object, path: str, text: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        page.goto(f"{server}/{path}", timeout=120_000)
        _settle(page)
        errors = page.query_selector_all('[data-testid="stException"]')
        assert not errors, [e.inner_text()[:500] for e in errors]
        assert not page.query_selector_all('[data-testid="stAlertContentError"]')
        body = page.inner_text("body")
        assert "Page not found" not in body
        assert text in body, body[:500]
        # the navigation of the app (not Streamlit's legacy pages list) is in the sidebar
        assert ("数据导入" in body) or ("Import data" in body)
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = (path.split("?")[0] or "overview") + ("_en" if "lang=en" in path else "")
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    finally:
        page.close()
