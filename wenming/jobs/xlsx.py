"""Writing spreadsheets for export jobs: one sheet, Chinese headers, streamed in constant memory.

Every text cell is written as text (never as a formula, number or link), and text that a
spreadsheet would run as a formula — starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage
return, which some programs strip first) — is prefixed with an apostrophe, so a name a user typed
as ``=HYPERLINK(…)`` shows as text in the downloaded file instead of running.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.utils import timezone

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text: str) -> str:
    """Text that cannot run as a formula when the sheet is opened."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class XlsxSheetWriter:
    """Write rows one by one into a single-sheet workbook (``constant_memory``: rows are flushed
    as they are written, so a 100,000-row export does not grow the worker's memory)."""

    def __init__(
        self,
        fileobj: IO[bytes],
        *,
        sheet_name: str,
        headers: Sequence[str],
        widths: Sequence[int] | None = None,
    ):
        self.workbook = xlsxwriter.Workbook(
            fileobj,
            {
                "constant_memory": True,
                # Never let the writer turn user text into formulas, numbers or hyperlinks.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.sheet = self.workbook.add_worksheet(sheet_name[:31])
        self.header_format = self.workbook.add_format({"bold": True, "bg_color": "#F1F5F9", "border": 1})
        self.date_format = self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for col, header in enumerate(headers):
            width = widths[col] if widths else max(10, len(header) * 2 + 2)
            self.sheet.set_column(col, col, width)
            self.sheet.write_string(0, col, header, self.header_format)
        self.sheet.freeze_panes(1, 0)
        self.rows = 0

    def write_row(self, values: Sequence[Any]) -> None:
        self.rows += 1
        row = self.rows
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                self.sheet.write_string(row, col, "是" if value else "否")
            elif isinstance(value, (int, float, Decimal)):
                self.sheet.write_number(row, col, value)
            elif isinstance(value, dt.datetime):
                local = timezone.localtime(value) if timezone.is_aware(value) else value
                self.sheet.write_datetime(row, col, local.replace(tzinfo=None), self.date_format)
            else:
                self.sheet.write_string(row, col, neutralise(str(value)))

    def close(self) -> None:
        self.workbook.close()
