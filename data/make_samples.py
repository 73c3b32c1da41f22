"""Generate the ShopKR demo exports in ``data/samples/`` (deterministic, seeded).

    /work/venv/bin/python data/make_samples.py

The files imitate real platform downloads byte-for-byte in layout (see
``/work/shared/reference/exports.md`` and the reference samples): header lists, sheet names,
containers (BIFF .xls, .xlsx, CSV), encodings (GBK, GB18030, UTF-8), value quirks ("1,391" text,
"3.25%" text, ``-`` for zero, 19-digit IDs as text, fractions in 万相台) and file-name patterns.
The numbers are invented but internally consistent: every ratio printed in a row is computed from
the counts in that row, shop totals are >= the sum over the listed products, clicks <= impressions,
refunds < GMV.

Shops (the shop name is NOT inside the platform files; see samples/README.md):
  暖居旗舰店    taobao  生意参谋 店铺整体 (monthly pulls + one revision pull), 生意参谋 商品 .xls (Q4),
                        万相台 创意报表 (main-image test, undecided)
  暖居抖音小店  douyin  抖店罗盘 成交概览 (daily), 罗盘 商品列表 (Q4), 千川 素材分日 (test with a winner)
  暖居拼多多店  pdd     generic canonical CSV
Each shop also gets last year's daily history (2025-07-01 .. the day before its exports start; products up to
2026-09-30) as generic canonical CSVs `generic_history_<table>_<shop>.csv`, with last year's 双11/双12, 年货节, 38节
and 618 (HISTORY_EVENTS) and a year-on-year growth per shop (GROWTH).

Re-running gives byte-identical files: one numpy Generator per export family, fixed seeds, and
the xlsx zip entries / core.xml timestamps pinned to each file's simulated pull time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import openpyxl
import xlwt

SEED = 20261127
OUT = Path(__file__).resolve().parent / "samples"
# One folder per shop: the exports do not name the shop, the folder does (`import FOLDER --shop NAME`).
TB_DIR, DY_DIR, PDD_DIR = "暖居旗舰店", "暖居抖音小店", "暖居拼多多店"

START = dt.date(2026, 7, 1)  # first business date (Q3 start)
END = dt.date(2026, 11, 26)  # last business date (yesterday)
TODAY = dt.date(2026, 11, 27)
Q4 = dt.date(2026, 10, 1)
D1111 = dt.date(2026, 11, 11)
CST = dt.timezone(dt.timedelta(hours=8))


# --------------------------------------------------------------------------------------------
# Formatting helpers (how the platforms print numbers)
# --------------------------------------------------------------------------------------------


def fmt_count(n: int) -> str:
    """生意参谋 count: '1,391'; zero is '-'."""
    return "-" if n == 0 else f"{n:,}"


def fmt_money(x: float) -> str:
    """生意参谋 amount: '34,895.00'; zero is '-'."""
    return "-" if round(x, 2) == 0 else f"{x:,.2f}"


def fmt_dec(x: float) -> str:
    """Plain 2-decimal value with thousands separator (客单价, 访客平均价值, 平均停留时长)."""
    return f"{x:,.2f}"


def fmt_pct(num: float, den: float) -> str:
    """Percent text '3.25%' computed from the row's own numerator/denominator; '-' if den is 0."""
    return "-" if den == 0 else f"{100.0 * num / den:.2f}%"


def fmt_frac(num: float, den: float, digits: int = 5) -> str:
    """万相台 ratio as a fraction, e.g. 0.03331; empty when the denominator is 0."""
    return "" if den == 0 else f"{num / den:.{digits}f}"


def plain_money(x: float) -> float:
    """万相台/罗盘/千川 amount: a plain number rounded to fen (written as 159.9, 525.0 ...)."""
    return round(float(x), 2)


def sycm_text_to_cell(s: str) -> str | int | float:
    """For the xlsx variant of the 生意参谋 shop file: values that render without separators come
    out as numbers, the rest ('1,391', '3.25%', '-', dates) stay text, so one column mixes types."""
    if re.fullmatch(r"\d+", s):
        return int(s)
    if re.fullmatch(r"\d+\.\d+", s):
        return float(s)
    return s


# --------------------------------------------------------------------------------------------
# Calendar and seasonality
# --------------------------------------------------------------------------------------------


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(i) for i in range((last - first).days + 1)]


ALL_DAYS = days(START, END)
Q4_DAYS = days(Q4, END)


def season_t(d: dt.date) -> float:
    """0 on 2026-07-01 .. 1 on 2026-11-26."""
    return (d - START).days / (END - START).days


def weekday_factor(d: dt.date) -> float:
    return (1.03, 1.00, 0.98, 0.97, 0.95, 0.99, 1.08)[d.weekday()]  # Mon..Sun


@dataclass(frozen=True)
class Promo:
    gmv: float = 1.0  # GMV multiplier vs a normal day
    price: float = 1.0  # price factor (discounts)
    cr: float = 1.0  # conversion multiplier
    cart: float = 1.0  # add-to-cart multiplier
    refund: float = 1.0  # refund-rate multiplier (payment-date basis)


def promo(d: dt.date, platform: str) -> Promo:
    """双11: 11-01..11-10 climbing, 11-11 spike, short hangover. Carts fill up from 10-20."""
    tb = platform == "taobao"
    if dt.date(2026, 10, 20) <= d <= dt.date(2026, 10, 31):
        return Promo(cart=1.35)
    if dt.date(2026, 11, 1) <= d <= dt.date(2026, 11, 10):
        k = (d.day - 1) / 9
        g = (1.30 + 0.80 * k) if tb else (1.20 + 0.60 * k)
        return Promo(gmv=g, price=0.88, cr=1.10, cart=1.45, refund=1.35)
    if d == D1111:
        return Promo(gmv=6.2 if tb else 5.0, price=0.85, cr=1.9 if tb else 1.7, cart=1.2, refund=1.75)
    if d == dt.date(2026, 11, 12):
        return Promo(gmv=1.45, price=0.92, cr=1.2, refund=1.3)
    if d == dt.date(2026, 11, 13):
        return Promo(gmv=1.10, refund=1.25)
    if dt.date(2026, 11, 14) <= d <= dt.date(2026, 11, 17):
        return Promo(gmv=0.92, refund=1.2)
    if d > dt.date(2026, 11, 17):
        return Promo(refund=1.2)
    return Promo()


# Share of the final refund (payment-date basis) visible k days after the business date.
# 生意参谋 成功退款金额: nothing has completed by the next morning, so a 1-day-old row shows '-'.
TB_REFUND_MATURITY = {1: 0.0, 2: 0.35, 3: 0.55, 4: 0.70, 5: 0.82, 6: 0.91, 7: 0.97}
DY_REFUND_MATURITY = {1: 0.30, 2: 0.50, 3: 0.65, 4: 0.77, 5: 0.87, 6: 0.94, 7: 0.98}


def matured(final: float, d: dt.date, pulled: dt.date, curve: dict[int, float]) -> float:
    age = (pulled - d).days
    assert age >= 1, (d, pulled)
    return round(final * curve.get(age, 1.0), 2)


# --------------------------------------------------------------------------------------------
# Last year: the history 2025-07-01 .. the day before each shop's exports start (issue 10: pace
# by last year's shape, promotion uplifts estimated from the shop's own past)
# --------------------------------------------------------------------------------------------

HIST_START = dt.date(2025, 7, 1)
HIST_SHOP_END = START - dt.timedelta(1)  # 2026-06-30: the taobao/douyin shop exports start 2026-07-01
HIST_ITEM_END = Q4 - dt.timedelta(1)  # 2026-09-30: product exports (and pdd's shop file) start 2026-10-01

# Year-on-year growth at the same season (invented; each shop differs): last year x GROWTH = this year.
GROWTH = {"taobao": 1.30, "douyin": 1.80, "pdd": 1.50}
# This year's ordinary-day level: BASE (GMV yuan, pdd: visitors) on 07-01, x RISE by 11-26 (simulate_* below).
BASE = {"taobao": 28200.0, "douyin": 9600.0, "pdd": 3300.0}
RISE = {"taobao": 1.50, "douyin": 1.90, "pdd": math.exp(0.5)}
# The winter index through one season year as (days after 07-01, index 0-1): rising linearly to 1 on 11-26 (148
# days, as season_t does this year), 1 through January, back to 0 by 06-30. Invented for a winter-goods shop.
WINTER = ((0, 0.0), (148, 1.0), (214, 1.0), (242, 0.75), (273, 0.45), (303, 0.2), (334, 0.05), (364, 0.0))


def winter_index(d: dt.date) -> float:
    """0 (summer) .. 1 (winter) on day d, repeating every season year (07-01 .. 06-30), from WINTER."""
    jul1 = dt.date(d.year if d.month >= 7 else d.year - 1, 7, 1)
    xs, ys = zip(*WINTER, strict=True)
    return float(np.interp((d - jul1).days, xs, ys))


def history_level(d: dt.date, platform: str) -> float:
    """The ordinary-day level on day d before the weekday factor, promotions and noise: GMV yuan/day (pdd:
    visitors/day). BASE x S^winter_index(d) x GROWTH^years, years = (d - 2026-07-01) / 365, S = RISE / GROWTH^(148
    / 365): on 2026-07-01 .. 11-26 this is this year's BASE x RISE^season_t(d) (S carries the season, GROWTH the
    shop's growth), the same calendar day a year earlier is exactly 1 / GROWTH of it, and 2026-06-30 meets
    2026-07-01 without a jump."""
    g = GROWTH[platform]
    season = RISE[platform] / g ** ((END - START).days / 365)
    return BASE[platform] * season ** winter_index(d) * g ** ((d - START).days / 365)


@dataclass(frozen=True)
class Event:
    """One phase of a past promotion, days first..last inclusive: its name, whether its dates are approximations
    (True) or fixed by the promotion's own day (11-11, 12-12, 03-08, 06-18 and the days right after them: False),
    and its effect on Tmall (`tb`) and Douyin (`dy`; pdd takes 60 % of Douyin's GMV uplift, as this year); None:
    that platform has no such phase. `ramp`: the GMV multiplier on the last day (tb, dy), climbing linearly from the
    Promo's gmv on the first day."""

    first: dt.date
    last: dt.date
    name: str
    approx: bool
    tb: Promo | None
    dy: Promo | None
    ramp: tuple[float, float] | None = None


def _d(y: int, m: int, day: int) -> dt.date:
    return dt.date(y, m, day)


