"""KR forecast backtest (issue 10): promo-shaped forecasts against today's linear projection, on synthetic shops.

The shops (seeded): daily visitors, buyers and GMV from 2023-01-01 to 2025-12-31. Each shop has its own level,
year-on-year growth (-25% to +60%) with a slow random walk on top, weekend pattern, promotion sensitivity, and
daily noise (AR(1) on traffic, independent on conversion). Promotions follow the shipped calendar
(shopkr/domain/promo_calendar.yaml), so the 双11 预售 starts on 2023-10-24, 2024-10-14 and 2025-10-15: it moves
between years. Each phase's uplift is the calendar's default raised to the shop's sensitivity (0.5-1.3) and varied
by year (log-normal, sd 0.15): this year's 11-11 is never exactly last year's. Traffic dips in the ten days before
the 预售 and after 11-11 (people wait, then rest). A fifth of the shops open between 2024-06 and 2025-06, so their
last year is partial (auto falls back to the calendar pace) or empty.

The backtest: for the Q4 cycles of 2024 and 2025 and as_of dates every 10 days from 10-10 to 12-19 (data through
as_of), each shop's Q4 GMV KR (target = the true final x 0.8-1.25, so about half hit) and conversion-rate KR
(buyers / visitors; start = last year's Q4 rate x 0.85-0.95, target = the true final x 0.92-1.08) is forecast with
`forecast.choose_pace("auto", ...)` + `forecast_sum` / `forecast_ratio` and compared with the truth:
  - mean absolute percentage error (MAPE) of the final value per as_of, against today's linear projection
    (scoring.project on the covered days; a rate projects as itself) and the forced calendar pace;
  - the Brier score of p_hit (against always saying the overall hit rate), the share of truths inside the
    10th-90th percentile interval (80% expected);
  - calibration: forecasts grouped by p_hit in 0.1 buckets, the share that hit, the count of forecasts and of
    distinct KRs (a KR's as_of dates share one outcome; buckets under 30 distinct KRs are marked "few" and left
    out of the worst gap), and two binomial standard errors on the distinct KRs.
Goals (issue 10): GMV error at least halved against linear for as_of before 11-11; p_hit within 10 points per bucket.
Timed (best of 3 loops of 1,000 KRs, in process): forecast_sum per KR (a 30-day-old Q4 GMV KR), against
scoring.score_kr per KR run the same way; also forecast_ratio, and choose_pace with and without last year's data.

Usage: python bench/bench_forecast.py [--shops 500] [--seed 7] [--quick] [--half-life DAYS]
  --shops      synthetic shops (forecasts = shops x 2 cycles x 8 as_of x 2 metrics; default 500)
  --quick      80 shops, one timing loop (for bench/run.py --quick, a few seconds; calibration not judged)
  --half-life  weight recent days in the run rate (default: the module's HALF_LIFE)
The last lines are the machine-readable `BENCH {...}` results that bench/run.py collects (bench/common.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from common import emit, record  # noqa: E402

from shopkr.domain import forecast, scoring  # noqa: E402

FIRST_DAY = dt.date(2023, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
CYCLES = (2024, 2025)
AS_OF = ((10, 10), (10, 20), (10, 30), (11, 9), (11, 19), (11, 29), (12, 9), (12, 19))
SHOPS = 500
QUICK_SHOPS = 80
BUCKET_MIN = 30  # a calibration bucket with fewer distinct KRs is reported as "few" and left out of the worst gap


@dataclass
class Shop:
    """One synthetic shop's daily series (index 0 = FIRST_DAY; NaN before it opened)."""

    visitors: np.ndarray
    buyers: np.ndarray
    gmv: np.ndarray
    opened: dt.date


def _index(day: dt.date) -> int:
    return (day - FIRST_DAY).days


