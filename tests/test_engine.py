"""shopkr.domain.engine: KR values from the data, the SQL sandbox as the engine uses it, series, closing, JSON.

Small hand-made data (written through store.write_parsed) for exact expectations; the demo exports
(imported once per session) for an end-to-end check of the demo OKRs.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import shutil
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import yaml

from connectors import Parsed
from connectors.canonical import TABLES
from shopkr.app.i18n import render
from shopkr.data import closing, store
from shopkr.domain import engine, metrics
from shopkr.domain.okr import KeyResult, Objective, OKRFile, validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
DEMO_SHOPS = ("暖居旗舰店", "暖居抖音小店", "暖居拼多多店")

D = dt.date
SHOP = "暖居测试店"
OTHER = "别家店"
DOUYIN = "暖居抖音测试"
P1 = "731562048917"  # 12-digit Taobao product id
P2 = "100"
DY_PRODUCT = "3729164058812347761"  # 19-digit Douyin id
C1 = "7571138406291560193"
C2 = "7571138406291576577"
CYCLE = "2026-11"  # implied: 2026-11-01 .. 2026-11-30, 30 days

_ARROW = {
    "date": pa.date32(),
    "id": pa.string(),
    "text": pa.string(),
    "platform": pa.string(),
    "int": pa.int64(),
    "money": pa.float64(),
}


def parsed(table: str, rows: list[dict], name: str = "test.csv") -> Parsed:
    """Canonical rows as a connectors.Parsed (columns missing from a row are NULL)."""
    t = TABLES[table]
    schema = pa.schema([(c, _ARROW[kind]) for c, kind in t.columns.items()])
    data = pa.table({c: [r.get(c) for r in rows] for c in t.columns}, schema=schema)
    digest = hashlib.sha256(repr((table, rows)).encode()).hexdigest()
    return Parsed(Path(name), digest, "generic", "test rows", t, data)


def write(con, table: str, rows: list[dict]) -> store.WriteResult:
    return store.write_parsed(con, parsed(table, rows), user="test")


SHOP_ROWS = [
    # 2026-11-03 is missing; 11-10 has no refund/impression/click numbers (NULL)
    dict(date=D(2026, 11, 1), visitors=100, buyers=10, gmv=1000.0, refund_amount=90.0, impressions=2000, clicks=100),
    dict(date=D(2026, 11, 2), visitors=1000, buyers=10, gmv=1000.0, refund_amount=40.0, impressions=1000, clicks=100),
    dict(date=D(2026, 11, 4), visitors=200, buyers=20, gmv=2000.0, refund_amount=190.0, impressions=1000, clicks=50),
    dict(date=D(2026, 11, 10), visitors=100, buyers=5, gmv=500.0),
]
PRODUCT_ROWS = [
    dict(date=D(2026, 11, 1), product_id=P1, product_name="保温杯", visitors=50, buyers=3, gmv=300.0),
    dict(date=D(2026, 11, 1), product_id=P2, product_name="毛毯", visitors=40, buyers=2, gmv=200.0),
    dict(date=D(2026, 11, 2), product_id=P1, product_name="保温杯", visitors=50, buyers=1, gmv=100.0),
    dict(date=D(2026, 11, 2), product_id=P2, product_name="毛毯", visitors=40, buyers=1, gmv=100.0),
]
CREATIVE_ROWS = [
    dict(
        date=D(2026, 11, 1), creative_id=C1, product_id=DY_PRODUCT, impressions=1000, clicks=40, spend=100.0, gmv=150.0
    ),
    dict(date=D(2026, 11, 1), creative_id=C2, product_id=DY_PRODUCT, impressions=1000, clicks=20, spend=50.0, gmv=20.0),
    dict(
        date=D(2026, 11, 2), creative_id=C1, product_id=DY_PRODUCT, impressions=1000, clicks=60, spend=100.0, gmv=250.0
    ),
]


def _with(rows: list[dict], **fixed) -> list[dict]:
    return [{**fixed, **r} for r in rows]


def fill(con) -> None:
    write(con, "shop_daily", _with(SHOP_ROWS, platform="taobao", shop=SHOP))
    write(
        con,
        "shop_daily",
        [dict(platform="douyin", shop=OTHER, date=D(2026, 11, 1), visitors=1, buyers=1, gmv=99_999.0)],
    )
    write(con, "product_daily", _with(PRODUCT_ROWS, platform="taobao", shop=SHOP))
    write(
        con,
        "product_daily",
        [
            dict(
                platform="douyin",
                shop=DOUYIN,
                date=D(2026, 11, 1),
                product_id=DY_PRODUCT,
                gmv=77.0,
                visitors=10,
                buyers=1,
            )
        ],
    )
    write(con, "creative_daily", _with(CREATIVE_ROWS, platform="douyin", shop=DOUYIN))


@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("engine") / "small.duckdb"
    with store.connect(path) as con:
        fill(con)
    return path


@pytest.fixture
def con(small_db):
    with store.connect(small_db) as c:
        yield c


@pytest.fixture
def own_db(small_db, tmp_path) -> Path:
    """A private copy of the small database, for tests that write."""
    path = tmp_path / "own.duckdb"
    shutil.copy(small_db, path)
    return path


def okrs_of(*krs: dict, kr_type: str = "aspirational", cycle: str = CYCLE) -> OKRFile:
    """One objective with these KRs, validated like a loaded file."""
    doc = {
        "objectives": [
            {
                "id": "O1",
                "cycle": cycle,
                "title": "t",
                "owner": "a",
                "origin": "bottom-up",
                "type": kr_type,
                "key_results": list(krs),
            }
        ]
    }
    okrs, problems = validate(doc)
    assert okrs is not None, [str(p) for p in problems]
    return okrs


def english(message) -> str:
    """A KR's message in English, from the translation table (the engine gives a code and parameters)."""
    return render(message, "en")


