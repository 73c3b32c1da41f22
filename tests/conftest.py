"""Shared fixtures for the connector and import tests: a database path, the sample exports, table dumps."""

from __future__ import annotations

import datetime as dt
import fcntl
import importlib.util
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# tests/ is not a package and the repo is not installed: make `connectors` and `shopkr` importable.
if importlib.util.find_spec("shopkr") is None or importlib.util.find_spec("connectors") is None:
    sys.path.insert(0, str(ROOT))

from connectors.canonical import TABLES  # noqa: E402
from shopkr.data import store  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = FIXTURES / "samples"
CONNECTOR_FIXTURES = FIXTURES / "connectors"


def _sort_key(row: dict) -> tuple:
    # None sorts first; values are compared as (type name, value) so mixed columns never raise.
    return tuple((v is not None, type(v).__name__, v if v is not None else 0) for v in row.values())


def _plain(value: object) -> object:
    """Python value of a cell with numeric types unified (a summed count may come back as Decimal)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def sorted_rows(rows: Iterable[dict]) -> list[dict]:
    """Rows as dicts, sorted on all columns in order (the natural key comes first in every table)."""
    return sorted(({k: _plain(v) for k, v in r.items()} for r in rows), key=_sort_key)


def arrow_rows(table) -> list[dict]:  # a pyarrow Table
    """A pyarrow table (e.g. `Parsed.rows`) as a sorted list of dicts."""
    return sorted_rows(table.to_pylist())


def _dump(con, name: str) -> list[dict]:
    cur = con.execute(f"SELECT * FROM {name}")
    cols = [d[0] for d in cur.description]
    return sorted_rows(dict(zip(cols, r, strict=True)) for r in cur.fetchall())


def dump_table(db: Path, name: str) -> list[dict]:
    """Every row of a canonical table (including import_id) as a sorted list of dicts."""
    with store.connect(db) as con:
        return _dump(con, name)


def dump_all(db: Path) -> dict[str, list[dict]]:
    """All canonical tables, for before/after comparisons (one connection)."""
    with store.connect(db) as con:
        return {name: _dump(con, name) for name in TABLES}


def duplicate_keys(db: Path) -> dict[str, list[tuple]]:
    """Natural keys that occur more than once, per canonical table (must always be empty)."""
    found = {}
    with store.connect(db) as con:
        for name, table in TABLES.items():
            key = ", ".join(table.key)
            found[name] = con.execute(
                f"SELECT {key}, count(*) FROM {name} GROUP BY {key} HAVING count(*) > 1"
            ).fetchall()
    return found


@pytest.fixture
def tmp_db(tmp_path: Path) -> Path:
    """A database file path in tmp_path (created on first connect)."""
    return tmp_path / "shopkr.duckdb"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The copies of the reference sample exports (tests must not read /work/shared)."""
    return SAMPLES


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The tiny connector fixtures written by tests/fixtures/connectors/make_fixtures.py."""
    return CONNECTOR_FIXTURES


@pytest.fixture
def dump() -> Callable[[Path, str], list[dict]]:
    """dump(db, table) -> the canonical table as a sorted list of dicts."""
    return dump_table


@pytest.fixture
def dump_db() -> Callable[[Path], dict[str, list[dict]]]:
    """dump_db(db) -> {table: sorted rows} for every canonical table."""
    return dump_all


def d(text: str) -> dt.date:
    """dt.date from ISO text, for literal expected rows."""
    return dt.date.fromisoformat(text)


# --- Streamlit AppTest ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _streamlit_navigation_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run AppTest the way a live server runs after its first page view.

    AppTest resets Streamlit's legacy "pages/ directory" flag before every run, so every run of an app with
    a pages/ folder starts in the legacy mode. A live server leaves that mode for good once st.navigation
    has run (and `shopkr.app.ui.require_app` forces that on the very first request). Without this, a widget
    clicked in one AppTest run would belong to another page in the next and the click would be lost.
    """
    from streamlit.testing.v1 import app_test

    from shopkr.app import ui

    monkeypatch.setattr(app_test, "PagesManager", ui.live_pages_manager())


# --- the demo database ---------------------------------------------------------------------------------


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A database built once per test run and copied for this process: under pytest-xdist the workers share
    one build (the first builds it under a file lock, the others wait and copy), so the demo loads once per
    run however many workers there are. Each worker gets its own copy because DuckDB locks a file per
    process."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    template = shared / f"template_{name}" / "shopkr.duckdb"
    with open(shared / f"template_{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.with_suffix(".done").exists():
            template.parent.mkdir(exist_ok=True)
            template.unlink(missing_ok=True)
            build(template)
            template.with_suffix(".done").touch()
    path = tmp_path_factory.mktemp(name) / "shopkr.duckdb"
    shutil.copy(template, path)
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo (exports of three shops, the demo OKRs, 2026-Q3 closed) loaded once per test run, as the
    dashboard's first start does. Never write to it: use `db` (a private copy)."""
    from shopkr.data import demo

    return _built_once(tmp_path_factory, "demo", demo.load)


@pytest.fixture
def db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo database that the app uses through SHOPKR_DB."""
    import streamlit as st

    copy = tmp_path / "shopkr.duckdb"
    shutil.copy(demo_db, copy)
    monkeypatch.setenv("SHOPKR_DB", str(copy))
    st.cache_data.clear()
    return copy


def _import_demo_exports(path: Path) -> None:
    from shopkr.data import importer

    samples = ROOT / "data" / "samples"
    for shop in ("暖居旗舰店", "暖居抖音小店", "暖居拼多多店"):
        results = importer.import_files(importer.expand([samples / shop]), shop, db=path, user="test")
        assert all(r.status != "failed" for r in results), [r.error for r in results if r.error]


@pytest.fixture(scope="session")
def demo_exports_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three demo shops' exports imported once per run, without OKRs (tests load their own)."""
    return _built_once(tmp_path_factory, "demo_exports", _import_demo_exports)
