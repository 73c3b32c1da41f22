"""Notes on the charts (issue 11): what a note is about (its scope) and on which charts it shows. Pure.

A note (an annotation: a day or a date range, a text, an author) is about one of:

- a KR (`kr_id`): it shows on that KR's charts only;
- a shop (`shop`): it shows on every chart of that shop, the shop-level KRs and also the KRs on one of its
  products or creatives ("双11预热开始" concerns everything sold in the shop);
- a product of a shop (`shop` + `product_id`): only on charts of that product in that shop;
- a creative of a shop (`shop` + `creative_id`): only on charts of that creative in that shop.

The rule (`applies`), for a chart whose scope is a KR's filters (`kr_chart_scope`):

- a KR note applies when it names the chart's KR;
- any other note applies when its shop equals the chart's shop, and its product (if it has one) equals the
  chart's product, and its creative (if it has one) equals the chart's creative. So a product note does not show
  on a shop-wide KR, nor on a creative KR whose filters name no product (nothing says which product it is).
- A KR without a shop filter (a KR across all shops, a manual KR, an SQL KR without `shop`) shows only the notes
  that name it: no shop's note is "about" every shop. The `platform` filter plays no part (a shop note also shows
  on the shop's KRs filtered to one platform).

IDs compare as text (a product id written as a YAML number is text by then, see `okr.KeyResult`).

A/B tests (okr.ABTestDef) mark their start and end on the charts they concern with the same rule, their scope being
the test's shop and product (`ab_scope`; the shop alone when the test has no product). The data layer derives those
marks from the stored tests when it reads, so they follow an edit of the test's dates.

What a note may hold is checked by `check` (the parts that need no database): refusals are codes (`CODES`, words in
shopkr/app/i18n.py under "note.error.").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from shopkr.domain.messages import Message

MAX_TEXT = 500  # characters of a note's text; a longer text belongs in a document, linked from a short note

ScopeKind = Literal["kr", "shop", "product", "creative"]


class Scoped(Protocol):
    """Anything with a note's scope fields (store.Annotation, Scope)."""

    @property
    def shop(self) -> str | None: ...

    @property
    def product_id(self) -> str | None: ...

    @property
    def creative_id(self) -> str | None: ...

    @property
    def kr_id(self) -> str | None: ...


@dataclass(frozen=True)
class Scope:
    """What a note is about, or what a chart shows: a shop, a product or creative of a shop, or a KR.
    A chart's scope may carry both a KR and its filters (`kr_chart_scope`)."""

    shop: str | None = None
    product_id: str | None = None
    creative_id: str | None = None
    kr_id: str | None = None

    @property
    def kind(self) -> ScopeKind | None:
        """What a note with this scope is about (None: nothing, refused by `check`)."""
        return scope_kind(self)


def as_text(value: object) -> str | None:
    """An id or name as text; None and blank text are None."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def scope_kind(note: Scoped) -> ScopeKind | None:
    """kr, creative, product or shop: the narrowest thing the note names (None when it names nothing)."""
    if note.kr_id is not None:
        return "kr"
    if note.creative_id is not None:
        return "creative"
    if note.product_id is not None:
        return "product"
    if note.shop is not None:
        return "shop"
    return None


def kr_chart_scope(kr_id: str, filters: Mapping[str, object]) -> Scope:
    """The scope of a KR's charts: the KR and its shop, product_id and creative_id filters (None where it has
    none; the platform filter is not part of it)."""
    return Scope(
        shop=as_text(filters.get("shop")),
        product_id=as_text(filters.get("product_id")),
        creative_id=as_text(filters.get("creative_id")),
        kr_id=kr_id,
    )


def ab_scope(shop: str, product_id: str | None) -> Scope:
    """The scope of an A/B test's start and end marks: its shop and product (the shop alone without a product)."""
    return Scope(shop=as_text(shop), product_id=as_text(product_id))


def applies(note: Scoped, chart: Scope) -> bool:
    """Does the note show on a chart of scope `chart`? See the module docstring for the rule: a KR note on its KR's
    charts only; another note when its shop equals the chart's shop and its product / creative, where it has one,
    equal the chart's. A chart without a shop shows only notes naming its KR."""
    if note.kr_id is not None:
        return chart.kr_id is not None and str(note.kr_id) == chart.kr_id
    if note.shop is None or chart.shop is None or str(note.shop) != chart.shop:
        return False
    for mine, theirs in ((note.product_id, chart.product_id), (note.creative_id, chart.creative_id)):
        if mine is not None and str(mine) != theirs:
            return False
    return True


def overlaps(start: dt.date, end: dt.date | None, first: dt.date, last: dt.date) -> bool:
    """Does the note's day or range [start, end] (end None: one day) meet the window [first, last]?"""
    return start <= last and (end or start) >= first


def check(
    *,
    start: dt.date,
    end: dt.date | None,
    text: str,
    author: str,
    shop: str | None,
    product_id: str | None,
    creative_id: str | None,
    kr_id: str | None,
) -> Message | None:
    """The first thing wrong with a note that needs no database (None when nothing is): empty text, a text over
    MAX_TEXT characters, no author, an end before the start, no scope, a KR together with a shop / product /
    creative, a product and a creative together, a product or creative without a shop. Values are taken as
    given (the caller strips them); whether the KR and the shop exist is checked where the data is."""
    if not text:
        return Message("note.error.empty_text", {})
    if len(text) > MAX_TEXT:
        return Message("note.error.text_too_long", {"n": len(text), "max": MAX_TEXT})
    if not author:
        return Message("note.error.no_author", {})
    if end is not None and end < start:
        return Message("note.error.end_before_start", {"start": str(start), "end": str(end)})
    if kr_id is not None:
        if shop is not None or product_id is not None or creative_id is not None:
            return Message("note.error.kr_and_shop", {"kr": kr_id})
        return None
    if product_id is not None and creative_id is not None:
        return Message("note.error.product_and_creative", {})
    if shop is None:
        if product_id is not None:
            return Message("note.error.product_needs_shop", {})
        if creative_id is not None:
            return Message("note.error.creative_needs_shop", {})
        return Message("note.error.no_scope", {})
    return None
