"""Spreadsheets in and out: the one place every module reads an uploaded table and writes an export.

Reading (:func:`read_table`): xlsx/xls through python-calamine (a Rust parser: no XML entity
expansion, no macros run), csv in UTF-8 (with or without BOM) or GB18030 — what Excel on a Chinese
Windows saves. The header row is found by its names, so a title row or two above it is fine; extra
columns are tolerated. Each row keeps its original spreadsheet row number so errors can name it.
Size, row count and the unpacked size of an xlsx are capped before anything is parsed.

Writing (:func:`xlsx_response`): xlsxwriter in ``constant_memory`` mode into a temporary file
(rows stream through; memory stays flat however many rows), then a ``FileResponse`` that streams
the file out. Strings are always written as strings — never formulas — and any string that begins
with a formula character is neutralised with a leading apostrophe (:func:`neutralise`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import FileResponse

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection"), plus the
# tab and carriage return that some programs strip before looking.
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An xlsx is a zip: refuse one that would unpack to more than this many times its packed size
# or more than this many bytes (a "zip bomb" aimed at the parser's memory).
MAX_UNPACK_RATIO = 100
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 10


class TableError(ValueError):
    """The file as a whole cannot be read (wrong type, too big, no header …). Message in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based row number in the file and its cells by (canonical) header."""

    number: int
    values: dict[str, str]
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


@dataclass
class Table:
    headers: list[str]  # canonical names, in file order
    columns: dict[str, int]  # canonical name -> 0-based column index
    rows: list[Row]
    header_row: int  # 1-based row number of the header
    kind: str  # "xlsx", "xls" or "csv"

    def column_letter(self, name: str) -> str:
        return column_letter(self.columns[name]) if name in self.columns else ""

    def where(self, number: int, name: str) -> str:
        """Chinese location of a cell: 第 5 行 B 列（名称）."""
        letter = self.column_letter(name)
        return f"第 {number} 行 {letter} 列（{name}）" if letter else f"第 {number} 行（{name}）"


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _norm_header(value: Any) -> str:
    """Header text as people write it: ignore spaces, full-width spaces, required-marks and colons."""
    text = cell_text(value)
    for ch in (" ", "\u3000", "\n", "\r", "\t", "*", "＊", ":", "："):
        text = text.replace(ch, "")
    return text.lower()


def cell_text(value: Any) -> str:
    """A cell as text: integral floats lose their ``.0`` (codes and phone numbers are often typed
    as numbers), dates become ISO strings, everything is stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # NaN / inf
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).replace("\x00", "").strip()


def _read_bytes(file: Any, max_bytes: int) -> tuple[bytes, str]:
    """The file's content (refused above ``max_bytes`` without reading it all) and its name."""
    name = getattr(file, "name", "") or ""
    if isinstance(file, (bytes, bytearray)):
        data = bytes(file)
    elif isinstance(file, (str, os.PathLike)):
        name = str(file)
        if os.path.getsize(file) > max_bytes:
            raise TableError(_too_big(max_bytes))
        with open(file, "rb") as fh:
            data = fh.read(max_bytes + 1)
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise TableError(_too_big(max_bytes))
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TableError(_too_big(max_bytes))
    if not data:
        raise TableError("文件是空的")
    return data, os.path.basename(name)


def _too_big(max_bytes: int) -> str:
    return f"文件过大：不能超过 {_human_size(max_bytes)}"


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} 字节"