def make_shop(rng: np.random.Generator, cal: forecast.PromoCalendar, days: int) -> Shop:
    """One shop: level x growth trend x weekday x promotions x noise, for visitors, conversion and order value."""
    t = np.arange(days)
    weekday = (t + FIRST_DAY.weekday()) % 7
    gmv_level = float(np.exp(rng.normal(np.log(20_000), 0.8)))
    conv0, aov = rng.uniform(0.015, 0.06), rng.uniform(60, 400)
    growth = rng.uniform(-0.25, 0.6)
    trend = (1 + growth) ** (t / 365.0) * np.exp(np.cumsum(rng.normal(0, 0.004, days)))
    week = np.where(weekday >= 5, 1 + rng.uniform(-0.05, 0.25), 1.0)
    sensitivity = rng.uniform(0.5, 1.3)
    promo_v, promo_c, promo_a = np.ones(days), np.ones(days), np.ones(days)
    for span in cal.spans:
        a, b = _index(span.start), _index(span.end) + 1
        if b <= 0 or a >= days:
            continue
        u = span.uplift**sensitivity * float(np.exp(rng.normal(0, 0.15)))
        a, b = max(a, 0), min(b, days)
        promo_v[a:b], promo_c[a:b], promo_a[a:b] = u**0.6, u**0.3, u**0.1
        if span.event == "double11" and span.phase == "presale":  # people wait for the 预售
            lo = max(_index(span.start) - 10, 0)
            promo_v[lo:a] *= 0.85
        if span.event == "double11" and span.phase == "day":  # and rest after 11-11
            promo_v[b : b + 6] *= 0.8
    noise_v = np.zeros(days)
    shocks = rng.normal(0, 0.1, days)
    for i in range(1, days):
        noise_v[i] = 0.5 * noise_v[i - 1] + shocks[i]
    visitors = gmv_level / (conv0 * aov) * trend * week * promo_v * np.exp(noise_v)
    buyers = visitors * conv0 * promo_c * np.exp(rng.normal(0, 0.08, days))
    gmv = buyers * aov * promo_a * np.exp(rng.normal(0, 0.05, days))
    opened = FIRST_DAY
    if rng.random() < 0.2:  # a newer shop: no rows before it opened
        opened = dt.date(2024, 6, 1) + dt.timedelta(days=int(rng.integers(0, 366)))
        for series in (visitors, buyers, gmv):
            series[: _index(opened)] = np.nan
    return Shop(visitors, buyers, gmv, opened)


def as_mapping(series: np.ndarray, first: dt.date, last: dt.date) -> dict[dt.date, float]:
    """The days first..last of a shop series as {date: value}, the way the engine passes last year and history."""
    out = {}
    for i in range(max(_index(first), 0), min(_index(last), len(series) - 1) + 1):
        if np.isfinite(series[i]):
            out[FIRST_DAY + dt.timedelta(days=i)] = float(series[i])
    return out


@dataclass
class Row:
    """One forecast against the truth (`kr`: the KR it belongs to; its as_of dates share one outcome)."""

    kr: int
    metric: str
    cycle: int
    as_of: dt.date
    pace: str
    truth: float
    target: float
    start: float
    forecast: float
    low: float
    high: float
    p_hit: float
    linear: float
    calendar: float | None

    @property
    def hit(self) -> bool:
        return self.truth >= self.target if self.target >= self.start else self.truth <= self.target


