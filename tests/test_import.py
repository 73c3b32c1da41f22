"""Importing into the store: idempotence, overlapping pulls, ordering, bad files, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, _dump, d, dump_all, dump_table, duplicate_keys, sorted_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import ImportFileError, load_file
from connectors.canonical import TABLES
from shopkr.data import store
from shopkr.data.importer import expand, import_files

SHOP = "测试店"
SHOP_HEADER = "统计日期,访客数,浏览量,支付金额,支付买家数,成功退款金额"


def shop_pull(path: Path, days: dict[str, tuple[int, float]], *, crlf: bool = True) -> Path:
    """A 生意参谋 shop-daily CSV (GBK) with one row per day: (visitors, gmv); refunds '-'."""
    lines = [SHOP_HEADER] + [f'{day},"{v:,}",{v * 3},"{gmv:,.2f}",{v // 10},-' for day, (v, gmv) in days.items()]
    newline = "\r\n" if crlf else "\n"
    path.write_bytes((newline.join(lines) + newline).encode("gbk"))
    return path


# Two pulls of the same shop: B was pulled later, overlaps A on 11-03..11-05, and revised 11-03 and 11-04.
PULL_A = {
    "2026-11-01": (100, 1000.0),
    "2026-11-02": (101, 1010.0),
    "2026-11-03": (102, 1020.0),
    "2026-11-04": (103, 1030.0),
    "2026-11-05": (104, 1040.0),
}
PULL_B = {
    "2026-11-03": (202, 2020.0),
    "2026-11-04": (203, 2030.0),
    "2026-11-05": (104, 1040.0),  # unchanged
    "2026-11-06": (205, 2050.0),
    "2026-11-07": (206, 2060.0),
}


def shop_values(db: Path) -> dict[dt.date, tuple[int, float]]:
    return {r["date"]: (r["visitors"], r["gmv"]) for r in dump_table(db, "shop_daily")}


def as_values(*pulls: dict[str, tuple[int, float]]) -> dict[dt.date, tuple[int, float]]:
    merged: dict[dt.date, tuple[int, float]] = {}
    for pull in pulls:
        merged.update({d(k): v for k, v in pull.items()})
    return merged


def counts(result) -> tuple[str, int, int, int]:
    return result.status, result.new, result.replaced, result.unchanged


def assert_no_duplicate_keys(db: Path) -> None:
    assert duplicate_keys(db) == {"shop_daily": [], "product_daily": [], "creative_daily": []}


# --- idempotence ---------------------------------------------------------------------------------------------


def test_import_twice_is_identical_and_reported_unchanged(tmp_db, samples_dir, fixtures_dir):
    files = expand([samples_dir, fixtures_dir / "sycm_products.xls", fixtures_dir / "qianchuan_bom.csv"])
    first = import_files(files, SHOP, db=tmp_db)
    assert [r.status for r in first] == ["ok"] * len(files), [r.error for r in first]
    before = dump_all(tmp_db)
    # The run (parsed two at a time, parser connections reused) stores exactly what each file gives alone.
    alone: dict[str, list[dict]] = {name: [] for name in TABLES}
    for f in files:
        parsed = load_file(f, SHOP)
        alone[parsed.table.name] += parsed.rows.to_pylist()
    stored = {
        name: sorted_rows({k: v for k, v in r.items() if k != "import_id"} for r in rows)
        for name, rows in before.items()
    }
    assert stored == {name: sorted_rows(rows) for name, rows in alone.items()}
    second = import_files(files, SHOP, db=tmp_db)
    assert [r.status for r in second] == ["unchanged"] * len(files)
    assert all((r.new, r.replaced) == (0, 0) for r in second)
    assert dump_all(tmp_db) == before
    assert_no_duplicate_keys(tmp_db)
    with store.connect(tmp_db) as con:
        logged = con.execute("SELECT status, count(*) FROM import_log GROUP BY status ORDER BY status").fetchall()
    assert logged == [("ok", len(files)), ("unchanged", len(files))]


def test_same_rows_from_another_file_are_unchanged(tmp_db, fixtures_dir):
    """The .xlsx holds the CSV's rows: importing it after the CSV writes nothing."""
    csv_result = import_files([fixtures_dir / "sycm_shop_gbk.csv"], SHOP, db=tmp_db)[0]
    assert counts(csv_result) == ("ok", 3, 0, 0)
    before = dump_all(tmp_db)
    xlsx_result = import_files([fixtures_dir / "sycm_shop.xlsx"], SHOP, db=tmp_db)[0]
    assert counts(xlsx_result) == ("unchanged", 0, 0, 3)
    assert dump_all(tmp_db) == before  # not even import_id changes


