"""The canonical tables, declared once: columns, types and natural keys.

Connectors produce these columns; `shopkr.data.store` creates the tables from this declaration and checks
every staged frame against it before writing. A metric a source does not have is NULL, never 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

Kind = Literal["date", "id", "text", "int", "money", "platform"]

# DuckDB type for each column kind. Money is DOUBLE in yuan; counts are BIGINT; IDs are text so a
# 19-digit Douyin ID survives.
SQL_TYPE: dict[Kind, str] = {
    "date": "DATE",
    "id": "VARCHAR",
    "text": "VARCHAR",
    "int": "BIGINT",
    "money": "DOUBLE",
    "platform": "VARCHAR",
}


@dataclass(frozen=True)
class Table:
    """A canonical table: ordered columns with kinds, and the natural key."""

    name: str
    columns: dict[str, Kind]
    key: tuple[str, ...]
    # The metric columns whose value on a platform's total row is the plain sum of the rows it covers: amounts and
    # counts of items, page views and ad events. A row with a "-" key is taken as a total only when these add up
    # (connectors.base `_drop_dash_totals`). Counts of people are left out: a platform de-duplicates them on a
    # total row (a visitor or buyer of two products counts once: Σ 商品访客数 ≥ 访客数, exports.md §0.8), and so
    # are product-level orders (an order of two products counts for each) and 罗盘's 商品曝光人数/点击人数 (people,
    # read as impressions/clicks). JD's importer checks its 合计 row the same way, on 成交金额 and 成交商品件数.
    additive: tuple[str, ...] = ()

    @functools.cached_property
    def metrics(self) -> tuple[str, ...]:
        """Metric columns (counts and amounts, summed over days and products; `additive` says which of them a
        platform's total row holds the plain sum of); computed once (the engine asks thousands of times)."""
        return tuple(c for c, k in self.columns.items() if k in ("int", "money"))


SHOP_DAILY = Table(
    "shop_daily",
    {
        "platform": "platform",
        "shop": "text",
        "date": "date",
        "visitors": "int",
        "pageviews": "int",
        "buyers": "int",
        "orders": "int",
        "units": "int",
        "gmv": "money",
        "refund_amount": "money",
        "cart_buyers": "int",
        "impressions": "int",
        "clicks": "int",
        "ad_spend": "money",
    },
    ("platform", "shop", "date"),
)

PRODUCT_DAILY = Table(
    "product_daily",
    {
        "platform": "platform",
        "shop": "text",
        "date": "date",
        "product_id": "id",
        "product_name": "text",
        "visitors": "int",
        "pageviews": "int",
        "buyers": "int",
        "orders": "int",
        "units": "int",
        "gmv": "money",
        "refund_amount": "money",
        "cart_buyers": "int",
        "impressions": "int",
        "clicks": "int",
    },
    ("platform", "shop", "date", "product_id"),
    additive=("pageviews", "units", "gmv", "refund_amount"),
)

CREATIVE_DAILY = Table(
    "creative_daily",
    {
        "platform": "platform",
        "shop": "text",
        "date": "date",
        "creative_id": "id",
        "creative_name": "text",
        "product_id": "id",
        "impressions": "int",
        "clicks": "int",
        "spend": "money",
        "orders": "int",
        "gmv": "money",
    },
    ("platform", "shop", "date", "creative_id"),
    additive=("impressions", "clicks", "spend", "orders", "gmv"),
)

TABLES: dict[str, Table] = {t.name: t for t in (SHOP_DAILY, PRODUCT_DAILY, CREATIVE_DAILY)}

# Platforms a shop can be on. Anything else loaded through the generic connector must say which.
PLATFORMS = ("taobao", "douyin", "pdd", "jd", "other")


# --- rollups: derived tables the store keeps in step with a canonical table ----------------------------------


@dataclass(frozen=True)
class Rollup:
    """A table of a canonical table's daily sums per (platform, shop, date), kept in step with it by the store's
    write path (shopkr.data.store.refresh_rollup), so a KR on a whole shop's products reads a few hundred rows
    instead of every product row. `rows` counts the source rows behind each rollup row."""

    source: str
    table: str
    keys: tuple[str, ...] = ("platform", "shop", "date")

    def serves(self, table: str, filters: tuple[str, ...]) -> bool:
        """Whether a scope on `table` filtered on `filters` (column names) can read the rollup instead."""
        return table == self.source and set(filters) <= set(self.keys)


# product_daily of 10M rows (5 shops x 20,000 products x 100 days) -> 500 rows: a shop-wide product KR's scan
# drops from ~80 ms to ~2 ms (bench/bench_score.py); shopkr.domain.metrics reads it.
ROLLUPS: dict[str, Rollup] = {"product_daily": Rollup("product_daily", "product_shop_daily")}