def kr(ident: str, **fields) -> dict:
    """A KR document; metric KRs pace linearly unless the test says otherwise (the pace methods and the forecast
    have their own tests in tests/test_forecast.py and tests/test_engine_forecast.py)."""
    if "metric" in fields:
        fields.setdefault("pace", "linear")
    return {"id": ident, "title": ident, **fields}


def score(con, okrs: OKRFile, as_of: dt.date, cycle: str = CYCLE) -> dict[str, engine.KRResult]:
    report = engine.score_cycle(con, okrs, cycle, as_of)
    return {k.id: k for k in report.key_results}


AS_OF = D(2026, 11, 5)


# --- ratio of sums, decreasing KRs, filters -----------------------------------------------------------------


def test_ratio_is_ratio_of_sums_not_mean_of_daily_ratios(con):
    okrs = okrs_of(kr("cvr", metric="conversion_rate", filters={"shop": SHOP}, start=0.01, target=0.1))
    k = score(con, okrs, AS_OF)["cvr"]
    daily_mean = (10 / 100 + 10 / 1000 + 20 / 200) / 3  # 0.07
    assert (k.numerator, k.denominator) == (40, 1300)
    assert k.value == pytest.approx(40 / 1300)
    assert k.value != pytest.approx(daily_mean, rel=0.01)
    # On a linear pace the forecast median of a rate is the rate so far, up to simulation noise
    assert k.projected_value == pytest.approx(40 / 1300, rel=0.02)
    assert k.projected_low <= k.projected_value <= k.projected_high
    assert k.definition == "SUM(buyers) / SUM(visitors)"


@pytest.mark.parametrize(
    ("metric", "start", "target", "value", "progress", "status"),
    [
        ("refund_rate", 0.09, 0.06, 320 / 4000, 1 / 3, "off_track"),  # decreasing: 9% -> 6%, now 8%
        ("refund_rate", 0.10, 0.06, 320 / 4000, 0.5, "at_risk"),
        ("refund_rate", 0.07, 0.06, 320 / 4000, -1.0, "off_track"),  # worse than the start
        ("refund_rate", 0.085, 0.08, 320 / 4000, 1.0, "on_track"),
        ("aov", 90, 110, 4000 / 40, 0.5, "at_risk"),
        ("ctr", 0.05, 0.075, 250 / 4000, 0.5, "at_risk"),
    ],
)
def test_rate_krs_including_decreasing(con, metric, start, target, value, progress, status):
    okrs = okrs_of(kr("k", metric=metric, filters={"shop": SHOP}, start=start, target=target))
    k = score(con, okrs, AS_OF)["k"]
    assert k.value == pytest.approx(value)
    assert k.progress == pytest.approx(progress)
    assert k.score == pytest.approx(min(1.0, max(0.0, progress)))
    if metric == "refund_rate":
        # Refunds by payment date are still arriving for 14 days (the default maturation curve: this data has no
        # revisions to learn one from), so the forecast expects a higher final refund rate than the one to date
        # and the status follows that forecast (tests/test_provisional.py has the exact correction).
        assert k.provisional and k.projected_value > k.value
    else:
        assert k.status == status


