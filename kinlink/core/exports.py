"""Writing tables out as CSV or XLSX, safe to open in a spreadsheet.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
formula by spreadsheet programs (CSV/formula injection, OWASP): `safe_cell` neutralises it by
putting an apostrophe in front, which spreadsheets show as text. Numbers stay numbers. XLSX is
written with every string as a string (never a formula), after `safe_cell` too, so a file
re-saved as CSV stays safe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet cell that cannot run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheets read Arabic and accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str, rtl: bool = False
) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    worksheet = book.add_worksheet(sheet[:31])
    if rtl:
        worksheet.right_to_left()
    bold = book.add_format({"bold": True})
    for column, title in enumerate(header):
        worksheet.write_string(0, column, str(safe_cell(title)), bold)
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            cell = safe_cell(value)
            if isinstance(cell, int | float):
                worksheet.write_number(line, column, cell)
            else:
                worksheet.write_string(line, column, cell)
    book.close()
    return buffer.getvalue()