# Last year's promotions as the demo shops saw them. 2025 Tmall 双11 started mid-October (earlier than usual);
# the exact phase dates below are approximations, the promotions' own days are not. 99大促 is not simulated
# (this year's Q3 exports have no 99 bump either).
# fmt: off
HISTORY_EVENTS = (  # first, last, name, approx, Tmall effect, Douyin effect
    Event(_d(2025, 10, 15), _d(2025, 10, 19), "天猫双11 预售（付定金）", True,
          Promo(gmv=1.12, cart=1.45), None),
    Event(_d(2025, 10, 20), _d(2025, 10, 20), "天猫双11 第一波开卖（尾款、现货）", True,
          Promo(gmv=2.6, price=0.88, cr=1.5, cart=1.3, refund=1.45), None),
    Event(_d(2025, 10, 21), _d(2025, 10, 23), "天猫双11 第一波", True,
          Promo(gmv=1.35, price=0.90, cr=1.15, cart=1.35, refund=1.3), None),
    Event(_d(2025, 10, 24), _d(2025, 10, 31), "天猫双11 续售", True,
          Promo(gmv=1.15, price=0.92, cr=1.05, cart=1.4, refund=1.2), None),
    Event(_d(2025, 10, 20), _d(2025, 10, 31), "抖音双11 预热", True,
          None, Promo(gmv=1.08, cart=1.3)),
    Event(_d(2025, 11, 1), _d(2025, 11, 10), "双11 第二波", True,
          Promo(gmv=1.25, price=0.88, cr=1.10, cart=1.45, refund=1.35),
          Promo(gmv=1.15, price=0.88, cr=1.10, cart=1.45, refund=1.35), ramp=(1.9, 1.6)),
    Event(_d(2025, 11, 11), _d(2025, 11, 11), "双11", False,
          Promo(gmv=5.4, price=0.85, cr=1.8, cart=1.2, refund=1.75),
          Promo(gmv=4.4, price=0.85, cr=1.6, cart=1.2, refund=1.75)),
    Event(_d(2025, 11, 12), _d(2025, 11, 12), "双11 次日", False,
          Promo(gmv=1.45, price=0.92, cr=1.2, refund=1.3), Promo(gmv=1.40, price=0.92, cr=1.2, refund=1.3)),
    Event(_d(2025, 11, 13), _d(2025, 11, 13), "双11 返场", True,
          Promo(gmv=1.10, refund=1.25), Promo(gmv=1.10, refund=1.25)),
    Event(_d(2025, 11, 14), _d(2025, 11, 17), "双11 之后", False,
          Promo(gmv=0.92, refund=1.2), Promo(gmv=0.92, refund=1.2)),
    Event(_d(2025, 11, 18), _d(2025, 11, 30), "双11 退货", False,
          Promo(refund=1.2), Promo(refund=1.2)),
    Event(_d(2025, 12, 8), _d(2025, 12, 11), "双12 预热", True,
          Promo(gmv=1.12, cart=1.3), Promo(gmv=1.08, cart=1.3)),
    Event(_d(2025, 12, 12), _d(2025, 12, 12), "双12", False,
          Promo(gmv=2.0, price=0.90, cr=1.35, refund=1.3), Promo(gmv=1.7, price=0.90, cr=1.3, refund=1.3)),
    Event(_d(2025, 12, 13), _d(2025, 12, 13), "双12 次日", False,
          Promo(gmv=1.15, refund=1.15), Promo(gmv=1.10, refund=1.15)),
    Event(_d(2026, 1, 22), _d(2026, 2, 6), "年货节", True,
          Promo(gmv=1.25, price=0.95, cr=1.08, cart=1.15, refund=1.1),
          Promo(gmv=1.25, price=0.95, cr=1.08, cart=1.15, refund=1.1)),
    Event(_d(2026, 2, 10), _d(2026, 2, 23), "春节快递停运（春节 2026-02-17）", True,
          Promo(gmv=0.55, cr=0.9), Promo(gmv=0.55, cr=0.9)),
    Event(_d(2026, 2, 24), _d(2026, 2, 28), "春节后复工", True,
          Promo(gmv=0.85), Promo(gmv=0.85)),
    Event(_d(2026, 3, 1), _d(2026, 3, 7), "38节 预热", True,
          Promo(gmv=1.15, cart=1.2), Promo(gmv=1.12, cart=1.2)),
    Event(_d(2026, 3, 8), _d(2026, 3, 8), "38节", False,
          Promo(gmv=1.7, price=0.92, cr=1.25, refund=1.2), Promo(gmv=1.5, price=0.92, cr=1.2, refund=1.2)),
    Event(_d(2026, 5, 13), _d(2026, 5, 13), "618 开卖", True,
          Promo(gmv=2.0, price=0.90, cr=1.3, cart=1.2, refund=1.3), Promo(gmv=1.7, price=0.90, cr=1.2, refund=1.3)),
    Event(_d(2026, 5, 14), _d(2026, 5, 20), "618 第一波", True,
          Promo(gmv=1.35, price=0.90, cr=1.15, refund=1.25), Promo(gmv=1.25, price=0.90, cr=1.1, refund=1.25)),
    Event(_d(2026, 5, 21), _d(2026, 6, 15), "618 续售", True,
          Promo(gmv=1.08, cart=1.15), Promo(gmv=1.06, cart=1.15)),
    Event(_d(2026, 6, 16), _d(2026, 6, 17), "618 第二波", True,
          Promo(gmv=1.3, cart=1.3), Promo(gmv=1.2, cart=1.3)),
    Event(_d(2026, 6, 18), _d(2026, 6, 18), "618", False,
          Promo(gmv=2.2, price=0.88, cr=1.4, refund=1.35), Promo(gmv=1.9, price=0.88, cr=1.3, refund=1.35)),
    Event(_d(2026, 6, 19), _d(2026, 6, 20), "618 返场", True,
          Promo(gmv=1.15, refund=1.15), Promo(gmv=1.10, refund=1.15)),
)
# fmt: on


def promo_history(d: dt.date, platform: str) -> Promo:
    """Last year's Promo on day d (HISTORY_EVENTS; douyin's phases for pdd, whose GMV uplift simulate_pdd scales by
    0.6); from 2026-07-01 on this year's `promo` (no promotion before 10-20), so the history meets the exports."""
    if d >= START:
        return promo(d, platform)
    for e in HISTORY_EVENTS:
        effect = e.tb if platform == "taobao" else e.dy
        if effect is not None and e.first <= d <= e.last:
            if e.ramp is None:
                return effect
            k = (d - e.first).days / max((e.last - e.first).days, 1)
            end = e.ramp[0] if platform == "taobao" else e.ramp[1]
            return replace(effect, gmv=effect.gmv + (end - effect.gmv) * k)
    return Promo()


@dataclass(frozen=True)
class Timeline:
    """What a shop simulation covers: its days, `level(d)` (the ordinary-day GMV yuan, pdd: visitors, before the
    weekday factor, promotions and noise), `promo(d, platform)` and `winter(d)` 0-1 (drives the product mix)."""

    days: list[dt.date]
    level: Callable[[dt.date], float]
    promo: Callable[[dt.date, str], Promo]
    winter: Callable[[dt.date], float]


def this_year(platform: str) -> Timeline:
    """This year's exports: 2026-07-01 .. 11-26 (pdd: Q4), BASE x RISE^season_t(d), this year's `promo`."""
    # log(RISE), written as the exports were first generated with (math.log(math.exp(0.5)) may differ in the last bit)
    rise = {"taobao": math.log(1.50), "douyin": math.log(1.9), "pdd": 0.5}[platform]
    base = BASE[platform]
    return Timeline(
        Q4_DAYS if platform == "pdd" else ALL_DAYS, lambda d: base * math.exp(rise * season_t(d)), promo, season_t
    )


def last_year(platform: str, last: dt.date) -> Timeline:
    """The history 2025-07-01 .. `last` (history_level, promo_history, winter_index)."""
    return Timeline(days(HIST_START, last), partial(history_level, platform=platform), promo_history, winter_index)


# --------------------------------------------------------------------------------------------
# Catalogues
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    key: str  # short English key used in the README
    pid: str  # 商品ID (12 digits, Taobao) / 商品编码 (19 digits, Douyin); always text
    name: str
    price: float  # list price, yuan
    weight: float  # share of attributed GMV in July (before normalising)
    winter: float  # share multiplier reached by late November
    cr: float  # Taobao: visitor->buyer; Douyin: click->buyer (persons)
    upb: float  # units per buyer
    refund: float  # refund propensity multiplier
    ctr: float = 0.0  # Douyin: exposure->click (persons)
    sku: str = "-"  # 货号
    tags: str = ""
    category: str = ""  # 罗盘 品类
    stay: float = 20.0  # 平均停留时长 (s)
    bounce: float = 0.65  # 商品详情页跳出率


TB_SHOP = "暖居旗舰店"
DY_SHOP = "暖居抖音小店"
PDD_SHOP = "暖居拼多多店"

# fmt: off
TB_ITEMS = (
    Item("thermos", "731562048917", "暖居316不锈钢保温杯500ml大容量", 89.0, 0.20, 1.0, 0.040, 1.12, 0.8,
         sku="NJ-BWB500", tags="保温杯,热销", stay=18.6, bounce=0.62),
    Item("electric_blanket", "731562113405", "暖居智能双人电热毯1.8x2米除螨", 199.0, 0.09, 3.2, 0.034, 1.03, 1.3,
         sku="NJ-DRT180", tags="电热毯,冬季热卖", stay=31.2, bounce=0.58),
    Item("hand_warmer", "728904417362", "暖居充电暖手宝10000mAh二合一", 69.0, 0.08, 2.6, 0.038, 1.15, 1.0,
         sku="NJ-NSB10K", tags="暖手宝,冬季热卖", stay=16.4, bounce=0.66),
    Item("wool_socks", "735018826543", "暖居加厚羊毛袜女冬季5双装", 59.0, 0.10, 2.0, 0.045, 1.30, 0.7,
         tags="羊毛袜", stay=12.8, bounce=0.71),
    Item("humidifier", "729377150288", "暖居静音卧室加湿器4L大雾量", 129.0, 0.15, 1.6, 0.036, 1.05, 1.1,
         sku="NJ-JSQ4L", tags="加湿器,新品", stay=24.9, bounce=0.61),
    Item("candle", "736640271509", "暖居大豆香薰蜡烛礼盒3杯装", 79.0, 0.14, 1.2, 0.037, 1.10, 0.9,
         sku="NJ-XXLZ3", tags="香薰,礼盒", stay=14.7, bounce=0.69),
    Item("fleece_blanket", "733285906174", "暖居加厚珊瑚绒毛毯150x200cm", 119.0, 0.12, 2.2, 0.039, 1.08, 1.0,
         sku="NJ-SHR150", tags="毛毯,冬季热卖", stay=21.3, bounce=0.64),
    Item("fan_heater", "737719034826", "暖居家用速热暖风机取暖器", 239.0, 0.05, 3.6, 0.030, 1.02, 1.4,
         tags="取暖器,冬季热卖", stay=35.4, bounce=0.57),
)

DY_ITEMS = (
    Item("thermos", "3729164058812347761", "暖居316保温杯大容量便携水杯", 69.0, 0.30, 1.0, 0.030, 1.10, 0.9,
         ctr=0.034, category="水具酒具"),
    Item("hand_warmer", "3729164058812351842", "暖居USB充电暖手宝迷你款", 49.0, 0.15, 2.5, 0.034, 1.15, 1.0,
         ctr=0.060, category="生活电器"),
    Item("fleece_blanket", "3731058824796613259", "暖居加厚珊瑚绒毛毯沙发盖毯", 89.0, 0.18, 2.0, 0.028, 1.08, 1.0,
         ctr=0.050, category="床上用品"),
    Item("electric_blanket", "3731058824796620477", "暖居单人电热毯1.5x0.8米", 129.0, 0.12, 3.0, 0.025, 1.04, 1.3,
         ctr=0.048, category="生活电器"),
    Item("wool_socks", "3733942615087405316", "暖居加厚羊毛袜男女3双装", 39.0, 0.15, 2.0, 0.036, 1.25, 0.8,
         ctr=0.065, category="袜子"),
    Item("fan_heater", "3735510279364018852", "暖居桌面迷你暖风机", 159.0, 0.10, 3.0, 0.024, 1.02, 1.4,
         ctr=0.045, category="生活电器"),
)

# fmt: on

TB_STOCKOUT = ("candle", dt.date(2026, 10, 15))  # delisted for one day: a row of '-' only
DY_CART_DASH = (("fan_heater", dt.date(2026, 10, 9)), ("fan_heater", dt.date(2026, 11, 19)))

