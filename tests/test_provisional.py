"""Issue 10, "Provisional values": the revision history a newer pull leaves, the maturation curve estimated from it
(or its documented default), the provisional flag and share of a KR, the refund-rate forecast correction, and
closing a cycle provisionally then finally (CLI), with the change history.

The shop's refunds mature like a real 生意参谋 export by payment date: a day's refunds are (age + 1) / 7 of their
final value at `age` days after the day (age 0: the last day of the pull), final from age 6 on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest

from connectors import Parsed
from connectors.canonical import TABLES
from shopkr.app import ui
from shopkr.app.cli import main
from shopkr.app.i18n import t
from shopkr.data import closing, store
from shopkr.domain import engine, maturation
from shopkr.domain.okr import OKRFile, validate

D = dt.date
SHOP = "暖居测试店"
CYCLE = "2026-11"
_ARROW = {"date": pa.date32(), "id": pa.string(), "text": pa.string(), "platform": pa.string(), "int": pa.int64()}
_ARROW["money"] = pa.float64()


def parsed(table: str, rows: list[dict], name: str) -> Parsed:
    """Canonical rows as a connectors.Parsed (missing columns NULL)."""
    t_ = TABLES[table]
    schema = pa.schema([(c, _ARROW[kind]) for c, kind in t_.columns.items()])
    data = pa.table({c: [r.get(c) for r in rows] for c in t_.columns}, schema=schema)
    return Parsed(Path(name), hashlib.sha256(repr(rows).encode()).hexdigest(), "generic", "test", t_, data)


def share(age: int) -> float:
    """The true matured share of a day's refunds at `age` days."""
    return min(1.0, (age + 1) / 7)


FIRST = D(2026, 11, 1)


def pull(through: D, first: D = FIRST, refund: float = 100.0) -> list[dict]:
    """A pull of the shop's daily export made the day after `through`: gmv 1000 a day, refunds as matured."""
    days = [first + dt.timedelta(days=i) for i in range((through - first).days + 1)]
    return [
        dict(platform="taobao", shop=SHOP, date=d, visitors=500, buyers=20, gmv=1000.0, refund_amount=None)
        if d == through  # 生意参谋 shows `-` for a day-old refund
        else dict(
            platform="taobao",
            shop=SHOP,
            date=d,
            visitors=500,
            buyers=20,
            gmv=1000.0,
            refund_amount=round(refund * share((through - d).days), 2),
        )
        for d in days
    ]


def write(con, rows: list[dict], name: str) -> store.WriteResult:
    return store.write_parsed(con, parsed("shop_daily", rows, name), user="test")


def revisions(con) -> list[tuple]:
    return store.run(
        con,
        "SELECT table_name, shop, date, item_id, column_name, old_value, new_value, import_id, old_import_id, "
        "data_through, old_data_through FROM revisions ORDER BY date, column_name",
    )


OKRS = {
    "objectives": [
        {
            "id": "O1",
            "cycle": CYCLE,
            "title": "退款率",
            "owner": "李娜",
            "origin": "bottom-up",
            "key_results": [
                {
                    "id": "R",
                    "title": "退款率",
                    "metric": "refund_rate",
                    "filters": {"shop": SHOP},
                    "start": 0.12,
                    "target": 0.08,
                    "pace": "linear",
                },
                {
                    "id": "G",
                    "title": "GMV",
                    "metric": "gmv",
                    "filters": {"shop": SHOP},
                    "target": 40000,
                    "pace": "linear",
                },
                {
                    "id": "E",
                    "title": "前半月退款率",
                    "metric": "refund_rate",
                    "filters": {"shop": SHOP},
                    "start": 0.12,
                    "target": 0.08,
                    "pace": "linear",
                    "deadline": "2026-11-14",
                },
            ],
        }
    ]
}


def okrs() -> OKRFile:
    parsed_okrs, problems = validate(OKRS)
    assert parsed_okrs is not None, [str(p) for p in problems]
    return parsed_okrs


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """Pulls through 11-05, 11-10, 11-13 and 11-20: the later ones revise the earlier ones' recent refunds."""
    path = tmp_path / "p.duckdb"
    with store.connect(path) as con:
        for through in (D(2026, 11, 5), D(2026, 11, 10), D(2026, 11, 13), D(2026, 11, 20)):
            write(con, pull(through), f"pull-{through}.csv")
        store.save_okrs(con, okrs(), user="test")
    return path