def backtest(n_shops: int, seed: int, half_life: float | None) -> list[Row]:
    """Every (shop, cycle, as_of, metric) forecast as a Row."""
    cal = forecast.load_calendar()
    rng = np.random.default_rng(seed)
    days = _index(LAST_DAY) + 1
    rows: list[Row] = []
    for number in range(n_shops):
        shop = make_shop(rng, cal, days)
        for year in CYCLES:
            start, end = dt.date(year, 10, 1), dt.date(year, 12, 31)
            if shop.opened > start:
                continue
            a, b = _index(start), _index(end) + 1
            h0, h1 = forecast.history_window(start)
            hist = {name: as_mapping(getattr(shop, name), h0, h1) for name in ("visitors", "buyers", "gmv")}
            pace = {
                name: forecast.choose_pace("auto", start, end, last_year=hist[name], history=hist[name], calendar=cal)
                for name in hist
            }
            cal_pace = forecast.choose_pace("calendar", start, end, last_year=None, history=hist["gmv"], calendar=cal)
            gmv, vis, buy = shop.gmv[a:b], shop.visitors[a:b], shop.buyers[a:b]
            truth_gmv = float(gmv.sum())
            truth_rate = float(buy.sum() / vis.sum())
            target_gmv = truth_gmv * rng.uniform(0.8, 1.25)
            ly = slice(_index(forecast.shift_year(start)), _index(forecast.shift_year(end)) + 1)
            ly_b, ly_v = shop.buyers[ly], shop.visitors[ly]
            known = np.isfinite(ly_v).any()
            start_rate = float(np.nansum(ly_b) / np.nansum(ly_v)) if known else truth_rate
            start_rate *= rng.uniform(0.85, 0.95)  # the shop wants to convert better than last year
            target_rate = truth_rate * rng.uniform(0.92, 1.08)
            if abs(target_rate - start_rate) < 1e-9:
                target_rate *= 1.01
            for month, day in AS_OF:
                as_of = dt.date(year, month, day)
                k = (as_of - start).days + 1
                f = forecast.forecast_sum(
                    gmv[:k], pace["gmv"], start_value=0.0, target=target_gmv, seed=seed, half_life=half_life
                )
                fc = forecast.forecast_sum(
                    gmv[:k], cal_pace, start_value=0.0, target=target_gmv, seed=seed, half_life=half_life
                )
                linear = scoring.project(float(gmv[:k].sum()), "sum", k, len(gmv))
                rows.append(
                    Row(
                        4 * number + 2 * (year - CYCLES[0]),
                        "gmv",
                        year,
                        as_of,
                        f.method,
                        truth_gmv,
                        target_gmv,
                        0.0,
                        f.projected_value,
                        f.projected_low,
                        f.projected_high,
                        f.p_hit,
                        linear,
                        fc.projected_value,
                    )
                )
                r = forecast.forecast_ratio(
                    buy[:k],
                    vis[:k],
                    pace["visitors"],
                    num_pace=pace["buyers"],
                    start_value=start_rate,
                    target=target_rate,
                    seed=seed,
                    half_life=half_life,
                )
                rows.append(
                    Row(
                        4 * number + 2 * (year - CYCLES[0]) + 1,
                        "conversion",
                        year,
                        as_of,
                        r.method,
                        truth_rate,
                        target_rate,
                        start_rate,
                        r.projected_value,
                        r.projected_low,
                        r.projected_high,
                        r.p_hit,
                        float(buy[:k].sum() / vis[:k].sum()),
                        None,
                    )
                )
    return rows


def mape(pairs: list[tuple[float, float]]) -> float:
    """Mean absolute percentage error, in percent, of (forecast, truth) pairs."""
    return 100.0 * statistics.fmean(abs(f - t) / abs(t) for f, t in pairs)


def brier(rows: list[Row]) -> tuple[float, float]:
    """Brier score of p_hit, and of always saying the rows' overall hit rate (climatology)."""
    base = statistics.fmean(r.hit for r in rows)
    return statistics.fmean((r.p_hit - r.hit) ** 2 for r in rows), statistics.fmean((base - r.hit) ** 2 for r in rows)


def calibration(rows: list[Row]) -> list[tuple[str, int, int, float | None, float | None]]:
    """Per 0.1 bucket of p_hit (the last includes 1.0): (bucket, forecasts, distinct KRs, mean p_hit, share that
    hit). A KR's forecasts at its as_of dates share one outcome, so the distinct KRs say how sure a share is."""
    out = []
    for i in range(10):
        lo, hi = i / 10, (i + 1) / 10
        inside = [r for r in rows if lo <= r.p_hit < hi or (i == 9 and r.p_hit == 1.0)]
        name = f"{lo:.1f}-{hi:.1f}"
        if not inside:
            out.append((name, 0, 0, None, None))
            continue
        mean_p = statistics.fmean(r.p_hit for r in inside)
        share = statistics.fmean(r.hit for r in inside)
        out.append((name, len(inside), len({r.kr for r in inside}), mean_p, share))
    return out


