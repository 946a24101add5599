"""The driver's fastest insert path, inside the caller's transaction: ``executemany`` on SQLite,
``COPY … FROM STDIN`` (psycopg 3 ``cursor.copy``) on PostgreSQL. Not the ORM: ``bulk_create``
manages 20–30k rows/s, the raw paths several times that (docs/volimport.md).

Rows are tuples in ``columns`` order holding Python values; dates and datetimes are adapted the
way Django stores them on SQLite (aware datetimes as naive UTC text)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
from collections.abc import Iterable, Sequence

from django.db import connection

SQLITE_CACHE_KIB = 128 * 1024


@contextlib.contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for a bulk load (restored afterwards). A sheet of
    450,000 rows is millions of tracked objects; each collection the load's own allocations
    trigger walks them all again — measured at a third of a checker's time and more in the
    parent (docs/volimport.md). The load makes no reference cycles worth collecting meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def model_columns(model, values: dict[str, object]) -> tuple[list[str], list[str]]:
    """Column names for every concrete field but the primary key, and the attribute names, so a
    field added to the model later gets its Python default instead of breaking the insert."""
    attnames, columns = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        attnames.append(field.attname)
        columns.append(field.column)
    return columns, attnames


def defaults_for(model, attnames: Sequence[str], given: set[str]) -> dict[str, object]:
    out = {}
    for field in model._meta.concrete_fields:
        if field.attname in attnames and field.attname not in given:
            out[field.attname] = field.get_default()
    return out


def sqlite_value(value):
    """A value as Django stores it on SQLite (aware datetimes as naive UTC text, dates as ISO
    text); anything else as it is. For rows built already adapted."""
    if isinstance(value, (dt.date, dt.datetime)):
        return _sqlite_adapt(value)
    return value


@functools.lru_cache(maxsize=4096)
def _sqlite_adapt(value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def date_columns(model, attnames: Sequence[str]) -> list[int]:
    """Positions of the date/datetime fields among ``attnames`` (SQLite gets them as text)."""
    from django.db import models

    kinds = {f.attname: f for f in model._meta.concrete_fields}
    return [
        i for i, a in enumerate(attnames) if isinstance(kinds[a], (models.DateField, models.DateTimeField))
    ]


def row_template(model, attnames: Sequence[str], fixed: dict[str, object]) -> tuple[list, dict[str, int]]:
    """A row with every column's Python default and the ``fixed`` values set, and the position
    of each attribute — callers copy it per row and fill the varying positions (cheap)."""
    positions = {a: i for i, a in enumerate(attnames)}
    defaults = defaults_for(model, attnames, set(fixed))
    template = [None] * len(attnames)
    for a, v in {**defaults, **fixed}.items():
        template[positions[a]] = v
    return template, positions


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """A value as one field of PostgreSQL's COPY text format (NULL ``\\N``; backslash, tab,
    newline and carriage return escaped; datetimes in ISO form with their offset)."""
    if value is None:
        return "\\N"
    if value.__class__ is str:
        return value.translate(_COPY_ESCAPES)
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def copy_lines(table: str, columns: Sequence[str], text: str, *, raw=None) -> int:
    """PostgreSQL only: rows already in COPY text format (one line each, :func:`copy_text`
    fields), sent as they are — for rows built in worker processes. Returns how many. ``raw``:
    the driver connection to use (a thread other than the connection's owner passes it)."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if raw is None:
        connection.ensure_connection()
        raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
            copy.write(text)
    return text.count("\n")


def insert_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    date_cols: Sequence[int] = (),
    literals: Sequence[tuple[str, str]] = (),
    raw=None,
) -> int:
    """Insert ``rows`` into ``table``; returns how many. Call inside ``transaction.atomic()``.
    ``date_cols``: positions holding dates/datetimes (adapted for SQLite; PostgreSQL's COPY takes
    the Python objects) — none when the caller built the rows adapted (``sqlite_value``).
    ``literals`` (SQLite only): (column, SQL literal) of columns with the same value in every row,
    written into the statement instead of each row. ``raw``: the driver connection to use (a
    thread other than the connection's owner passes it; SQLite only)."""
    if raw is None:
        connection.ensure_connection()
        raw = connection.connection
    if literals and connection.vendor != "sqlite":
        raise NotImplementedError("literals are for SQLite's INSERT")
    columns = [*columns, *(c for c, _ in literals)]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    name = connection.ops.quote_name(table)
    count = 0
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
                    count += 1
        return count
    if connection.vendor == "sqlite":
        placeholders = ", ".join(["?"] * (len(columns) - len(literals)) + [sql for _, sql in literals])
        sql = f"INSERT INTO {name} ({quoted}) VALUES ({placeholders})"
        adapt_cols = list(date_cols)

        def adapted():
            nonlocal count
            for row in rows:
                count += 1
                if adapt_cols:
                    row = list(row)
                    for i in adapt_cols:
                        if row[i] is not None:
                            row[i] = _sqlite_adapt(row[i])
                yield row

        cursor = raw.cursor()
        # A bigger page cache for this connection while loading: index pages of a table being
        # filled with hundreds of thousands of rows stay in memory (SQLite's default is 2 MB).
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        try:
            if isinstance(rows, list) and not adapt_cols:  # already adapted: no per-row pass
                cursor.executemany(sql, rows)
                count = len(rows)
            else:
                cursor.executemany(sql, adapted())
        finally:
            cursor.close()
        return count
    raise NotImplementedError(connection.vendor)
