"""The house rules of the layout, checked on the source (datasette keeps its conventions with tests like these):

- shopkr/domain imports neither Streamlit, nor the app layer, nor the data layer;
- shopkr/data imports neither Streamlit nor the app layer;
- connectors/ imports nothing from shopkr (parsing does not know where rows go);
- within shopkr, only shopkr/app/ui.py imports Streamlit;
- pages/ hold no SQL: no DuckDB, no store or queries module, no SQL text, no execute() calls.

Every rule is also run on a small bad example, so a checker that never fires fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (folder, imports it must not make: a module name or a dotted prefix)
FORBIDDEN = {
    "shopkr/domain": ("streamlit", "shopkr.app", "shopkr.data"),
    "shopkr/data": ("streamlit", "shopkr.app"),
    "connectors": ("shopkr", "streamlit"),
}
PAGE_FORBIDDEN = ("duckdb", "shopkr.data.store", "shopkr.data.queries")
# SQL keywords as this codebase writes them (upper case), so English UI text ("Select a shop from ...") is not SQL
SQL_TEXT = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|VIEW)|DROP\s+TABLE)\b"
)


def imported_modules(source: str, module: str = "") -> list[tuple[int, str]]:
    """Every module an import statement names (at any depth, including inside functions), with its line; for
    `from pkg import name` both `pkg` and `pkg.name` are listed (the name may be a module). Relative imports
    are resolved against `module` (the dotted name of the file)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")[: -node.level]
                base = ".".join([*parts, base] if base else parts)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(source: str, module: str, forbidden: tuple[str, ...]) -> list[str]:
    """`line: module` for each import of a forbidden module or of anything below it."""
    return [
        f"{line}: {name}"
        for line, name in imported_modules(source, module)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def sql_in_page(source: str) -> list[str]:
    """SQL in a page: a string constant that reads as SQL, or a call of .execute()/.sql()/.query() on anything."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.search(node.value):
            out.append(f"{node.lineno}: SQL text {node.value[:40]!r}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("execute", "executemany", "sql", "query")
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "ui")  # ui.query: cached reads
        ):
            out.append(f"{node.lineno}: .{node.func.attr}() call")
    return out


def _files(folder: str) -> list[Path]:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, folder
    return files


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_imports_point_down_only(folder: str) -> None:
    bad = {
        str(path.relative_to(ROOT)): found
        for path in _files(folder)
        if (found := violations(path.read_text(encoding="utf-8"), _module(path), FORBIDDEN[folder]))
    }
    assert not bad, f"imports against the layering (see shopkr/{folder.split('/')[-1]}/__init__.py): {bad}"


def test_only_the_ui_module_imports_streamlit() -> None:
    importing = [
        str(path.relative_to(ROOT))
        for path in _files("shopkr")
        if violations(path.read_text(encoding="utf-8"), _module(path), ("streamlit",))
    ]
    assert importing == ["shopkr/app/ui.py"]


def test_pages_hold_no_sql() -> None:
    bad = {}
    for path in [*_files("pages"), ROOT / "dashboard.py"]:
        source = path.read_text(encoding="utf-8")
        found = violations(source, _module(path), PAGE_FORBIDDEN) + sql_in_page(source)
        if found:
            bad[str(path.relative_to(ROOT))] = found
    assert not bad, f"pages are thin views: move SQL to shopkr/data/queries.py ({bad})"


def test_every_layer_says_what_lives_there() -> None:
    for layer in ("domain", "data", "app"):
        package = ROOT / "shopkr" / layer
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
        modules = sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__")
        missing = [m for m in modules if not re.search(rf"(^|\n|, ){m}\b", doc)]
        assert not missing, f"shopkr/{layer}/__init__.py does not list {missing}"


# --- the checkers fire on bad examples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "module", "forbidden", "expected"),
    [
        ("import streamlit as st", "shopkr.domain.x", ("streamlit",), ["1: streamlit"]),
        (
            "def f():\n    from shopkr.app import t",
            "shopkr.domain.x",
            ("shopkr.app",),
            ["2: shopkr.app", "2: shopkr.app.t"],
        ),
        ("from shopkr import app", "shopkr.data.x", ("shopkr.app",), ["1: shopkr.app"]),
        ("from ..app.ui import tr", "shopkr.data.x", ("shopkr.app",), ["1: shopkr.app.ui", "1: shopkr.app.ui.tr"]),
        ("from shopkr.data import store", "connectors.x", ("shopkr",), ["1: shopkr.data", "1: shopkr.data.store"]),
        ("from shopkr.domain import engine", "shopkr.data.x", ("shopkr.app",), []),
        ("import streamlit_extras", "shopkr.domain.x", ("streamlit",), []),
    ],
)
def test_the_import_checker_fires(source: str, module: str, forbidden: tuple, expected: list[str]) -> None:
    assert violations(source, module, forbidden) == expected


def test_the_sql_checker_fires() -> None:
    page = 'rows = con.execute("SELECT gmv FROM shop_daily WHERE shop = ?", [shop]).fetchall()\n'
    assert sql_in_page(page) == ["1: .execute() call", "1: SQL text 'SELECT gmv FROM shop_daily WHERE shop = '"]
    assert sql_in_page('x = "DELETE FROM okr_objectives"') == ["1: SQL text 'DELETE FROM okr_objectives'"]
    assert sql_in_page('st.caption(ui.tr("overview.select_hint"))\nui.query("shop_sums", a, b)') == []
    assert sql_in_page('st.write("Select a shop from the list")') == []


def transactions_outside_the_helper(source: str) -> list[int]:
    """Lines that open a transaction by hand (BEGIN / COMMIT / ROLLBACK in a string), for the store's rule that
    writes go through store.transaction."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.match(r"\s*(BEGIN|COMMIT|ROLLBACK)\b", node.value)
    ]


def test_writes_open_transactions_only_through_the_store_helper() -> None:
    found = {}
    for path in [*_files("shopkr"), *_files("pages"), *_files("connectors")]:
        lines = transactions_outside_the_helper(path.read_text(encoding="utf-8"))
        if path.relative_to(ROOT).as_posix() == "shopkr/data/store.py":
            lines = lines[3:]  # store.transaction itself: BEGIN, ROLLBACK, COMMIT
        elif path.relative_to(ROOT).as_posix() == "shopkr/domain/metrics.py":
            lines = lines[2:]  # custom KR SQL runs in its own READ ONLY transaction, rolled back
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    assert not found, f"use `with store.transaction(con):` instead of hand-written BEGIN/COMMIT blocks: {found}"
    assert transactions_outside_the_helper('run(con, "BEGIN TRANSACTION")\nrun(con, "COMMIT")') == [1, 2]


def constructor_calls(source: str, name: str) -> list[int]:
    """Lines where `name(...)` is called."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]


def test_the_engine_builds_a_kr_result_in_one_place() -> None:
    """A KR's measure is a typed union (metric | sql | manual | a frozen grade): each is measured by its own
    function, and one function turns what was measured into a KRResult, so a new field is set in one place."""
    found = {}
    for path in [*_files("shopkr"), *_files("pages")]:
        lines = constructor_calls(path.read_text(encoding="utf-8"), "KRResult")
        if lines:
            found[str(path.relative_to(ROOT))] = lines
    assert list(found) == ["shopkr/domain/engine.py"] and len(found["shopkr/domain/engine.py"]) == 1, found
    assert constructor_calls("KRResult(a)\nif x:\n    KRResult(b)", "KRResult") == [1, 3]