@pytest.mark.parametrize(
    ("filters", "level", "metric", "expected", "table"),
    [
        ({"shop": SHOP}, None, "gmv", 4000.0, "shop_daily"),
        ({"platform": "taobao"}, None, "gmv", 4000.0, "shop_daily"),
        ({"shop": OTHER}, None, "gmv", 99_999.0, "shop_daily"),
        ({"shop": SHOP, "product_id": P1}, None, "gmv", 400.0, "product_daily"),
        ({"product_id": P2}, None, "gmv", 300.0, "product_daily"),
        ({"shop": SHOP}, "product", "gmv", 700.0, "product_daily"),  # level overrides: all products
        ({"product_id": DY_PRODUCT}, None, "gmv", 77.0, "product_daily"),
        ({"product_id": DY_PRODUCT}, "creative", "gmv", 420.0, "creative_daily"),  # creatives of the product
        ({"creative_id": C1}, None, "gmv", 400.0, "creative_daily"),
        ({"creative_id": C2}, None, "ctr", 20 / 1000, "creative_daily"),
        ({"shop": DOUYIN, "creative_id": C1}, None, "ctr", 100 / 2000, "creative_daily"),
        ({"shop": DOUYIN}, "creative", "roi", 420 / 250, "creative_daily"),
        ({"shop": DOUYIN}, "creative", "spend", 250.0, "creative_daily"),
    ],
)
def test_filters_read_the_right_table(con, filters, level, metric, expected, table):
    fields = {"metric": metric, "filters": filters, "target": 1e6}
    if metrics.CATALOGUE[metric].kind == "ratio":
        # a rate's target is a fraction in 0-1 since issue 8 item 9 (target 10 for ctr is refused); roi is not
        fields.update(start=0.0, target=1.0 if metrics.CATALOGUE[metric].unit == "rate" else 10.0)
    if level:
        fields["level"] = level
    okrs = okrs_of(kr("k", **fields))
    k = score(con, okrs, AS_OF)["k"]
    assert k.value == pytest.approx(expected)
    assert metrics.LEVEL_TABLE[metrics.level_for(okrs.objectives[0].key_results[0].filters, level)] == table


def test_yaml_number_ids_match_text_ids(con):
    doc = yaml.safe_load(
        f"""
objectives:
  - id: O1
    cycle: "{CYCLE}"
    title: t
    owner: a
    origin: bottom-up
    key_results:
      - {{id: tmall, title: t, metric: gmv, filters: {{product_id: {P1}}}, target: 1000}}
      - {{id: douyin, title: t, metric: gmv, filters: {{product_id: {DY_PRODUCT}}}, target: 1000}}
      - {{id: creative, title: t, metric: clicks, filters: {{creative_id: {C1}}}, target: 1000}}
"""
    )
    okrs, problems = validate(doc)
    assert okrs is not None, problems
    ks = score(con, okrs, AS_OF)
    assert ks["tmall"].value == 400.0
    assert ks["douyin"].value == 77.0  # 19 digits: no float rounding on the way
    assert ks["creative"].value == 100.0


# --- no data, windows, projection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "as_of", "fragment"),
    [
        ({"shop": "没有这家店"}, AS_OF, "no shop_daily rows for shop=没有这家店 between 2026-11-01 and 2026-11-05"),
        ({"shop": SHOP, "product_id": "999"}, AS_OF, "no product_daily rows for shop=暖居测试店, product_id=999"),
        ({"creative_id": "42"}, AS_OF, "no creative_daily rows for creative_id=42"),
    ],
)
def test_no_rows_is_no_data_with_score_zero_and_a_message(con, filters, as_of, fragment):
    okrs = okrs_of(
        kr("k", metric="gmv", filters=filters, target=100),
        kr("ok", metric="gmv", filters={"shop": SHOP}, target=10_000),
    )
    report = engine.score_cycle(con, okrs, CYCLE, as_of)
    k, ok = report.key_results
    assert k.status == "no_data"
    assert (k.score, k.projected_score, k.value, k.covered_days, k.data_through) == (0.0, 0.0, None, 0, None)
    assert fragment in english(k.message)
    assert "import the exports" in english(k.message)
    assert ok.status != "no_data"
    # the objective's status comes from the KR that has data; its score counts the missing one as 0
    assert report.objectives[0].score == pytest.approx(ok.score / 2)
    assert report.objectives[0].status == ok.status


def test_rate_with_rows_but_no_values_is_no_data(con):
    # 11-10 has gmv but NULL refund_amount/impressions/clicks: a window with only that day has no ctr
    okrs = okrs_of(kr("k", metric="ctr", filters={"shop": SHOP}, start=0.01, target=0.02, deadline="2026-11-10"))
    report = engine.score_cycle(con, okrs, "2026-11", D(2026, 11, 30))
    k = report.key_results[0]
    assert k.value == pytest.approx(250 / 4000)  # 11-10 adds nothing: NULL is not 0
    okrs2 = okrs_of(kr("k", metric="ctr", filters={"shop": OTHER}, start=0.01, target=0.02))
    k2 = engine.score_cycle(con, okrs2, CYCLE, AS_OF).key_results[0]
    assert k2.status == "no_data"
    assert k2.covered_days == 1
    assert "have no clicks/impressions values" in english(k2.message)