# Main-image tests
QC_DATES = days(dt.date(2026, 11, 1), dt.date(2026, 11, 14))
QC_IDS = (
    "7571138406291560193",
    "7571138406291576577",
    "7571138406291592961",
    "7571138452007231745",
    "7571138452007248129",
    "7571138452007264513",
    "7571138497634881281",
    "7571138497634897665",
)
QC_NAMES = tuple(f"保温杯主图{i}" for i in range(1, 9))
QC_CTR = (0.0200, 0.0205, 0.0196, 0.0210, 0.0267, 0.0193, 0.0208, 0.0203)  # 主图5 is the real winner

WX_DATES = days(dt.date(2026, 11, 12), dt.date(2026, 11, 26))
WX_CAMPAIGN = ("5078231946", "保温杯主图测图")
WX_IDS = tuple(str(880100 + i) for i in range(8))
WX_NAMES = tuple(f"主图{i}" for i in range(1, 9))
WX_CTR = tuple(0.032 * (1 + e) for e in (0.0, 0.03, -0.02, 0.04, -0.03, 0.01, -0.04, 0.02))  # no winner
WX_PULLED = dt.datetime(2026, 11, 27, 9, 35, 12)


# --------------------------------------------------------------------------------------------
# Simulation: one "truth" per shop/day/product; exports are views of it
# --------------------------------------------------------------------------------------------


def total(rows: list[dict], key: str) -> float:
    return sum(m[key] for m in rows)


def rng_for(family: int) -> np.random.Generator:
    return np.random.default_rng([SEED, family])


def item_shares(items: tuple[Item, ...], winter: float, skip: str | None = None) -> dict[str, float]:
    """Each product's share of the listed products' GMV at winter index `winter` (0-1; season_t this year)."""
    t = winter**1.3
    raw = {it.key: 0.0 if it.key == skip else it.weight * (1 + (it.winter - 1) * t) for it in items}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


def unit_price(it: Item, p: Promo) -> float:
    """The price paid per unit (yuan) on a day with promotion p."""
    return round(it.price * p.price, 2)


def refund_rate(platform: str, p: Promo) -> float:
    """The expected final refund share of GMV (payment-date basis) on a day with promotion p."""
    base = 0.068 if platform == "taobao" else 0.095
    return base * p.refund


def simulate_taobao(rng: np.random.Generator, timeline: Timeline | None = None) -> dict[dt.date, dict]:
    """Per day of the timeline (default this_year): {'items': {key: metrics}, 'shop': metrics}. Refunds are FINAL
    (fully matured)."""
    timeline = timeline or this_year("taobao")
    out: dict[dt.date, dict] = {}
    for d in timeline.days:
        p = timeline.promo(d, "taobao")
        target = timeline.level(d) * weekday_factor(d) * p.gmv
        target *= rng.lognormal(0, 0.05)
        skip = TB_STOCKOUT[0] if d == TB_STOCKOUT[1] else None
        shares = item_shares(TB_ITEMS, timeline.winter(d), skip)
        rr = refund_rate("taobao", p)
        items = {}
        for it in TB_ITEMS:
            if it.key == skip:
                items[it.key] = None
                continue
            unit = unit_price(it, p)
            exp_buyers = 0.95 * target * shares[it.key] / (unit * it.upb)
            cr = 0.94 * it.cr * p.cr * rng.lognormal(0, 0.07)
            visitors = int(rng.poisson(exp_buyers / cr))
            buyers = int(rng.binomial(visitors, cr))
            units = buyers + int(rng.binomial(buyers, it.upb - 1))
            gmv = round(units * unit * rng.uniform(0.965, 1.0), 2)
            cart = int(rng.binomial(visitors, min(0.5, 0.085 * p.cart)))
            order_buyers = min(visitors, buyers + int(rng.binomial(buyers, 0.07)))
            extra_units = (order_buyers - buyers) + int(rng.binomial(order_buyers - buyers, it.upb - 1))
            old = int(rng.binomial(buyers, 0.30 if it.key == "wool_socks" else 0.20))
            search_v = int(rng.binomial(visitors, 0.36))
            items[it.key] = {
                "visitors": visitors,
                "pageviews": round(visitors * rng.uniform(1.5, 2.2)),
                "stay": round(it.stay * rng.lognormal(0, 0.08), 2),
                "bounce": min(0.95, max(0.30, it.bounce + rng.normal(0, 0.02))),
                "fav": int(rng.binomial(visitors, 0.035)),
                "cart_buyers": cart,
                "cart_units": cart + int(rng.binomial(cart, 0.15)),
                "order_buyers": order_buyers,
                "order_units": units + extra_units,
                "order_amount": round(gmv + extra_units * unit, 2),
                "buyers": buyers,
                "units": units,
                "sub_orders": buyers + int(rng.binomial(buyers, 0.04)),
                "gmv": gmv,
                "old_buyers": old,
                "old_amount": min(gmv, round(gmv * old / buyers * rng.uniform(0.9, 1.1), 2)) if buyers else 0.0,
                "juhuasuan": round(gmv * rng.uniform(0.25, 0.4), 2)
                if it.key == "electric_blanket" and dt.date(2026, 11, 1) <= d <= D1111
                else 0.0,
                "search_visitors": search_v,
                "search_buyers": min(search_v, int(rng.binomial(buyers, 0.40))),
                "refund_final": min(round(gmv * 0.4, 2), round(gmv * rr * it.refund * rng.lognormal(0, 0.15), 2)),
            }
        live = [m for m in items.values() if m]
        sum_ = partial(total, live)
        x_buyers = round(sum_("buyers") * rng.uniform(0.045, 0.06))
        x_gmv = round(x_buyers * sum_("gmv") / sum_("buyers") * rng.uniform(0.9, 1.1), 2)
        visitors = sum_("visitors") + round(sum_("visitors") * rng.uniform(0.07, 0.12))
        out[d] = {
            "items": items,
            "shop": {
                "visitors": visitors,
                "pageviews": sum_("pageviews") + round(visitors * rng.uniform(0.5, 0.8)),
                "buyers": sum_("buyers") + x_buyers,
                "sub_orders": sum_("sub_orders") + x_buyers + int(rng.binomial(x_buyers, 0.05)),
                "gmv": round(sum_("gmv") + x_gmv, 2),
                "cart_buyers": sum_("cart_buyers") + round(visitors * 0.004),
                "x_refund_final": round(x_gmv * rr * rng.lognormal(0, 0.15), 2),
            },
        }
    return out


def tb_shop_refund(day: dict, d: dt.date, pulled: dt.date) -> float:
    """成功退款金额 as seen in a pull made on `pulled` (sum of the matured parts, so that the shop
    value is always >= the sum of the product values pulled on the same day)."""
    parts = [matured(m["refund_final"], d, pulled, TB_REFUND_MATURITY) for m in day["items"].values() if m]
    parts.append(matured(day["shop"]["x_refund_final"], d, pulled, TB_REFUND_MATURITY))
    return round(sum(parts), 2)


def simulate_douyin(rng: np.random.Generator, timeline: Timeline | None = None) -> dict[dt.date, dict]:
    """Per day of the timeline (default this_year): {'items': {key: metrics}, 'shop': metrics}; final refunds."""
    timeline = timeline or this_year("douyin")
    out: dict[dt.date, dict] = {}
    for d in timeline.days:
        p = timeline.promo(d, "douyin")
        target = timeline.level(d) * weekday_factor(d) * p.gmv
        target *= rng.lognormal(0, 0.08)
        shares = item_shares(DY_ITEMS, timeline.winter(d))
        rr = refund_rate("douyin", p)
        items = {}
        for it in DY_ITEMS:
            unit = unit_price(it, p)
            exp_buyers = 0.95 * target * shares[it.key] / (unit * it.upb)
            ctb = it.cr * p.cr * rng.lognormal(0, 0.07)
            clicks = int(rng.poisson(exp_buyers / ctb))
            buyers = int(rng.binomial(clicks, ctb))
            expo = round(clicks / (it.ctr * rng.lognormal(0, 0.06)))
            orders = buyers + int(rng.binomial(buyers, 0.04))
            units = orders + int(rng.binomial(orders, it.upb - 1))
            paid = round(units * unit * rng.uniform(0.97, 1.0), 2)
            deal = round(paid * rng.uniform(1.03, 1.06), 2)  # 成交金额 includes platform subsidies
            items[it.key] = {
                "deal": deal,
                "paid": paid,
                "orders": orders,
                "buyers": buyers,
                "units": units,
                "expo_p": expo,
                "expo_t": round(expo * rng.uniform(1.25, 1.45)),
                "click_p": clicks,
                "click_t": round(clicks * rng.uniform(1.08, 1.2)),
                "cart": int(rng.binomial(clicks, min(0.5, 0.07 * p.cart))),
                "refund_final": min(round(deal * 0.4, 2), round(deal * rr * it.refund * rng.lognormal(0, 0.15), 2)),
            }
        sum_ = partial(total, list(items.values()))
        x_buyers = round(sum_("buyers") * rng.uniform(0.04, 0.06))
        x_paid = round(x_buyers * sum_("paid") / sum_("buyers") * rng.uniform(0.9, 1.1), 2)
        x_clicks = max(x_buyers, round(sum_("click_p") * rng.uniform(0.04, 0.07)))
        out[d] = {
            "items": items,
            "shop": {
                "paid": round(sum_("paid") + x_paid, 2),
                "deal": round(sum_("deal") + x_paid * 1.045, 2),
                "orders": sum_("orders") + x_buyers + int(rng.binomial(x_buyers, 0.04)),
                "buyers": sum_("buyers") + x_buyers,
                "expo_p": sum_("expo_p") + round(sum_("expo_p") * rng.uniform(0.04, 0.07)),
                "click_p": sum_("click_p") + x_clicks,
                "x_refund_final": round(x_paid * 1.045 * rr * rng.lognormal(0, 0.15), 2),
                "ad_ratio": rng.uniform(0.10, 0.14),
                "ad_roi": rng.uniform(2.6, 3.4),
            },
        }
    return out


def dy_shop_refund(day: dict, d: dt.date, pulled: dt.date) -> float:
    parts = [matured(m["refund_final"], d, pulled, DY_REFUND_MATURITY) for m in day["items"].values()]
    parts.append(matured(day["shop"]["x_refund_final"], d, pulled, DY_REFUND_MATURITY))
    return round(sum(parts), 2)