def test_identical_copy_named_1_is_unchanged(tmp_db, samples_dir, tmp_path):
    original = samples_dir / "【生意参谋平台】商品_全部_2026-07-01_2026-07-01.xls"
    copy = tmp_path / "【生意参谋平台】商品_全部_2026-07-01_2026-07-01 (1).xls"
    shutil.copyfile(original, copy)
    assert counts(import_files([original], SHOP, db=tmp_db)[0]) == ("ok", 6, 0, 0)
    before = dump_all(tmp_db)
    result = import_files([copy], SHOP, db=tmp_db)[0]
    assert result.status == "unchanged"
    assert original.name in result.note
    assert dump_all(tmp_db) == before


def test_identical_copies_in_one_run_count_once(tmp_db, samples_dir, tmp_path):
    original = samples_dir / "抖店罗盘_成交概览_2026-07-01.xlsx"
    copy = tmp_path / "抖店罗盘_成交概览_2026-07-01 (1).xlsx"
    shutil.copyfile(original, copy)
    results = import_files([original, copy], SHOP, db=tmp_db)
    assert sorted(counts(r) for r in results) == [("ok", 1, 0, 0), ("unchanged", 0, 0, 1)]
    assert len(dump_table(tmp_db, "shop_daily")) == 1


def test_upload_bytes_import_like_files(tmp_db, fixtures_dir):
    data = (fixtures_dir / "wanxiang_noid_gb18030.csv").read_bytes()
    result = import_files([("万相台_创意报表_上传.csv", data)], SHOP, db=tmp_db)[0]
    assert counts(result) == ("ok", 3, 0, 0)
    assert (result.first, result.last, result.table) == (d("2026-11-06"), d("2026-11-07"), "creative_daily")


# --- overlapping pulls ---------------------------------------------------------------------------------------


def test_newer_pull_replaces_overlap_and_never_double_counts(tmp_db, tmp_path):
    a = shop_pull(tmp_path / "生意参谋_店铺整体_2026-11-01_2026-11-05.csv", PULL_A)
    b = shop_pull(tmp_path / "生意参谋_店铺整体_2026-11-03_2026-11-07.csv", PULL_B)
    ra = import_files([a], SHOP, db=tmp_db)[0]
    assert counts(ra) == ("ok", 5, 0, 0)
    assert (ra.first, ra.last) == (d("2026-11-01"), d("2026-11-05"))
    rb = import_files([b], SHOP, db=tmp_db)[0]
    assert counts(rb) == ("ok", 2, 2, 1)
    assert shop_values(tmp_db) == as_values(PULL_A, PULL_B)
    with store.connect(tmp_db) as con:
        total = con.execute("SELECT count(*), sum(visitors), sum(gmv) FROM shop_daily").fetchone()
    expected = as_values(PULL_A, PULL_B)
    assert total == (7, sum(v for v, _ in expected.values()), pytest.approx(sum(g for _, g in expected.values())))
    assert_no_duplicate_keys(tmp_db)


def test_within_a_run_the_pull_reaching_furthest_wins(tmp_db, tmp_path):
    newer = shop_pull(tmp_path / "newer.csv", PULL_B)
    older = shop_pull(tmp_path / "older.csv", PULL_A)
    results = import_files([newer, older], SHOP, db=tmp_db)
    # Results come back in the order given; older (last date 11-05) was applied first, then newer.
    assert [r.path.name for r in results] == ["newer.csv", "older.csv"]
    assert counts(results[1]) == ("ok", 5, 0, 0)
    assert counts(results[0]) == ("ok", 2, 2, 1)
    assert shop_values(tmp_db) == as_values(PULL_A, PULL_B)
    assert_no_duplicate_keys(tmp_db)