def report(rows: list[Row], metric: str) -> dict[str, float]:
    """Print the table of one metric; return its headline figures."""
    mine = [r for r in rows if r.metric == metric]
    print(f"\n== {metric}: {len(mine)} forecasts")
    paces = statistics.multimode(r.pace for r in mine)
    counts = {p: sum(r.pace == p for r in mine) for p in ("last_year", "calendar", "linear")}
    print(f"pace used: {counts} (most: {paces})")
    print(
        f"{'as_of':<7}{'n':>6}{'MAPE':>8}{'linear':>8}{'ratio':>7}{'calendar':>10}{'ly/cal':>9}"
        f"{'Brier':>7}{'clim.':>7}{'in 80%':>8}"
    )
    pre, pre_lin = [], []
    for month, day in AS_OF:
        at = [r for r in mine if (r.as_of.month, r.as_of.day) == (month, day)]
        m = mape([(r.forecast, r.truth) for r in at])
        lin = mape([(r.linear, r.truth) for r in at])
        cal = [r for r in at if r.calendar is not None]
        c = f"{mape([(r.calendar, r.truth) for r in cal]):9.1f}%" if cal else f"{'–':>10}"
        ly = [r for r in at if r.pace == "last_year"]
        split = (
            f"{mape([(r.forecast, r.truth) for r in ly]):4.1f}/"
            f"{mape([(r.forecast, r.truth) for r in at if r.pace != 'last_year'] or [(1, 1)]):3.1f}"
        )
        b, clim = brier(at)
        inside = statistics.fmean(r.low <= r.truth <= r.high for r in at)
        print(
            f"{month:02d}-{day:02d}  {len(at):>5}{m:7.1f}%{lin:7.1f}%{m / lin:7.2f}{c}{split:>9}"
            f"{b:7.3f}{clim:7.3f}{inside:7.0%}"
        )
        if (month, day) < (11, 11):
            pre += [abs(r.forecast - r.truth) / r.truth for r in at]
            pre_lin += [abs(r.linear - r.truth) / r.truth for r in at]
    b, clim = brier(mine)
    print(f"all    {len(mine):>5}  Brier {b:.3f} (always the hit rate: {clim:.3f})")
    print("calibration (all as_of): p_hit bucket, forecasts, distinct KRs, mean p_hit, share hit, gap, 2 s.e.")
    worst = 0.0
    for bucket, n, distinct, mean_p, share in calibration(mine):
        if n == 0 or mean_p is None or share is None:
            print(f"  {bucket}  {n:>5}")
            continue
        gap = 100 * (share - mean_p)
        few = "  few" if distinct < BUCKET_MIN else ""
        if distinct >= BUCKET_MIN:
            worst = max(worst, abs(gap))
        se2 = 200 * math.sqrt(max(mean_p * (1 - mean_p), 0.01) / distinct)  # binomial, on the distinct KRs
        print(f"  {bucket}  {n:>5}  {distinct:>5}  {mean_p:6.2f}  {share:6.2f}  {gap:+6.1f} pp  ±{se2:4.1f}{few}")
    pre_mape, pre_lin_mape = 100 * statistics.fmean(pre), 100 * statistics.fmean(pre_lin)
    print(f"before 11-11: MAPE {pre_mape:.1f}% vs linear {pre_lin_mape:.1f}% (ratio {pre_mape / pre_lin_mape:.2f})")
    print(f"worst calibration gap (buckets with >= {BUCKET_MIN} distinct KRs): {worst:.1f} pp")
    return {"pre": pre_mape, "pre_linear": pre_lin_mape, "brier": b, "brier_clim": clim, "worst_gap": worst}