def split_test(
    rng: np.random.Generator, dates: list[dt.date], daily_total: float, spread: float, ctrs: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Equal-split creative test. Impressions: each day's total split multinomially (no SRM).
    Clicks: per-variant total fixed at round(impressions * CTR), spread over days in proportion
    to that variant's impressions. Returns (impressions, clicks) arrays of shape (days, variants)."""
    k = len(ctrs)
    imps = np.array(
        [rng.multinomial(round(daily_total * rng.uniform(1 - spread, 1 + spread)), [1 / k] * k) for _ in dates]
    )
    clicks = np.zeros_like(imps)
    for j, ctr in enumerate(ctrs):
        total = round(imps[:, j].sum() * ctr)
        clicks[:, j] = rng.multinomial(total, imps[:, j] / imps[:, j].sum())
    return imps, clicks


def simulate_qianchuan(rng: np.random.Generator) -> list[dict]:
    """千川 素材 test on the Douyin 保温杯: 主图1 control 2.0%, 主图5 winner 2.67%."""
    thermos = DY_ITEMS[0]
    imps, clicks = split_test(rng, QC_DATES, 38000, 0.10, QC_CTR)
    rows = []
    for i, d in enumerate(QC_DATES):
        cpm = rng.uniform(24, 30)
        unit = unit_price(thermos, promo(d, "douyin"))
        for j in range(len(QC_IDS)):
            n, c = int(imps[i, j]), int(clicks[i, j])
            orders = int(rng.binomial(c, 0.025))
            units = orders + int(rng.binomial(orders, 0.1))
            rows.append(
                {
                    "date": d,
                    "j": j,
                    "imps": n,
                    "clicks": c,
                    "orders": orders,
                    "spend": plain_money(n * cpm * rng.uniform(0.97, 1.03) / 1000),
                    "gmv": plain_money(units * unit),
                }
            )
    return rows


def simulate_wanxiang(rng: np.random.Generator) -> list[dict]:
    """万相台 创意 test on the Taobao 保温杯: all CTRs within +-4% of 3.2% (no winner)."""
    thermos = TB_ITEMS[0]
    imps, clicks = split_test(rng, WX_DATES, 6000, 0.09, WX_CTR)
    rows = []
    for i, d in enumerate(WX_DATES):
        cpc = rng.uniform(0.85, 1.15)
        unit = unit_price(thermos, promo(d, "taobao"))
        for j in range(len(WX_IDS)):
            n, c = int(imps[i, j]), int(clicks[i, j])
            orders = int(rng.binomial(c, 0.035))
            units = orders + int(rng.binomial(orders, 0.12))
            rows.append(
                {
                    "date": d,
                    "j": j,
                    "imps": n,
                    "clicks": c,
                    "orders": orders,
                    "spend": plain_money(c * cpc * rng.uniform(0.97, 1.03)),
                    "gmv": plain_money(units * unit),
                }
            )
    return rows


def simulate_pdd(rng: np.random.Generator, timeline: Timeline | None = None) -> dict[dt.date, dict]:
    """Per day of the timeline (default this_year: Q4): the generic file's shop metrics, refunds as pulled on
    TODAY."""
    timeline = timeline or this_year("pdd")
    out = {}
    for d in timeline.days:
        p = timeline.promo(d, "pdd")
        gmv_mult = 1 + (p.gmv - 1) * 0.6  # PDD joins 双11 less
        visitors = int(rng.poisson(timeline.level(d) * weekday_factor(d) * gmv_mult / p.cr))
        buyers = int(rng.binomial(visitors, 0.055 * p.cr * rng.lognormal(0, 0.06)))
        gmv = round(buyers * 46.0 * p.price * rng.uniform(0.95, 1.08), 2)
        final_refund = round(gmv * 0.08 * p.refund * rng.lognormal(0, 0.15), 2)
        out[d] = {
            "visitors": visitors,
            "buyers": buyers,
            "orders": buyers + int(rng.binomial(buyers, 0.06)),
            "gmv": gmv,
            "refund_amount": matured(final_refund, d, TODAY, DY_REFUND_MATURITY),
        }
    return out


# --------------------------------------------------------------------------------------------
# Writers (containers)
# --------------------------------------------------------------------------------------------


def pull_time(d: dt.date, hour: int = 9, minute: int = 30, second: int = 0) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, hour, minute, second)


def set_mtime(path: Path, stamp: dt.datetime) -> None:
    ts = stamp.replace(tzinfo=CST).timestamp()
    os.utime(path, (ts, ts))


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str, newline: str, stamp: dt.datetime) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    set_mtime(path, stamp)


_INLINE_STR = re.compile(rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>')


def to_shared_strings(files: dict[str, bytes]) -> None:
    """openpyxl 3.1 writes text cells as inline strings; Excel and the platform exports (and the
    reference samples) use a shared-string table. Rewrite the sheet XML in place to t="s"."""
    index: dict[bytes, int] = {}
    count = 0

    def repl(m: re.Match) -> bytes:
        nonlocal count
        count += 1
        i = index.setdefault(m.group(2), len(index))
        return b'<c r="%s" t="s"><v>%d</v></c>' % (m.group(1), i)

    files["xl/worksheets/sheet1.xml"] = _INLINE_STR.sub(repl, files["xl/worksheets/sheet1.xml"])
    assert b"inlineStr" not in files["xl/worksheets/sheet1.xml"]
    items = b"".join(b"<si><t>%s</t></si>" % s for s in index)
    files["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org'
        b'/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>' % (count, len(index), items)
    )
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml" /></Types>',
    )
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSst" /></Relationships>',
    )


def write_xlsx(path: Path, sheet: str, header: list[str], rows: list[list], stamp: dt.datetime) -> None:
    """openpyxl workbook, re-zipped with a shared-string table and every timestamp pinned to
    `stamp` (local time of the simulated download), so re-runs are byte-identical."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.properties.creator = None
    raw = io.BytesIO()
    wb.save(raw)
    with zipfile.ZipFile(raw) as src:
        names = src.namelist()
        files = {n: src.read(n) for n in names}
    to_shared_strings(files)
    names.insert(names.index("xl/worksheets/sheet1.xml") + 1, "xl/sharedStrings.xml")
    utc = (stamp.replace(tzinfo=CST).astimezone(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    files["docProps/core.xml"] = re.sub(
        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + utc, files["docProps/core.xml"]
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in names:
            zi = zipfile.ZipInfo(n, date_time=stamp.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, files[n])
    path.write_bytes(out.getvalue())
    set_mtime(path, stamp)


def xls_bytes(sheet: str, header: list[str], rows: list[list[str]], blank_rows: int = 4) -> bytes:
    """BIFF8 .xls via xlwt: rows 1..blank_rows completely empty, header on row blank_rows+1,
    every cell a text (LABELSST) cell, as in the 生意参谋 download."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    for c, h in enumerate(header):
        ws.write(blank_rows, c, h)
    for r, row in enumerate(rows, start=blank_rows + 1):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Export families
# --------------------------------------------------------------------------------------------

SYCM_SHOP_HEADER = [
    "统计日期",
    "访客数",
    "浏览量",
    "支付金额",
    "支付买家数",
    "支付子订单数",
    "支付转化率",
    "客单价",
    "加购人数",
    "成功退款金额",
]

# (first day, last day, pulled at, container). The October pull (11-01) is revised by the
# 10-25..11-07 pull (11-08); the November pull (11-27) supersedes 11-01..11-07 again.
SYCM_SHOP_PULLS = (
    (dt.date(2026, 7, 1), dt.date(2026, 7, 31), dt.datetime(2026, 8, 10, 9, 12, 40), "csv"),
    (dt.date(2026, 8, 1), dt.date(2026, 8, 31), dt.datetime(2026, 9, 9, 9, 20, 5), "xlsx"),
    (dt.date(2026, 9, 1), dt.date(2026, 9, 30), dt.datetime(2026, 10, 9, 9, 5, 51), "csv"),
    (dt.date(2026, 10, 1), dt.date(2026, 10, 31), dt.datetime(2026, 11, 1, 9, 30, 18), "csv"),
    (dt.date(2026, 10, 25), dt.date(2026, 11, 7), dt.datetime(2026, 11, 8, 9, 41, 2), "csv"),
    (dt.date(2026, 11, 1), dt.date(2026, 11, 26), dt.datetime(2026, 11, 27, 9, 15, 33), "csv"),
)


def sycm_shop_row(tb: dict, d: dt.date, pulled: dt.date) -> list[str]:
    s = tb[d]["shop"]
    return [
        d.isoformat(),
        fmt_count(s["visitors"]),
        fmt_count(s["pageviews"]),
        fmt_money(s["gmv"]),
        fmt_count(s["buyers"]),
        fmt_count(s["sub_orders"]),
        fmt_pct(s["buyers"], s["visitors"]),
        fmt_dec(s["gmv"] / s["buyers"]),
        fmt_count(s["cart_buyers"]),
        fmt_money(tb_shop_refund(tb[d], d, pulled)),
    ]


def export_sycm_shop(tb: dict) -> list[str]:
    """1. 生意参谋 店铺整体: GBK CSV (CRLF, header row 1); August as .xlsx (sheet Sheet1)."""
    names = []
    for first, last, stamp, kind in SYCM_SHOP_PULLS:
        rows = [sycm_shop_row(tb, d, stamp.date()) for d in days(first, last)]
        name = f"{TB_DIR}/生意参谋_店铺整体_{first}_{last}.{kind}"
        if kind == "csv":
            write_csv(OUT / name, SYCM_SHOP_HEADER, rows, "gbk", "\r\n", stamp)
        else:
            write_xlsx(OUT / name, "Sheet1", SYCM_SHOP_HEADER, [[sycm_text_to_cell(v) for v in r] for r in rows], stamp)
        names.append(name)
    return names


SYCM_ITEM_HEADER = [
    "统计日期",
    "商品ID",
    "商品名称",
    "主商品ID",
    "商品类型",
    "货号",
    "商品状态",
    "商品标签",
    "商品访客数",
    "商品浏览量",
    "平均停留时长",
    "商品详情页跳出率",
    "商品收藏人数",
    "商品加购件数",
    "商品加购人数",
    "下单买家数",
    "下单件数",
    "下单金额",
    "下单转化率",
    "支付买家数",
    "支付件数",
    "支付金额",
    "商品支付转化率",
    "支付新买家数",
    "支付老买家数",
    "老买家支付金额",
    "聚划算支付金额",
    "访客平均价值",
    "成功退款金额",
    "竞争力评分",
    "年累计支付金额",
    "月累计支付金额",
    "月累计支付件数",
    "搜索引导支付转化率",
    "搜索引导访客数",
    "搜索引导支付买家数",
]
SYCM_ITEM_PULLED = pull_time(TODAY, 9, 20)  # Q4 back-filled in one batch on 2026-11-27
SYCM_ITEM_DUPLICATE = dt.date(2026, 11, 12)  # downloaded twice: '... (1).xls'


def export_sycm_items(tb: dict) -> list[str]:
    """2. 生意参谋 商品 全部商品: one BIFF .xls per day for Q4, header on row 5."""
    # Running totals for the cumulative columns (年累计 = H1 estimate + July onwards).
    ytd, mtd_amt, mtd_units = {}, {}, {}
    for it in TB_ITEMS:
        july = [tb[d]["items"][it.key]["gmv"] for d in days(START, dt.date(2026, 7, 31))]
        ytd[it.key] = round(sum(july) / len(july) * 181 * 0.85, 2)
    names = []
    for d in ALL_DAYS:
        if d.day == 1:
            mtd_amt = {it.key: 0.0 for it in TB_ITEMS}
            mtd_units = {it.key: 0 for it in TB_ITEMS}
        rows = []
        for it in TB_ITEMS:
            m = tb[d]["items"][it.key]
            ident = [d.isoformat(), it.pid, it.name, it.pid, "主商品", it.sku]
            if m is None:  # delisted that day: everything '-'
                rows.append((-1.0, ident + ["已下架", it.tags] + ["-"] * (len(SYCM_ITEM_HEADER) - 8)))
                continue
            ytd[it.key] = round(ytd[it.key] + m["gmv"], 2)
            mtd_amt[it.key] = round(mtd_amt[it.key] + m["gmv"], 2)
            mtd_units[it.key] += m["units"]
            v, b = m["visitors"], m["buyers"]
            row = [
                *ident,
                "当前在线",
                it.tags,
                fmt_count(v),
                fmt_count(m["pageviews"]),
                fmt_dec(m["stay"]),
                f"{100 * m['bounce']:.2f}%",
                fmt_count(m["fav"]),
                fmt_count(m["cart_units"]),
                fmt_count(m["cart_buyers"]),
                fmt_count(m["order_buyers"]),
                fmt_count(m["order_units"]),
                fmt_money(m["order_amount"]),
                fmt_pct(m["order_buyers"], v),
                fmt_count(b),
                fmt_count(m["units"]),
                fmt_money(m["gmv"]),
                fmt_pct(b, v),
                fmt_count(b - m["old_buyers"]),
                fmt_count(m["old_buyers"]),
                fmt_money(m["old_amount"]),
                fmt_money(m["juhuasuan"]),
                fmt_dec(m["gmv"] / v) if v else "-",
                fmt_money(matured(m["refund_final"], d, SYCM_ITEM_PULLED.date(), TB_REFUND_MATURITY)),
                "-",
                fmt_money(ytd[it.key]),
                fmt_money(mtd_amt[it.key]),
                fmt_count(mtd_units[it.key]),
                fmt_pct(m["search_buyers"], m["search_visitors"]),
                fmt_count(m["search_visitors"]),
                fmt_count(m["search_buyers"]),
            ]
            rows.append((m["gmv"], row))
        if d < Q4:
            continue
        rows.sort(key=lambda t: -t[0])  # 商品排行: by 支付金额, descending
        data = xls_bytes("【生意参谋平台】1", SYCM_ITEM_HEADER, [r for _, r in rows])
        name = f"{TB_DIR}/【生意参谋平台】商品_全部_{d}_{d}.xls"
        targets = [name] + ([f"{TB_DIR}/【生意参谋平台】商品_全部_{d}_{d} (1).xls"] if d == SYCM_ITEM_DUPLICATE else [])
        for n in targets:
            (OUT / n).write_bytes(data)
            set_mtime(OUT / n, SYCM_ITEM_PULLED)
        names += targets
    return names