def test_within_a_run_same_last_date_is_applied_in_name_order(tmp_db, tmp_path):
    a = shop_pull(tmp_path / "a.csv", {"2026-11-07": (1, 1.0)})
    b = shop_pull(tmp_path / "b.csv", {"2026-11-06": (5, 5.0), "2026-11-07": (2, 2.0)})
    results = import_files([b, a], SHOP, db=tmp_db)
    assert counts(results[0]) == ("ok", 1, 1, 0)  # b applied second: replaces a's 11-07
    assert shop_values(tmp_db) == {d("2026-11-06"): (5, 5.0), d("2026-11-07"): (2, 2.0)}


def test_across_runs_the_later_run_wins(tmp_db, tmp_path):
    newer = shop_pull(tmp_path / "newer.csv", PULL_B)
    older = shop_pull(tmp_path / "older.csv", PULL_A)
    assert counts(import_files([newer], SHOP, db=tmp_db)[0]) == ("ok", 5, 0, 0)
    assert counts(import_files([older], SHOP, db=tmp_db)[0]) == ("ok", 2, 2, 1)
    assert shop_values(tmp_db) == as_values(PULL_B, PULL_A)
    assert_no_duplicate_keys(tmp_db)


def test_shops_are_kept_apart(tmp_db, tmp_path):
    a = shop_pull(tmp_path / "a.csv", PULL_A)
    import_files([a], "店一", db=tmp_db)
    result = import_files([a], "店二", db=tmp_db)[0]  # same bytes, other shop: not 'already imported'
    assert counts(result) == ("ok", 5, 0, 0)
    assert len(dump_table(tmp_db, "shop_daily")) == 10
    assert_no_duplicate_keys(tmp_db)


def test_nineteen_digit_ids_survive_the_store(tmp_db, fixtures_dir):
    import_files([fixtures_dir / "compass_products.xlsx", fixtures_dir / "qianchuan_bom.csv"], SHOP, db=tmp_db)
    assert {r["product_id"] for r in dump_table(tmp_db, "product_daily")} == {
        "3598765432109876543",
        "3598765432109876550",
    }
    assert {r["creative_id"] for r in dump_table(tmp_db, "creative_daily")} == {
        "7600000000000000001",
        "7600000000000001001",
    }


def test_generic_file_note_lists_ignored_columns(tmp_db, fixtures_dir):
    result = import_files([fixtures_dir / "generic_products.csv"], SHOP, platform="other", db=tmp_db)[0]
    assert counts(result) == ("ok", 2, 0, 0)
    assert result.note == "ignored columns: 备注"


# --- bad inputs ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, samples_dir, fixtures_dir) -> tuple[Path, dict[str, list[dict]]]:
    """A database holding data in every canonical table, and its full dump (copied for each test)."""
    db = tmp_path_factory.mktemp("seed") / "seed.duckdb"
    files = [
        samples_dir / "生意参谋_店铺整体_2026-07-01_2026-07-14.csv",
        samples_dir / "抖店罗盘_商品列表_2026-07-01.xlsx",
        fixtures_dir / "sycm_shop_gbk.csv",
        fixtures_dir / "sycm_products.xls",
        fixtures_dir / "qianchuan_bom.csv",
    ]
    results = import_files(files, SHOP, db=db)
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    state = dump_all(db)
    assert all(state.values())
    return db, state