# --- the revision history ------------------------------------------------------------------------------------


def test_a_reimport_with_changed_refunds_keeps_the_old_values(tmp_path: Path) -> None:
    with store.connect(tmp_path / "r.duckdb") as con:
        first = write(con, pull(D(2026, 11, 5)), "a.csv")
        assert revisions(con) == []
        second = write(con, pull(D(2026, 11, 8)), "b.csv")
        rows = revisions(con)
        # 11-01 was final (age 4 -> 7 is 5/7 -> 1.0: changed too); every day through 11-05 changed its refunds only
        assert [r[2] for r in rows] == [D(2026, 11, d) for d in range(1, 6)]
        assert {r[4] for r in rows} == {"refund_amount"}
        by_day = {r[2]: r for r in rows}
        day5 = by_day[D(2026, 11, 5)]
        assert day5[5] is None and float(day5[6]) == round(100 * 4 / 7, 2)  # `-` then the refunds of age 3
        assert float(by_day[D(2026, 11, 4)][5]) == round(100 * 2 / 7, 2)
        assert {(r[7], r[8]) for r in rows} == {(second.import_id, first.import_id)}
        assert {(r[9], r[10]) for r in rows} == {(D(2026, 11, 8), D(2026, 11, 5))}
        assert {r[0] for r in rows} == {"shop_daily"} and {r[3] for r in rows} == {None}

        again = write(con, pull(D(2026, 11, 8)), "b (1).csv")  # identical re-import: unchanged, no revision
        assert again.replaced == 0 and len(revisions(con)) == len(rows)


def test_product_revisions_name_the_product(tmp_path: Path) -> None:
    row = dict(platform="taobao", shop=SHOP, date=D(2026, 11, 1), product_id="731562048917", gmv=10.0)
    with store.connect(tmp_path / "p.duckdb") as con:
        store.write_parsed(con, parsed("product_daily", [row], "a.csv"), user="t")
        store.write_parsed(con, parsed("product_daily", [dict(row, gmv=12.5, product_name="杯")], "b.csv"), user="t")
        got = store.run(con, "SELECT item_id, column_name, old_value, new_value FROM revisions ORDER BY column_name")
    assert got == [("731562048917", "gmv", "10.0", "12.5"), ("731562048917", "product_name", None, "杯")]


