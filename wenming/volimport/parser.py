"""Reading a person's own sheet: the grid of cells (python-calamine), the header row (found by the
header spellings of :mod:`fields`, after any title or blank rows), and a column mapping suggested
from those spellings. Pure functions of the cells: arbitrary shapes and values never make them
raise anything but :class:`~wenming.web.excel.TableError` for a file that cannot be read at all."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from wenming.volimport.fields import fields_for
from wenming.web.excel import (
    MAX_UNPACK_RATIO,
    XLSX_MAGIC,
    TableError,
    _norm_header,
    _read_bytes,
    _sniff_kind,
    cell_text,
    decode_text,
)

HEADER_SEARCH_ROWS = 20
MAX_COLUMNS = 200
# A 450,000-row sheet unpacks to ~210 MB of XML (more than web.excel's 200 MB for ordinary
# uploads); the import allows up to 1 GB unpacked, still refusing zip bombs by the same ratio.
IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024 * 1024


def _sniff(data: bytes) -> str:
    if not data.startswith(XLSX_MAGIC):
        return _sniff_kind(data)
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise TableError("文件已损坏，无法作为 Excel 文件读取") from exc
    if not any(n.startswith("xl/") for n in names):
        raise TableError("不支持该文件类型：请上传 Excel（.xlsx）或 CSV 文件")
    if unpacked > IMPORT_MAX_UNPACKED_BYTES or unpacked > MAX_UNPACK_RATIO * max(len(data), 1024 * 1024):
        raise TableError("文件解压后过大，拒绝读取")
    return "xlsx"


def read_grid(data: bytes, *, nrows: int | None = None) -> list[list[Any]]:
    """The first sheet's rows from A1 (xlsx/xls via python-calamine, csv as text); ``nrows``
    reads only the first rows (the mapping page needs no more). Raises TableError in Chinese."""
    data, _ = _read_bytes(data, max_bytes=len(data) or 1)
    kind = _sniff(data)
    if kind == "csv":
        import csv

        text = decode_text(data)
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = []
        try:
            for row in reader:
                rows.append(row)
                if nrows is not None and len(rows) >= nrows:
                    break
        except csv.Error as exc:
            raise TableError(f"CSV 格式错误：{exc}") from exc
        return rows
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise TableError("工作簿中没有工作表")
        sheet = workbook.get_sheet_by_index(0)
        if nrows is not None:
            return sheet.to_python(skip_empty_area=False, nrows=nrows)
        return sheet.to_python(skip_empty_area=False)
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types for bad files
        raise TableError("文件已损坏或不是有效的 Excel 文件，无法读取") from exc


def _synonym_lookup(kind: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for field in fields_for(kind):
        for name in (field.label, *field.synonyms):
            lookup.setdefault(_norm_header(name), field.key)
    return lookup


def detect_header(grid: list[list[Any]], kind: str) -> int | None:
    """0-based index of the header row among the first rows: the row whose cells match the most
    known header spellings (ties: the first); failing that, the first row with two or more
    non-empty cells. ``None`` for a sheet with nothing that looks like a header."""
    lookup = _synonym_lookup(kind)
    best, best_score = None, 0
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        keys = {lookup.get(_norm_header(c)) for c in row[:MAX_COLUMNS]} - {None}
        if len(keys) > best_score:
            best, best_score = i, len(keys)
    if best is not None:
        return best
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in row[:MAX_COLUMNS] if cell_text(c)) >= 2:
            return i
    return None


def header_labels(grid: list[list[Any]], header_row: int) -> list[str]:
    """The header row's cells as text (``第N列`` for an empty one), at most MAX_COLUMNS."""
    if header_row < 0 or header_row >= len(grid):
        return []
    row = grid[header_row][:MAX_COLUMNS]
    labels = [cell_text(c)[:100] for c in row]
    while labels and not labels[-1]:
        labels.pop()
    return [label or f"第{i + 1}列" for i, label in enumerate(labels)]


def header_signature(labels: list[str]) -> str:
    """Identifies a sheet layout (the normalised header texts in order), for remembering mappings."""
    joined = "\x1f".join(_norm_header(label) for label in labels)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def suggest_mapping(kind: str, labels: list[str]) -> dict[str, int]:
    """Field key → 0-based column, from the header spellings (each field and column used once)."""
    lookup = _synonym_lookup(kind)
    mapping: dict[str, int] = {}
    for col, label in enumerate(labels):
        key = lookup.get(_norm_header(label))
        if key is not None and key not in mapping:
            mapping[key] = col
    return mapping


def clean_mapping(kind: str, mapping: dict, columns: int) -> dict[str, int]:
    """A mapping as submitted or stored, reduced to known fields and existing columns, one column
    per field and one field per column (the first wins)."""
    keys = {f.key for f in fields_for(kind)}
    out: dict[str, int] = {}
    used: set[int] = set()
    for key, col in (mapping or {}).items():
        if key not in keys:
            continue
        try:
            col = int(col)
        except (TypeError, ValueError):
            continue
        if 0 <= col < columns and col not in used:
            out[key] = col
            used.add(col)
    return out


def missing_required(kind: str, mapping: dict[str, int]) -> list[str]:
    return [f.label for f in fields_for(kind) if f.required and f.key not in mapping]
