"""Each CLI command imports only what it uses (issue 9): `python -m shopkr score` paid ~1.5 s importing
scipy/statsmodels because the command module imported the A/B code. A test about imports, not time: each
command runs in a fresh interpreter and reports which modules were loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_OKRS = ROOT / "data" / "samples" / "okrs.yaml"

# Runs `python -m shopkr ARGS` the way the command line does (runpy, as __main__), then writes the names of
# the loaded top-level packages to the file given first.
PROBE = """
import json, runpy, sys
out, args = sys.argv[1], json.loads(sys.argv[2])
sys.argv = ["shopkr", *args]
code = 0
try:
    runpy.run_module("shopkr", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
with open(out, "w", encoding="utf-8") as f:
    json.dump({"code": code, "packages": sorted({name.split(".")[0] for name in sys.modules})}, f)
"""

# Never needed on the command line outside `abtest` (statistics) and the dashboard (Streamlit, plotly).
HEAVY = {"scipy", "statsmodels", "streamlit", "plotly"}
# An import of a CSV file needs none of: the OKR models, pandas, the Excel readers.
NOT_FOR_CSV = HEAVY | {"pandas", "pydantic", "yaml", "openpyxl", "python_calamine", "xlwt"}


def loaded(tmp_path: Path, *args: str) -> set[str]:
    """The top-level packages a fresh `python -m shopkr ARGS` has loaded when it ends; asserts it exits 0."""
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), json.dumps(list(args))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["code"] in (0, None), (args, done.stdout[-2000:], done.stderr[-2000:])
    return set(report["packages"])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the demo OKRs and A/B tests (no rows: scoring still runs every KR)."""
    path = tmp_path_factory.mktemp("cli-imports") / "cli.duckdb"
    argv = ["okrs", "load", str(DEMO_OKRS), "--db", str(path)]
    done = subprocess.run([sys.executable, "-m", "shopkr", *argv], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return path


def test_score_loads_no_statistics_and_no_dashboard(tmp_path: Path, db: Path) -> None:
    args = ("score", "--db", str(db), "--cycle", "2026-Q4", "--as-of", "2026-11-20")
    for fmt in ("json", "table", "csv"):
        assert not loaded(tmp_path, *args, "--format", fmt) & HEAVY, fmt


def test_help_loads_no_statistics_and_no_dashboard(tmp_path: Path) -> None:
    assert not loaded(tmp_path, "score", "--help") & (HEAVY | {"pandas", "pydantic"})


def test_status_loads_neither_the_okr_models_nor_statistics(tmp_path: Path, db: Path) -> None:
    assert not loaded(tmp_path, "status", "--db", str(db)) & (HEAVY | {"pydantic", "yaml"})


def test_import_of_a_csv_loads_no_pandas_no_okr_models_and_no_excel_reader(tmp_path: Path, db: Path) -> None:
    csv_file = tmp_path / "pdd.csv"
    csv_file.write_text("date,visitors,buyers,gmv\n2026-11-01,100,3,300.5\n2026-11-02,120,4,410\n", encoding="utf-8")
    args = ("import", str(csv_file), "--shop", "拼多多店", "--platform", "pdd", "--db", str(db))
    assert not loaded(tmp_path, *args) & NOT_FOR_CSV


def test_okrs_check_loads_no_statistics(tmp_path: Path) -> None:
    assert not loaded(tmp_path, "okrs", "check", str(DEMO_OKRS)) & HEAVY


def test_the_probe_sees_what_abtest_loads(tmp_path: Path, db: Path) -> None:
    """The same probe on `abtest --list`, which needs the statistics: it reports them (the probe works)."""
    assert {"scipy", "statsmodels"} <= loaded(tmp_path, "abtest", "--list", "--db", str(db))