def test_a_failed_import_leaves_no_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with store.connect(tmp_path / "f.duckdb") as con:
        write(con, pull(D(2026, 11, 5)), "a.csv")
        before = store.run(con, "SELECT * FROM shop_daily ORDER BY date")

        def broken(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(store, "refresh_rollup", broken)  # fails after the revisions and the rows are written
        with pytest.raises(RuntimeError):
            write(con, pull(D(2026, 11, 8)), "b.csv")
        assert revisions(con) == []
        assert store.run(con, "SELECT * FROM shop_daily ORDER BY date") == before


def test_a_schema_4_database_migrates_and_records_revisions(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with store.connect(path) as con:
        write(con, pull(D(2026, 11, 5)), "a.csv")
        closing.close_cycle(con, okrs(), CYCLE, user="t", as_of=D(2026, 12, 31))
    with store.connect(path) as con:  # as schema 4 left it
        store.run(con, "DROP TABLE revisions")
        store.run(con, "DROP SEQUENCE revision_seq")
        for table, column in (("kr_closings", "provisional"), ("kr_closings", "provisional_share")):
            store.run(con, f"ALTER TABLE {table} DROP COLUMN {column}")
        store.run(con, "ALTER TABLE okr_cycles DROP COLUMN final_on")
        store.run(con, "UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with store.connect(path) as con:
        assert store.get_meta(con, "schema_version") == str(store.SCHEMA_VERSION)
        assert engine.read_closing(con, CYCLE).final_on is None  # the old closing reads as final
        assert {k.provisional for k in engine.read_closing(con, CYCLE).krs.values()} == {False}
        write(con, pull(D(2026, 11, 8)), "b.csv")
        assert len(revisions(con)) == 5


# --- the maturation curve ------------------------------------------------------------------------------------


def test_documented_defaults() -> None:
    refunds = maturation.default_curve("shop_daily", "refund_amount")
    assert refunds.days == 14 and refunds.source == "default"
    assert maturation.default_curve("product_daily", "refund_amount").days == 14
    assert maturation.default_curve("creative_daily", "gmv").days == 7
    assert maturation.default_curve("creative_daily", "orders").days == 7
    assert maturation.default_curve("shop_daily", "gmv") is None
    shares = [refunds.share(a) for a in range(16)]
    assert shares == sorted(shares) and 0 < shares[0] < shares[13] < 1 and shares[14] == shares[15] == 1.0


def synthetic(days: int, ages: range) -> list[maturation.Observation]:
    first = D(2026, 10, 1)
    return [
        maturation.Observation(SHOP, "shop_daily", "refund_amount", first + dt.timedelta(days=i), a, 70 * share(a), 70)
        for i in range(days)
        for a in ages
    ]


def test_estimate_from_synthetic_revisions_recovers_the_curve() -> None:
    curve = maturation.estimate(synthetic(10, range(0, 12)), "shop_daily", "refund_amount")
    assert curve.source == "history" and curve.revised_days == 10
    assert curve.days == 6  # (age + 1) / 7 reaches 1 at age 6
    assert [round(curve.share(a), 6) for a in range(8)] == [round(share(a), 6) for a in range(8)]


def test_estimate_is_monotone_and_too_little_history_takes_the_default() -> None:
    noisy = synthetic(8, range(0, 10))
    noisy += [maturation.Observation(SHOP, "shop_daily", "refund_amount", D(2026, 10, 1), 3, 70.0, 70.0)]
    curve = maturation.estimate(noisy, "shop_daily", "refund_amount")
    values = [curve.share(a) for a in range(12)]
    assert values == sorted(values)
    few = synthetic(maturation.MIN_DAYS - 1, range(0, 10))
    assert maturation.estimate(few, "shop_daily", "refund_amount") is None
    estimated = maturation.curves(few)
    assert maturation.curve_for(estimated, SHOP, "shop_daily", "refund_amount").source == "default"


# --- the provisional flag, its share and the forecast correction ---------------------------------------------


def scored(path: Path, as_of: D) -> dict[str, engine.KRResult]:
    with store.connect(path) as con:
        return {k.id: k for k in engine.score_cycle(con, okrs(), CYCLE, as_of).key_results}


def test_the_shops_revisions_give_its_curve(shop_db: Path) -> None:
    with store.connect(shop_db) as con:
        observations = engine._revision_observations(con, {("shop_daily", "refund_amount")})
    curve = maturation.curves(observations)[(SHOP, "shop_daily", "refund_amount")]
    assert curve.source == "history"
    assert curve.days == 6  # the 11-13 pull shows 11-07 (age 6) final
    assert curve.share(2) == pytest.approx(3 / 7, abs=0.01)


def test_a_refund_rate_kr_with_recent_days_is_provisional_with_its_share(shop_db: Path) -> None:
    krs = scored(shop_db, D(2026, 11, 20))
    r = krs["R"]
    assert r.provisional is True
    # settling: the days younger than 6 days at 11-20 (capped data date): 11-15 .. 11-20, final 6 days later
    assert (r.settling.first, r.settling.last, r.settling.final_on) == (
        D(2026, 11, 15),
        D(2026, 11, 20),
        D(2026, 11, 26),
    )
    assert r.settling.columns == ("refund_amount",)
    recent = sum(round(100 * share(20 - d), 2) for d in range(15, 20))  # 11-20 itself is `-`
    assert r.provisional_share == pytest.approx(recent / r.numerator)
    assert krs["G"].provisional is False and krs["G"].provisional_share is None  # gmv does not settle
    # as_of after the data: capped at the last data date (11-20), the same days still settle
    later = scored(shop_db, D(2026, 12, 5))["R"].settling
    assert (later.first, later.last, later.final_on) == (r.settling.first, r.settling.last, r.settling.final_on)
    assert later.share == pytest.approx(r.settling.share)
    # a KR whose window ended before the settling days is final
    assert krs["E"].provisional is False


def test_without_revisions_the_default_marks_14_days(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    with store.connect(path) as con:
        write(con, pull(D(2026, 11, 20)), "one pull.csv")
    r = scored(path, D(2026, 11, 20))["R"]
    assert (r.settling.first, r.settling.final_on) == (D(2026, 11, 7), D(2026, 12, 4))


def test_immature_refunds_forecast_a_higher_final_refund_rate(shop_db: Path, monkeypatch) -> None:
    corrected = scored(shop_db, D(2026, 11, 20))["R"]
    monkeypatch.setattr(engine, "CORRECTED_COLUMNS", ())
    plain = scored(shop_db, D(2026, 11, 20))["R"]
    assert corrected.value == plain.value  # the value to date is what the data says
    assert corrected.projected_value > plain.projected_value
    # the true final rate is 10 %: the corrected forecast is nearer to it
    assert abs(corrected.projected_value - 0.1) < abs(plain.projected_value - 0.1)


def test_json_carries_provisional_and_its_share(shop_db: Path) -> None:
    with store.connect(shop_db) as con:
        doc = engine.to_json(engine.score_cycle(con, okrs(), CYCLE, D(2026, 11, 20)))
    text = json.dumps(doc, allow_nan=False, ensure_ascii=False)
    krs = {k["id"]: k for k in json.loads(text)["objectives"][0]["key_results"]}
    assert krs["R"]["provisional"] is True and 0 < krs["R"]["provisional_share"] < 1
    assert krs["G"]["provisional"] is False and krs["G"]["provisional_share"] is None


def test_the_badge_tooltip_says_which_days_settle(shop_db: Path, monkeypatch) -> None:
    monkeypatch.setattr(ui, "lang", lambda: "zh")
    r = scored(shop_db, D(2026, 11, 20))["R"]
    assert ui.provisional_badge(r) == f":orange-badge[{t('ui.provisional', 'zh')}]"
    assert ui.provisional_help(r).startswith("11-15 ~ 11-20 的退款仍在回补，约 11-26 定稿")
    assert ui.provisional_badge(scored(shop_db, D(2026, 11, 20))["G"]) is None


# --- closing: provisional, then final ------------------------------------------------------------------------


def cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def closing_history(path: Path) -> list[tuple]:
    with store.connect(path) as con:
        return store.run(con, "SELECT field, new_value FROM okr_changes WHERE entity = 'cycle' ORDER BY id")


def test_close_provisional_then_final_on_the_command_line(shop_db: Path, capsys) -> None:
    code, out = cli(capsys, "okrs", "close", CYCLE, "--as-of", "2026-11-20", "--db", str(shop_db), "--user", "王总")
    assert code == 0
    assert "closed provisionally" in out and "final on 2026-11-26" in out and "R" in out
    with store.connect(shop_db) as con:
        state = closing.closing_state(con, CYCLE)
        assert state.provisional and state.final_on == D(2026, 11, 26)
        assert state.krs["R"].provisional and not state.krs["G"].provisional
        report = engine.score_cycle(con, okrs(), CYCLE, D(2026, 11, 22))
        assert report.final_on == D(2026, 11, 26)
        frozen = {k.id: k for k in report.key_results}
        assert frozen["R"].provisional and frozen["R"].provisional_share == pytest.approx(
            state.krs["R"].provisional_share
        )
    assert closing_history(shop_db)[-1] == ("closed_provisional", "2026-11-26")

    # the same command before the maturation date stays provisional; after it, the grades are final
    code, out = cli(capsys, "okrs", "close", CYCLE, "--as-of", "2026-11-25", "--db", str(shop_db))
    assert "closed provisionally" in out
    code, out = cli(capsys, "okrs", "close", CYCLE, "--as-of", "2026-11-26", "--db", str(shop_db))
    assert code == 0 and "final grades frozen" in out
    with store.connect(shop_db) as con:
        state = closing.closing_state(con, CYCLE)
        assert not state.provisional and not any(k.provisional for k in state.krs.values())
    fields = [f for f, _ in closing_history(shop_db)]
    assert fields[-3:] == ["closed_provisional", "closed_provisional", "closed"]


def test_close_final_freezes_at_once(shop_db: Path, capsys) -> None:
    code, out = cli(capsys, "okrs", "close", CYCLE, "--as-of", "2026-11-20", "--final", "--db", str(shop_db))
    assert code == 0 and "final grades frozen" in out
    with store.connect(shop_db) as con:
        assert closing.closing_state(con, CYCLE).final_on is None
    assert closing_history(shop_db)[-1][0] == "closed"


def test_manage_page_note_for_a_provisional_closing(shop_db: Path, monkeypatch) -> None:
    monkeypatch.setattr(ui, "lang", lambda: "en")
    with store.connect(shop_db) as con:
        closing.close_cycle(con, okrs(), CYCLE, user="t", as_of=D(2026, 11, 20))
        report = engine.score_cycle(con, okrs(), CYCLE, D(2026, 11, 21))
    note = ui.closing_note(report)
    assert "provisional" in note and "2026-11-26" in note and f"okrs close {CYCLE} --final" in note