COMPASS_OVERVIEW_HEADER = [
    "日期",
    "用户支付金额",
    "成交金额",
    "成交订单数",
    "成交人数",
    "商品曝光人数",
    "商品点击人数",
    "商品点击-成交转化率(人数)",
    "退款后用户支付金额(支付时间)",
    "退款金额(支付时间)",
    "退款率(支付时间)",
    "客单价",
    "投放消耗(店铺被投)",
    "投放贡献成交金额",
]
COMPASS_PULLED = pull_time(TODAY, 10, 5)


def dy_ad(dy: dict, d: dt.date, qc_rows: list[dict]) -> tuple[float, float]:
    """投放消耗(店铺被投) and 投放贡献成交金额; they cover the 千川 test spend/GMV on test days."""
    s = dy[d]["shop"]
    spend = s["paid"] * s["ad_ratio"]
    test = [r for r in qc_rows if r["date"] == d]
    if test:
        spend = max(spend, 1.4 * sum(r["spend"] for r in test))
    contrib = max(spend * s["ad_roi"], 1.2 * sum(r["gmv"] for r in test))
    return plain_money(spend), plain_money(min(contrib, 0.6 * s["deal"]))


def export_compass_overview(dy: dict, qc_rows: list[dict]) -> list[str]:
    """3. 抖店罗盘 成交概览: one .xlsx per day, sheet 成交概览, one data row."""
    names = []
    for d in ALL_DAYS:
        s = dy[d]["shop"]
        refund = dy_shop_refund(dy[d], d, COMPASS_PULLED.date())
        spend, contrib = dy_ad(dy, d, qc_rows)
        row = [
            d.isoformat(),
            s["paid"],
            s["deal"],
            s["orders"],
            s["buyers"],
            s["expo_p"],
            s["click_p"],
            fmt_pct(s["buyers"], s["click_p"]),
            plain_money(s["paid"] - refund),
            refund,
            fmt_pct(refund, s["paid"]),
            plain_money(s["paid"] / s["buyers"]),
            spend,
            contrib,
        ]
        name = f"{DY_DIR}/抖店罗盘_成交概览_{d}.xlsx"
        write_xlsx(OUT / name, "成交概览", COMPASS_OVERVIEW_HEADER, [row], COMPASS_PULLED)
        names.append(name)
    return names


COMPASS_ITEMS_HEADER = [
    "统计周期",
    "商品名称",
    "商品编码",
    "载体",
    "品类",
    "自卖/合作",
    "成交金额",
    "用户支付金额",
    "成交订单数",
    "成交人数",
    "成交件数",
    "商品曝光人数",
    "商品曝光次数",
    "商品点击人数",
    "商品点击次数",
    "曝光点击率（人数）",
    "成交退款金额",
    "加购人数",
]


def export_compass_items(dy: dict) -> list[str]:
    """4. 抖店罗盘 商品列表: one .xlsx per Q4 day, sheet 全部, 19-digit 商品编码 as text."""
    names = []
    for d in Q4_DAYS:
        rows = []
        for it in DY_ITEMS:
            m = dy[d]["items"][it.key]
            cart = "-" if (it.key, d) in DY_CART_DASH or m["cart"] == 0 else m["cart"]
            rows.append(
                [
                    d.isoformat(),
                    it.name,
                    it.pid,
                    "全部",
                    it.category,
                    "自卖",
                    m["deal"],
                    m["paid"],
                    m["orders"],
                    m["buyers"],
                    m["units"],
                    m["expo_p"],
                    m["expo_t"],
                    m["click_p"],
                    m["click_t"],
                    fmt_pct(m["click_p"], m["expo_p"]),
                    matured(m["refund_final"], d, COMPASS_PULLED.date(), DY_REFUND_MATURITY),
                    cart,
                ]
            )
        rows.sort(key=lambda r: -r[6])  # by 成交金额
        name = f"{DY_DIR}/抖店罗盘_商品列表_{d}.xlsx"
        write_xlsx(OUT / name, "全部", COMPASS_ITEMS_HEADER, rows, COMPASS_PULLED)
        names.append(name)
    return names


QIANCHUAN_HEADER = [
    "日期",
    "素材ID",
    "素材名称",
    "整体展示次数",
    "整体点击次数",
    "整体点击率",
    "整体转化率",
    "整体消耗",
    "整体成交金额",
    "整体成交订单数",
]


def qianchuan_row(label: str, j: int, imps: int, clicks: int, spend: float, gmv: float, orders: int) -> list:
    return [
        label,
        QC_IDS[j],
        QC_NAMES[j],
        imps,
        clicks,
        fmt_pct(clicks, imps),
        fmt_pct(orders, clicks),
        plain_money(spend),
        plain_money(gmv),
        orders,
    ]


def export_qianchuan(qc_rows: list[dict]) -> list[str]:
    """5. 千川 素材分日: .xlsx (sheet Sheet1), 日期=全部 total rows first, then one row per day/素材."""
    rows = []
    for j in range(len(QC_IDS)):
        mine = [r for r in qc_rows if r["j"] == j]
        rows.append(
            qianchuan_row(
                "全部",
                j,
                sum(r["imps"] for r in mine),
                sum(r["clicks"] for r in mine),
                sum(r["spend"] for r in mine),
                sum(r["gmv"] for r in mine),
                sum(r["orders"] for r in mine),
            )
        )
    for r in qc_rows:
        rows.append(
            qianchuan_row(r["date"].isoformat(), r["j"], r["imps"], r["clicks"], r["spend"], r["gmv"], r["orders"])
        )
    name = f"{DY_DIR}/千川_素材分日_{QC_DATES[0]}_{QC_DATES[-1]}.xlsx"
    write_xlsx(OUT / name, "Sheet1", QIANCHUAN_HEADER, rows, pull_time(dt.date(2026, 11, 15), 10, 2, 47))
    return [name]


WANXIANG_HEADER = [
    "日期",
    "计划ID",
    "计划名字",
    "主体ID",
    "主体名称",
    "创意ID",
    "创意名称",
    "展现量",
    "点击量",
    "花费",
    "点击率",
    "平均点击花费",
    "总成交金额",
    "总成交笔数",
]


def export_wanxiang(wx_rows: list[dict]) -> list[str]:
    """6. 万相台 创意报表: GB18030 CSV (LF), ratios as fractions, amounts as plain decimals."""
    thermos = TB_ITEMS[0]
    rows = []
    for r in wx_rows:
        j = r["j"]
        rows.append(
            [
                r["date"].isoformat(),
                WX_CAMPAIGN[0],
                WX_CAMPAIGN[1],
                thermos.pid,
                thermos.name,
                WX_IDS[j],
                WX_NAMES[j],
                r["imps"],
                r["clicks"],
                r["spend"],
                fmt_frac(r["clicks"], r["imps"]),
                fmt_frac(r["spend"], r["clicks"], 2),
                r["gmv"],
                r["orders"],
            ]
        )
    name = f"{TB_DIR}/万相台_创意报表_{WX_PULLED:%Y%m%d_%H%M%S}.csv"
    write_csv(OUT / name, WANXIANG_HEADER, rows, "gb18030", "\n", WX_PULLED)
    return [name]


GENERIC_HEADER = ["platform", "date", "visitors", "buyers", "orders", "gmv", "refund_amount"]


def export_generic(pdd: dict) -> list[str]:
    """7. Generic connector: UTF-8 CSV whose headers are canonical column names."""
    rows = [
        ["pdd", d.isoformat(), m["visitors"], m["buyers"], m["orders"], f"{m['gmv']:.2f}", f"{m['refund_amount']:.2f}"]
        for d, m in pdd.items()
    ]
    name = f"{PDD_DIR}/generic_shop_daily_{PDD_SHOP}.csv"
    write_csv(OUT / name, GENERIC_HEADER, rows, "utf-8", "\n", pull_time(TODAY, 11, 0))
    return [name]


# 8. Last year's history: generic UTF-8 CSVs with canonical headers, one shop-level and one product-level file per
# shop, in the shop's folder (the folder names the shop; the platform column names the platform). Shop rows stop the
# day before the shop's exports start, product rows the day before the product exports start (2026-09-30), so no
# history row is ever rewritten by an export. The same columns as the exports load (a KR sees no new NULLs).
HISTORY_PULLED = pull_time(TODAY, 11, 10)  # everything older than a week: refunds are final
TB_HISTORY_SHOP_HEADER = [
    "platform", "date", "visitors", "pageviews", "buyers", "orders", "gmv", "refund_amount", "cart_buyers",
]  # fmt: skip
TB_HISTORY_ITEM_HEADER = [
    "platform", "date", "product_id", "product_name", "visitors", "pageviews", "buyers", "units", "gmv",
    "refund_amount", "cart_buyers",
]  # fmt: skip
DY_HISTORY_SHOP_HEADER = [
    "platform", "date", "visitors", "buyers", "orders", "gmv", "refund_amount", "impressions", "clicks", "ad_spend",
]  # fmt: skip
DY_HISTORY_ITEM_HEADER = [
    "platform", "date", "product_id", "product_name", "visitors", "buyers", "orders", "units", "gmv",
    "refund_amount", "cart_buyers", "impressions", "clicks",
]  # fmt: skip


def history_name(folder: str, shop: str, table: str) -> str:
    """`<folder>/generic_history_<table>_<shop>.csv`."""
    return f"{folder}/generic_history_{table}_{shop}.csv"


