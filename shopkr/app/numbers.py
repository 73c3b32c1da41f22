"""Numbers as people read them: one formatter, keyed on the unit, for the pages, the CLI text and the charts.

Each catalogue metric declares its unit (`shopkr.domain.metrics.Metric.unit`: yuan, count, rate, multiple); the
engine adds score (manual KRs) and number (SQL KRs); the A/B report adds change (relative lift), probability and
p_value. `fmt` renders any of them in 简体中文 or English with babel's CLDR data (locales zh_Hans_CN, en_US):
thousands separators, percentages, and the compact forms people say, 268.7万 / 1.2亿 in Chinese and 2.7M in
English (`compact=True`, for amounts and counts). Values are rounded half away from zero (四舍五入) on the
decimal value as Python writes it (`repr`), so 0.0385 shows as 3.9%, never 3.8%. None and NaN show as "–".

Machine output (JSON, CSV) never goes through here: it carries full precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Literal, get_args

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal, format_percent, parse_pattern

from shopkr.app.i18n import Lang
from shopkr.domain.metrics import CATALOGUE

Unit = Literal["yuan", "count", "number", "rate", "multiple", "score", "change", "probability", "p_value"]
UNITS: tuple[str, ...] = get_args(Unit)
COMPACT_UNITS = ("yuan", "count", "number")  # units that have a compact form (万/亿, K/M/B)
COMPACT_DIGITS = 1  # 268.7万, 1.2亿, 2.7M: one decimal of the compact unit
DASH = "–"  # what the pages, the terminal tables and the 日报 show for a missing number
CURRENCY = "¥"  # yuan, as 生意参谋 and 抖店 write it (babel's en_US symbol for CNY would be "CN¥")
LOCALES: dict[str, str] = {"zh": "zh_Hans_CN", "en": "en_US"}


def fmt(
    value: object,
    unit: str,
    lang: Lang = "zh",
    *,
    compact: bool = False,
    digits: int | None = None,
    signed: bool = False,
    symbol: bool = False,
) -> str:
    """`value` as a person reads it, by unit (fractions for rate, change and probability: 0.0375 is 3.75%):

    - yuan: 2,687,129 (no decimals from 100 up, nor for whole yuan), 12.50 below; `symbol` adds ¥ (-¥1,234);
    - count, number: 1,234 for whole numbers, else two decimals (1,234.57);
    - rate: 3.75% (two decimals; a tiny non-zero rate keeps two significant digits: 0.0012%, never 0.00%);
    - multiple, score: two decimals (1.37, 0.50);
    - change: a relative change, always signed: +33% from 10% up, +4.1% below;
    - probability: 33%, "> 99%" just under 1 and "< 1%" just over 0 (never a rounded 100% or 0%);
    - p_value: 0.012, "< 0.001" below the last shown digit.

    `compact` (yuan, count and number only; ignored for the other units) gives CLDR's short form from the
    locale's first compact unit up, with `digits` decimals (default 1, trailing zeros dropped): zh 268.7万,
    1.2亿, 1万亿 from 10,000; en 2.7M, 41K from 1,000. Below that the full form is used. `digits` overrides the
    decimals of any unit; `signed` adds "+" to positive values. None, NaN and ±inf give "–". Rounding is half
    away from zero on the decimal value (a negative that rounds to zero shows as 0, never -0).
    Raises ValueError for an unknown unit and TypeError for a value that is not a number.
    Source of the compact forms and separators: the CLDR data shipped with babel."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; allowed: {', '.join(UNITS)}")
    x = _number(value)
    if x is None:
        return DASH
    locale = _locale(lang)
    if unit in ("rate", "change", "probability"):
        return _percent(x, unit, locale, digits, signed)
    if unit == "p_value":
        d = 3 if digits is None else digits
        floor = Decimal(1).scaleb(-d)
        if x < floor:
            return f"< {format_decimal(floor, format=_pattern(d), locale=locale)}"
        return format_decimal(_round(x, d), format=_pattern(d, signed), locale=locale)
    if compact and unit in COMPACT_UNITS:
        text = _compact(x, locale, COMPACT_DIGITS if digits is None else digits, signed)
        if text is not None:
            return _with_symbol(text) if symbol and unit == "yuan" else text
    if digits is not None:
        d = digits
    elif unit == "yuan":
        d = 0 if abs(x) >= 100 or x.is_integer() else 2
    elif unit in ("count", "number"):
        d = 0 if x.is_integer() else 2
    else:  # multiple, score
        d = 2
    text = format_decimal(_round(x, d), format=_pattern(d, signed), locale=locale)
    return _with_symbol(text) if symbol and unit == "yuan" else text


