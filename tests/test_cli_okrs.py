"""`python -m shopkr okrs ...` and `score`, called in-process through shopkr.app.cli.main."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from shopkr.app.cli import main
from shopkr.data import store
from shopkr.domain.okr import parse_yaml, validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
DEMO_OKRS = SAMPLES / "okrs.yaml"

BAD = """
objectives:
  - id: O1
    cycle: 2026-Q4
    title: 公司目标
    owner: 老板
    level: company
    key_results:
      - {id: K1, title: a, metric: sales, target: 100}
      - {id: K2, title: b, metric: conversion_rate, target: 0.05}
      - {id: K3, title: c, manual: 2}
  - id: O2
    cycle: 2026-Q4
    title: 部门目标
    owner: 李娜
    level: company
    parent: O1
    key_results:
      - {id: K1, title: d, sql: "DELETE FROM shop_daily", start: 0, target: 1}
      - {id: K5, title: e, metric: gmv, start: 5, target: 5}
"""
BAD_PATHS = [
    ("objectives[0].key_results[0].metric", "unknown metric (found 'sales'); allowed: gmv, orders"),
    ("objectives[0].key_results[1].start", "conversion_rate is a rate"),
    ("objectives[0].key_results[2].manual", "between 0.0 and 1.0 (found 2.0); allowed: 0.0-1.0"),
    ("objectives[1].parent", "not on a higher level"),
    ("objectives[1].key_results[0].id", "duplicate id (also at objectives[0].key_results[0].id)"),
    ("objectives[1].key_results[0].sql", "not DELETE"),
    ("objectives[1].key_results[1].target", "the target equals the start"),
]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def stored(db: Path):
    with store.connect(db) as con:
        return store.read_okrs(con)


@pytest.fixture
def bad_file(tmp_path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "cli.duckdb"


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = DEMO_OKRS.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "edited.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _kr(okrs, kr_id: str):
    return next(k for o in okrs.objectives for k in o.key_results if k.id == kr_id)


# --- check and load of a bad file ---------------------------------------------------------------------------


def test_check_bad_file_prints_every_error_and_stores_nothing(capsys, bad_file, tmp_path, monkeypatch):
    env_db = tmp_path / "env.duckdb"
    monkeypatch.setenv("SHOPKR_DB", str(env_db))
    code, out, err = run(capsys, "okrs", "check", str(bad_file))
    assert code == 1
    for path, message in BAD_PATHS:
        assert f"✗ error    {path}: " in err, path
        line = next(line for line in err.splitlines() if f" {path}: " in line and message.split(" (")[0] in line)
        assert message in line
    assert err.count("✗ error") == len(BAD_PATHS)
    assert f"{len(BAD_PATHS)} errors; nothing stored." in err
    assert "OK" not in out
    assert not env_db.exists()


def test_load_bad_file_exits_1_and_stores_nothing(capsys, bad_file, db):
    assert run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db))[0] == 0
    before = stored(db)
    code, _, err = run(capsys, "okrs", "load", str(bad_file), "--db", str(db))
    assert code == 1
    assert "nothing stored" in err
    assert all(path in err for path, _ in BAD_PATHS)
    assert stored(db) == before


def test_load_bad_file_into_a_new_database_creates_no_okrs(capsys, bad_file, db):
    assert run(capsys, "okrs", "load", str(bad_file), "--db", str(db))[0] == 1
    assert not db.exists() or stored(db).objectives == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("objectives: [\n", "line "),
        ("- just\n- a list\n", "must be a mapping"),
        ("objectives: {id: O1}\n", "objectives: must be a list"),
        ("goals: []\n", "goals: unknown section"),
    ],
)
def test_check_malformed_files(capsys, tmp_path, text, fragment):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "okrs", "check", str(path))
    assert code == 1
    assert fragment in err


def test_check_missing_file(capsys, tmp_path):
    code, _, err = run(capsys, "okrs", "check", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert "cannot be read" in err


def test_check_demo_file(capsys):
    code, out, err = run(capsys, "okrs", "check", str(DEMO_OKRS))
    assert code == 0
    assert "OK: 9 objectives, 19 KRs, 2 A/B tests." in out
    assert "✗" not in err


# --- load and export -----------------------------------------------------------------------------------------


def test_load_then_export_round_trips(capsys, db, tmp_path):
    code, out, _ = run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db), "--user", "alice")
    assert code == 0
    assert "stored 9 objectives, 19 KRs, 2 A/B tests" in out
    original, _ = validate(parse_yaml(DEMO_OKRS.read_text(encoding="utf-8"))[0])
    assert stored(db) == original

    exported = tmp_path / "out.yaml"
    code, out, _ = run(capsys, "okrs", "export", "--db", str(db), "-o", str(exported))
    assert code == 0
    assert "wrote 9 objectives" in out
    again, problems = validate(parse_yaml(exported.read_text(encoding="utf-8"))[0])
    assert again == original, problems

    code, out, _ = run(capsys, "okrs", "export", "--db", str(db))  # stdout
    assert code == 0
    assert out == exported.read_text(encoding="utf-8")

    # loading the export again changes nothing
    code, out, _ = run(capsys, "okrs", "load", str(exported), "--db", str(db))
    assert code == 0
    assert "(0 created, 0 field changes, 0 deleted)" in out

    code, out, _ = run(capsys, "okrs", "export", "--db", str(db), "--cycle", "2026-Q3")
    q3, _ = validate(parse_yaml(out)[0])
    assert [o.id for o in q3.objectives] == ["Q3-O1", "Q3-O2", "Q3-O3"]
    assert [c.id for c in q3.cycles] == ["2026-Q3"]


def test_load_replaces_only_the_cycles_in_the_file(capsys, db, tmp_path):
    assert run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db))[0] == 0
    nov = tmp_path / "nov.yaml"
    nov.write_text(
        "objectives:\n  - {id: N1, cycle: 2026-11, title: 十一月, owner: 王总, origin: bottom-up,"
        " key_results: [{id: N1.KR1, title: t, metric: gmv, filters: {shop: 暖居旗舰店}, target: 3000000}]}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "okrs", "load", str(nov), "--db", str(db))
    assert code == 0
    assert "(2 created, 0 field changes, 0 deleted)" in out
    okrs = stored(db)
    assert len(okrs.objectives) == 10
    assert okrs.objectives[-1].id == "N1"


# --- locked cycles -------------------------------------------------------------------------------------------


def test_locked_cycle_needs_a_reason_to_change_a_target(capsys, db, tmp_path):
    assert run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db), "--user", "alice")[0] == 0
    code, out, _ = run(capsys, "okrs", "lock", "2026-Q4", "--db", str(db), "--user", "alice")
    assert code == 0
    assert "cycle 2026-Q4 locked." in out
    edited = _edited(tmp_path, "target: 5500000", "target: 6000000")

    code, _, err = run(capsys, "okrs", "load", str(edited), "--db", str(db), "--user", "bob")
    assert code == 1
    assert "cycle 2026-Q4 is locked: changing O1.KR1 target needs a reason" in err
    assert "Nothing stored." in err
    assert _kr(stored(db), "O1.KR1").target == 5_500_000
    _, history, _ = run(capsys, "okrs", "history", "--db", str(db))
    assert "6000000" not in history

    code, out, _ = run(capsys, "okrs", "load", str(edited), "--db", str(db), "--user", "bob", "--reason", "双11 超预期")
    assert code == 0
    assert "(0 created, 1 field changes, 0 deleted)" in out
    assert _kr(stored(db), "O1.KR1").target == 6_000_000

    code, history, _ = run(capsys, "okrs", "history", "--db", str(db), "--cycle", "2026-Q4")
    assert code == 0
    newest = history.splitlines()[0]
    for part in ("bob", "key_result", "O1.KR1", "target: 5500000.0 -> 6000000.0", "reason: 双11 超预期"):
        assert part in newest, (part, newest)
    assert "alice" in history and "locked: false -> true" in history


@pytest.mark.parametrize(
    ("old", "new", "needs_reason"),
    [
        ("start: 0.09\n        target: 0.06", "start: 0.10\n        target: 0.06", True),  # O1.KR3 start
        (
            "      - id: O1.KR3\n        title: 天猫旗舰店退款率从9%降到6%\n        metric: refund_rate\n"
            "        filters: {shop: 暖居旗舰店}\n        start: 0.09\n        target: 0.06\n",
            "",
            True,
        ),  # deleted KR
        ("title: 天猫旗舰店Q4支付金额达到550万", "title: 天猫旗舰店Q4支付金额冲到550万", False),  # wording only
    ],
    ids=["start", "delete KR", "title"],
)
def test_what_a_lock_guards(capsys, db, tmp_path, old, new, needs_reason):
    assert run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db))[0] == 0
    assert run(capsys, "okrs", "lock", "2026-Q4", "--db", str(db))[0] == 0
    before = stored(db)
    code, _, err = run(capsys, "okrs", "load", str(_edited(tmp_path, old, new)), "--db", str(db))
    assert code == (1 if needs_reason else 0), err
    assert (stored(db) == before) == needs_reason


def test_unlocked_cycle_needs_no_reason(capsys, db, tmp_path):
    assert run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db))[0] == 0
    assert run(capsys, "okrs", "lock", "2026-Q4", "--db", str(db))[0] == 0
    code, out, _ = run(capsys, "okrs", "unlock", "2026-Q4", "--db", str(db))
    assert (code, out.strip()) == (0, "cycle 2026-Q4 unlocked.")
    edited = _edited(tmp_path, "target: 5500000", "target: 6000000")
    assert run(capsys, "okrs", "load", str(edited), "--db", str(db))[0] == 0
    assert _kr(stored(db), "O1.KR1").target == 6_000_000


def test_lock_unknown_cycle(capsys, db):
    code, _, err = run(capsys, "okrs", "lock", "双11", "--db", str(db))
    assert code == 1
    assert "unknown cycle '双11'" in err


# --- score on the demo data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_with_okrs(demo_exports_db, tmp_path_factory) -> Path:
    """A copy of the demo database with the demo OKRs loaded (read-only use)."""
    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    shutil.copy(demo_exports_db, path)
    assert main(["okrs", "load", str(DEMO_OKRS), "--db", str(path), "--user", "test"]) == 0
    return path


@pytest.fixture
def private_demo(demo_with_okrs, tmp_path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_with_okrs, path)
    return path


def _score(capsys, db: Path, fmt: str, cycle: str = "2026-Q4") -> tuple[int, str, str]:
    return run(capsys, "score", "--db", str(db), "--cycle", cycle, "--as-of", "2026-11-27", "--format", fmt)


def test_score_json_on_the_demo(capsys, demo_with_okrs):
    code, out, _ = _score(capsys, demo_with_okrs, "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["cycle"], doc["as_of"], doc["closed"]) == ("2026-Q4", "2026-11-27", False)
    assert [o["id"] for o in doc["objectives"]] == ["O1", "O2", "O3", "O4", "O5", "O6"]
    krs = {k["id"]: k for o in doc["objectives"] for k in o["key_results"]}
    assert len(krs) == 15
    assert not [k["id"] for k in krs.values() if k["status"] == "error"]
    assert krs["O4.KR1"]["value"] is None and krs["O4.KR1"]["score"] == 1.0
    con = duckdb.connect(str(demo_with_okrs), read_only=True)
    try:
        gmv = con.execute(
            "SELECT sum(gmv) FROM shop_daily WHERE shop = '暖居旗舰店' AND date BETWEEN '2026-10-01' AND '2026-11-27'"
        ).fetchone()[0]
    finally:
        con.close()
    assert krs["O1.KR1"]["value"] == pytest.approx(gmv, abs=1e-6)
    assert krs["O1.KR1"]["data_through"] == "2026-11-26"


def test_score_csv_on_the_demo(capsys, demo_with_okrs):
    code, out, _ = _score(capsys, demo_with_okrs, "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 15
    assert {"cycle", "objective_id", "kr_id", "value", "score", "status", "data_through"} <= set(rows[0])
    first = rows[0]
    assert (first["cycle"], first["as_of"], first["objective_id"], first["kr_id"]) == (
        "2026-Q4",
        "2026-11-27",
        "O1",
        "O1.KR1",
    )
    assert float(first["value"]) == pytest.approx(2_687_129.48, abs=0.01)
    assert all(r["status"] != "error" for r in rows)


def test_score_table_on_the_demo(capsys, demo_with_okrs):
    code, out, _ = _score(capsys, demo_with_okrs, "table")
    assert code == 0
    assert out.startswith("2026-Q4  2026-10-01 ~ 2026-12-31   as of 2026-11-27")
    assert "closed" not in out.splitlines()[0]
    for ident in ("O1", "O6", "O1.KR1", "O4.KR2", "O6.KR2"):
        assert ident in out
    assert "2,687,129" in out


def test_close_then_score_shows_closed(capsys, private_demo):
    code, before, _ = _score(capsys, private_demo, "json", "2026-Q3")
    assert code == 0
    before_doc = json.loads(before)
    assert before_doc["closed"] is False

    code, out, _ = run(capsys, "okrs", "close", "2026-Q3", "--db", str(private_demo), "--user", "boss")
    assert code == 0
    assert "cycle 2026-Q3 closed: final grades frozen" in out
    assert "(closed: final grades)" in out

    code, out, _ = _score(capsys, private_demo, "json", "2026-Q3")
    doc = json.loads(out)
    assert doc["closed"] is True
    krs = {k["id"]: k for o in doc["objectives"] for k in o["key_results"]}
    old = {k["id"]: k for o in before_doc["objectives"] for k in o["key_results"]}
    assert {i: k["status"] for i, k in krs.items()} == dict.fromkeys(old, "done")
    for i, k in krs.items():
        assert k["value"] == pytest.approx(old[i]["value"])
        assert k["score"] == pytest.approx(old[i]["score"])
        assert k["message"] == "final grade frozen when the cycle was closed"

    code, table, _ = _score(capsys, private_demo, "table", "2026-Q3")
    assert "(closed: final grades)" in table.splitlines()[0]
    _, history, _ = run(capsys, "okrs", "history", "--db", str(private_demo), "--cycle", "2026-Q3")
    assert "boss" in history.splitlines()[0] and "closed" in history.splitlines()[0]
    # the other cycle is not closed
    assert json.loads(_score(capsys, private_demo, "json")[1])["closed"] is False


def test_score_without_okrs(capsys, db):
    code, _, err = run(capsys, "score", "--db", str(db))
    assert code == 1
    assert "no OKRs stored yet" in err


@pytest.mark.parametrize(
    "argv",
    [["score", "--cycle", "2025-Q1", "--as-of", "2026-11-27"], ["okrs", "close", "2025-Q1"]],
    ids=["score", "close"],
)
def test_cycle_without_objectives_is_reported_cleanly(capsys, db, argv):
    assert run(capsys, "okrs", "load", str(DEMO_OKRS), "--db", str(db))[0] == 0
    code, _, err = run(capsys, *argv, "--db", str(db))
    assert code in (0, 1)
    if code == 1:
        assert "2025-Q1" in err