def export_history_taobao(tb_hist: dict, tb: dict) -> list[str]:
    """8a. 暖居旗舰店: shop_daily 2025-07-01 .. 2026-06-30 (as 生意参谋 店铺整体 loads: sub-orders as orders), and
    product_daily 2025-07-01 .. 2026-09-30 for every listed product (last year's simulation, then this year's
    July-September products, which the exports only show at shop level)."""
    shop_rows = []
    for d, day in tb_hist.items():
        s = day["shop"]
        refund = tb_shop_refund(day, d, HISTORY_PULLED.date())
        shop_rows.append(
            ["taobao", d.isoformat(), s["visitors"], s["pageviews"], s["buyers"], s["sub_orders"], f"{s['gmv']:.2f}",
             f"{refund:.2f}", s["cart_buyers"]]
        )  # fmt: skip
    item_rows = []
    for d in days(HIST_START, HIST_ITEM_END):
        day = tb_hist[d] if d in tb_hist else tb[d]
        for it in TB_ITEMS:
            m = day["items"][it.key]
            refund = matured(m["refund_final"], d, HISTORY_PULLED.date(), TB_REFUND_MATURITY)
            item_rows.append(
                ["taobao", d.isoformat(), it.pid, it.name, m["visitors"], m["pageviews"], m["buyers"], m["units"],
                 f"{m['gmv']:.2f}", f"{refund:.2f}", m["cart_buyers"]]
            )  # fmt: skip
    names = [history_name(TB_DIR, TB_SHOP, "shop_daily"), history_name(TB_DIR, TB_SHOP, "product_daily")]
    write_csv(OUT / names[0], TB_HISTORY_SHOP_HEADER, shop_rows, "utf-8", "\n", HISTORY_PULLED)
    write_csv(OUT / names[1], TB_HISTORY_ITEM_HEADER, item_rows, "utf-8", "\n", HISTORY_PULLED)
    return names


def export_history_douyin(dy_hist: dict, dy: dict) -> list[str]:
    """8b. 暖居抖音小店: shop_daily 2025-07-01 .. 2026-06-30 as 罗盘 成交概览 loads (商品点击人数 as visitors and
    clicks, 投放消耗 as ad_spend), product_daily 2025-07-01 .. 2026-09-30 as 罗盘 商品列表 loads."""
    shop_rows = []
    for d, day in dy_hist.items():
        s = day["shop"]
        refund = dy_shop_refund(day, d, HISTORY_PULLED.date())
        spend, _ = dy_ad(dy_hist, d, [])
        shop_rows.append(
            ["douyin", d.isoformat(), s["click_p"], s["buyers"], s["orders"], f"{s['paid']:.2f}", f"{refund:.2f}",
             s["expo_p"], s["click_p"], f"{spend:.2f}"]
        )  # fmt: skip
    item_rows = []
    for d in days(HIST_START, HIST_ITEM_END):
        day = dy_hist[d] if d in dy_hist else dy[d]
        for it in DY_ITEMS:
            m = day["items"][it.key]
            refund = matured(m["refund_final"], d, HISTORY_PULLED.date(), DY_REFUND_MATURITY)
            item_rows.append(
                ["douyin", d.isoformat(), it.pid, it.name, m["click_p"], m["buyers"], m["orders"], m["units"],
                 f"{m['paid']:.2f}", f"{refund:.2f}", m["cart"], m["expo_p"], m["click_p"]]
            )  # fmt: skip
    names = [history_name(DY_DIR, DY_SHOP, "shop_daily"), history_name(DY_DIR, DY_SHOP, "product_daily")]
    write_csv(OUT / names[0], DY_HISTORY_SHOP_HEADER, shop_rows, "utf-8", "\n", HISTORY_PULLED)
    write_csv(OUT / names[1], DY_HISTORY_ITEM_HEADER, item_rows, "utf-8", "\n", HISTORY_PULLED)
    return names


def export_history_pdd(pdd_hist: dict) -> list[str]:
    """8c. 暖居拼多多店: shop_daily 2025-07-01 .. 2026-09-30 (the shop's generic file starts 2026-10-01)."""
    rows = [
        ["pdd", d.isoformat(), m["visitors"], m["buyers"], m["orders"], f"{m['gmv']:.2f}", f"{m['refund_amount']:.2f}"]
        for d, m in pdd_hist.items()
    ]
    name = history_name(PDD_DIR, PDD_SHOP, "shop_daily")
    write_csv(OUT / name, GENERIC_HEADER, rows, "utf-8", "\n", HISTORY_PULLED)
    return [name]


# --------------------------------------------------------------------------------------------
# Sanity checks (fail loudly if a parameter change breaks a consistency rule)
# --------------------------------------------------------------------------------------------


def ctr_stats(imps: np.ndarray, clicks: np.ndarray) -> dict:
    """Per-variant totals, two-proportion z-test vs variant 0, SRM and omnibus chi-square."""
    from scipy import stats

    n, c = imps.sum(axis=0), clicks.sum(axis=0)
    p = c / n
    pvals = []
    for j in range(1, len(n)):
        pool = (c[0] + c[j]) / (n[0] + n[j])
        z = (p[j] - p[0]) / math.sqrt(pool * (1 - pool) * (1 / n[0] + 1 / n[j]))
        pvals.append(2 * stats.norm.sf(abs(z)))
    return {
        "imps": n,
        "clicks": c,
        "ctr": p,
        "p_vs_control": pvals,
        "srm_p": stats.chisquare(n).pvalue,
        "omnibus_p": stats.chi2_contingency(np.vstack([c, n - c])).pvalue,
    }


def check(tb: dict, dy: dict, pdd: dict, qc_rows: list[dict], wx_rows: list[dict]) -> dict:
    problems = []

    def need(ok: bool, msg: str) -> None:
        if not ok:
            problems.append(msg)

    # Taobao: final state = the latest pull covering each date.
    final_pull = {}
    for first, last, stamp, _ in SYCM_SHOP_PULLS:
        for d in days(first, last):
            final_pull[d] = stamp.date()
    normal = []
    for d in ALL_DAYS:
        s, items = tb[d]["shop"], [m for m in tb[d]["items"].values() if m]
        need(s["visitors"] >= s["buyers"] > 0, f"tb visitors/buyers {d}")
        refund = tb_shop_refund(tb[d], d, final_pull[d])
        need(0 <= refund < s["gmv"], f"tb refund {d}")
        for k in ("visitors", "pageviews", "buyers", "gmv", "cart_buyers"):
            need(s[k] >= sum(m[k] for m in items), f"tb shop<sum {k} {d}")
        need(sum(m["sub_orders"] for m in items) <= s["sub_orders"], f"tb sub_orders {d}")
        if d >= Q4:
            prod_refund = sum(matured(m["refund_final"], d, SYCM_ITEM_PULLED.date(), TB_REFUND_MATURITY) for m in items)
            need(prod_refund <= refund + 0.001, f"tb product refund > shop {d}")
            share = sum(m["gmv"] for m in items) / s["gmv"]
            need(0.92 <= share <= 0.975, f"tb product gmv share {share:.3f} {d}")
        for m in items:
            need(m["visitors"] >= m["order_buyers"] >= m["buyers"], f"tb item funnel {d}")
            need(m["search_visitors"] >= m["search_buyers"], f"tb search {d}")
            need(m["refund_final"] < m["gmv"] or m["gmv"] == 0, f"tb item refund {d}")
        if promo(d, "taobao").gmv == 1 and promo(d, "taobao").cr == 1:
            normal.append(s["gmv"])
            need(23000 <= s["gmv"] <= 50000, f"tb gmv {s['gmv']:.0f} out of ~25-45k band {d}")
            need(0.028 <= s["buyers"] / s["visitors"] <= 0.042, f"tb cr {d}")
    nov_normal = [tb[d]["shop"]["gmv"] for d in days(dt.date(2026, 10, 1), dt.date(2026, 10, 19))]
    spike = tb[D1111]["shop"]["gmv"] / float(np.median(nov_normal))
    need(5 <= spike <= 8, f"tb 11-11 spike x{spike:.1f}")
    dspike = dy[D1111]["shop"]["paid"] / float(
        np.median([dy[d]["shop"]["paid"] for d in days(dt.date(2026, 10, 1), dt.date(2026, 10, 19))])
    )
    need(3.5 <= dspike <= 8, f"dy 11-11 spike x{dspike:.1f}")

    # Douyin
    for d in ALL_DAYS:
        s, items = dy[d]["shop"], list(dy[d]["items"].values())
        need(s["click_p"] >= s["buyers"] > 0, f"dy clicks>=buyers {d}")
        need(s["expo_p"] >= s["click_p"], f"dy expo>=clicks {d}")
        need(s["deal"] >= s["paid"], f"dy deal>=paid {d}")
        for k in ("paid", "deal", "orders", "buyers", "expo_p", "click_p"):
            need(s[k] >= sum(m[k] for m in items), f"dy shop<sum {k} {d}")
        for m in items:
            need(m["click_p"] >= m["buyers"] and m["expo_p"] >= m["click_p"], f"dy item funnel {d}")
            need(m["click_t"] >= m["click_p"] and m["expo_t"] >= m["expo_p"], f"dy item times {d}")
            need(m["refund_final"] < m["deal"], f"dy item refund {d}")
        if promo(d, "douyin").gmv == 1 and promo(d, "douyin").cr == 1:
            need(7000 <= s["paid"] <= 24000, f"dy gmv {s['paid']:.0f} out of ~8-20k band {d}")
        test = [r for r in qc_rows if r["date"] == d]
        if test:
            thermos = dy[d]["items"]["thermos"]
            need(thermos["expo_t"] >= sum(r["imps"] for r in test), f"qc impressions > product exposure {d}")
            need(thermos["click_p"] >= sum(r["clicks"] for r in test), f"qc clicks > product clicks {d}")
            need(thermos["orders"] >= sum(r["orders"] for r in test), f"qc orders > product orders {d}")
            _spend, contrib = dy_ad(dy, d, qc_rows)
            need(contrib >= sum(r["gmv"] for r in test), f"qc gmv > shop ad gmv {d}")
    for d, m in pdd.items():
        need(m["visitors"] >= m["buyers"] and m["refund_amount"] < m["gmv"], f"pdd {d}")

    # Taobao 万相台 ads vs the product
    for d in WX_DATES:
        wx = [r for r in wx_rows if r["date"] == d]
        m = tb[d]["items"]["thermos"]
        need(sum(r["clicks"] for r in wx) <= m["visitors"], f"wx clicks > product visitors {d}")
        need(sum(r["orders"] for r in wx) <= m["buyers"], f"wx orders > product buyers {d}")

    # The two tests
    def arrays(rows, dates, k):
        imps = np.array(
            [[next(r["imps"] for r in rows if r["date"] == d and r["j"] == j) for j in range(k)] for d in dates]
        )
        clicks = np.array(
            [[next(r["clicks"] for r in rows if r["date"] == d and r["j"] == j) for j in range(k)] for d in dates]
        )
        return imps, clicks

    qc = ctr_stats(*arrays(qc_rows, QC_DATES, 8))
    wx = ctr_stats(*arrays(wx_rows, WX_DATES, 8))
    for r in qc_rows:
        need(4000 <= r["imps"] <= 6000, f"qc daily impressions {r['imps']}")
    for r in wx_rows:
        need(600 <= r["imps"] <= 900, f"wx daily impressions {r['imps']}")
    need(qc["srm_p"] > 0.05 and wx["srm_p"] > 0.05, "SRM")
    need(qc["p_vs_control"][3] < 1e-6, "qc winner not significant")
    need(all(p > 0.05 for j, p in enumerate(qc["p_vs_control"]) if j != 3), "qc false winner")
    need(abs(qc["ctr"][4] / qc["ctr"][0] - 1.335) < 0.05, "qc lift")
    need(all(p > 0.05 for p in wx["p_vs_control"]) and wx["omnibus_p"] > 0.05, "wx not undecided")
    need(all(abs(x / 0.032 - 1) <= 0.05 for x in wx["ctr"]), "wx ctr band")
    if problems:
        raise SystemExit("sanity checks failed:\n  " + "\n  ".join(problems[:40]))
    return {"qc": qc, "wx": wx, "spike_tb": spike, "spike_dy": dspike}


SEAMS = {"taobao": START, "douyin": START, "pdd": Q4}  # the first day of each shop's shop-level exports


