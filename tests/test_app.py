"""The dashboard through Streamlit's AppTest: every page, and the main interactions, with no exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from shopkr.data import demo, store

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "pages/overview.py",
    "pages/my_krs.py",
    "pages/kr_detail.py",
    "pages/abtest.py",
    "pages/manage.py",
    "pages/data_import.py",
    "pages/people.py",
]


@pytest.fixture
def app(db: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.exception]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app: AppTest, page: str) -> None:
    app.switch_page(page).run()
    assert not _errors(app)
    assert app.title, f"{page} shows no title"


def test_first_start_loads_demo_and_shows_banner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "empty.duckdb"
    monkeypatch.setenv("SHOPKR_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    assert not _errors(at)
    assert any("示例数据" in w.value for w in at.sidebar.warning)
    with store.connect(db) as con:
        assert store.one(con, "SELECT count(*) FROM shop_daily")[0] > 300
        assert store.get_meta(con, "demo") == "loaded"
    # clearing asks first (issue 8 item 12; one click cleared before), then an empty database is not filled again
    at.sidebar.button(key="demo_clear").click().run()
    assert not _errors(at)
    with store.connect(db) as con:
        assert store.one(con, "SELECT count(*) FROM shop_daily")[0] > 300
    at.sidebar.button(key="demo_clear_yes").click().run()
    assert not _errors(at)
    with store.connect(db) as con:
        assert store.one(con, "SELECT count(*) FROM shop_daily")[0] == 0
        assert store.get_meta(con, "demo") == "cleared"
    assert not demo.should_load(db)


def test_language_switch_translates(app: AppTest) -> None:
    assert app.title[0].value.startswith("总览")
    app.query_params["lang"] = "en"
    app.run()
    assert not _errors(app)
    assert app.title[0].value.startswith("Overview")


def test_cycle_picker_changes_cycle_and_url(app: AppTest) -> None:
    box = app.sidebar.selectbox[0]
    assert "2026-Q3" in box.options
    box.set_value("2026-Q3").run()
    assert not _errors(app)
    assert app.query_params["cycle"] == ["2026-Q3"] or app.query_params["cycle"] == "2026-Q3"
    assert "2026-Q3" in app.title[0].value


def test_owner_is_remembered_and_daily_report(app: AppTest) -> None:
    app.switch_page("pages/my_krs.py").run()
    owner = app.selectbox[0]
    owner.set_value("李娜").run()
    assert not _errors(app)
    assert "李娜" in str(app.query_params["owner"])
    app.button[0].click().run()
    text = app.code[0].value
    assert "李娜" in text
    assert "天猫店支付转化率" in text  # O2.KR1, one of 李娜's KRs


def test_kr_detail_from_url(app: AppTest) -> None:
    app.query_params["kr"] = "O1.KR3"
    app.switch_page("pages/kr_detail.py").run()
    assert not _errors(app)
    assert app.selectbox[0].value == "O1.KR3"
    assert any("refund_rate" in m.value for m in app.markdown)