def _sniff_kind(data: bytes) -> str:
    if data.startswith(XLSX_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
                unpacked = sum(i.file_size for i in zf.infolist())
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise TableError("文件已损坏，无法作为 Excel 文件读取") from exc
        if not any(n.startswith("xl/") for n in names):
            raise TableError("不支持该文件类型：请上传 Excel（.xlsx）或 CSV 文件")
        if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_UNPACK_RATIO * max(len(data), 1024 * 1024):
            raise TableError("文件解压后过大，拒绝读取")
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    if b"\x00" in data[:8192]:
        raise TableError("不支持该文件类型：请上传 Excel（.xlsx）或 CSV 文件")
    return "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 (BOM or not), else GB18030; refuse what is neither."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TableError("文件编码无法识别：请另存为“CSV UTF-8”或 GB18030 编码") from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("文件编码无法识别：请另存为“CSV UTF-8”或 GB18030 编码")


def _csv_iter(data: bytes) -> Iterator[list[Any]]:
    text = decode_text(data)
    if "\x00" in text:
        raise TableError("不支持该文件类型：请上传 Excel（.xlsx）或 CSV 文件")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise TableError(f"CSV 格式错误（第 {reader.line_num} 行）：{exc}") from exc
        yield row


def _sheet_iter(data: bytes, first_chunk: int) -> Iterator[list[Any]]:
    """Rows of the first sheet from A1 (so row numbers and column letters are the file's own).

    Reads a bounded first chunk; only if the sheet's data goes on beyond it (and the caller has
    not stopped yet, e.g. because of many empty rows) is the rest read.
    """
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise TableError("工作簿中没有工作表")
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False, nrows=first_chunk)
        end = sheet.end
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types for bad files
        raise TableError("文件已损坏或不是有效的 Excel 文件，无法读取") from exc
    yield from rows
    if end is not None and end[0] + 1 > len(rows):
        try:
            rest = sheet.to_python(skip_empty_area=False)
        except Exception as exc:  # noqa: BLE001
            raise TableError("文件已损坏或不是有效的 Excel 文件，无法读取") from exc
        yield from rest[len(rows) :]


def read_table(
    file: Any,
    *,
    max_rows: int,
    max_bytes: int,
    required_headers: Sequence[str],
    optional_headers: Sequence[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> Table:
    """Read the first sheet of an xlsx/xls, or a csv, into rows keyed by header.

    ``required_headers`` and ``optional_headers`` are canonical column names; ``aliases`` maps
    other spellings to them (e.g. ``{"代码": "区划代码"}``). The header row is the first of the
    first ten rows that holds every required header. Empty rows are skipped; row numbers are the
    file's own (1-based). Raises :class:`TableError` with a Chinese message for a file that cannot
    be used at all (type, size, encoding, no header, more than ``max_rows`` data rows); row-level
    problems are the caller's to report, using ``Row.number`` and :meth:`Table.where`.
    """
    data, _name = _read_bytes(file, max_bytes)
    kind = _sniff_kind(data)
    grid = _csv_iter(data) if kind == "csv" else _sheet_iter(data, 2 * max_rows + HEADER_SEARCH_ROWS + 1)

    lookup: dict[str, str] = {}
    for name in (*required_headers, *optional_headers):
        lookup[_norm_header(name)] = name
    for alias, canonical in (aliases or {}).items():
        lookup[_norm_header(alias)] = canonical
    required = list(required_headers)

    header_index = None
    header_cells: list[Any] = []
    columns: dict[str, int] = {}
    for i, row in enumerate(grid):
        if i >= HEADER_SEARCH_ROWS:
            break
        found: dict[str, int] = {}
        duplicate = None
        for col, cell in enumerate(row):
            canonical = lookup.get(_norm_header(cell))
            if canonical is None:
                continue
            if canonical in found:
                duplicate = canonical
            found.setdefault(canonical, col)
        if all(h in found for h in required):
            if duplicate:
                raise TableError(f"第 {i + 1} 行表头中“{duplicate}”列出现了不止一次")
            header_index, columns, header_cells = i, found, list(row)
            break
    if header_index is None:
        raise TableError(
            f"没有找到表头：前 {HEADER_SEARCH_ROWS} 行中须有一行包含列 "
            + "、".join(f"“{h}”" for h in required)
        )

    extras = {}
    for col, cell in enumerate(header_cells):
        label = cell_text(cell)
        if label and col not in columns.values() and label not in columns:
            extras.setdefault(col, label)
    rows: list[Row] = []
    # ``grid`` resumes right after the header row.
    for offset, cells in enumerate(grid):
        texts = [cell_text(c) for c in cells]
        if not any(texts):
            continue
        if len(rows) >= max_rows:
            raise TableError(f"数据行数超过上限 {max_rows} 行，请分批导入")
        values = {name: (texts[col] if col < len(texts) else "") for name, col in columns.items()}
        for col, label in extras.items():
            values.setdefault(label, texts[col] if col < len(texts) else "")
        raw = {name: (cells[col] if col < len(cells) else None) for name, col in columns.items()}
        rows.append(Row(number=header_index + offset + 2, values=values, raw=raw))
    ordered = sorted(columns, key=columns.get)
    return Table(headers=ordered, columns=columns, rows=rows, header_row=header_index + 1, kind=kind)


# --- writing ---------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell: strings that a spreadsheet would read as a
    formula (``=``, ``+``, ``-``, ``@``, or a leading tab/CR) get a leading apostrophe. Other
    types pass through unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_CHARS):
        return "'" + value
    return value


@dataclass
class ExportResult:
    rows: int
    truncated: bool


def write_xlsx(
    target: str | os.PathLike,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str = "Sheet1",
    max_rows: int | None = None,
    truncated_note: str = "",
    column_widths: Sequence[int] | None = None,
) -> ExportResult:
    """Write one sheet in constant memory. Returns how many rows were written and whether the
    iterator had more than ``max_rows`` (then a note row says so).

    xlsxwriter's constant-memory mode spools each row to a temporary file; they live in a private
    directory that is removed even when ``rows`` raises half-way, so a failed export leaves nothing."""
    with tempfile.TemporaryDirectory(prefix="wenming-xlsx-") as spool:
        return _write_xlsx(
            target,
            headers,
            rows,
            spool=spool,
            sheet_name=sheet_name,
            max_rows=max_rows,
            truncated_note=truncated_note,
            column_widths=column_widths,
        )


def _write_xlsx(
    target, headers, rows, *, spool, sheet_name, max_rows, truncated_note, column_widths
) -> ExportResult:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(target),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd",
            "tmpdir": spool,
        },
    )
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#F1F5F9", "border": 1})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    note_fmt = workbook.add_format({"bold": True, "font_color": "#B91C1C"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(neutralise(header)), bold)
        width = (
            column_widths[col]
            if column_widths and col < len(column_widths)
            else max(10, len(str(header)) * 2 + 2)
        )
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    written = 0
    truncated = False
    for row in rows:
        if max_rows is not None and written >= max_rows:
            truncated = True
            break
        written += 1
        for col, value in enumerate(row):
            _write_cell(sheet, written, col, value, datetime_fmt, date_fmt)
    if truncated:
        note = truncated_note or f"已达导出上限 {max_rows} 行，其余记录未导出，请缩小筛选范围后分批导出。"
        sheet.write_string(written + 1, 0, neutralise(note), note_fmt)
    workbook.close()
    return ExportResult(rows=written, truncated=truncated)