@pytest.mark.parametrize(
    ("as_of", "value", "covered", "through", "projected"),
    [
        (D(2026, 11, 1), 1000.0, 1, D(2026, 11, 1), 30_000.0),
        (D(2026, 11, 3), 2000.0, 2, D(2026, 11, 2), 30_000.0),  # 11-03 has no row: not a covered day
        (D(2026, 11, 5), 4000.0, 3, D(2026, 11, 4), 40_000.0),  # 3 covered days of 5 calendar days
        (D(2026, 11, 9), 4000.0, 3, D(2026, 11, 4), 40_000.0),
        (D(2026, 11, 10), 4500.0, 4, D(2026, 11, 10), 33_750.0),
        (D(2026, 11, 30), 4500.0, 4, D(2026, 11, 10), 33_750.0),
    ],
)
def test_data_through_covered_days_and_projection(con, as_of, value, covered, through, projected):
    okrs = okrs_of(kr("gmv", metric="gmv", filters={"shop": SHOP}, target=50_000))
    k = score(con, okrs, as_of)["gmv"]
    assert k.value == pytest.approx(value)
    assert k.covered_days == covered
    assert k.data_through == through
    # On a linear pace the forecast median is the run rate (value / covered days x 30 days) up to simulation noise
    assert k.projected_value == pytest.approx(projected, rel=0.02)
    assert k.projected_score == pytest.approx(k.projected_value / 50_000)
    assert k.projected_low < k.projected_value < k.projected_high
    assert k.pace_method == "linear" and 0 < k.p_hit < 1
    assert k.score == pytest.approx(value / 50_000)


def test_deadline_inside_the_cycle(con):
    okrs = okrs_of(kr("gmv", metric="gmv", filters={"shop": SHOP}, target=4000, deadline="2026-11-02"))
    k = score(con, okrs, AS_OF)["gmv"]
    assert k.deadline == D(2026, 11, 2)
    assert k.value == 2000.0  # window ends at the deadline
    assert k.status == "done"  # the KR's deadline has passed
    assert k.projected_value == pytest.approx(2000.0)  # 2 covered days of a 2-day period


@pytest.mark.parametrize(
    ("as_of", "kr_status", "objective_status"),
    [
        (D(2026, 10, 31), "not_started", "not_started"),
        (D(2026, 12, 1), "done", "done"),
        (D(2027, 3, 1), "done", "done"),
    ],
)
def test_before_and_after_the_cycle(con, as_of, kr_status, objective_status):
    okrs = okrs_of(
        kr("gmv", metric="gmv", filters={"shop": SHOP}, target=9000),
        kr("cvr", metric="conversion_rate", filters={"shop": SHOP}, start=0.01, target=0.05),
        kr("sql", sql="SELECT 5", start=0, target=10),
        kr("manual", manual=0.6),
    )
    report = engine.score_cycle(con, okrs, CYCLE, as_of)
    assert {k.id: k.status for k in report.key_results} == dict.fromkeys(["gmv", "cvr", "sql", "manual"], kr_status)
    assert report.objectives[0].status == objective_status
    gmv = report.key_results[0]
    if kr_status == "not_started":
        assert (gmv.value, gmv.score) == (None, 0.0)
    else:
        assert gmv.value == 4500.0  # the whole cycle, as_of capped at its end
        assert gmv.score == pytest.approx(0.5)


# --- custom SQL ----------------------------------------------------------------------------------------------

SUM_SQL = "SELECT SUM(gmv) FROM shop_daily WHERE shop = $shop AND date BETWEEN $start AND $end"


def test_sql_kr_gives_the_number(con):
    okrs = okrs_of(
        kr("sql", sql=SUM_SQL, filters={"shop": SHOP}, start=0, target=8000),
        kr(
            "prod",
            sql="SELECT SUM(gmv) FROM product_daily WHERE product_id = $product_id",
            filters={"product_id": P1},
            start=0,
            target=800,
        ),
    )
    ks = score(con, okrs, AS_OF)
    assert ks["sql"].value == 4000.0
    assert ks["sql"].score == pytest.approx(0.5)
    assert ks["sql"].projected_value == 4000.0  # SQL values project as themselves
    assert ks["sql"].status == "at_risk"
    assert ks["sql"].message is None
    assert ks["prod"].value == 400.0


def _sql_okrs(sql: str) -> OKRFile:
    """A KR with this SQL next to a metric KR, built without validate() (as a stored or edited definition
    might be), so the engine's own guards are what is tested."""
    krs = [
        KeyResult(id="bad", title="bad", sql=sql, filters={"shop": SHOP}, start=0, target=10),
        KeyResult(id="gmv", title="gmv", metric="gmv", filters={"shop": SHOP}, target=8000),
    ]
    return OKRFile(objectives=[Objective(id="O1", cycle=CYCLE, title="t", owner="a", key_results=krs)])


