"""Issue 8 items 9-11: rates typed as whole percents are refused with the fraction offered, SQL KRs start from 0
with a warning, and machine output (JSON, CSV) is exact, valid and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import yaml

from connectors import Parsed
from connectors.canonical import TABLES
from shopkr.app import okr_form, score_text
from shopkr.app.cli import main
from shopkr.app.i18n import problem_line, render
from shopkr.data import store
from shopkr.domain import engine
from shopkr.domain.metrics import CATALOGUE
from shopkr.domain.okr import validate

D = dt.date
SHOP = "暖居测试店"
CYCLE = "2026-11"  # implied: 2026-11-01 .. 2026-11-30
AS_OF = D(2026, 11, 5)
RATES = sorted(name for name, m in CATALOGUE.items() if m.unit == "rate")
_ARROW = {"date": pa.date32(), "id": pa.string(), "text": pa.string(), "platform": pa.string()}
_ARROW |= {"int": pa.int64(), "money": pa.float64()}


def write_rows(db: Path, table: str, rows: list[dict]) -> None:
    """Canonical rows (missing columns NULL) written through the one write path."""
    t = TABLES[table]
    schema = pa.schema([(c, _ARROW[kind]) for c, kind in t.columns.items()])
    base = {"platform": "taobao", "shop": SHOP}
    data = pa.table({c: [{**base, **r}.get(c) for r in rows] for c in t.columns}, schema=schema)
    digest = hashlib.sha256(repr((table, rows)).encode()).hexdigest()
    with store.connect(db) as con:
        store.write_parsed(con, Parsed(Path("t.csv"), digest, "generic", "test rows", t, data), user="test")


def doc_of(*krs: dict, title: str = "t", owner: str = "a") -> dict:
    objective = {"id": "O1", "cycle": CYCLE, "title": title, "owner": owner, "origin": "bottom-up"}
    return {"objectives": [{**objective, "key_results": list(krs)}]}


def english(message) -> str:
    """A problem's or a KR's message in English, from the translation table (messages are codes)."""
    return render(message, "en")


def problems_at(doc: dict, path: str, severity: str = "error") -> list:
    _, problems = validate(doc)
    return [p for p in problems if p.path == path and p.severity == severity]


# --- item 9: rates are fractions ----------------------------------------------------------------------------


def test_the_rate_metrics_are_taken_from_the_catalogue():
    assert RATES == ["cart_rate", "conversion_rate", "ctr", "refund_rate"]


@pytest.mark.parametrize("metric", RATES)
def test_a_rate_typed_as_whole_percents_is_an_error_offering_the_fraction(metric):
    doc = doc_of({"id": "K", "title": "t", "metric": metric, "filters": {"shop": SHOP}, "start": 2.5, "target": 3.5})
    okrs, _ = validate(doc)
    assert okrs is None
    (start,) = problems_at(doc, "objectives[0].key_results[0].start")
    (target,) = problems_at(doc, "objectives[0].key_results[0].target")
    assert "did you mean 0.025?" in english(start) and start.value == 2.5 and start.allowed == "0-1"
    assert "did you mean 0.035?" in english(target) and target.value == 3.5
    assert "fraction between 0 and 1" in english(target)


def test_a_decreasing_refund_rate_typed_8_to_4_is_refused_instead_of_scoring_1():
    doc = doc_of({"id": "K", "title": "t", "metric": "refund_rate", "start": 8, "target": 4})
    assert validate(doc)[0] is None
    assert "did you mean 0.08?" in english(problems_at(doc, "objectives[0].key_results[0].start")[0])
    assert "did you mean 0.04?" in english(problems_at(doc, "objectives[0].key_results[0].target")[0])


@pytest.mark.parametrize(
    ("start", "target", "bad", "suggestion"),
    [
        (0.02, 350, "target", None),  # not a percent either: no guess
        (-0.01, 0.02, "start", None),
        (0.02, 100, "target", "did you mean 1?"),
    ],
)
def test_rate_values_outside_0_1_without_or_with_a_guess(start, target, bad, suggestion):
    doc = doc_of({"id": "K", "title": "t", "metric": "conversion_rate", "start": start, "target": target})
    (problem,) = problems_at(doc, f"objectives[0].key_results[0].{bad}")
    assert ("did you mean" in english(problem)) == (suggestion is not None)
    if suggestion:
        assert suggestion in english(problem)


@pytest.mark.parametrize(("start", "target"), [(0.025, 0.035), (0.0, 1.0), (0.08, 0.04)])
def test_rates_as_fractions_are_fine(start, target):
    okrs, problems = validate(doc_of({"id": "K", "title": "t", "metric": "ctr", "start": start, "target": target}))
    assert okrs is not None, [str(p) for p in problems]


@pytest.mark.parametrize(("metric", "start", "target"), [("aov", 90, 110), ("roi", 1.2, 3.5)])
def test_aov_and_roi_are_not_rates(metric, start, target):
    level = {"level": "creative"} if metric == "roi" else {}
    okrs, problems = validate(
        doc_of({"id": "K", "title": "t", "metric": metric, **level, "start": start, "target": target})
    )
    assert okrs is not None, [str(p) for p in problems]


def test_okrs_check_and_load_refuse_percent_rates(tmp_path, capsys):
    path = tmp_path / "okrs.yaml"
    doc = doc_of({"id": "K", "title": "转化率", "metric": "conversion_rate", "start": 2.5, "target": 3.5})
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert main(["okrs", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "objectives[0].key_results[0].target" in err and "did you mean 0.035?" in err
    db = tmp_path / "x.duckdb"
    assert main(["okrs", "load", str(path), "--db", str(db)]) == 1
    assert "did you mean 0.025?" in capsys.readouterr().err
    with store.connect(db) as con:
        assert store.read_okrs(con).objectives == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("zh", "是不是想写 0.035？"), ("en", "did you mean 0.035?")],
)
def test_the_dashboard_form_shows_the_error_at_the_field(lang, expected):
    base = validate(doc_of({"id": "O1.KR1", "title": "gmv", "metric": "gmv", "target": 100}))[0]
    values = {"id": "O1.KR2", "title": "转化率", "metric": "conversion_rate", "start": 2.5, "target": 3.5}
    edit = okr_form.upsert_kr(base, "O1", okr_form.kr_from_form("metric", values))
    checked = okr_form.check(edit)
    assert checked.okrs is None
    fields = [f.name for f in okr_form.kr_fields(base, "O1", None, "metric", pd.DataFrame(), lang)]
    by_field = okr_form.form_errors(checked.errors, edit.path, fields)
    assert set(by_field) == {"start", "target"}
    text = okr_form.describe(by_field["target"][0], lang)
    assert expected in text
    assert "3.5" in text  # the value found
    if lang == "zh":
        assert "比率" in text and "0 到 1" in text


# --- item 10: SQL KRs without start ---------------------------------------------------------------------------

SUM_SQL = "SELECT SUM(gmv) FROM shop_daily WHERE shop = $shop AND date BETWEEN $start AND $end"


def test_an_sql_kr_without_start_is_accepted_with_a_warning_naming_it():
    doc = doc_of({"id": "O1.KR9", "title": "t", "sql": SUM_SQL, "filters": {"shop": SHOP}, "target": 8000})
    okrs, problems = validate(doc)
    assert okrs is not None, [str(p) for p in problems]
    (warning,) = problems_at(doc, "objectives[0].key_results[0].start", "warning")
    assert "O1.KR9" in english(warning)
    assert "set start when the query returns a rate" in english(warning)
    assert okrs.objectives[0].key_results[0].start_value == 0.0
    assert "O1.KR9" in okr_form.describe(warning, "zh") and "起点" in okr_form.describe(warning, "zh")
    # the page's English is the command line's, from the one table (it said "set a start" before issue 9)
    assert "set start when the query returns a rate" in okr_form.describe(warning, "en")


def test_an_sql_kr_without_start_and_target_0_has_nothing_to_achieve():
    doc = doc_of({"id": "K", "title": "t", "sql": "SELECT 1", "target": 0})
    assert "equals the start" in english(problems_at(doc, "objectives[0].key_results[0].target")[0])


def test_an_sql_kr_without_start_scores_from_0(tmp_db):
    write_rows(tmp_db, "shop_daily", [{"date": D(2026, 11, d), "gmv": 1000.0} for d in (1, 2, 3, 4)])
    doc = doc_of({"id": "S", "title": "t", "sql": SUM_SQL, "filters": {"shop": SHOP}, "target": 8000})
    okrs = validate(doc)[0]
    with store.connect(tmp_db) as con:
        report = engine.score_cycle(con, okrs, CYCLE, AS_OF)
        series = engine.kr_series(con, okrs, "S", AS_OF)
    (k,) = report.key_results
    assert (k.status, k.value, k.start) == ("at_risk", 4000.0, 0.0)  # SQL values project as themselves
    assert k.progress == pytest.approx(0.5)
    assert k.score == pytest.approx(0.5)
    assert any("S has no start" in problem_line(w) for w in report.warnings)
    assert series.set_index("date").loc[D(2026, 11, 2), "score"] == pytest.approx(2000 / 8000)
    assert engine.to_json(report)["objectives"][0]["key_results"][0]["start"] == 0.0


# --- item 11: exact and valid machine output ------------------------------------------------------------------


def test_json_and_csv_carry_full_precision(tmp_db):
    # 7 / 230 = 0.030434782608695653; 6 decimals used to print 0.030435
    write_rows(tmp_db, "shop_daily", [{"date": D(2026, 11, 1), "visitors": 230, "buyers": 7, "gmv": 1234.56789012345}])
    doc = doc_of(
        {"id": "cvr", "title": "t", "metric": "conversion_rate", "start": 0.01, "target": 0.07},
        {"id": "gmv", "title": "t", "metric": "gmv", "target": 9999.123456789},
    )
    with store.connect(tmp_db) as con:
        report = engine.score_cycle(con, validate(doc)[0], CYCLE, AS_OF)
    krs = {k["id"]: k for k in engine.to_json(report)["objectives"][0]["key_results"]}
    assert krs["cvr"]["value"] == 7 / 230
    assert krs["cvr"]["progress"] == (7 / 230 - 0.01) / (0.07 - 0.01)
    assert krs["gmv"]["value"] == 1234.56789012345
    assert krs["gmv"]["projected_value"] == report.key_results[1].projected_value
    rows = {r["kr_id"]: r for r in csv.DictReader(io.StringIO(score_text.score_csv(report)))}
    assert float(rows["cvr"]["value"]) == 7 / 230
    assert rows["cvr"]["value"] == repr(7 / 230)
    assert float(rows["cvr"]["score"]) == report.key_results[0].score
    assert float(rows["gmv"]["projected_score"]) == report.key_results[1].projected_score
    assert float(rows["gmv"]["objective_score"]) == report.objectives[0].score


def _overflow_report(db: Path):
    write_rows(
        db,
        "shop_daily",
        [
            {"date": D(2026, 11, 1), "gmv": 1e308, "buyers": 1, "refund_amount": 1e10},
            {"date": D(2026, 11, 2), "gmv": 1e308, "buyers": 1},
        ],
    )
    write_rows(db, "shop_daily", [{"shop": "小店", "date": D(2026, 11, 1), "gmv": 1e-300, "refund_amount": 1e10}])
    doc = doc_of(
        {"id": "gmv", "title": "t", "metric": "gmv", "filters": {"shop": SHOP}, "target": 1e6},
        {
            "id": "refund",
            "title": "t",
            "metric": "refund_rate",
            "filters": {"shop": "小店"},
            "start": 0.1,
            "target": 0.05,
        },
        {"id": "aov", "title": "t", "metric": "aov", "filters": {"shop": SHOP}, "start": 0.5, "target": 1},
        {"id": "ok", "title": "t", "metric": "buyers", "filters": {"shop": SHOP}, "target": 4},
    )
    with store.connect(db) as con:
        return engine.score_cycle(con, validate(doc)[0], CYCLE, AS_OF)


def test_overflowing_sums_and_ratios_are_an_error_and_json_has_null(tmp_db):
    report = _overflow_report(tmp_db)
    ks = {k.id: k for k in report.key_results}
    # two 1e308 amounts sum to inf; 1e10 / 1e-300 overflows; aov 1e308 from start 0.5 to 1: progress overflows
    for kr_id in ("gmv", "refund", "aov"):
        k = ks[kr_id]
        assert k.status == "error", kr_id
        assert (k.value, k.progress, k.projected_value, k.score, k.projected_score) == (None, None, None, 0.0, 0.0)
        assert "not a finite number" in english(k.message)
    assert ks["ok"].status != "error" and ks["ok"].value == 2.0  # the others are scored
    doc = engine.to_json(report)
    text = json.dumps(doc, allow_nan=False)  # raises on Infinity/NaN
    assert "Infinity" not in text and "NaN" not in text
    krs = {k["id"]: k for k in doc["objectives"][0]["key_results"]}
    assert krs["gmv"]["value"] is None and krs["gmv"]["status"] == "error"
    assert score_text.score_table(report)  # the table still renders


def test_score_json_cli_is_valid_json_with_an_overflow(tmp_db, tmp_path, capsys):
    report_okrs = doc_of({"id": "gmv", "title": "t", "metric": "gmv", "filters": {"shop": SHOP}, "target": 1e6})
    write_rows(tmp_db, "shop_daily", [{"date": D(2026, 11, d), "gmv": 1e308} for d in (1, 2)])
    path = tmp_path / "okrs.yaml"
    path.write_text(yaml.safe_dump(report_okrs, allow_unicode=True), encoding="utf-8")
    assert main(["okrs", "load", str(path), "--db", str(tmp_db)]) == 0
    capsys.readouterr()
    args = ["score", "--db", str(tmp_db), "--cycle", CYCLE, "--as-of", "2026-11-05", "--format", "json"]
    assert main(args) == 0
    out = capsys.readouterr().out
    doc = json.loads(out, parse_constant=lambda c: pytest.fail(f"JSON holds {c}"))
    k = doc["objectives"][0]["key_results"][0]
    assert (k["value"], k["status"]) == (None, "error")


@pytest.mark.parametrize("field", ["start", "target", "weight"])
@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_infinite_or_nan_numbers_in_the_file_are_refused(field, value):
    numbers = {"start": "0", "target": "10", field: value}  # YAML's own .inf / .nan
    kr = "{id: K, title: t, metric: gmv, " + ", ".join(f"{k}: {v}" for k, v in numbers.items()) + "}"
    raw = yaml.safe_load(f"objectives:\n  - {{id: O1, cycle: {CYCLE}, title: t, owner: a, key_results: [{kr}]}}\n")
    okrs, problems = validate(raw)
    assert okrs is None
    (problem,) = [p for p in problems if p.path == f"objectives[0].key_results[0].{field}"]
    assert "finite" in english(problem)
    assert "有限" in okr_form.describe(problem, "zh")


INJECTION = ['=HYPERLINK("http://evil","x")', "+1+2", "-2+3", "@SUM(A1)", "\tx=1", "\r=1"]


@pytest.mark.parametrize("text", INJECTION)
def test_csv_text_cells_cannot_start_a_formula(text):
    assert score_text.csv_cell(text) == "'" + text
    assert score_text.csv_cell("保温杯 -20%") == "保温杯 -20%"  # only the first character counts
    assert score_text.csv_cell(-5.5) == -5.5 and score_text.csv_cell(-3) == -3  # numbers are not text
    assert score_text.csv_cell(None) is None
    assert score_text.csv_cell(D(2026, 11, 5)) == "2026-11-05"


def test_score_csv_neutralises_user_text_but_keeps_negative_numbers(tmp_db):
    write_rows(tmp_db, "shop_daily", [{"date": D(2026, 11, 1), "gmv": 1000.0}])
    doc = doc_of(
        {"id": "K1", "title": "=1+2", "sql": "SELECT -5000.5", "start": -10000, "target": 20000},
        {"id": "K2", "title": "@cmd", "manual": 0.5},
        title="-2+3 利润",
        owner="+李娜",
    )
    with store.connect(tmp_db) as con:
        report = engine.score_cycle(con, validate(doc)[0], CYCLE, AS_OF)
    rows = list(csv.DictReader(io.StringIO(score_text.score_csv(report))))
    assert rows[0]["kr"] == "'=1+2" and rows[1]["kr"] == "'@cmd"
    assert rows[0]["objective"] == "'-2+3 利润"
    assert rows[0]["owner"] == "'+李娜"
    assert rows[0]["value"] == "-5000.5"  # a negative number is not neutralised
    assert rows[0]["start"] == "-10000.0"
    assert float(rows[0]["progress"]) == (-5000.5 + 10000) / 30000
