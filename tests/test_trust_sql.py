"""Issue 8 items 18-19: custom KR SQL cannot hold the database: size and join caps before planning, a timer that
starts before parsing, memory and temp-disk caps, short error texts, comments with ; and --; and an SQL KR's
daily series that uses one short connection per day within a total time budget."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shopkr.app import okr_form
from shopkr.app.i18n import render
from shopkr.data import store
from shopkr.domain import engine, metrics
from shopkr.domain.okr import KeyResult, Objective, OKRFile, validate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "暖居抖音小店" / "抖店罗盘_成交概览_2026-11-26.xlsx"
D = dt.date
CYCLE = "2026-11"
AS_OF = D(2026, 11, 10)  # 10 days of the cycle so far
UNIONS_80K = "SELECT 1 AS x" + " UNION ALL SELECT 1" * 80_000  # ran 68 s before the size cap
JOIN_CHAIN = "SELECT count(*) FROM range(1) t0 " + " ".join(
    f"JOIN range(1) t{i} ON t{i}.range = t{i - 1}.range" for i in range(1, 400)
)  # 18,000 characters; planned for over 5 minutes, past the interrupt
SLOW = "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b"  # 10^12 rows


def sql_okrs(sql: str, kr_id: str = "q") -> OKRFile:
    """One SQL KR (built without validate, as a stored definition might be)."""
    kr = KeyResult(id=kr_id, title="t", sql=sql, start=0, target=10)
    return OKRFile(objectives=[Objective(id="O1", cycle=CYCLE, title="t", owner="a", key_results=[kr])])


@pytest.fixture
def con(tmp_db):
    with store.connect(tmp_db) as c:
        yield c


# --- item 18: limits ------------------------------------------------------------------------------------------


def english(message) -> str:
    """A message (code and parameters: a check_sql problem, an SQLError, a KR's message) in English, from the
    translation table."""
    return render(message, "en")


def test_a_huge_query_is_refused_before_parsing(con):
    t0 = time.perf_counter()
    problems = metrics.check_sql(UNIONS_80K)
    assert problems and "characters long, over the limit of 20,000" in english(problems[0])
    with pytest.raises(metrics.SQLError) as caught:
        metrics.run_sql(con, UNIONS_80K, {})
    assert "characters long" in english(caught.value)
    report = engine.score_cycle(con, sql_okrs(UNIONS_80K), CYCLE, AS_OF)
    assert report.key_results[0].status == "error"
    assert "over the limit of 20,000" in english(report.key_results[0].message)
    assert time.perf_counter() - t0 < 2.0  # was 68 s for the query alone


def test_a_query_with_too_many_joins_is_refused_before_planning(con):
    t0 = time.perf_counter()
    assert len(JOIN_CHAIN) < metrics.MAX_SQL_CHARS
    assert "399 joins and subqueries, over the limit of 50" in english(metrics.check_sql(JOIN_CHAIN)[0])
    with pytest.raises(metrics.SQLError) as caught:
        metrics.run_sql(con, JOIN_CHAIN, {})
    assert "joins and subqueries" in english(caught.value)
    assert time.perf_counter() - t0 < 2.0


def test_queries_within_the_caps_still_run(con):
    chain = "SELECT count(*) FROM range(1) t0 " + " ".join(
        f"JOIN range(1) t{i} ON t{i}.range = t{i - 1}.range" for i in range(1, 41)
    )
    assert metrics.run_sql(con, chain, {}) == 1.0
    unions = "SELECT sum(x) FROM (SELECT 1 AS x" + " UNION ALL SELECT 1" * 900 + ")"
    assert metrics.run_sql(con, unions, {}) == 901.0
    # the text of a join node inside a string literal is not a join
    literal = '"type":"JOIN" JOIN ' * 60
    assert metrics.run_sql(con, f"SELECT length('{literal}')", {}) == len(literal)


@pytest.mark.parametrize(
    ("sql", "key", "zh"),
    [(UNIONS_80K, "sql_too_long", "个字符，超过上限 20,000"), (JOIN_CHAIN, "sql_joins", "个连接和子查询")],
)
def test_the_limits_read_in_chinese_on_the_dashboard(sql, key, zh):
    doc = {"objectives": [{"id": "O1", "cycle": CYCLE, "title": "t", "owner": "a", "key_results": []}]}
    doc["objectives"][0]["key_results"].append({"id": "K", "title": "t", "sql": sql, "start": 0, "target": 1})
    okrs, problems = validate(doc)
    assert okrs is None
    (problem,) = [p for p in problems if p.path == "objectives[0].key_results[0].sql"]
    assert zh in okr_form.describe(problem, "zh")


class _SlowParseCursor:
    """A cursor whose statement extraction takes `delay` seconds (as parsing a long query does)."""

    def __init__(self, cur, delay: float) -> None:
        self._cur, self._delay = cur, delay

    def extract_statements(self, text):
        time.sleep(self._delay)
        return self._cur.extract_statements(text)

    def __getattr__(self, name):
        return getattr(self._cur, name)


class _SlowParseConnection:
    def __init__(self, con, delay: float) -> None:
        self._con, self._delay = con, delay

    def cursor(self):
        return _SlowParseCursor(self._con.cursor(), self._delay)


def test_the_time_limit_covers_parsing(con):
    # Parsing happens on the KR's own cursor, after its timer has started: a parse that outlasts the limit
    # stops the query even though the query itself would be instant.
    slow = _SlowParseConnection(con, 0.5)
    t0 = time.perf_counter()
    with pytest.raises(metrics.SQLTimeout) as caught:
        metrics.run_sql(slow, "SELECT 1", {}, timeout=0.2)
    assert "took longer than 0.2 s" in english(caught.value)
    assert time.perf_counter() - t0 < 2.0
    assert metrics.run_sql(con, "SELECT 42", {}) == 42.0  # the connection is still usable


def test_kr_connections_have_memory_and_temp_caps(con):
    memory, temp = store.one(con, "SELECT current_setting('memory_limit'), current_setting('max_temp_directory_size')")
    assert memory in ("953.6 MiB", "1.0 GiB", "1GB"), memory
    assert "GiB" in temp and "available" not in temp, temp  # not "90% of available disk space"
    with pytest.raises(Exception, match="configuration"):
        store.run(con, "SET memory_limit = '20GB'")  # locked: a KR cannot raise it


def test_a_memory_hungry_kr_fails_fast_instead_of_taking_gigabytes(con):
    hungry = "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(2000000)"  # about 2 GB of text
    t0 = time.perf_counter()
    report = engine.score_cycle(con, sql_okrs(hungry), CYCLE, AS_OF)
    k = report.key_results[0]
    assert k.status == "error"
    assert "Out of Memory" in english(k.message), k.message
    assert time.perf_counter() - t0 < 4.0


def test_the_demo_exports_still_import_under_the_caps(demo_exports_db):
    # the session fixture imported every demo export through store.connect (and asserted none failed)
    with store.connect(demo_exports_db) as c:
        assert store.one(c, "SELECT count(*) FROM shop_daily")[0] > 300
        assert store.one(c, "SELECT count(*) FROM product_daily")[0] > 300
        assert store.one(c, "SELECT current_setting('memory_limit')")[0] != "18.8 GiB"


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("SELECT repeat('x', 10000000)", "not a number"),
        ("SELECT CAST(repeat('x', 10000000) AS INTEGER)", "the query failed"),
    ],
)
def test_values_and_errors_echoed_in_a_message_are_cut_short(con, sql, fragment):
    report = engine.score_cycle(con, sql_okrs(sql), CYCLE, AS_OF)
    k = report.key_results[0]
    assert k.status == "error" and fragment in english(k.message)
    assert len(english(k.message)) < 600
    assert "10,000,0" in english(k.message)  # says how long the value was
    assert len(json.dumps(engine.to_json(report))) < 5000


def test_a_duckdb_error_quoting_the_query_is_cut_short(con):
    with pytest.raises(metrics.SQLError) as caught:
        metrics.run_sql(con, 'SELECT * FROM "' + "x" * 15000 + '"', {})
    assert english(caught.value).startswith("the query failed") and len(english(caught.value)) < 600


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1 /* ; -- */", 1.0),
        ("SELECT 1 /* ; -- */;", 1.0),
        ("SELECT 2; /* a ; b */ -- c ;", 2.0),
        ("SELECT 3 -- x ; y", 3.0),
        ("SELECT 4 -- a\n;  -- b", 4.0),
        ("SELECT length(';--') + 1 ;;", 4.0),
        ("SELECT length('暖居;') /* 注释 ; */ ;", 3.0),
    ],
)
def test_comments_and_strings_holding_semicolons_or_dashes_run(con, sql, expected):
    assert metrics.check_sql(sql) == []
    assert metrics.run_sql(con, sql, {}) == expected
    k = engine.score_cycle(con, sql_okrs(sql), CYCLE, AS_OF).key_results[0]
    assert k.status != "error", k.message
    assert k.value == expected


# --- item 19: an SQL KR's daily series ------------------------------------------------------------------------

DAYS_SQL = "SELECT count(*) FROM range(1, 32) r WHERE r.range <= datediff('day', $start, $end) + 1"


class Opener:
    """A `connect(wait)` for engine.kr_series that records every connection and checks that at most one is
    open at a time; `on_open(n)` runs before the n-th connection opens (1-based)."""

    def __init__(self, db: Path, on_open=None, delay: float = 0.0) -> None:
        self.db, self.on_open, self.delay = db, on_open, delay
        self.opened = self.open_now = self.most_open = 0

    @contextlib.contextmanager
    def __call__(self, wait: float):
        self.opened += 1
        if self.on_open:
            self.on_open(self.opened)
        time.sleep(self.delay)
        with store.connect(self.db, wait=wait) as c:
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
            try:
                yield c
            finally:
                self.open_now -= 1


def test_sql_series_uses_one_short_connection_per_day_and_a_writer_gets_in_between(tmp_db):
    with store.connect(tmp_db):
        pass  # create the schema; nothing of the test process holds the file from here on
    writes = []

    def import_from_another_process(n: int) -> None:
        if n != 3:
            return
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "shopkr", "import", str(SAMPLE), "--shop", "暖居抖音小店", "--db", str(tmp_db)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        writes.append((done.returncode, done.stdout + done.stderr, time.monotonic() - started))

    opener = Opener(tmp_db, import_from_another_process)
    series = engine.kr_series(None, sql_okrs(DAYS_SQL), "q", AS_OF, connect=opener, budget=120)
    assert opener.opened == 10  # one per day from the cycle start to as_of
    assert opener.most_open == 1
    ((code, output, _),) = writes
    assert code == 0, output
    assert "busy" not in output  # the file was free between two days' queries: the import did not wait
    values = series.set_index("date")["value"]
    assert [values[D(2026, 11, d)] for d in (1, 2, 10)] == [1.0, 2.0, 10.0]
    assert values[D(2026, 11, 11) :].isna().all()
    assert series.attrs["incomplete_from"] is None
    with store.connect(tmp_db) as c:
        assert store.one(c, "SELECT count(*) FROM shop_daily")[0] == 1  # the import was written


def test_sql_series_total_time_is_capped_even_for_one_endless_query(tmp_db):
    with store.connect(tmp_db):
        pass
    opener = Opener(tmp_db)
    t0 = time.perf_counter()
    series = engine.kr_series(None, sql_okrs(SLOW), "q", AS_OF, connect=opener, budget=0.5, timeout=5.0)
    assert time.perf_counter() - t0 < 2.5  # not 10 days x 5 s
    assert opener.opened == 1
    assert series["value"].isna().all()
    assert series.attrs["incomplete_from"] == D(2026, 11, 1)


def test_sql_series_stops_at_the_budget_and_says_where(tmp_db):
    with store.connect(tmp_db):
        pass
    opener = Opener(tmp_db, delay=0.15)  # each day takes at least 0.15 s
    t0 = time.perf_counter()
    series = engine.kr_series(None, sql_okrs(DAYS_SQL), "q", AS_OF, connect=opener, budget=0.5)
    assert time.perf_counter() - t0 < 2.0
    first = series.attrs["incomplete_from"]
    assert first is not None and D(2026, 11, 2) <= first < D(2026, 11, 10)
    values = series.set_index("date")["value"]
    assert values[:first].iloc[:-1].notna().all()  # every day before it has its value
    assert values[first:].isna().all()
    assert opener.opened == (first - D(2026, 11, 1)).days


def test_sql_series_on_one_connection_is_capped_too(con):
    t0 = time.perf_counter()
    series = engine.kr_series(con, sql_okrs(SLOW), "q", AS_OF, budget=0.5)
    assert time.perf_counter() - t0 < 2.5
    assert series.attrs["incomplete_from"] == D(2026, 11, 1)


def test_catalogue_series_are_complete(con):
    kr = KeyResult(id="g", title="t", metric="gmv", target=10)
    okrs = OKRFile(objectives=[Objective(id="O1", cycle=CYCLE, title="t", owner="a", key_results=[kr])])
    assert engine.kr_series(con, okrs, "g", AS_OF).attrs["incomplete_from"] is None


def test_kr_detail_says_the_series_is_incomplete(db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(engine, "SERIES_BUDGET", 0.0)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    at.query_params["kr"] = "O4.KR2"  # the demo's SQL KR
    at.switch_page("pages/kr_detail.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("每日曲线不完整" in w.value for w in at.warning), [w.value for w in at.warning]
    at.query_params["lang"] = "en"
    at.run()
    assert any("The daily series is incomplete" in w.value for w in at.warning), [w.value for w in at.warning]