BAD_SQL = [
    ("SELECT * FROM read_csv('/etc/passwd')", "the query failed"),
    ("SELECT content FROM read_text('/etc/hostname')", "the query failed"),
    ("COPY shop_daily TO '{tmp}/x.csv'", "not COPY"),
    ("SELECT gmv FROM shop_daily", "exactly one number (one row, one column); it returned 2+ rows"),
    ("SELECT 1, 2", "it returned 1 rows x 2 columns"),
    ("SELECT gmv FROM shop_daily WHERE false", "it returned 0 rows"),
    ("SELECT 'abc'", "not a number"),
    ("SELECT DATE '2026-11-01'", "not a number"),
    ("SELECT * FROM no_such_table", "no_such_table"),
    ("SET threads=1", "not SET"),
    ("DELETE FROM shop_daily", "not DELETE"),
    ("SELECT 1; DROP TABLE shop_daily", "exactly one SELECT statement (found 2)"),
    ("SELECT nextval('import_seq')", "read-only"),
    ("ATTACH '{tmp}/other.duckdb'", "not ATTACH"),
    ("SELECT $sku", "unknown parameter $sku"),
]


@pytest.mark.parametrize(("sql", "fragment"), BAD_SQL, ids=[s for s, _ in BAD_SQL])
def test_bad_sql_is_an_error_for_that_kr_only(con, tmp_path, sql, fragment):
    sql = sql.replace("{tmp}", str(tmp_path))
    before = store.one(con, "SELECT count(*), sum(gmv) FROM shop_daily")
    report = engine.score_cycle(con, _sql_okrs(sql), CYCLE, AS_OF)
    bad, gmv = report.key_results
    assert bad.status == "error"
    assert (bad.value, bad.score, bad.projected_score) == (None, 0.0, 0.0)
    assert fragment in english(bad.message)
    assert gmv.value == 4000.0  # the run went on
    assert gmv.status == "on_track"
    assert store.one(con, "SELECT count(*), sum(gmv) FROM shop_daily") == before
    assert list(tmp_path.iterdir()) == []  # nothing written to disk
    assert json.dumps(engine.to_json(report))  # still reportable


def test_slow_sql_is_stopped_by_the_time_limit(con, monkeypatch):
    monkeypatch.setattr(metrics, "run_sql", functools.partial(metrics.run_sql, timeout=0.3))
    slow = "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b"  # 10^12 rows
    t0 = time.perf_counter()
    report = engine.score_cycle(con, _sql_okrs(slow), CYCLE, AS_OF)
    elapsed = time.perf_counter() - t0
    bad, gmv = report.key_results
    assert bad.status == "error"
    assert "took longer than" in english(bad.message)
    assert "stopped" in english(bad.message)
    assert elapsed < 4.0
    assert gmv.value == 4000.0
    assert store.one(con, "SELECT 42") == (42,)  # the connection is still usable


def test_run_sql_default_timeout_is_five_seconds():
    import inspect

    assert inspect.signature(metrics.run_sql).parameters["timeout"].default == 5.0


def test_sql_returning_null_is_no_data(con):
    k = engine.score_cycle(
        con, _sql_okrs("SELECT SUM(gmv) FROM shop_daily WHERE shop = 'nobody'"), CYCLE, AS_OF
    ).key_results[0]
    assert k.status == "no_data"
    assert "NULL" in english(k.message)


@pytest.mark.parametrize("sql", [SUM_SQL + " -- 本月支付金额", SUM_SQL + "; -- 本月支付金额"])
def test_sql_with_a_trailing_comment(con, sql):
    assert metrics.check_sql(sql) == []
    k = engine.score_cycle(con, _sql_okrs(sql), CYCLE, AS_OF).key_results[0]
    assert k.status != "error", k.message
    assert k.value == 4000.0


def test_sql_returning_nan_is_an_error(con):
    k = engine.score_cycle(con, _sql_okrs("SELECT 'nan'::DOUBLE"), CYCLE, AS_OF).key_results[0]
    assert k.status == "error"
    assert k.message


# --- a metric KR whose level has no such filter column ------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "filters"),
    [("shop", {"shop": SHOP, "product_id": P1}), ("product", {"creative_id": C1})],
)
def test_filter_not_in_the_level_table_is_rejected_or_an_error(con, level, filters):
    doc = {
        "objectives": [
            {
                "id": "O1",
                "cycle": CYCLE,
                "title": "t",
                "owner": "a",
                "origin": "bottom-up",
                "key_results": [
                    kr("bad", metric="gmv", level=level, filters=filters, target=10),
                    kr("gmv", metric="gmv", filters={"shop": SHOP}, target=8000),
                ],
            }
        ]
    }
    okrs, problems = validate(doc)
    if okrs is None:  # rejected when checked: fine, with the path of the KR
        assert any(p.path.startswith("objectives[0].key_results[0]") for p in problems)
        return
    report = engine.score_cycle(con, okrs, CYCLE, AS_OF)  # otherwise: must not crash the run
    bad, gmv = report.key_results
    assert bad.status == "error"
    assert gmv.value == 4000.0


# --- daily series ------------------------------------------------------------------------------------------