@pytest.fixture
def db_copy(seeded, tmp_path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copyfile(seeded[0], target)
    return target


def excel_row_of(path: Path, needle: str) -> int:
    """The row a person sees in Excel for the first cell equal to `needle` (computed without connectors)."""
    data = path.read_bytes()
    if data.startswith(b"\xd0\xcf\x11\xe0") or data.startswith(b"PK"):
        import python_calamine

        sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        for number, row in enumerate(sheet.to_python(skip_empty_area=False), start=1):
            if needle in [str(c) for c in row]:
                return number
    else:
        for number, line in enumerate(data.decode("gbk").splitlines(), start=1):
            if needle in line.split(","):
                return number
    raise AssertionError(f"{needle!r} not in {path}")


BAD_CASES = [
    # file, words the message must contain (besides the file name)
    ("bad_abc.csv", ["row 5", "column 访客数", "'abc'", "expected a whole number"]),
    ("bad_abc.xls", ["row 6", "column 商品访客数", "'abc'", "expected a whole number"]),
    ("bad_period.csv", ["row 2", "column 统计日期", "'2026-11-01至2026-11-07'", "period", "expected a date"]),
    ("bad_sci_id.csv", ["row 3", "column 素材ID", "'7.6E+18'", "expected an ID kept as text"]),
    ("bad_dup_key.csv", ["rows 2, 4", "2026-11-05", "same"]),
    ("bad_empty.csv", ["empty"]),
    ("bad_truncated.xlsx", ["damaged or incomplete"]),
    ("bad_corrupt.xls", ["damaged or incomplete"]),
    ("bad_html.xls", ["HTML"]),
    (
        "bad_unknown.csv",
        [
            "not a known export",
            "Tried:",
            "生意参谋 店铺整体 lacks 统计日期, 支付金额",
            "生意参谋 商品 lacks",
            "抖店罗盘 成交概览 lacks",
            "抖店罗盘 商品列表 lacks",
            "千川 素材 lacks 素材ID",
            "万相台 创意 lacks 创意ID/创意名称",
        ],
    ),
    ("bad_header_only.csv", ["no data rows"]),
    ("bad_garbage.csv", ["neither UTF-8 nor GBK"]),
    ("generic_shop_noplatform.csv", ["--platform"]),
]


@pytest.mark.parametrize(("name", "words"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_file_changes_nothing_and_says_why(seeded, db_copy, fixtures_dir, tmp_path, name, words):
    path = tmp_path / name
    shutil.copyfile(fixtures_dir / name, path)
    before = seeded[1]
    [result] = import_files([path], SHOP, db=db_copy)
    assert result.status == "failed"
    assert (result.new, result.replaced) == (0, 0)
    assert result.error.startswith(name), result.error
    for word in words:
        assert word in result.error, (word, result.error)
    with store.connect(db_copy) as con:
        assert {t: _dump(con, t) for t in TABLES} == before
        logged = con.execute("SELECT status, error FROM import_log WHERE file_name = ?", [name]).fetchall()
    assert logged == [("failed", result.error)]


@pytest.mark.parametrize(("name", "needle"), [("bad_abc.csv", "abc"), ("bad_abc.xls", "abc")])
def test_reported_row_is_the_row_excel_shows(fixtures_dir, name, needle):
    path = fixtures_dir / name
    with pytest.raises(ImportFileError) as info:
        load_file(path, SHOP)
    assert info.value.row == excel_row_of(path, needle)
    assert info.value.row == (5 if name.endswith(".csv") else 6)


def test_unknown_csv_without_known_headers_lists_required_columns(fixtures_dir):
    with pytest.raises(ImportFileError) as info:
        load_file(fixtures_dir / "bad_foreign.csv", SHOP)
    message = info.value.message
    assert "Tried:" in message and "lacks 统计日期" in message and "素材ID" in message


def test_bad_file_inside_a_mixed_run_leaves_the_good_ones_imported(tmp_db, fixtures_dir, tmp_path):
    files = []
    for name in ("sycm_shop_gbk.csv", "bad_abc.xls", "compass_overview.xlsx", "bad_empty.csv"):
        files.append(tmp_path / name)
        shutil.copyfile(fixtures_dir / name, files[-1])
    results = import_files(files, SHOP, db=tmp_db)
    assert [r.status for r in results] == ["ok", "failed", "ok", "failed"]
    assert len(dump_table(tmp_db, "shop_daily")) == 4
    assert dump_table(tmp_db, "product_daily") == []


# --- the CLI -------------------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shopkr", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_mixed_run_exits_1_and_imports_the_good_files(tmp_path, fixtures_dir):
    db = tmp_path / "cli.duckdb"
    names = ["sycm_shop_gbk.csv", "bad_abc.csv", "qianchuan_bom.csv", "bad_html.xls"]
    files = []
    for name in names:
        files.append(str(tmp_path / name))
        shutil.copyfile(fixtures_dir / name, files[-1])
    proc = run_cli("import", *files, "--shop", SHOP, "--db", str(db))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "✗ failed     bad_abc.csv (row 5, column 访客数): " in out
    assert "✗ failed     bad_html.xls: " in out
    assert "✓ imported   sycm_shop_gbk.csv" in out and "3 rows: 3 new, 0 replaced, 0 unchanged" in out
    assert "✓ imported   qianchuan_bom.csv" in out
    assert f"4 files for shop {SHOP}: 2 imported, 0 unchanged, 2 failed; 6 rows new, 0 rows replaced." in out
    assert len(dump_table(db, "shop_daily")) == 3
    assert len(dump_table(db, "creative_daily")) == 3


def test_cli_clean_run_exits_0_with_one_line_per_file_and_a_summary(tmp_path, samples_dir):
    db = tmp_path / "cli.duckdb"
    proc = run_cli("import", str(samples_dir), "--shop", SHOP, "--db", str(db))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    data_files = sorted(p.name for p in samples_dir.iterdir() if p.suffix != ".md")
    per_file = [line for line in lines if line.startswith("✓ imported")]
    assert len(per_file) == len(data_files) == 10
    for name in data_files:
        assert sum(name in line for line in per_file) == 1, name
    assert lines[-1].startswith(f"10 files for shop {SHOP}: 10 imported, 0 unchanged, 0 failed;")
    assert len(lines) == 11
    assert proc.stderr == ""


# --- property: importing the same rows twice changes nothing --------------------------------------------------

day_rows = st.dictionaries(
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
    st.tuples(st.integers(0, 10**7), st.integers(0, 10**9), st.booleans()),
    min_size=1,
    max_size=12,
)


def generic_csv(rows: dict[dt.date, tuple[int, int, bool]], *, fancy: bool) -> bytes:
    """The same rows as plain CSV, or re-typed: thousands separators, other date spelling, reversed, CRLF."""
    out = ["date,visitors,gmv,refund_amount"]
    items = sorted(rows.items(), reverse=fancy)
    for day, (visitors, cents, refund_dash) in items:
        gmv = cents / 100
        if fancy:
            out.append(f'{day:%Y/%m/%d},"{visitors:,}","{gmv:,.2f}",{"-" if refund_dash else 0}')
        else:
            out.append(f"{day:%Y-%m-%d},{visitors},{gmv:.2f},{'' if refund_dash else '0.00'}")
    newline = "\r\n" if fancy else "\n"
    return (newline.join(out) + newline).encode()


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day_rows)
def test_importing_the_same_rows_twice_changes_nothing(rows):
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "p.duckdb"
        first = import_files([("plain.csv", generic_csv(rows, fancy=False))], SHOP, platform="pdd", db=db)[0]
        assert counts(first) == ("ok", len(rows), 0, 0), first.error
        before = dump_all(db)
        retyped = import_files([("retyped.csv", generic_csv(rows, fancy=True))], SHOP, platform="pdd", db=db)[0]
        assert counts(retyped) == ("unchanged", 0, 0, len(rows)), retyped.error
        assert dump_all(db) == before
        assert_no_duplicate_keys(db)


def test_a_write_failure_in_a_batch_fails_only_that_file(tmp_path, monkeypatch):
    """Files are written in one transaction; if one write fails, each file is retried on its own."""
    from shopkr.data import importer, store

    folder = Path(__file__).resolve().parent.parent / "data" / "samples" / "暖居抖音小店"
    files = sorted(folder.glob("抖店罗盘_成交概览_2026-11-2*.xlsx"))[:3]
    real = store._write

    def flaky(con, parsed, *, user):
        if parsed.path.name == files[1].name:
            raise OSError("disk full")
        return real(con, parsed, user=user)

    monkeypatch.setattr(store, "_write", flaky)
    db = tmp_path / "w.duckdb"
    results = importer.import_files(files, "暖居抖音小店", db=db)
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert "disk full" in results[1].error
    with store.connect(db) as con:
        dates = [r[0] for r in store.run(con, "SELECT date FROM shop_daily ORDER BY date")]
        logged = store.run(con, "SELECT file_name, status FROM import_log ORDER BY id")
    assert len(dates) == 2 and files[1].stem[-10:] not in [d.isoformat() for d in dates]
    assert (files[1].name, "failed") in logged
