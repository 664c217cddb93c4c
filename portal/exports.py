"""XLSX and CSV downloads, shared by every app so exports look and behave the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def xlsx_bytes(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], *, note: str = ""
) -> bytes:
    """Build a workbook: each sheet is (title, header row, rows). `note` (e.g. the stated
    purpose of a data share) goes in the first row of the first sheet."""
    wb = Workbook(write_only=True)
    for index, (title, header, rows) in enumerate(sheets):
        ws = wb.create_sheet(title=title[:31])
        if note and index == 0:
            ws.append([note])
        bold = []
        for text in header:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = Font(bold=True)
            bold.append(cell)
        ws.append(bold)
        for row in rows:
            ws.append([_cell_value(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]], *, note: str = ""
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets, note=note), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    extra_header_rows: Sequence[Sequence[str]] = (),
) -> StreamingHttpResponse:
    """UTF-8 CSV with a BOM (so Excel opens Chinese correctly), streamed."""
    writer = csv.writer(_Echo())

    def generate() -> Iterable[str]:
        yield "\ufeff"
        yield writer.writerow(header)
        for extra in extra_header_rows:
            yield writer.writerow(extra)
        for row in rows:
            yield writer.writerow([_cell_value(v) for v in row])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response
