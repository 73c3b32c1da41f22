"""Issue 8 item 16 in a real browser (headless Chromium, as tests/test_browser.py): what Streamlit 1.67 really
renders. A small app shows a payload of Markdown, KaTeX, directives, emoji/icon shortcodes, bare links and HTML
through shopkr.app.escape.md in every kind of element the pages use (and once unescaped, to prove the check has
teeth); then the dashboard on a demo database whose user text carries the payload must not make the browser fetch
the tracking image on any page, nor draw its links, formulas or colours. Skips without Chromium except in CI."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import ROOT, SHOTS, launch, serve, settle
from test_trust_pages import PAYLOAD, make_evil

TRACKER = "127.0.0.1:9/track.png"

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_trust")]  # one worker: one server per module

PROBE = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from shopkr.app.escape import code, md

PAYLOAD = {PAYLOAD!r} + " :smile: :material/home: http://auto.example www.auto.example a@b.example *em* `c` ~~s~~"
BLOCKS = "# head\\n- item\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |"
esc = st.query_params.get("mode") != "raw"
f = md if esc else (lambda s: s)
for i, text in enumerate([PAYLOAD, BLOCKS]):
    with st.container(key=f"probe{{i}}"):
        st.markdown(f"**{{f(text)}}** · tail")
        st.caption(f(text))
        st.subheader(f(text))
        st.warning(f(text))
        st.metric(f(text), 1)
        with st.expander(f(text)):
            st.write("x")
        st.page_link("http://example.com/", label=f(text))
        st.progress(0.5, text=f(text))
        st.checkbox(f(text))
        st.markdown(code(text) if esc else text)
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch()


@pytest.fixture(scope="module")
def probe_server(tmp_path_factory: pytest.TempPathFactory, browser: object) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("probe")
    script = folder / "probe.py"
    script.write_text(textwrap.dedent(PROBE), encoding="utf-8")
    yield from serve(script, {}, folder)


@pytest.fixture(scope="module")
def evil_server(tmp_path_factory: pytest.TempPathFactory, demo_db: Path, browser: object) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("evil")
    db = folder / "shopkr.duckdb"
    shutil.copy(demo_db, db)
    make_evil(db)
    yield from serve(ROOT / "dashboard.py", {"SHOPKR_DB": str(db)}, folder)


def _rendered(scope: object) -> dict[str, int]:
    """Counts of what Markdown produced inside `scope` (Streamlit's own icons and heading anchors excluded)."""
    links = [a.get_attribute("href") or "" for a in scope.query_selector_all("a")]
    return {
        "img": len(scope.query_selector_all("img")),
        "link": len([h for h in links if h.startswith(("http://x", "http://auto", "http://www", "mailto:"))]),
        "katex": len(scope.query_selector_all(".katex")),
        "colour": len(scope.query_selector_all('span[class*="color"], span[style*="color"]')),
        "format": len(scope.query_selector_all("em, del, li, table, h1, h2, h4, h5, h6")),
        "emoji": scope.inner_text().count("😄"),
    }


def test_streamlit_renders_escaped_user_text_as_text(probe_server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    try:
        page.goto(f"{probe_server}/?mode=raw", timeout=120_000)
        settle(page)
        raw = _rendered(page.query_selector(".st-key-probe0"))
        # unescaped, every construct renders: the probe can see them
        assert raw["img"] >= 8 and raw["link"] >= 8 and raw["katex"] >= 8 and raw["colour"] >= 8, raw
        assert raw["emoji"] >= 8 and raw["format"] >= 8, raw
        page.goto(f"{probe_server}/?mode=escaped", timeout=120_000)
        settle(page)
        assert not page.query_selector_all('[data-testid="stException"]')
        for key in ("probe0", "probe1"):
            box = page.query_selector(f".st-key-{key}")
            found = _rendered(box)
            assert found == dict.fromkeys(found, 0), (key, found)
        text = page.query_selector(".st-key-probe0").inner_text()
        assert text.count("![x](http:\u2060//127.0.0.1:\u20609/track.png)") >= 8  # shown as typed (+ joiners)
        assert "# head - item | a | b |" in page.query_selector(".st-key-probe1").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "escape_probe.png"), full_page=True)
    finally:
        page.close()


PAGES = [
    ("?cycle=2026-Q4", "overview"),
    ("my_krs?cycle=2026-Q4&owner=" + "李娜", "my_krs"),
    ("kr_detail?cycle=2026-Q4&kr=O3.KR2", "kr_detail"),
    ("abtest?test=T1", "abtest"),
    ("manage?cycle=2026-Q4&objective=O1", "manage"),
    ("data_import", "data_import"),
    ("people?cycle=2026-Q4", "people"),
]


def test_user_text_fetches_nothing_and_renders_nothing(evil_server: str, browser: object) -> None:
    """No page of the dashboard makes the browser request the tracking image in a title, or draws the links,
    formulas and colours in user text (the owner is picked by the page, whatever its name)."""
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.on("request", lambda r: requests.append(r.url))
    try:
        for path, name in PAGES:
            page.goto(f"{evil_server}/{path}", timeout=120_000)
            settle(page)
            main = page.query_selector('[data-testid="stMain"]')
            assert not page.query_selector_all('[data-testid="stException"]'), name
            assert "track.png" in page.inner_text("body"), f"{name}: the payload is not on the page"
            found = _rendered(main)
            # the pages colour their own badges; the payload's :red[red] would be a coloured "red"
            payload_colour = [
                e
                for e in main.query_selector_all('span[class*="color"], span[style*="color"]')
                if e.inner_text() == "red"
            ]
            assert found["link"] == found["katex"] == len(payload_colour) == 0, (name, found)
            assert not page.query_selector_all(f'img[src*="{TRACKER}"]'), name
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"escaped_{name}.png"), full_page=True)
        assert not [u for u in requests if TRACKER in u], [u for u in requests if TRACKER in u]
    finally:
        page.close()
