"""The real app in a real browser: `streamlit run dashboard.py` on the loaded demo (a copy of the session's demo
template), every page opened in headless Chromium, no Streamlit error element, a screenshot per page in
artifacts/screenshots/. Skips where Chromium is missing, except in CI (CI=true), where it fails. (The first start
on an empty database is test_browser.py.)"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import ROOT, SHOTS, launch, need_chromium, serve, settle

# (url path with query, a text the page must show)
PAGES = [
    ("my_krs?owner=李娜", "我的 KR"),  # a page URL with a selection
    ("", "总览"),  # the default page (Overview) lives at the root URL
    ("kr_detail?kr=O1.KR3", "KR详情"),
    ("abtest?test=T1", "主图"),
    ("manage", "OKR"),
    ("data_import", "导入"),
    ("people", "成员"),
    ("?lang=en", "Overview"),
]

# One worker runs this module (one server); the first start's module runs beside it on another worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_pages")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Iterator[str]:
    need_chromium()
    copy = tmp_path_factory.mktemp("browser_pages") / "shopkr.duckdb"
    shutil.copy(demo_db, copy)
    yield from serve(ROOT / "dashboard.py", {"SHOPKR_DB": str(copy)}, tmp_path_factory.mktemp("log"))


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    yield from launch()


@pytest.mark.parametrize(("path", "text"), PAGES, ids=[p or "root" for p, _ in PAGES])
def test_page_in_chromium(server: str, browser: object, path: str, text: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        page.goto(f"{server}/{path}", timeout=120_000)
        settle(page)
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


def test_overview_opens_from_its_own_url(server: str, browser: object) -> None:
    """Issue 8 item 17: /overview (bookmarks, shared links) opens the overview and keeps its URL, like every other
    page's URL; the root URL still shows it too. Before the fix Streamlit matched no page for /overview (the default
    page only answers at "/") and the browser ended on "/"."""
    from urllib.parse import urlparse

    for path, expected in (("overview?cycle=2026-Q4", "/overview"), ("", "/")):
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        try:
            page.goto(f"{server}/{path}", timeout=120_000)
            settle(page)
            body = page.inner_text("body")
            assert "Page not found" not in body
            assert urlparse(page.url).path == expected, page.url
            assert page.inner_text('[data-testid="stMain"] h1').startswith("总览")
            assert not page.query_selector_all('[data-testid="stException"]')
            if path:
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / "overview_url.png"), full_page=True)
        finally:
            page.close()
