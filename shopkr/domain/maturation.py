"""Provisional values: how long a day's value keeps changing after the day (a maturation curve), pure maths.

Some columns are revised for days after the fact: refunds by payment date keep arriving (生意参谋 refund rates by
payment date still rise six days later and settle after about two weeks), and 千川/万相台 attribute orders and GMV
to a creative for days after the click (attribution windows of 7/14/30 days). A newer pull then replaces the rows,
and the store keeps what it replaced (`revisions`). From those revisions this module estimates, per shop, table and
column, the share of a day's final value already seen at each age, and so when a day is final.

Age: days between a day and the last business date of the data it was seen in (a file pulled on 11-27 holds data
through 11-26: 11-26 is seen at age 0, 11-20 at age 6). The import's last business date is used rather than the
wall-clock time of the import because files are often imported in batches long after they were pulled (the demo
loads a whole autumn of pulls at once). A day is still settling while `reference - day < days` (the curve's
maturation period), where the reference is `as_of` capped at the scope's last data date; it is final on
`day + days`.

Estimate (`estimate`): each revision gives two observations of one (day, column): the old value at the old pull's
age and the new value at the new pull's age, each divided by the day's final value (the newest value seen, i.e.
what the table holds now; a value still settling makes the curve look more mature than it is, never less). Per
age the median of those ratios (values summed over the products / creatives of a day first), made monotone with
scipy's isotonic regression weighted by the number of days, capped to [0, 1]. The period is the first age whose
fitted share reaches 1 - TOLERANCE. Too little history (fewer than MIN_DAYS revised days) gives the default.

Defaults (`DEFAULT_DAYS`, issue 10): refund_amount (by payment date, shop and product tables) still grows for 14
days; creative_daily gmv and orders (千川/万相台 attribution) for 7 days. The default shape is concave, as refunds
and attributed sales arrive mostly early: share(age) = 1 - (1 - (age + 1) / (days + 1))^2 (an assumption, not
measured; the estimate from the shop's own revisions replaces it as soon as there is enough history).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

# Days a column's value still changes after the day when the shop's own revisions say too little (issue 10:
# "refund_amount by payment date: still growing for 14 days; 千川/万相台 attributed gmv and orders: 7 days").
DEFAULT_DAYS: dict[tuple[str, str], int] = {
    ("shop_daily", "refund_amount"): 14,
    ("product_daily", "refund_amount"): 14,
    ("creative_daily", "gmv"): 7,
    ("creative_daily", "orders"): 7,
}
# Fewer revised days than this for a (shop, table, column): too little history, the default applies. A judgement:
# one week of revised days (one re-pull of a weekly export) is the least that shows the shape.
MIN_DAYS = 5
# A share within this of 1 counts as final (1 %: below the rounding a shop operator reads refund rates at).
TOLERANCE = 0.01
# Ages beyond this are not used (no platform revises a day after two months; a wrong file date would otherwise
# stretch the curve).
MAX_AGE = 60
# The forecast correction divides a settling day's value by its matured share, at least this much: a day seen at
# age 0 with a share of a few percent would otherwise multiply its noise (or a one-off refund) many times. A
# judgement: at most ×4.
MIN_SHARE = 0.25


@dataclass(frozen=True)
class Observation:
    """A (shop, table, column, day) value as seen at `age` days (see the module doc), and its final value; the
    sums over the products / creatives of the day seen in the same pull. Amounts in yuan, counts as floats."""

    shop: str
    table: str
    column: str
    day: dt.date
    age: int
    seen: float
    final: float


@dataclass(frozen=True)
class Curve:
    """How a column of a table matures: `shares[a]` is the share of a day's final value seen at age a (0 <= a <
    days); from age `days` on the day is final. `source`: "history" (estimated from `revised_days` days of
    revisions) or "default" (DEFAULT_DAYS)."""

    table: str
    column: str
    days: int
    shares: tuple[float, ...]
    source: Literal["history", "default"]
    revised_days: int = 0

    def share(self, age: int) -> float:
        """The matured share at `age` days (1.0 from `days` on; 0.0 for a negative age: a day not seen yet)."""
        if age < 0:
            return 0.0
        return 1.0 if age >= self.days else self.shares[age]


def default_curve(table: str, column: str) -> Curve | None:
    """The documented default for a (table, column) of DEFAULT_DAYS (see the module doc), None for columns that
    do not settle by default."""
    days = DEFAULT_DAYS.get((table, column))
    if days is None:
        return None
    ages = np.arange(days)
    shares = 1.0 - (1.0 - (ages + 1) / (days + 1)) ** 2
    return Curve(table, column, days, tuple(float(s) for s in shares), "default")


def estimate(observations: Sequence[Observation], table: str, column: str) -> Curve | None:
    """The curve of one shop's (table, column) from its observations (see the module doc), or None when they
    cover fewer than MIN_DAYS days (the caller then takes `default_curve`). Observations whose final value is not
    positive, or whose age is outside 0..MAX_AGE, are left out."""
    from scipy.optimize import isotonic_regression

    usable = [o for o in observations if o.final > 0 and 0 <= o.age <= MAX_AGE]
    revised = len({o.day for o in usable})
    if revised < MIN_DAYS:
        return None
    by_age: dict[int, list[float]] = defaultdict(list)
    for o in usable:
        by_age[o.age].append(max(o.seen, 0.0) / o.final)
    ages = np.array(sorted(by_age))
    medians = np.array([np.median(by_age[a]) for a in ages])
    weights = np.array([len(by_age[a]) for a in ages], dtype=float)
    fitted = np.clip(isotonic_regression(medians, weights=weights).x, 0.0, 1.0)
    done = np.flatnonzero(fitted >= 1.0 - TOLERANCE)
    if len(done):
        days = int(ages[done[0]])
    else:  # never seen final: at least one day past the oldest age seen, and no shorter than the default
        fallback = default_curve(table, column)
        days = max(int(ages[-1]) + 1, fallback.days if fallback else 0)
    if days == 0:
        return Curve(table, column, 0, (), "history", revised)
    known = ages < days
    xp = np.r_[-1, ages[known], days]
    fp = np.r_[0.0, fitted[known], 1.0]
    shares = np.interp(np.arange(days), xp, fp)
    return Curve(table, column, days, tuple(float(s) for s in shares), "history", revised)


def curves(observations: Iterable[Observation]) -> dict[tuple[str, str, str], Curve]:
    """Per (shop, table, column) with enough history, the estimated curve (`estimate`); the others are absent
    (use `curve_for`, which falls back to the default)."""
    groups: dict[tuple[str, str, str], list[Observation]] = defaultdict(list)
    for o in observations:
        groups[(o.shop, o.table, o.column)].append(o)
    out = {}
    for (shop, table, column), obs in groups.items():
        curve = estimate(obs, table, column)
        if curve is not None:
            out[(shop, table, column)] = curve
    return out


def curve_for(
    estimated: Mapping[tuple[str, str, str], Curve], shop: str | None, table: str, column: str
) -> Curve | None:
    """The curve a scope uses: its shop's estimate, else the default. A scope over every shop (`shop` None)
    takes the slowest of the default and every shop's estimate for that table and column (its days settle when
    the slowest shop's do). None: the column does not settle."""
    if shop is not None and (shop, table, column) in estimated:
        return estimated[(shop, table, column)]
    default = default_curve(table, column)
    if shop is not None:
        return default
    found = [c for (_, t, col), c in estimated.items() if t == table and col == column]
    if default is not None:
        found.append(default)
    return max(found, key=lambda c: (c.days, c.source == "default")) if found else None