def check_history(hist: dict[str, dict], now: dict[str, dict]) -> dict:
    """Sanity checks of last year's history (`hist`/`now`: platform -> simulated days, last year's and this year's);
    returns per platform the seam ratio (mean GMV of the 7 days from the seam over the 7 days before it: every
    weekday once on each side), the 2025-11-11 spike over the median of 2025-10-01..10-14, and the GMV of
    2026-10-01..11-26 over the same days of 2025."""
    problems = []

    def need(ok: bool, msg: str) -> None:
        if not ok:
            problems.append(msg)

    def gmv(platform: str, d: dt.date) -> float:
        day = hist[platform].get(d) or now[platform][d]
        if platform == "pdd":
            return day["gmv"]
        return day["shop"]["gmv" if platform == "taobao" else "paid"]

    pulled = HISTORY_PULLED.date()
    for d, day in hist["taobao"].items():
        s, items = day["shop"], list(day["items"].values())
        need(s["visitors"] >= s["buyers"] > 0, f"tb hist visitors/buyers {d}")
        need(0 <= tb_shop_refund(day, d, pulled) < s["gmv"], f"tb hist refund {d}")
        for k in ("visitors", "pageviews", "buyers", "gmv", "cart_buyers", "sub_orders"):
            need(s[k] >= sum(m[k] for m in items), f"tb hist shop<sum {k} {d}")
        share = sum(m["gmv"] for m in items) / s["gmv"]
        need(0.92 <= share <= 0.975, f"tb hist product gmv share {share:.3f} {d}")
        for m in items:
            need(m["visitors"] >= m["order_buyers"] >= m["buyers"], f"tb hist item funnel {d}")
            need(m["refund_final"] < m["gmv"] or m["refund_final"] == m["gmv"] == 0, f"tb hist item refund {d}")
        need(0.025 <= s["buyers"] / s["visitors"] <= 0.07, f"tb hist cr {d}")
    for d, day in hist["douyin"].items():
        s, items = day["shop"], list(day["items"].values())
        need(s["click_p"] >= s["buyers"] > 0 and s["expo_p"] >= s["click_p"], f"dy hist funnel {d}")
        need(0 <= dy_shop_refund(day, d, pulled) < s["paid"], f"dy hist refund {d}")
        for k in ("paid", "deal", "orders", "buyers", "expo_p", "click_p"):
            need(s[k] >= sum(m[k] for m in items), f"dy hist shop<sum {k} {d}")
        for m in items:
            need(m["click_p"] >= m["buyers"] and m["expo_p"] >= m["click_p"], f"dy hist item funnel {d}")
            need(m["refund_final"] < m["deal"] or m["refund_final"] == m["deal"] == 0, f"dy hist item refund {d}")
    for d, m in hist["pdd"].items():
        need(m["visitors"] >= m["buyers"] > 0 and 0 <= m["refund_amount"] < m["gmv"], f"pdd hist {d}")

    stats: dict[str, dict[str, float]] = {}
    week = dt.timedelta(7)
    for platform, seam in SEAMS.items():
        before = sum(gmv(platform, d) for d in days(seam - week, seam - dt.timedelta(1)))
        after = sum(gmv(platform, d) for d in days(seam, seam + dt.timedelta(6)))
        spike = gmv(platform, _d(2025, 11, 11)) / float(
            np.median([gmv(platform, d) for d in days(_d(2025, 10, 1), _d(2025, 10, 14))])
        )
        q4 = days(Q4, END)
        yoy = sum(gmv(platform, d) for d in q4) / sum(gmv(platform, d - dt.timedelta(365)) for d in q4)
        stats[platform] = {"seam": after / before, "spike": spike, "yoy": yoy}
        # A shop's daily GMV varies around its level by about 8 % (taobao) to 15 % (douyin) (sd of the log ratio on
        # ordinary days), a week's mean by 3-6 %: a ratio outside +-15 % would be a visible step.
        need(0.85 <= after / before <= 1.15, f"{platform} seam jump x{after / before:.2f}")
        need(spike >= (4 if platform != "pdd" else 2), f"{platform} 2025-11-11 spike x{spike:.1f}")
        need(abs(yoy / GROWTH[platform] - 1) <= 0.15, f"{platform} Q4 year on year x{yoy:.2f}")
    if problems:
        raise SystemExit("history sanity checks failed:\n  " + "\n  ".join(problems[:40]))
    return stats


# --------------------------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------------------------


def md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


README_FILES = (  # files, what, shop, platform, canonical table
    (
        "`生意参谋_店铺整体_<first>_<last>.csv` ×5, `….xlsx` ×1 (2026-08)",
        "生意参谋 shop daily; GBK CSV, CRLF; Aug as xlsx (`Sheet1`, mixed text/number cells)",
        TB_SHOP,
        "taobao",
        "shop_daily",
    ),
    (
        "`【生意参谋平台】商品_全部_<d>_<d>.xls` ×57 (+1 ` (1)` copy)",
        "生意参谋 商品 (BIFF .xls, sheet `【生意参谋平台】1`, 4 blank rows, header row 5), 2026-10-01…11-26",
        TB_SHOP,
        "taobao",
        "product_daily",
    ),
    (
        "`抖店罗盘_成交概览_<d>.xlsx` ×149",
        "罗盘 成交概览, sheet `成交概览`, 1 data row, 2026-07-01…11-26",
        DY_SHOP,
        "douyin",
        "shop_daily",
    ),
    (
        "`抖店罗盘_商品列表_<d>.xlsx` ×57",
        "罗盘 商品列表, sheet `全部`, 2026-10-01…11-26",
        DY_SHOP,
        "douyin",
        "product_daily",
    ),
    (
        "`千川_素材分日_2026-11-01_2026-11-14.xlsx`",
        "千川 素材 per day, sheet `Sheet1`, `日期=全部` total rows first (drop them)",
        DY_SHOP,
        "douyin",
        "creative_daily",
    ),
    (
        f"`万相台_创意报表_{WX_PULLED:%Y%m%d_%H%M%S}.csv`",
        "万相台 创意报表, GB18030, LF, ratios as fractions",
        TB_SHOP,
        "taobao",
        "creative_daily",
    ),
    (
        f"`generic_shop_daily_{PDD_SHOP}.csv`",
        "generic connector, UTF-8, canonical headers, 2026-10-01…11-26",
        PDD_SHOP,
        "pdd",
        "shop_daily",
    ),
    (
        f"`generic_history_shop_daily_{TB_SHOP}.csv`",
        "去年同期 history: generic, UTF-8, canonical headers with a `platform` column, 2025-07-01…2026-06-30",
        TB_SHOP,
        "taobao",
        "shop_daily",
    ),
    (
        f"`generic_history_product_daily_{TB_SHOP}.csv`",
        "history, generic, all 8 products, 2025-07-01…2026-09-30",
        TB_SHOP,
        "taobao",
        "product_daily",
    ),
    (
        f"`generic_history_shop_daily_{DY_SHOP}.csv`",
        "history, generic (商品点击人数 as visitors and clicks, like 罗盘), 2025-07-01…2026-06-30",
        DY_SHOP,
        "douyin",
        "shop_daily",
    ),
    (
        f"`generic_history_product_daily_{DY_SHOP}.csv`",
        "history, generic, all 6 products, 2025-07-01…2026-09-30",
        DY_SHOP,
        "douyin",
        "product_daily",
    ),
    (
        f"`generic_history_shop_daily_{PDD_SHOP}.csv`",
        "history, generic, 2025-07-01…2026-09-30",
        PDD_SHOP,
        "pdd",
        "shop_daily",
    ),
)


def history_section(stats: dict) -> str:
    """The README's section on last year's history: files, growth, the seam, the promotion calendar."""

    def when(e: Event) -> str:
        span = f"{e.first}" if e.first == e.last else f"{e.first}…{e.last:%m-%d}"
        return ("≈ " if e.approx else "") + span

    def mult(p: Promo | None) -> str:
        return "-" if p is None else f"×{p.gmv:g}"

    events = "\n".join(
        md_row([when(e), e.name, mult(e.tb) + (f"→×{e.ramp[0]:g}" if e.ramp else ""),
                mult(e.dy) + (f"→×{e.ramp[1]:g}" if e.ramp else ""), f"×{(e.tb or e.dy).refund:g}"])
        for e in HISTORY_EVENTS
    )  # fmt: skip
    h = stats["history"]
    growth = "\n".join(
        md_row([shop, platform, f"×{GROWTH[platform]:g}", f"×{h[platform]['yoy']:.2f}", f"{SEAMS[platform]}",
                f"×{h[platform]['seam']:.3f}", f"×{h[platform]['spike']:.1f}"])
        for shop, platform in ((TB_SHOP, "taobao"), (DY_SHOP, "douyin"), (PDD_SHOP, "pdd"))
    )  # fmt: skip
    return f"""## Last year / 去年同期历史

每个店铺都有去年的日数据（generic CSV，每店一个店铺级文件、一个商品级文件），供「按去年同期节奏」和「按大促日历」
估计节奏与大促拉升：店铺级从 2025-07-01 到该店导出开始的前一天（旗舰店、抖音小店到 2026-06-30，拼多多店到
2026-09-30），商品级（全部在售商品）从 2025-07-01 到 2026-09-30。历史与导出的日期不重叠，导出的行不会被改写，
上面的数据回补不变。文件带 `platform` 列，`import 文件夹 --shop 店铺名` 无需 `--platform`。去年的大促见下表，
标 ≈ 的日期是近似值（2025 年天猫双11 提前到 10 月中旬开始，各阶段日期为近似）；11-11、12-12、03-08、06-18
当天及其后几天按当天固定。同比增长各店不同；两段数据在接缝处连续（接缝前后各 7 天的均值之比）。

Each shop has last year's daily history as generic canonical CSVs (one shop-level, one product-level file per
shop; the `platform` column names the platform, the folder the shop, as above): shop level from 2025-07-01 to
the day before the shop's exports start (2026-06-30 for 暖居旗舰店 and 暖居抖音小店, 2026-09-30 for 暖居拼多多店),
product level for every listed product from 2025-07-01 to 2026-09-30 (the product exports start 2026-10-01; the
July–September 2026 product rows come from the same simulation as that quarter's shop exports). The history's
dates never overlap an export's, so no export row is replaced and the revisions above are unchanged. Refunds are
final (pulled 2026-11-27), at this year's rates: 6.8 % (taobao) and 9.5 % (douyin, of 成交金额) of GMV, 8 % (pdd),
times the same promotion multipliers (up to ×1.75 on 11-11). Shop totals ≥ Σ products for every additive column;
listed products carry ~95 % of shop GMV. The level is this year's ordinary-day curve divided by the shop's
year-on-year growth (`history_level` in `data/make_samples.py`): a winter-goods season (rising from July to late
November, flat through January, back down by June) times steady growth, the same weekday pattern and noise as
this year's exports.

| shop | platform | growth (designed) | Q4 year on year ¹ | seam | seam ratio ² | 2025-11-11 spike ³ |
| --- | --- | --- | --- | --- | --- | --- |
{growth}

¹ GMV 2026-10-01…11-26 over the same days of 2025. ² Mean GMV of the 7 days from the seam (the first day of the
shop's shop-level exports) over the 7 days before it: every weekday once on each side. ³ 2025-11-11 GMV over the
median of 2025-10-01…10-14 (ordinary days before last year's 双11 started).

(Tmall's 2025 Q4 GMV grows less than ×1.3 because 2025's 双11 started in mid-October, so more of it fell before
11-01.)

Last year's promotions (multipliers over an ordinary day; `→` a ramp over the phase; pdd takes 60 % of the
Douyin GMV uplift, as this year). **≈: the dates are approximations**: Tmall's 2025 双11 started in mid-October
(预售 ≈10-15, first wave ≈10-20, second wave ≈11-01), and the phases of 双12, 年货节, 38节 and 618 2026 are
modelled on the usual calendar; they follow the dates of `shopkr/domain/promo_calendar.yaml` (the `calendar`
pace), so its uplift estimates find last year's phases where the calendar puts them. Exact: the promotions' own
days 2025-11-11, 2025-12-12, 2026-03-08, 2026-06-18 and the days right after them, and 春节 2026-02-17 (the
parcel-service pause around it is approximate). 99大促 is not simulated (this year's Q3 exports have none either);
this year's 双11 in the exports: carts fill from 10-20, 11-01…11-10 climbing, 11-11.

| dates | promotion | GMV Tmall (taobao) | GMV Douyin (douyin, pdd) | refund rate |
| --- | --- | --- | --- | --- |
{events}
"""