def formatter(unit: str, lang: Lang = "zh", *, scale: float = 1.0, **options: object) -> Callable[[object], str]:
    """`fmt` as a one-argument function (for pandas Styler.format and column formats): each value is
    multiplied by `scale` first (0.01 for a column already in percent), then formatted with `options`."""

    def one(value: object) -> str:
        x = _number(value)
        return fmt(None if x is None else x * scale, unit, lang, **options)  # type: ignore[arg-type]

    return one


def part_units(metric: str | None) -> tuple[str, str]:
    """(numerator unit, denominator unit) of a catalogue metric, from the catalogue's sums of the same columns:
    aov = gmv / buyers gives ("yuan", "count"); a sum gives its own unit twice; an unknown metric (SQL KRs)
    gives ("number", "number")."""
    m = CATALOGUE.get(metric or "")
    if m is None:
        return "number", "number"
    if m.kind == "sum":
        return m.unit, m.unit

    def unit_of(column: str | None) -> str:
        part = CATALOGUE.get(column or "")
        return part.unit if part is not None else "count"

    return unit_of(m.numerator), unit_of(m.denominator)


# --- charts (plotly) and tables (Streamlit) -------------------------------------------------------------------


def plotly_format(unit: str, *, digits: int | None = None) -> str:
    """The d3-format string (plotly's tickformat and %{y:...} in hover templates) for `unit`, with the digits
    `fmt` uses for its full form: yuan and count ",.0f", number ",.2~f", rate ".2%", multiple and score ".2f",
    change "+.1%", probability ".0%", p_value ".3f". `digits` overrides the decimals (an axis of rates uses 1).
    Raises ValueError for an unknown unit."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; allowed: {', '.join(UNITS)}")
    default = {
        "yuan": (",.{}f", 0),
        "count": (",.{}f", 0),
        "number": (",.{}~f", 2),
        "rate": (".{}%", 2),
        "multiple": (",.{}f", 2),
        "score": (".{}f", 2),
        "change": ("+.{}%", 1),
        "probability": (".{}%", 0),
        "p_value": (".{}f", 3),
    }
    pattern, d = default[unit]
    return pattern.format(d if digits is None else digits)


def axis(
    values: Iterable[object], unit: str, lang: Lang = "zh", *, digits: int | None = None, zero: bool = False
) -> dict[str, object]:
    """Settings for a plotly axis showing `values` in `unit` (pass them to update_xaxes/update_yaxes); `zero`
    extends the ticks to 0 (bar charts, whose axis always starts at 0).

    Amounts and counts whose round tick step (`nice_ticks` over the values' range) reaches the locale's first compact
    unit (zh 10,000, en 1,000), so that every tick but 0 has a compact form, get those ticks labelled by
    `fmt(..., compact=True)`: 0, 100万, 200万 in Chinese, 0, 1M, 2M in English (plotly's d3-format has no 万).
    Otherwise {"tickformat": plotly_format(unit, digits=digits)}: 0, 2,500, 5,000."""
    plain = {"tickformat": plotly_format(unit, digits=digits)}
    finite = [x for x in (_number(v) for v in values) if x is not None]
    if unit not in COMPACT_UNITS or not finite:
        return plain
    extra = [0.0] if zero or min(finite) == max(finite) else []  # one value: ticks from 0 to it
    ticks = nice_ticks(min([*finite, *extra]), max([*finite, *extra]))
    if len(ticks) < 2 or ticks[1] - ticks[0] < _compact_from(_locale(lang)):
        return plain
    text = ["0" if t == 0 else fmt(t, unit, lang, compact=True, digits=6) for t in ticks]
    return {"tickmode": "array", "tickvals": ticks, "ticktext": text}


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """About `count` round tick values covering lo..hi, steps of 1, 2, 2.5 or 5 × 10^k (the "nice numbers" of
    Heckbert, Graphics Gems, 1990). Written here because plotly picks its own ticks only when it also labels
    them, and its labels cannot say 万. lo == hi gives one tick."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("tick range must be finite")
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        return [lo]
    raw = (hi - lo) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first, last = math.floor(lo / step), math.ceil(hi / step)
    return [round(i * step, 10) for i in range(first, last + 1)]


def hover_texts(values: Iterable[object], unit: str, lang: Lang = "zh") -> list[str]:
    """Each value's full form (`fmt`), for a trace's customdata and a "%{customdata}" hover template: the
    hover of a chart then reads exactly like the page and the CLI."""
    return [fmt(v, unit, lang) for v in values]


def column_format(unit: str) -> str:
    """A Streamlit NumberColumn format for a table column in `unit`: printf forms with thousands separators
    ("%,.2f" for yuan, number and multiple, "%,.0f" for count, "%.2f" for score) and "percent" for rate,
    change and probability (0.0375 -> 3.75%, Streamlit's preset). Streamlit's "compact" preset follows the
    browser's language rather than the page's, so tables keep full numbers. Raises ValueError for an unknown
    unit."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; allowed: {', '.join(UNITS)}")
    return {
        "yuan": "%,.2f",
        "count": "%,.0f",
        "number": "%,.2f",
        "multiple": "%,.2f",
        "score": "%.2f",
        "p_value": "%.3f",
    }.get(unit, "percent")


# --- helpers ---------------------------------------------------------------------------------------------------


def _number(value: object) -> float | None:
    """A finite float, or None for None, NaN, ±inf and pandas' NA/NaT."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, str):
        raise TypeError(f"not a number: {value!r}")
    x = float(value)  # type: ignore[arg-type]  # raises TypeError for what is not a number
    return x if math.isfinite(x) else None


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(LOCALES.get(lang, LOCALES["zh"]))


def _round(x: float | Decimal, digits: int) -> Decimal:
    """x rounded half away from zero to `digits` decimals; zero without a sign."""
    d = (x if isinstance(x, Decimal) else Decimal(repr(x))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return d if d != 0 else abs(d)


def _pattern(digits: int, signed: bool = False, suffix: str = "") -> str:
    """A CLDR number pattern: grouping, `digits` decimals, "+" on positives when signed."""
    body = "#,##0" + ("." + "0" * digits if digits > 0 else "") + suffix
    return f"+{body};-{body}" if signed else body


def _percent(x: float, unit: str, locale: Locale, digits: int | None, signed: bool) -> str:
    pct = Decimal(repr(x)) * 100
    if unit == "change":
        d = digits if digits is not None else 0 if abs(_round(pct, 1)) >= 10 else 1
        signed = True
    elif unit == "probability":
        d = 0 if digits is None else digits
        shown, unit_step = _round(pct, d), Decimal(1).scaleb(-d)
        if x < 1 and shown >= 100:
            return "> " + format_percent((100 - unit_step) / 100, format=_pattern(d, suffix="%"), locale=locale)
        if x > 0 and shown == 0:
            return "< " + format_percent(unit_step / 100, format=_pattern(d, suffix="%"), locale=locale)
    else:
        d = 2 if digits is None else digits
        if x != 0 and _round(pct, d) == 0:  # 0.0000123 -> 0.0012%, not 0.00%
            d = min(12, max(d, 1 - math.floor(math.log10(abs(float(pct))))))
    return format_percent(_round(pct, d) / 100, format=_pattern(d, signed, "%"), locale=locale)


@cache
def _compact_steps(locale: Locale) -> tuple[tuple[int, int], ...]:
    """(magnitude, divisor) of the locale's short compact forms, largest first: zh (10000, 10000) for 0万,
    (100000, 10000) for 00万 ...; magnitudes whose pattern is a plain "0" (no compact form) are left out."""
    steps = []
    for magnitude, pattern in locale.compact_decimal_formats["short"]["other"].items():
        text = parse_pattern(pattern).pattern
        if text != "0":
            steps.append((int(magnitude), int(magnitude) // 10 ** (text.count("0") - 1)))
    return tuple(sorted(steps, reverse=True))


def _compact_from(locale: Locale) -> int:
    """The smallest value with a compact form: 10000 in zh (1万), 1000 in en (1K)."""
    return min(m for m, _ in _compact_steps(locale))


def _compact(x: float, locale: Locale, digits: int, signed: bool) -> str | None:
    """babel's compact form of x, or None below the first compact unit. The mantissa is rounded here (half away
    from zero) and babel gets the rounded value, so 99,999,999 becomes 1亿, not babel's 10000万."""
    magnitude = abs(x)
    step = next(((m, div) for m, div in _compact_steps(locale) if magnitude >= m), None)
    if step is None:
        return None
    rounded = _round(Decimal(repr(x)) / step[1], digits) * step[1]
    text = format_compact_decimal(rounded, locale=locale, fraction_digits=digits)
    return "+" + text if signed and rounded > 0 else text


def _with_symbol(text: str) -> str:
    """¥ after the sign: -¥1,234, +¥5万."""
    return text[0] + CURRENCY + text[1:] if text[:1] in "+-" else CURRENCY + text
