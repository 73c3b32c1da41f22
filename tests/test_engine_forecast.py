"""The forecast as the engine runs it (issue 10): each pace method chosen from the data, a forecast on known data,
a decreasing and a rate KR, and the fields `score --format json` carries. The maths alone is in test_forecast.py.

The data are hand-made shop_daily rows: last year's Q4 with a 双11 spike, and this year's Q4 following the same
shape x 1.2 up to 11-05 (so the truth at the deadline is known: 1.2 x last year's Q4 total).
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from shopkr.data import store
from shopkr.domain import engine, forecast
from shopkr.domain.okr import OKRFile, validate

SHOP = "暖居预测店"
Q4 = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
AS_OF = dt.date(2026, 11, 5)
GROWTH = 1.2


def _level(day: dt.date) -> float:
    """Daily GMV of the synthetic shop last year: 10,000 on ordinary days, x8 on 11-11, x3 on 11-01..11-03,
    x2 on 12-12, with a weekday pattern (weekends x1.3)."""
    gmv = 10_000.0 * (1.3 if day.weekday() >= 5 else 1.0)
    if (day.month, day.day) == (11, 11):
        gmv *= 8
    elif day.month == 11 and day.day <= 3:
        gmv *= 3
    elif (day.month, day.day) == (12, 12):
        gmv *= 2
    return gmv


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _rows(shop: str, days: list[dt.date], factor: float, shift_year: int) -> list[tuple]:
    """(platform, shop, date, visitors, buyers, gmv, refund_amount) rows: GMV = factor x last year's same day;
    visitors 20 per 100 yuan, a 5% conversion, 4% refunds."""
    out = []
    for day in days:
        gmv = factor * _level(forecast.shift_year(day, -shift_year))
        out.append(("taobao", shop, day, round(gmv / 5), round(gmv / 100), gmv, 0.04 * gmv))
    return out


def _insert(con, rows: list[tuple]) -> None:
    con.executemany(
        "INSERT INTO shop_daily (platform, shop, date, visitors, buyers, gmv, refund_amount, import_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
        rows,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("forecast") / "f.duckdb"
    last_year = _days(dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    with store.connect(path) as con:
        _insert(con, _rows(SHOP, last_year, 1.0, 0))  # last year's Q4 as it was
        _insert(con, _rows(SHOP, _days(Q4[0], AS_OF), GROWTH, 1))  # this year: the same shape x 1.2
        # a shop with only every other day of last year's Q4 (46% coverage): auto falls back to the calendar
        _insert(con, _rows("半年店", last_year[::2], 1.0, 0) + _rows("半年店", _days(Q4[0], AS_OF), GROWTH, 1))
        # a shop with no history at all
        _insert(con, _rows("新店", _days(Q4[0], AS_OF), 1.0, 1))
    return path


def okrs(*krs: dict) -> OKRFile:
    doc = {
        "cycles": [{"id": "2026-Q4", "start": str(Q4[0]), "end": str(Q4[1])}],
        "objectives": [{"id": "O1", "cycle": "2026-Q4", "title": "t", "owner": "a", "key_results": list(krs)}],
    }
    parsed, problems = validate(doc)
    assert parsed is not None, [str(p) for p in problems]
    return parsed


def score(db, *krs: dict, as_of: dt.date = AS_OF) -> dict[str, engine.KRResult]:
    with store.connect(db) as con:
        report = engine.score_cycle(con, okrs(*krs), "2026-Q4", as_of)
    return {k.id: k for k in report.key_results}


TRUTH = GROWTH * sum(_level(d) for d in _days(dt.date(2025, 10, 1), dt.date(2025, 12, 31)))


def test_last_years_shape_forecasts_the_known_final_value_where_a_straight_line_cannot(db):
    kr = {"id": "K", "title": "GMV", "metric": "gmv", "filters": {"shop": SHOP}, "target": TRUTH}
    k = score(db, kr, as_of=dt.date(2026, 10, 25))["K"]  # before any promotion of the quarter
    assert k.pace_method == "last_year" and k.pace_reason.code == "pace.auto_last_year"
    assert k.projected_value == pytest.approx(TRUTH, rel=0.03)
    assert k.projected_low <= TRUTH <= k.projected_high
    linear = k.value / k.covered_days * 92
    assert abs(linear - TRUTH) / TRUTH > 0.1  # the old projection misses the 双11 still ahead
    assert k.expected_to_date == pytest.approx(k.value, rel=0.02)  # on its path: the path says where it is
    assert 0.2 < k.p_hit < 0.8  # the target is the forecast itself: a coin flip, not a certainty
    assert k.status == "on_track"  # from the forecast's median (score ~1.0), not from a straight line


def test_p_hit_falls_as_the_target_rises_and_a_low_target_is_all_but_certain(db):
    def p(target: float) -> float:
        kr = {"id": "K", "title": "GMV", "metric": "gmv", "filters": {"shop": SHOP}, "target": target}
        return score(db, kr)["K"].p_hit

    low, mid, high = p(0.8 * TRUTH), p(TRUTH), p(1.25 * TRUTH)
    assert low > mid > high
    assert low > 0.95 and high < 0.05


def test_each_pace_choice_is_honoured_and_auto_falls_back_by_coverage(db):
    krs = [
        {"id": f"K{i}", "title": "t", "metric": "gmv", "filters": {"shop": shop}, "target": TRUTH, "pace": pace}
        for i, (shop, pace) in enumerate(
            [(SHOP, "linear"), (SHOP, "calendar"), ("半年店", "auto"), ("新店", "auto"), ("新店", "last_year")]
        )
    ]
    ks = score(db, *krs)
    assert ks["K0"].pace_method == "linear"
    assert ks["K1"].pace_method == "calendar"
    assert (ks["K2"].pace_method, ks["K2"].pace_reason.code) == ("calendar", "pace.auto_calendar")
    assert ks["K2"].pace_reason.params["coverage"] == pytest.approx(46 / 92, abs=0.01)
    assert (ks["K3"].pace_method, ks["K3"].pace_reason.code) == ("calendar", "pace.auto_calendar")
    assert ks["K4"].pace_reason.code == "pace.no_last_year"  # asked for last year, which this shop lacks


def test_a_decreasing_refund_rate_kr_hits_when_it_stays_below_its_target(db):
    kr = {"id": "R", "title": "退款率", "metric": "refund_rate", "filters": {"shop": SHOP}}
    ks = score(db, kr | {"start": 0.09, "target": 0.06}, {**kr, "id": "R2", "start": 0.09, "target": 0.03})
    assert ks["R"].value == pytest.approx(0.04)
    # the last two weeks' refunds are still arriving (default maturation curve): the forecast expects more
    assert ks["R"].provisional and 0.04 < ks["R"].projected_value < 0.05
    assert ks["R"].p_hit > 0.95  # 4% stays under the 6% target
    assert ks["R2"].p_hit < 0.05  # and does not reach 3%
    assert ks["R"].expected_to_date < 0.09  # a decreasing path from the start toward the target


def test_a_rate_kr_paces_along_its_denominator(db):
    kr = {"id": "C", "title": "转化率", "metric": "conversion_rate", "filters": {"shop": SHOP}}
    k = score(db, kr | {"start": 0.04, "target": 0.06})["C"]
    assert k.pace_method == "last_year"
    assert k.projected_value == pytest.approx(0.05, rel=0.03)
    assert k.p_hit < 0.05 and 0 <= k.p_sweet <= 1


def test_the_series_draws_the_shaped_pace_and_the_fan(db):
    kr = {"id": "K", "title": "GMV", "metric": "gmv", "filters": {"shop": SHOP}, "target": TRUTH}
    with store.connect(db) as con:
        frame = engine.kr_series(con, okrs(kr), "K", AS_OF)
    assert frame.attrs["pace_method"] == "last_year"
    pace = frame.set_index("date")["pace"]
    # the path climbs most on 11-11 (the spike last year), not evenly
    steps = pace.diff()
    assert steps.idxmax() == dt.date(2026, 11, 11)
    assert pace.iloc[-1] == pytest.approx(TRUTH)
    fan = frame.dropna(subset=["fan_mid"])
    assert fan["date"].min() == AS_OF and fan["date"].max() == Q4[1]
    assert (fan["fan_low"] <= fan["fan_mid"]).all() and (fan["fan_mid"] <= fan["fan_high"]).all()
    assert fan["fan_mid"].iloc[-1] == pytest.approx(score(db, kr)["K"].projected_value)


def test_the_json_carries_the_forecast_at_full_precision(db):
    kr = {"id": "K", "title": "GMV", "metric": "gmv", "filters": {"shop": SHOP}, "target": TRUTH}
    with store.connect(db) as con:
        report = engine.score_cycle(con, okrs(kr), "2026-Q4", AS_OF)
    doc = json.loads(json.dumps(engine.to_json(report), allow_nan=False))
    item = doc["objectives"][0]["key_results"][0]
    assert item["pace_method"] == "last_year" and item["pace_reason"] == "pace.auto_last_year"
    for name in ("expected_to_date", "projected_low", "projected_high", "p_hit", "p_sweet"):
        assert isinstance(item[name], float) and math.isfinite(item[name]), name
    assert item["provisional"] is False


def test_the_same_data_give_the_same_p_hit_in_every_run(db):
    kr = {"id": "K", "title": "GMV", "metric": "gmv", "filters": {"shop": SHOP}, "target": TRUTH}
    assert score(db, kr)["K"].p_hit == score(db, kr)["K"].p_hit