def readme(stats: dict, total_bytes: int, n_files: int) -> str:
    files_table = "\n".join(
        [md_row(["files", "what", "shop", "platform", "canonical table"]), md_row(["---"] * 5)]
        + [md_row(list(r)) for r in README_FILES]
    )

    def test_table(s: dict, ids, names) -> str:
        lines = [
            md_row(["#", "ID", "name", "impressions", "clicks", "CTR", "lift vs #1", "p vs #1 (z, raw)"]),
            md_row(["---"] * 8),
        ]
        for j in range(8):
            lift = "control" if j == 0 else f"{100 * (s['ctr'][j] / s['ctr'][0] - 1):+.1f}%"
            p = "-" if j == 0 else f"{s['p_vs_control'][j - 1]:.3g}"
            lines.append(
                f"| {j + 1} | `{ids[j]}` | {names[j]} | {s['imps'][j]:,} | {s['clicks'][j]:,} | "
                f"{100 * s['ctr'][j]:.2f}% | {lift} | {p} |"
            )
        lines.append(f"\nSRM chi-square p = {s['srm_p']:.3f}; omnibus CTR chi-square p = {s['omnibus_p']:.3g}.")
        return "\n".join(lines)

    tb_rows = "\n".join(f"| `{it.pid}` | {it.name} | {it.key} | {it.price:g} |" for it in TB_ITEMS)
    dy_rows = "\n".join(f"| `{it.pid}` | {it.name} | {it.key} | {it.price:g} |" for it in DY_ITEMS)
    return f"""# ShopKR demo exports / 演示数据

由 `data/make_samples.py` 生成（固定随机种子，重跑结果一致）。数值为虚构，但文件版式按真实平台导出复刻
（表头、sheet 名、容器、编码、`1,391`/`3.25%` 文本、`-`、19 位 ID 文本、千川 `全部` 汇总行等）。
平台导出的业务日期 2026-07-01 … 2026-11-26（今天 2026-11-27）；去年同期历史（generic CSV）从 2025-07-01 起，到各店
导出开始的前一天（见「去年同期历史」）。平台文件里**没有店铺名**，导入时按下表指定店铺。

Generated by `data/make_samples.py` (seeded; re-running is byte-identical). Invented numbers, real
layouts. Business dates of the platform exports 2026-07-01 … 2026-11-26; last year's history (generic CSVs)
from 2025-07-01 up to the day before each shop's exports start (see Last year). **The platform files do not
contain the shop name**: assign it on import as below. {n_files} files, {total_bytes / 1e6:.2f} MB.

## Files / 文件

{files_table}

数据回补：成功退款金额按支付日统计，约 7 天内持续增长（次日的行显示 `-`）；按文件名顺序导入并按 (platform, shop, date)
覆盖即得到最终值。

Revisions: 成功退款金额 is by payment date and keeps growing for ~7 days (a 1-day-old row
shows `-`). Pull times: 07 → 08-10, 08 → 09-09, 09 → 10-09, **10 → 11-01** (10-25…10-31 still
low), **10-25…11-07 → 11-08** (revises those days upward), **11 → 11-27** (revises 11-01…11-07
again; 11-19…11-26 still growing). Loading the shop files in file-name order and upserting on
(platform, shop, date) gives the correct final state. Other columns are identical across pulls.
The product `.xls` files and all 罗盘 files were back-filled on 2026-11-27 (recent refunds immature).
`… 2026-11-12_2026-11-12 (1).xls` is byte-identical to its original. On 2026-10-15 product
`{TB_ITEMS[5].pid}` (香薰蜡烛) is 已下架 and every metric is `-`. 罗盘 商品列表 has 加购人数 `-` on two rows.
Listed products carry ~95 % of shop GMV; shop totals ≥ Σ products for every additive column.

## Canonical mapping / 字段映射 (as read from exports.md; connectors decide)

- 生意参谋 店铺整体 → shop_daily: 统计日期→date, 访客数→visitors, 浏览量→pageviews, 支付买家数→buyers,
  支付子订单数→orders, 支付金额→gmv, 成功退款金额→refund_amount, 加购人数→cart_buyers
  (支付转化率, 客单价 are recomputed, not stored).
- 生意参谋 商品 → product_daily: 商品ID→product_id, 商品名称→product_name, 商品访客数→visitors,
  商品浏览量→pageviews, 支付买家数→buyers, 支付件数→units, 支付金额→gmv, 成功退款金额→refund_amount,
  商品加购人数→cart_buyers (no order count → orders NULL). 年/月累计 columns are snapshots: never sum.
- 罗盘 成交概览 → shop_daily: 日期→date, 成交人数→buyers, 成交订单数→orders, 用户支付金额→gmv
  (成交金额 is ~4 % higher: it includes platform subsidies), 退款金额(支付时间)→refund_amount,
  商品曝光人数→impressions, 商品点击人数→clicks, 投放消耗(店铺被投)→ad_spend; no visitors.
- 罗盘 商品列表 → product_daily: 统计周期→date, 商品编码→product_id, 成交人数→buyers, 成交订单数→orders,
  成交件数→units, 用户支付金额→gmv, 成交退款金额→refund_amount, 加购人数→cart_buyers,
  商品曝光人数→impressions, 商品点击人数→clicks (人数, like the shop file).
- 千川 素材分日 → creative_daily: 素材ID→creative_id, 素材名称→creative_name, 整体展示次数→impressions,
  整体点击次数→clicks, 整体消耗→spend, 整体成交订单数→orders, 整体成交金额→gmv; product_id is not in the
  file (= Douyin 保温杯 `{DY_ITEMS[0].pid}`).
- 万相台 创意报表 → creative_daily: 创意ID, 创意名称, 主体ID→product_id, 展现量, 点击量, 花费,
  总成交笔数→orders, 总成交金额→gmv.
- generic CSV: headers are already canonical; the shop is the folder's (`--shop`), the platform the `platform`
  column (`pdd` in `{PDD_DIR}/`, `taobao` and `douyin` in the history files of the other two folders).

## Products / 商品

{TB_SHOP} (taobao, 商品ID 12 digits):

| 商品ID | 商品名称 | key | list price |
|---|---|---|---|
{tb_rows}

{DY_SHOP} (douyin, 商品编码 19 digits, text):

| 商品编码 | 商品名称 | key | list price |
|---|---|---|---|
{dy_rows}

## A/B tests / 主图测试

### 1. 千川 保温杯主图 (douyin, {DY_SHOP}) — real winner

Product `{DY_ITEMS[0].pid}` ({DY_ITEMS[0].name}); dates 2026-11-01 … 2026-11-14; 8 creatives with an
equal split; control = 保温杯主图1 (`{QC_IDS[0]}`). Designed CTRs: control 2.00 %, 主图5 2.67 %
(≈ +33 %), others 1.93–2.10 %. 预期结论：主图5 显著胜出。
**Expected outcome: 保温杯主图5 wins** (significant after Holm over 7
comparisons; no SRM). Creative IDs in order: {", ".join(f"`{x}`" for x in QC_IDS)}.

{test_table(stats["qc"], QC_IDS, QC_NAMES)}

### 2. 万相台 保温杯主图测图 (taobao, {TB_SHOP}) — undecided

Product (主体ID) `{TB_ITEMS[0].pid}` ({TB_ITEMS[0].name}); 计划ID `{WX_CAMPAIGN[0]}` {WX_CAMPAIGN[1]};
dates 2026-11-12 … 2026-11-26 (still running); control = 主图1 (`880100`); creative IDs
{", ".join(f"`{x}`" for x in WX_IDS)} = 主图1 … 主图8. Designed CTRs all within ±4 % of 3.2 %,
600–900 impressions per variant per day. 预期结论：尚无显著差异（继续测试）。
**Expected outcome: inconclusive** (no variant significant).

{test_table(stats["wx"], WX_IDS, WX_NAMES)}

{history_section(stats)}"""


# --------------------------------------------------------------------------------------------


GENERATED_PREFIXES = (
    "生意参谋_店铺整体_",
    "【生意参谋平台】商品_全部_",
    "抖店罗盘_",
    "千川_素材分日_",
    "万相台_创意报表_",
    "generic_shop_daily_",
    "generic_history_",
    "README.md",
)


def main() -> None:
    for sub in (TB_DIR, DY_DIR, PDD_DIR):
        (OUT / sub).mkdir(parents=True, exist_ok=True)
    for old in OUT.rglob("*"):  # regenerate from scratch (only files this script owns)
        if old.is_file() and old.name.startswith(GENERATED_PREFIXES):
            old.unlink()
    tb = simulate_taobao(rng_for(1))
    dy = simulate_douyin(rng_for(2))
    qc_rows = simulate_qianchuan(rng_for(3))
    wx_rows = simulate_wanxiang(rng_for(4))
    pdd = simulate_pdd(rng_for(5))
    stats = check(tb, dy, pdd, qc_rows, wx_rows)
    hist = {
        "taobao": simulate_taobao(rng_for(6), last_year("taobao", HIST_SHOP_END)),
        "douyin": simulate_douyin(rng_for(7), last_year("douyin", HIST_SHOP_END)),
        "pdd": simulate_pdd(rng_for(8), last_year("pdd", HIST_ITEM_END)),
    }
    stats["history"] = check_history(hist, {"taobao": tb, "douyin": dy, "pdd": pdd})

    names = []
    names += export_sycm_shop(tb)
    names += export_sycm_items(tb)
    names += export_compass_overview(dy, qc_rows)
    names += export_compass_items(dy)
    names += export_qianchuan(qc_rows)
    names += export_wanxiang(wx_rows)
    names += export_generic(pdd)
    names += export_history_taobao(hist["taobao"], tb)
    names += export_history_douyin(hist["douyin"], dy)
    names += export_history_pdd(hist["pdd"])

    total = sum((OUT / n).stat().st_size for n in names)
    (OUT / "README.md").write_text(readme(stats, total, len(names)), encoding="utf-8")
    print(f"{len(names)} files, {total / 1e6:.2f} MB in {OUT}")
    print(f"taobao 11-11 = x{stats['spike_tb']:.1f} a normal October day; douyin x{stats['spike_dy']:.1f}")
    for platform, h in stats["history"].items():
        print(
            f"{platform} history: seam x{h['seam']:.3f} (7 days after / before), 2025-11-11 x{h['spike']:.1f} an "
            f"ordinary October day, Q4 to 11-26 x{h['yoy']:.2f} last year (growth {GROWTH[platform]})"
        )
    for label in ("qc", "wx"):
        s = stats[label]
        print(
            label,
            "CTR",
            " ".join(f"{100 * x:.2f}%" for x in s["ctr"]),
            f"SRM p={s['srm_p']:.3f} omnibus p={s['omnibus_p']:.3g}",
            "p vs control",
            " ".join(f"{p:.3g}" for p in s["p_vs_control"]),
        )


if __name__ == "__main__":
    main()