@dataclass(frozen=True)
class Settling:
    """The days of a KR's window still settling at its reference date: `first`..`last` (inclusive), final on
    `final_on` (the last day plus its curve's days), for `columns`; `share` is the part of the KR's value (its
    numerator sum; the denominator's when only that settles) from those days, None when that sum is zero."""

    first: dt.date
    last: dt.date
    final_on: dt.date
    columns: tuple[str, ...]
    share: float | None


def settling_window(curve: Curve, reference: dt.date, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days of `start`..`end` still settling at `reference` (see the module doc), or None when none is."""
    first = max(start, reference - dt.timedelta(days=curve.days - 1))
    last = min(end, reference)
    return (first, last) if curve.days > 0 and first <= last else None


def corrected(values: np.ndarray, first: dt.date, reference: dt.date, curve: Curve) -> np.ndarray:
    """`values` (daily sums, element i for day first + i; NaN without data) with each settling day's value divided
    by its matured share at `reference` (at least MIN_SHARE): the expected final value of each day. Days from
    `curve.days` old on are unchanged. Shape preserved; a new array."""
    out = np.array(values, dtype=float, copy=True)
    n = len(out)
    ref = (reference - first).days
    for age in range(min(curve.days, ref + 1)):
        i = ref - age
        if 0 <= i < n:
            out[i] = out[i] / max(curve.share(age), MIN_SHARE)
    return out