def test_kr_series_sum_is_cumulative_and_pace_ends_at_target(con):
    okrs = okrs_of(kr("gmv", metric="gmv", filters={"shop": SHOP}, target=30_000))
    s = engine.kr_series(con, okrs, "gmv", AS_OF)
    assert list(s["date"]) == [D(2026, 11, 1) + dt.timedelta(days=i) for i in range(30)]
    running, expected = 0.0, {}
    by_day = {r["date"]: r["gmv"] for r in SHOP_ROWS}
    for day in s["date"]:
        if day > AS_OF:
            break
        running += by_day.get(day, 0.0)
        expected[day] = running
    got = dict(zip(s["date"], s["value"], strict=True))
    last_data = D(2026, 11, 4)  # data_through: the 11-05 as_of has no data yet
    for day, value in expected.items():
        if day <= last_data:
            assert got[day] == pytest.approx(value), day
    # no value after data_through (issue 8 item 15: the line used to run flat to as_of)
    assert all(math.isnan(got[day]) for day in s["date"] if day > last_data)
    assert s["pace"].iloc[0] == pytest.approx(1000.0)  # a sum's pace starts from 0: target x 1/30
    assert s["pace"].iloc[-1] == pytest.approx(30_000)
    assert s["target"].iloc[-1] == 30_000
    assert s.set_index("date").loc[D(2026, 11, 4), "score"] == pytest.approx(4000 / 30_000)


def test_kr_series_rate_is_ratio_of_cumulative_sums(con):
    okrs = okrs_of(kr("cvr", metric="conversion_rate", filters={"shop": SHOP}, start=0.02, target=0.05))
    s = engine.kr_series(con, okrs, "cvr", D(2026, 11, 30)).set_index("date")
    assert s.loc[D(2026, 11, 1), "value"] == pytest.approx(10 / 100)
    assert s.loc[D(2026, 11, 2), "value"] == pytest.approx(20 / 1100)  # not (0.1 + 0.01) / 2
    assert s.loc[D(2026, 11, 2), "num_to_date"] == 20
    assert s.loc[D(2026, 11, 2), "den_to_date"] == 1100
    assert s.loc[D(2026, 11, 3), "value"] == pytest.approx(20 / 1100)  # a missing day carries the to-date value
    assert s.loc[D(2026, 11, 4), "value"] == pytest.approx(40 / 1300)
    assert s.loc[D(2026, 11, 10), "value"] == pytest.approx(45 / 1400)
    # nothing after data_through 11-10, although as_of is 11-30 (issue 8 item 15)
    assert s.loc[D(2026, 11, 11) :, "value"].isna().all()
    assert s.loc[D(2026, 11, 2), "numerator"] == 10
    assert s.loc[D(2026, 11, 2), "denominator"] == 1000
    # a rate's pace goes from its start to its target
    assert s.loc[D(2026, 11, 15), "pace"] == pytest.approx(0.02 + 0.03 * 15 / 30)
    assert s.loc[D(2026, 11, 30), "pace"] == pytest.approx(0.05)


def test_kr_series_decreasing_rate_pace(con):
    okrs = okrs_of(kr("refund", metric="refund_rate", filters={"shop": SHOP}, start=0.09, target=0.06))
    s = engine.kr_series(con, okrs, "refund", AS_OF)
    assert s["pace"].iloc[-1] == pytest.approx(0.06)
    assert s["pace"].is_monotonic_decreasing
    assert s.set_index("date").loc[D(2026, 11, 4), "value"] == pytest.approx(320 / 4000)


# --- closing ------------------------------------------------------------------------------------------------


def _closing_rows(con, cycle: str) -> dict[str, tuple]:
    rows = store.run(
        con,
        "SELECT kr_id, value, numerator, denominator, score, query, source_rows, rows_hash, status "
        "FROM kr_closings WHERE cycle = ?",
        [cycle],
    )
    return {r[0]: r[1:] for r in rows}


