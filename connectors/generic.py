"""Generic CSV/xlsx whose headers are canonical column names, for shops on any other platform.

The table follows from the columns: product_id -> product_daily, creative_id -> creative_daily, else
shop_daily. It needs `date` and at least one metric column; the platform comes from a `platform` column
or from --platform. Other columns are reported as ignored.
"""

from __future__ import annotations

from connectors.base import Col, Source
from connectors.canonical import CREATIVE_DAILY, PRODUCT_DAILY, SHOP_DAILY, Table

ALL_COLUMNS = set(SHOP_DAILY.columns) | set(PRODUCT_DAILY.columns) | set(CREATIVE_DAILY.columns)


def table_for(headers: list[str]) -> Table:
    """The canonical table a generic file feeds, from its columns."""
    names = {h.lower() for h in headers}
    if "creative_id" in names:
        return CREATIVE_DAILY
    if "product_id" in names:
        return PRODUCT_DAILY
    return SHOP_DAILY


def source_for(headers: list[str]) -> Source:
    """A Source for this file's columns (header match is case-insensitive)."""
    table = table_for(headers)
    lowered = {h.lower(): h for h in headers}
    columns = {c: Col((lowered[c],)) for c in table.columns if c in lowered and c != "shop"}
    metrics = tuple((lowered[m],) for m in table.metrics if m in lowered)
    required = (("date",),) + ((metrics[0],) if metrics else (("gmv/visitors/... (any metric column)",),))
    if "date" in lowered:
        required = ((lowered["date"],), *required[1:])
    return Source(
        name="generic",
        label=f"generic ({table.name})",
        table=table,
        platform=None,
        required=required,
        columns=columns,
    )


def detect(headers: list[str]) -> bool:
    """A generic file has a `date` column and at least one metric column of its table."""
    return source_for(headers).detect(headers)


def ignored_columns(headers: list[str]) -> list[str]:
    """Columns of a generic file that ShopKR does not read (reported, not an error)."""
    table = table_for(headers)
    return [h for h in headers if h and h.lower() not in table.columns]


KNOWN_HEADERS = ALL_COLUMNS