def time_per_kr(repeat: int) -> dict[str, float]:
    """Wall seconds per KR (and CPU seconds: the keys ending in _cpu), best of `repeat` loops of 1,000 KRs:
    forecast_sum on a 30-day-old Q4 GMV KR (last_year pace), forecast_ratio on its conversion rate,
    scoring.score_kr run the same way (the baseline), and choose_pace for a shop with last year's data
    (auto -> last_year) and for one without (auto -> calendar)."""
    cal = forecast.load_calendar()
    rng = np.random.default_rng(1)
    shops = [make_shop(rng, cal, _index(LAST_DAY) + 1) for _ in range(20)]
    old = next(s for s in shops if s.opened == FIRST_DAY)
    start, end = dt.date(2025, 10, 1), dt.date(2025, 12, 31)
    h0, h1 = forecast.history_window(start)
    hist = as_mapping(old.gmv, h0, h1)
    visits, buys = as_mapping(old.visitors, h0, h1), as_mapping(old.buyers, h0, h1)
    short = {d: v for d, v in hist.items() if d >= dt.date(2025, 3, 1)}  # a shop opened in March: no last Q4
    pace = forecast.choose_pace("auto", start, end, last_year=hist, history=hist, calendar=cal)
    den_pace = forecast.choose_pace("auto", start, end, last_year=visits, history=visits, calendar=cal)
    num_pace = forecast.choose_pace("auto", start, end, last_year=buys, history=buys, calendar=cal)
    assert pace.method == den_pace.method == "last_year"
    a = _index(start)
    actual, vis, buy = old.gmv[a : a + 30], old.visitors[a : a + 30], old.buyers[a : a + 30]
    value, target = float(actual.sum()), float(actual.sum() * 4)
    runs = {
        "forecast_sum": lambda i: forecast.forecast_sum(actual, pace, start_value=0.0, target=target + i, seed=7),
        "forecast_ratio": lambda i: forecast.forecast_ratio(
            buy, vis, den_pace, num_pace=num_pace, start_value=0.02, target=0.03 + i * 1e-6, seed=7
        ),
        "score_kr": lambda i: scoring.score_kr(
            kind="sum", value=value, start=0.0, target=target + i, kr_type="aspirational", covered_days=30,
            period_days=92, ended=False,
        ),
        "choose_pace_last_year": lambda i: forecast.choose_pace(
            "auto", start, end, last_year=hist, history=hist, calendar=cal
        ),
        "choose_pace_calendar": lambda i: forecast.choose_pace(
            "auto", start, end, last_year=short, history=short, calendar=cal
        ),
    }  # fmt: skip
    best = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    n = 1000
    for _ in range(repeat):
        for name, run in runs.items():
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(n):
                run(i)
            best[name] = min(best[name], (time.perf_counter() - t0) / n)
            cpu[name] = min(cpu[name], (time.process_time() - c0) / n)
    return best | {f"{name}_cpu": seconds for name, seconds in cpu.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=SHOPS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SHOPS} shops, one timing run")
    parser.add_argument("--half-life", type=float, default=forecast.HALF_LIFE)
    args = parser.parse_args(argv)
    repeat = 3
    if args.quick:
        args.shops, repeat = QUICK_SHOPS, 1
    t0 = time.perf_counter()
    rows = backtest(args.shops, args.seed, args.half_life)
    print(f"{args.shops} shops, {len(rows):,} forecasts in {time.perf_counter() - t0:.1f} s (seed {args.seed})")
    gmv = report(rows, "gmv")
    conv = report(rows, "conversion")
    times = time_per_kr(repeat)
    print("\nper KR (best of", repeat, "x 1,000):", ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in times.items()))
    what = f"{args.shops} synthetic shops, Q4 2024+2025, as_of 10-10..11-09"
    emit(
        record(
            "forecast_mape_gmv",
            f"forecast MAPE of the final Q4 GMV before 11-11 ({what})",
            gmv["pre"],
            baseline=gmv["pre_linear"],
            baseline_what="today's linear projection (scoring.project), same KRs",
            goal={"ratio": 0.5},
            unit="%",
        )
    )
    emit(
        record(
            "forecast_mape_conversion",
            f"forecast MAPE of the final Q4 conversion rate before 11-11 ({what})",
            conv["pre"],
            baseline=conv["pre_linear"],
            baseline_what="the rate to date (a rate projects as itself today)",
            unit="%",
        )
    )
    for name, figures in (("gmv", gmv), ("conversion", conv)):
        emit(
            record(
                f"forecast_calibration_{name}",
                f"worst p_hit calibration gap over 0.1 buckets with >= {BUCKET_MIN} distinct KRs ({name}, all as_of)",
                figures["worst_gap"],
                goal=None if args.quick else {"figure": 10.0},  # 80 shops: too few KRs per bucket to judge
                unit="pp",
                brier=figures["brier"],
                brier_climatology=figures["brier_clim"],
            )
        )
    emit(
        record(
            "forecast_per_kr",
            "forecast_sum per KR (Q4 GMV KR, 30 days in, last_year pace, 2,000 paths), in process",
            times["forecast_sum"],
            baseline=times["score_kr"],
            baseline_what="scoring.score_kr per KR, the same loop",
            goal={"figure": 0.0003},
            forecast_ratio=times["forecast_ratio"],
            choose_pace_last_year=times["choose_pace_last_year"],
            choose_pace_calendar=times["choose_pace_calendar"],
            cpu=times["forecast_sum_cpu"],
            forecast_ratio_cpu=times["forecast_ratio_cpu"],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
