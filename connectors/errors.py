"""The one error type a bad export raises: it names the file and says what was wrong and what to do.

Messages are codes with parameters (`Message`): the connectors say what went wrong, never in which words; the
words, in 简体中文 and English, are looked up by code in `shopkr/app/i18n.py`. `ImportFileError.message` keeps an
English sentence for logs, the import log and the command line; the dashboard renders `ImportFileError.detail`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# A cell echoed in a message is cut to this many characters (a damaged file can hold a megabyte in one cell).
MAX_SHOWN = 80


@dataclass(frozen=True)
class Message:
    """A message as a code and its parameters, e.g. `Message("file.cut_off", {"row": 3})`: the same shape as
    `shopkr.domain.messages.Message` (the connectors import nothing from shopkr). `code` is a key of the
    translation table (`shopkr/app/i18n.py`, one text per language with `{name}` placeholders); `params` are plain
    values (numbers stay numbers, formatted by the text), lists (joined with ", ") or Messages (translated too).
    """

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @staticmethod
    def make(code: str, **params: object) -> Message:
        """`Message(code, params)` with the parameters as keywords."""
        return Message(code, params)

    def __str__(self) -> str:
        """The code and parameters (for logs and debugging; people read the translated text)."""
        return f"{self.code} {dict(self.params)}" if self.params else self.code


# Every code the connectors produce, with example parameters (tests render each one in both languages).
CODES: dict[str, dict[str, object]] = {
    # the frame of a file's error line: file (place): reason Found 'value', expected ...
    "file.error": {"file": "a.csv", "place": "", "reason": Message("file.no_date_column"), "found": ""},
    "file.place": {"parts": [Message("file.sheet", {"sheet": "全部"}), Message("file.row", {"row": 3})]},
    "file.sheet": {"sheet": "全部"},
    "file.row": {"row": 3},
    "file.column": {"column": "统计日期"},
    "file.found": {"value": "abc"},
    "file.found_expected": {"value": "abc", "expected": Message("file.expected.int")},
    # what a cell should hold
    "file.expected.date": {"min": "2000-01-01", "max": "2100-12-31"},
    "file.expected.int": {},
    "file.expected.money": {},
    "file.expected.id": {},
    "file.expected.text": {"max": 131072},
    "file.expected.platform": {},
    "file.expected.platforms": {"platforms": ["taobao", "douyin"]},
    # reasons
    "file.no_platform_column": {"platforms": ["taobao", "douyin"]},
    "file.no_date_column": {},
    "file.duplicate_headers": {"first": "B", "other": "D", "header": "gmv", "left": "'1'", "right": "'2'"},
    "file.unknown_platform": {},
    "file.empty_platform": {},
    "file.no_key_column": {"column": "product_id"},
    "file.empty_key": {"column": "商品ID"},
    "file.dash_key_not_total": {
        "column": "商品ID",
        "day": "2026-11-01",
        "metric": "支付金额",
        "got": "1,391.50",
        "total": "1,291.50",
        "difference": "+100.00",
    },
    "file.dash_key_unverifiable": {"column": "商品ID", "columns": "商品浏览量, 支付件数, 支付金额, 成功退款金额"},
    "file.duplicate_rows": {"rows": "2, 3", "key": "date/product_id", "values": "2026-11-01, 1"},
    "file.extra_cells": {"columns": 9},
    "file.unreadable_cell": {},
    "file.date_period": {},
    "file.date_range": {"min": "2000-01-01", "max": "2100-12-31"},
    "file.percent_in_number": {},
    "file.negative_count": {},
    "file.cell_too_long": {"max": 131072},
    "file.cell_too_long_kb": {"kb": 128, "max": 131072},
    "file.unsplittable": {"detail": "line contains NUL"},
    "file.empty": {},
    "file.html": {},
    "file.workbook": {"kind": "xlsx", "reason": Message("file.workbook_damaged", {"detail": "bad zip"})},
    "file.encoding": {},
    "file.binary": {},
    "file.cut_off": {"row": 3},
    "file.missing_sheet": {"sheets": "直播, 短视频", "wanted": "全部", "label": "抖店罗盘 商品列表"},
    "file.period_by_name": {
        "label": "生意参谋 店铺整体",
        "date": "统计日期",
        "first": "2026-11-01",
        "last": "2026-11-07",
        "hint": Message("file.per_day.default"),
    },
    "file.period": {"label": "千川 素材", "date": "日期", "hint": Message("file.per_day.qianchuan_creatives")},
    "file.unknown_export": {
        "columns": "a, b",
        "more": "",
        "tried": [Message("file.lacks", {"label": "生意参谋 店铺整体", "columns": "统计日期"})],
    },
    "file.lacks": {"label": "生意参谋 店铺整体", "columns": "统计日期"},
    "file.unknown_platform_option": {"platform": "tmall", "platforms": ["taobao", "douyin"]},
    "file.not_a_table": {"detail": "CSV Error on Line: 3"},
    "file.no_rows": {},
    "file.not_regular": {},
    "file.os_error": {"detail": "Permission denied"},
    # what to download instead of a period summary, per export
    "file.per_day.default": {},
    "file.per_day.sycm_shop": {},
    "file.per_day.sycm_products": {},
    "file.per_day.qianchuan_creatives": {},
    # how a file was read (connectors.Parsed.note_messages)
    "file.note.date_from_name": {"date": "2026-11-14"},
    "file.note.repeated_headers": {"n": 3},
    "file.note.total_rows": {"n": 2},
    "file.note.ignored": {"columns": "备注, 店铺"},
    # an Excel workbook that cannot be read (connectors/excel.py)
    "file.workbook_too_large": {
        "sheet": "Sheet1",
        "rows": 1048576,
        "columns": 16384,
        "max_columns": 1000,
        "max_cells": 20000000,
        "far": "",
    },
    "file.workbook_far_cell": {"cell": "XFD1048576"},
    "file.workbook_damaged": {"detail": "bad zip"},
    "file.workbook_sheet": {"sheet": "Sheet1", "detail": "bad xml"},
    "file.workbook_memory": {"gb": 6},
    "file.workbook_sheet_memory": {"sheet": "Sheet1", "gb": 6},
    "file.workbook_timeout": {"seconds": 120},
    "file.workbook_killed": {"gb": 6},
    "file.workbook_killed_at": {"cell": "XFD1048576", "gb": 6},
}


class ImportFileError(Exception):
    """A file that cannot be imported. Nothing from it is written.

    `row` is the row number as Excel shows it, `column` the header as in the file, `value` the cell text.
    `reason` is the English sentence (kept for logs and the command line); `code` and `params` say the same as a
    message code (a key of `CODES`) for the dashboard, and `expected_message` what the cell should hold.
    """

    def __init__(
        self,
        path: Path | str,
        reason: str,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        expected: str | None = None,
        expected_message: Message | None = None,
        sheet: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.code = code
        self.params: Mapping[str, object] = dict(params or {})
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.expected_message = expected_message
        self.sheet = sheet
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line a shop operator can act on (English)."""
        where = []
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        place = f" ({', '.join(where)})" if where else ""
        text = f"{self.path.name}{place}: {self.reason}"
        if self.value is not None:
            text += f" Found {_shown(self.value)!r}"
            text += f", expected {self.expected}." if self.expected else "."
        return text

    @property
    def detail(self) -> Message | None:
        """The whole line as a message (`file.error`: file, place, reason, value found, what was expected), for
        translation; None when the raise site gave no code (then only `message` says what happened)."""
        if self.code is None:
            return None
        parts: list[Message] = []
        if self.sheet:
            parts.append(Message.make("file.sheet", sheet=self.sheet))
        if self.row is not None:
            parts.append(Message.make("file.row", row=self.row))
        if self.column is not None:
            parts.append(Message.make("file.column", column=self.column))
        found: Message | str = ""
        if self.value is not None and self.expected_message is not None:
            found = Message.make("file.found_expected", value=_shown(self.value), expected=self.expected_message)
        elif self.value is not None:
            found = Message.make("file.found", value=_shown(self.value))
        return Message.make(
            "file.error",
            file=self.path.name,
            place=Message.make("file.place", parts=parts) if parts else "",
            reason=Message(self.code, self.params),
            found=found,
        )


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 1] + "…"
