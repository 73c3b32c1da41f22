"""Notes on the charts (issue 11) as people see them: chart marks, the list under a chart, the CLI table, and the
scope choices of the KR详情 form. Pure (no Streamlit, no database): stored notes come from `store.chart_annotations`
/ `store.read_annotations`; which charts show which note is the rule of `shopkr.domain.annotations`.

Texts are plain here; whoever renders them escapes them (`charts.add_marks` for plotly, `escape.md` on the pages).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal

from shopkr.app.i18n import Lang, t
from shopkr.data.store import Annotation
from shopkr.domain.annotations import Scope, kr_chart_scope

if TYPE_CHECKING:  # plotly is imported only where charts are drawn: `note list` does not load it
    from shopkr.app.charts import Mark

ScopeChoice = Literal["kr", "shop", "product", "creative"]
TEXT_COLUMN = 40  # display width the `note list` table pads the text column to (longer texts are not cut)


def dates_text(a: Annotation, *, short: bool = False) -> str:
    """The day (2026-11-01) or the range (2026-11-01 ~ 2026-11-03) of a note; `short`: 11-01 / 11-01 ~ 11-03."""
    fmt = "%m-%d" if short else "%Y-%m-%d"
    return f"{a.start:{fmt}}" if a.one_day else f"{a.start:{fmt}} ~ {a.end:{fmt}}"


def scope_text(a: Annotation, lang: Lang = "zh") -> str:
    """What a note is about, in words: 店铺 暖居旗舰店, 商品 731562048917（暖居旗舰店）, 素材 …, KR O1.KR1; for an
    A/B mark, 主图测试 T1."""
    if a.kind != "note":
        return t("note.scope.ab", lang, test=a.test_id)
    if a.kr_id is not None:
        return t("note.scope.kr", lang, kr=a.kr_id)
    if a.product_id is not None:
        return t("note.scope.product", lang, shop=a.shop, product=a.product_id)
    if a.creative_id is not None:
        return t("note.scope.creative", lang, shop=a.shop, creative=a.creative_id)
    return t("note.scope.shop", lang, shop=a.shop)


def text_of(a: Annotation, lang: Lang = "zh") -> str:
    """The note's text; for an A/B mark, "开始：<title>" / "结束：<title>"."""
    if a.kind == "note":
        return a.text
    return t(f"note.{a.kind}", lang, test=a.test_id, title=a.text)


def marks(annotations: Sequence[Annotation], lang: Lang = "zh") -> list[Mark]:
    """Chart marks (charts.Mark) for notes and A/B marks: the label is the note's text (A/B: "T1 开始"), the hover
    its dates, scope, author and whole text."""
    from shopkr.app.charts import Mark

    out = []
    for a in annotations:
        if a.kind == "note":
            head = f"{dates_text(a, short=True)} · {scope_text(a, lang)} · {a.author}"
            out.append(Mark(a.start, a.end, a.text, f"{head}\n{a.text}", t("note.legend", lang), "note"))
        else:
            label = t(f"note.{a.kind}_label", lang, test=a.test_id)
            hover = f"{dates_text(a, short=True)} · {text_of(a, lang)}"
            out.append(Mark(a.start, a.end, label, hover, t("note.legend_ab", lang), "ab"))
    return out


def scope_choices(kr_id: str, filters: Mapping[str, object]) -> dict[ScopeChoice, Scope]:
    """What a note written on a KR's page may be about: the KR itself, its shop (when it has a shop filter), and
    its product or creative (when it has that filter besides the shop), each as the scope the note gets."""
    chart = kr_chart_scope(kr_id, filters)
    out: dict[ScopeChoice, Scope] = {"kr": Scope(kr_id=kr_id)}
    if chart.shop is not None:
        out["shop"] = Scope(shop=chart.shop)
        if chart.product_id is not None:
            out["product"] = Scope(shop=chart.shop, product_id=chart.product_id)
        if chart.creative_id is not None:
            out["creative"] = Scope(shop=chart.shop, creative_id=chart.creative_id)
    return out


def choice_label(choice: ScopeChoice, scope: Scope, lang: Lang = "zh") -> str:
    """A scope choice in words for the form: 仅此 KR（O1.KR1）, 店铺 暖居旗舰店, 商品 731562048917, 素材 …"""
    if choice == "kr":
        return t("note.choice.kr", lang, kr=scope.kr_id)
    if choice == "product":
        return t("note.choice.product", lang, product=scope.product_id)
    if choice == "creative":
        return t("note.choice.creative", lang, creative=scope.creative_id)
    return t("note.choice.shop", lang, shop=scope.shop)


def table(annotations: Sequence[Annotation], lang: Lang = "en") -> str:
    """The `note list` table: id, dates, scope, text (on one line, whole), author; one note a line, columns padded
    to their display width (a Chinese character takes two columns). A line saying there are none when empty."""
    if not annotations:
        return t("note.cli.none", lang)
    head = ("id", "dates", "scope", "text", "author")
    rows = [
        (str(a.id) if a.id is not None else "-", dates_text(a), scope_text(a, lang), _one_line(a.text), a.author or "-")
        for a in annotations
    ]
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(4)]
    widths[3] = min(widths[3], TEXT_COLUMN)
    return "\n".join("  ".join([*(_pad(c, w) for c, w in zip(r, widths, strict=False)), r[4]]) for r in [head, *rows])


def _width(text: str) -> int:
    """Columns a terminal gives `text`: two for wide (CJK) characters, one for others."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _one_line(text: str) -> str:
    return " ".join(text.split())