def _write_cell(sheet, row: int, col: int, value: Any, datetime_fmt, date_fmt) -> None:
    if value is None or value == "":
        return
    if isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            sheet.write_string(row, col, str(value))
        else:
            sheet.write_number(row, col, value)
    elif isinstance(value, decimal.Decimal):
        # Hours and scores have few decimals: a double holds them exactly enough for a sheet.
        if value.is_finite():
            sheet.write_number(row, col, float(value))
        else:
            sheet.write_string(row, col, str(value))
    elif isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from django.utils import timezone

            value = timezone.localtime(value).replace(tzinfo=None)
        sheet.write_datetime(row, col, value, datetime_fmt)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, date_fmt)
    else:
        text = str(value)
        # Excel's limit per cell; longer text would corrupt the file.
        sheet.write_string(row, col, neutralise(text[:32767]))


def xlsx_response(
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str = "Sheet1",
    max_rows: int | None = None,
    truncated_note: str = "",
    column_widths: Sequence[int] | None = None,
) -> FileResponse:
    """An xlsx download: written in constant memory to a temporary file, streamed back, and the
    file removed once the response is closed. ``response.export`` tells the caller how many rows
    went out (for the audit entry). The Chinese filename goes out RFC 5987-encoded."""
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="wenming-export-")
    os.close(fd)
    try:
        result = write_xlsx(
            path,
            headers,
            rows,
            sheet_name=sheet_name,
            max_rows=max_rows,
            truncated_note=truncated_note,
            column_widths=column_widths,
        )
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    finally:
        # The open handle keeps the data readable; the name goes now so nothing is left behind.
        os.unlink(path)
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "no-store"
    response.export = result
    return response
