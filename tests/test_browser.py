"""The real app in a real browser, first start: `streamlit run dashboard.py` on an empty database, where the demo
loads on the first visit (every page in Chromium on the loaded demo: test_browser_pages.py). Skips where Chromium
is missing, except in CI (CI=true), where it fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import ROOT, launch, need_chromium, serve, settle

# One worker runs this module: its server's first visit is the test.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_first")]


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("browser") / "shopkr.duckdb"  # empty: the first visit loads the demo


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, empty_db: Path) -> Iterator[str]:
    need_chromium()
    yield from serve(ROOT / "dashboard.py", {"SHOPKR_DB": str(empty_db)}, tmp_path_factory.mktemp("log"))


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    yield from launch()


def test_first_visits_show_progress_then_the_app(server: str, browser: object, empty_db: Path) -> None:
    """Issue 9: the first visit used to show a bare progress bar until the whole demo was in (~16 s). Two
    newcomers open the empty database at once, one straight to 我的KR for 李娜: the first sees its page title
    and the demo's progress while the demo loads in the background (once for both), then both see the full
    app without reloading."""
    from shopkr.data import store

    visits = []
    try:
        for path in ("my_krs?owner=李娜", ""):
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.goto(f"{server}/{path}", timeout=120_000)
            visits.append(page)
        first = visits[0]
        try:
            first.wait_for_selector('.st-key-demo_loading [data-testid="stProgress"]', timeout=120_000)
        except Exception as exc:  # say what the page showed instead
            raise AssertionError("no progress on the first visit: " + first.inner_text("body")[:1500]) from exc
        assert first.inner_text('[data-testid="stMain"] h1') == "我的KR"
        assert "正在载入示例数据" in first.inner_text(".st-key-demo_loading")
        for page in visits:
            settle(page)
            assert not page.query_selector_all('[data-testid="stException"]')
            assert not page.query_selector_all('[data-testid="stAlertContentError"]')
        assert "天猫店支付转化率" in first.inner_text('[data-testid="stMain"]')  # O2.KR1, one of 李娜's KRs
        assert "示例数据" in visits[1].inner_text('[data-testid="stSidebar"]')
        assert visits[1].inner_text('[data-testid="stMain"] h1').startswith("总览")
    finally:
        for page in visits:
            page.close()
    with store.connect(empty_db, wait=60) as con:
        assert store.get_meta(con, "demo") == "loaded"
        assert not store.run(con, "SELECT path FROM import_log GROUP BY path HAVING count(*) > 1")  # loaded once
