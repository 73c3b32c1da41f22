"""The one error type a bad export raises: it names the file and says what was wrong and what to do."""

from __future__ import annotations

from pathlib import Path

# A cell echoed in a message is cut to this many characters (a damaged file can hold a megabyte in one cell).
MAX_SHOWN = 80


class ImportFileError(Exception):
    """A file that cannot be imported. Nothing from it is written.

    `row` is the row number as Excel shows it, `column` the header as in the file, `value` the cell text.
    """

    def __init__(
        self,
        path: Path | str,
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        expected: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.sheet = sheet
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line a shop operator can act on."""
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
            shown = self.value if len(self.value) <= MAX_SHOWN else self.value[: MAX_SHOWN - 1] + "…"
            text += f" Found {shown!r}"
            text += f", expected {self.expected}." if self.expected else "."
        return text
