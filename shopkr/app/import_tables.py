"""Import results, import history and coverage as tables in plain words, for the import page.

Pure: results, frames and a language in, translated frames out. What the connector says about a failed file (and
how a file was read) comes as message codes, rendered in the reader's language; a translated hint says what to do
next. The import history shows the English text stored in the import log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd
from pandas.io.formats.style import Styler

from connectors import SOURCES
from connectors.canonical import TABLES
from connectors.errors import Message
from shopkr.app.escape import md
from shopkr.app.i18n import Lang, render, t
from shopkr.data.importer import FileResult

# Plain symbols (✓ – ✗) rather than emoji: the table is drawn on a canvas and servers often lack an emoji font.
RESULT_ICONS = {"ok": "✓", "unchanged": "–", "failed": "✗"}
RESULT_COLOURS = {"✓": "#2e9d5b", "–": "#7b8794", "✗": "#d64545"}
SOURCE_LABELS = {s.name: s.label for s in SOURCES} | {"generic": "generic"}


def result_text(status: str, lang: Lang) -> str:
    """A file's outcome in words with an icon: 导入成功 / 未变化 / 失败."""
    return f"{RESULT_ICONS.get(status, '')} {t('import.result.' + status, lang)}".strip()


def styled(frame: pd.DataFrame, column: str) -> Styler:
    """The frame with its result column coloured (green imported, grey unchanged, red failed)."""

    def colour(value: object) -> str:
        return f"color: {RESULT_COLOURS[str(value)[:1]]}" if str(value)[:1] in RESULT_COLOURS else ""

    return frame.style.map(colour, subset=[column])


def table_labels(lang: Lang) -> dict[str, str]:
    """Canonical table name -> its name in words (shop_daily -> 店铺日数据)."""
    return {name: t(f"import.table.{name}", lang) for name in TABLES}


def date_range_text(first: object, last: object) -> str:
    """Dates as text: 2026-11-01 for one day, 2026-11-01 ~ 2026-11-07 for several, empty without dates."""
    if first is None or pd.isna(first):
        return ""
    a = pd.Timestamp(first).date()
    b = a if last is None or pd.isna(last) else pd.Timestamp(last).date()
    return f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d} ~ {b:%Y-%m-%d}"


def counts(results: Sequence[FileResult]) -> Counter[str]:
    """Files per outcome (ok, unchanged, failed)."""
    return Counter(r.status for r in results)


def failure_hint(detail: Message | None) -> str:
    """The i18n key of what to do after a failed file (`FileResult.detail`, a `file.error` message): pick a
    platform when the file has no platform column, else fix the file and upload it again."""
    reason = detail.params.get("reason") if detail is not None else None
    return "import.hint_platform" if getattr(reason, "code", None) == "file.no_platform_column" else "import.hint_fix"


def result_message(r: FileResult, lang: Lang) -> str:
    """What a file's result says in `lang`: the error of a failed file, else the notes on how it was read. A
    result without message codes (made by older code) shows its English text."""
    if r.detail is not None:
        return render(r.detail, lang)
    if r.status == "failed":
        return r.error or ""
    if r.notes:
        return "; ".join(render(n, lang) for n in r.notes)
    return r.note or ""


# Kept for callers of the old name; the one escape rule for Markdown lives in shopkr.app.escape.
escape_markdown = md


def shop_platform(shops: pd.DataFrame, shop: str | None) -> str | None:
    """The platform of an existing shop (from `queries.shops`), or None when unknown or ambiguous."""
    found = shops.loc[shops["shop"] == shop, "platform"].unique() if shop else []
    return str(found[0]) if len(found) == 1 else None


def _label(names: dict[str, str], value: object) -> str:
    """`names[value]`, the value itself when unknown, "" for NULL."""
    return "" if value is None or pd.isna(value) else names.get(str(value), str(value))


def results_frame(results: Sequence[FileResult], lang: Lang) -> pd.DataFrame:
    """One row per uploaded file: file, result, detected source, table, rows new/replaced, dates, message."""
    names = table_labels(lang)
    rows = [
        {
            t("import.col.file", lang): r.path.name,
            t("import.col.result", lang): result_text(r.status, lang),
            t("import.col.source", lang): r.source or "",
            t("import.col.table", lang): names.get(r.table or "", r.table or ""),
            t("import.col.new", lang): r.new,
            t("import.col.replaced", lang): r.replaced,
            t("import.col.dates", lang): date_range_text(r.first, r.last),
            t("import.col.message", lang): result_message(r, lang),
        }
        for r in results
    ]
    columns = ["file", "result", "source", "table", "new", "replaced", "dates", "message"]
    return pd.DataFrame(rows, columns=[t("import.col." + c, lang) for c in columns])


def history_frame(history: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """`queries.import_history` with translated columns, outcomes in words and source labels (newest first)."""
    names = table_labels(lang)
    df = history.sort_values("id", ascending=False, kind="stable")
    out = pd.DataFrame(
        {
            t("import.col.when", lang): pd.to_datetime(df["imported_at"]).dt.strftime("%Y-%m-%d %H:%M"),
            t("import.col.file", lang): df["file_name"],
            t("import.col.shop", lang): df["shop"],
            t("import.col.result", lang): [result_text(s, lang) for s in df["status"]],
            t("import.col.source", lang): [_label(SOURCE_LABELS, s) for s in df["source"]],
            t("import.col.table", lang): [_label(names, x) for x in df["table_name"]],
            t("import.col.new", lang): df["rows_new"],
            t("import.col.replaced", lang): df["rows_replaced"],
            t("import.col.dates", lang): list(map(date_range_text, df["date_min"], df["date_max"])),
            t("import.col.user", lang): [_label({}, u) for u in df["user_name"]],
            t("import.col.message", lang): [_label({}, e) for e in df["error"]],
        }
    )
    return out.reset_index(drop=True)


def coverage_frame(summary: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """`coverage.summary` for display: shop, platform, table in words, rows, first/last date, days, gaps."""
    names = table_labels(lang)
    return pd.DataFrame(
        {
            t("import.col.shop", lang): summary["shop"],
            t("ui.platform", lang): summary["platform"],
            t("import.col.table", lang): [names.get(x, x) for x in summary["table_name"]],
            t("import.col.rows", lang): summary["rows"],
            t("import.col.first", lang): summary["first_date"],
            t("import.col.last", lang): summary["last_date"],
            t("import.col.days", lang): summary["days"],
            t("import.col.missing_count", lang): summary["missing_count"],
            t("import.col.missing", lang): summary["missing_text"],
        }
    )