def test_close_cycle_freezes_grades_against_later_reimports(own_db):
    okrs = okrs_of(
        kr("gmv", metric="gmv", filters={"shop": SHOP}, target=9000),
        kr("cvr", metric="conversion_rate", filters={"shop": SHOP}, start=0.01, target=0.05),
        kr("manual", manual=0.7),
    )
    after_end = D(2026, 12, 1)
    with store.connect(own_db) as con:
        closed = closing.close_cycle(con, okrs, CYCLE, user="tester", as_of=after_end)
        assert closed.closed_at is not None
        frozen = {k.id: k for k in closed.key_results}
        assert frozen["gmv"].value == 4500.0
        assert frozen["cvr"].value == pytest.approx(45 / 1400)
        rows = _closing_rows(con, CYCLE)
        assert rows["gmv"][:4] == (4500.0, 4500.0, None, 0.5)
        assert rows["cvr"][1:3] == (45.0, 1400.0)
        assert rows["gmv"][5] == 4  # source rows
        query = rows["gmv"][4]
        assert store.one(con, query)[0] == 4500.0  # the frozen query reproduces the frozen value
        assert store.one(con, rows["cvr"][4])[0] == pytest.approx(45 / 1400)
        assert rows["gmv"][7] == "done"
        gmv_kr = okrs.objectives[0].key_results[0]
        assert engine._lineage(con, gmv_kr, closed.cycle, after_end)[2] == rows["gmv"][6]

        # a later pull revises 11-02 (gmv 1000 -> 5000, buyers 10 -> 50) and adds 11-20
        revised = [
            dict(SHOP_ROWS[1], gmv=5000.0, buyers=50),
            dict(date=D(2026, 11, 20), visitors=10, buyers=1, gmv=100.0),
        ]
        result = write(con, "shop_daily", _with(revised, platform="taobao", shop=SHOP))
        assert (result.new, result.replaced) == (1, 1)

        again = engine.score_cycle(con, okrs, CYCLE, D(2026, 12, 5))
        assert again.closed_at is not None
        now = {k.id: k for k in again.key_results}
        assert now["gmv"].value == 4500.0
        assert now["gmv"].score == pytest.approx(0.5)
        assert now["cvr"].value == pytest.approx(45 / 1400)
        assert now["manual"].score == 0.7
        assert english(now["gmv"].message) == "final grade frozen when the cycle was closed"
        assert again.objectives[0].score == pytest.approx(closed.objectives[0].score)
        assert again.objectives[0].status == closed.objectives[0].status
        # the data did change: a fresh score and a fresh hash of the rows differ from the frozen ones
        fresh = {k.id: k for k in engine.score_cycle(con, okrs, CYCLE, D(2026, 12, 5), use_closing=False).key_results}
        assert fresh["gmv"].value == 8600.0
        lineage = engine._lineage(con, gmv_kr, again.cycle, after_end)
        assert lineage[1] == 5
        assert lineage[2] != rows["gmv"][6]
        assert engine.to_json(again)["closed"] is True


def test_close_with_as_of_inside_the_cycle_freezes_a_query_that_reproduces_the_value(own_db):
    okrs = okrs_of(kr("gmv", metric="gmv", filters={"shop": SHOP}, target=9000))
    with store.connect(own_db) as con:
        closing.close_cycle(con, okrs, CYCLE, user="tester", as_of=D(2026, 11, 2))
        value, _, _, _, query, source_rows, _, _ = _closing_rows(con, CYCLE)["gmv"]
        assert value == 2000.0
        assert store.one(con, query)[0] == value
        assert source_rows == 2


# --- JSON ----------------------------------------------------------------------------------------------------

TOP_KEYS = {"cycle", "start", "end", "as_of", "closed", "objectives", "warnings"}
OBJECTIVE_KEYS = {
    "id",
    "title",
    "owner",
    "level",
    "parent",
    "type",
    "origin",
    "score",
    "projected_score",
    "status",
    "children_score",  # issue 11: the mean score of the objectives aligned to it (tests/test_review.py)
    "key_results",
}
KR_KEYS = {
    "id",
    "title",
    "metric",
    "kind",
    "value",
    "numerator",
    "denominator",
    "start",
    "target",
    "weight",
    "progress",
    "score",
    "projected_value",
    "projected_score",
    "status",
    "advice",
    "data_through",
    "message",
    "message_code",  # issue 9: the message as a code too (translated in shopkr/app/i18n.py)
    # issue 10: the pace and the forecast
    "pace_method",
    "pace_reason",
    "expected_to_date",
    "projected_low",
    "projected_high",
    "p_hit",
    "p_sweet",
    "provisional",
    "provisional_share",
    # issue 11: the latest check-in (null without one; tests/test_checkins.py)
    "confidence",
    "last_checkin",
}


def test_score_json_shape(con):
    okrs = okrs_of(
        kr("gmv", metric="gmv", filters={"shop": SHOP}, target=9000, weight=2),
        kr("cvr", metric="conversion_rate", filters={"shop": SHOP}, start=0.01, target=0.05),
        kr("sql", sql=SUM_SQL, filters={"shop": SHOP}, start=0, target=8000),
        kr("manual", manual=0.5),
        kr("none", metric="gmv", filters={"shop": "nobody"}, target=10),
    )
    doc = engine.to_json(engine.score_cycle(con, okrs, CYCLE, AS_OF))
    doc = json.loads(json.dumps(doc, ensure_ascii=False))  # plain JSON types only
    assert set(doc) == TOP_KEYS
    assert (doc["cycle"], doc["start"], doc["end"], doc["as_of"], doc["closed"]) == (
        CYCLE,
        "2026-11-01",
        "2026-11-30",
        "2026-11-05",
        False,
    )
    (o,) = doc["objectives"]
    assert set(o) == OBJECTIVE_KEYS
    assert all(set(k) == KR_KEYS for k in o["key_results"])
    ks = {k["id"]: k for k in o["key_results"]}
    assert ks["manual"]["value"] is None
    assert ks["manual"]["score"] == 0.5
    assert ks["manual"]["kind"] == "manual"
    assert ks["gmv"]["value"] == 4000.0
    assert ks["gmv"]["weight"] == 2.0
    assert ks["gmv"]["data_through"] == "2026-11-04"
    assert ks["gmv"]["start"] == 0.0
    assert ks["cvr"]["numerator"] == 40.0 and ks["cvr"]["denominator"] == 1300.0
    assert ks["sql"]["value"] == 4000.0 and ks["sql"]["kind"] == "sql"
    assert ks["none"]["status"] == "no_data" and ks["none"]["message"]
    assert isinstance(doc["warnings"], list)
    # The forecast: metric KRs have the interval and the probabilities, SQL KRs pace linearly without them,
    # manual KRs have none; a KR without data has no interval either.
    for key in ("gmv", "cvr"):
        k = ks[key]
        assert k["pace_method"] == "linear" and k["pace_reason"]
        assert k["projected_low"] <= k["projected_value"] <= k["projected_high"]
        assert 0 <= k["p_hit"] <= k["p_sweet"] <= 1  # hitting the target is a score of 1, so P(hit) <= P(sweet)
    assert ks["gmv"]["expected_to_date"] == pytest.approx(9000 * 4 / 30)  # linear: 4 days of 30 by 11-04
    assert ks["sql"]["pace_method"] == "linear" and ks["sql"]["expected_to_date"] == pytest.approx(8000 * 5 / 30)
    assert ks["sql"]["p_hit"] is None and ks["sql"]["projected_low"] is None
    assert all(ks["manual"][f] is None for f in ("pace_method", "expected_to_date", "p_hit", "p_sweet"))
    assert ks["none"]["p_hit"] is None and ks["none"]["projected_low"] is None
    assert all(k["provisional"] is False for k in ks.values())


# --- current cycle -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 11, 20), "2026-11"),  # inside Q4 and November: the shortest
        (D(2026, 10, 5), "2026-Q4"),
        (D(2026, 8, 1), "2026-Q3"),
        (D(2027, 2, 1), "2026-Q4"),  # none contains today: the latest that has started
        (D(2026, 1, 1), "2026-Q3"),  # none started: the earliest
    ],
)
def test_current_cycle(today, expected):
    okrs = OKRFile(
        objectives=[
            Objective(id=f"O{i}", cycle=c, title="t", owner="a") for i, c in enumerate(["2026-Q3", "2026-Q4", CYCLE])
        ]
    )
    assert engine.current_cycle(okrs, today) == expected


# --- the demo data -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_okrs() -> OKRFile:
    okrs, problems = validate(yaml.safe_load((SAMPLES / "okrs.yaml").read_text(encoding="utf-8")))
    assert okrs is not None, problems
    return okrs


def test_demo_okrs_score_without_errors(demo_exports_db, demo_okrs):
    with store.connect(demo_exports_db) as c:
        q4 = engine.score_cycle(c, demo_okrs, "2026-Q4", D(2026, 11, 27))
        q3 = engine.score_cycle(c, demo_okrs, "2026-Q3", D(2026, 11, 27))
    ks = {k.id: k for k in q4.key_results}
    assert len(ks) == 15
    assert {k.id: k.status for k in q4.key_results if k.status in ("error", "no_data")} == {}
    assert all(k.value is not None for k in q4.key_results if k.kind != "manual")
    assert all(0.0 <= k.score <= 1.0 for k in q4.key_results)
    assert {k.status for k in q3.key_results} == {"done"}
    assert q4.freshness == dict.fromkeys(DEMO_SHOPS, D(2026, 11, 26))
    assert ks["O1.KR1"].data_through == D(2026, 11, 26)
    assert ks["O1.KR1"].covered_days == 57

    con = duckdb.connect(str(demo_exports_db), read_only=True)
    try:
        expected = con.execute(
            "SELECT sum(gmv) FROM shop_daily WHERE shop = '暖居旗舰店' AND date BETWEEN '2026-10-01' AND '2026-11-26'"
        ).fetchone()[0]
        cvr = con.execute(
            "SELECT sum(buyers) / sum(visitors) FROM shop_daily WHERE shop = '暖居旗舰店' AND date >= '2026-10-01'"
        ).fetchone()[0]
        cup = con.execute(
            "SELECT sum(gmv) FROM product_daily WHERE shop = '暖居旗舰店' AND product_id = '731562048917' "
            "AND date >= '2026-10-01'"
        ).fetchone()[0]
    finally:
        con.close()
    assert ks["O1.KR1"].value == pytest.approx(expected, rel=1e-12)
    assert ks["O2.KR1"].value == pytest.approx(cvr, rel=1e-12)
    assert ks["O2.KR3"].value == pytest.approx(cup, rel=1e-12)
    k = ks["O1.KR1"]  # paced by last year's shape (the demo has last year's history): not a straight line
    assert k.pace_method == "last_year" and k.projected_low < k.projected_value < k.projected_high
