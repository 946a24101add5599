"""A ZIP writer for files whose CRC-32 and size are already known (STORED, never compressed).

Python's ``zipfile`` computes each entry's CRC-32 while it writes the entry, which costs more
than the copy itself (a binder of 2,000 files reached ~30% of a plain copy that way). Uploads
record their CRC-32 beside the SHA-256 (``files.Blob.crc32``), so here the local header is
written first with the known CRC and size and the bytes are only copied — in fixed-size chunks,
constant memory, onto any writable binary stream (seeking is never needed).

ZIP64 records are written when needed: an entry of 4 GiB or more, an offset or central
directory past 4 GiB, or more than 65,535 entries. Names are UTF-8 (general-purpose flag bit 11).
The format follows PKWARE's APPNOTE.TXT 6.3; the tests read the result back with ``zipfile``.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass
from typing import BinaryIO

COPY_CHUNK = 1024 * 1024
U32 = 0xFFFFFFFF
U16 = 0xFFFF
FLAG_UTF8 = 0x0800
VERSION_20 = 20
VERSION_ZIP64 = 45
MADE_BY_UNIX = 3 << 8
FILE_MODE = 0o100644 << 16


class ZipSizeMismatch(IOError):
    """The source held a different number of bytes than declared: the archive would be corrupt."""


@dataclass
class _Entry:
    name: bytes
    crc: int
    size: int
    offset: int
    dostime: int
    dosdate: int


def _dos(when: dt.datetime | None) -> tuple[int, int]:
    when = when or dt.datetime(1980, 1, 1)
    if when.year < 1980:
        when = dt.datetime(1980, 1, 1)
    if when.year > 2107:
        when = dt.datetime(2107, 12, 31, 23, 59, 58)
    t = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    d = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    return t, d


class ZipWriter:
    """Write entries with known CRC-32 and size onto ``out``; call :meth:`close` at the end.

    ``force_zip64`` writes the ZIP64 records even for small archives (tests use it)."""

    def __init__(self, out: BinaryIO, *, force_zip64: bool = False):
        self.out = out
        self.offset = 0
        self.entries: list[_Entry] = []
        self.names: set[bytes] = set()
        self.force_zip64 = force_zip64
        self._buf = bytearray(COPY_CHUNK)

    def _write(self, data: bytes | memoryview) -> None:
        self.out.write(data)
        self.offset += len(data)

    def _start(self, name: str, *, size: int, crc: int, when: dt.datetime | None) -> None:
        raw = name.encode("utf-8")
        if raw in self.names:
            raise ValueError(f"duplicate entry name: {name}")
        if not 0 <= crc <= U32:
            raise ValueError("CRC-32 out of range")
        self.names.add(raw)
        dostime, dosdate = _dos(when)
        entry = _Entry(raw, crc, size, self.offset, dostime, dosdate)
        zip64 = self.force_zip64 or size >= U32
        extra = struct.pack("<HHQQ", 0x0001, 16, size, size) if zip64 else b""
        self._write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                VERSION_ZIP64 if zip64 else VERSION_20,
                FLAG_UTF8,
                0,  # STORED
                dostime,
                dosdate,
                crc,
                U32 if zip64 else size,
                U32 if zip64 else size,
                len(raw),
                len(extra),
            )
            + raw
            + extra
        )
        self.entries.append(entry)

    def add_bytes(self, name: str, data: bytes, *, crc: int, when: dt.datetime | None = None) -> None:
        self._start(name, size=len(data), crc=crc, when=when)
        self._write(data)

    def add_stream(
        self, name: str, src: BinaryIO, *, size: int, crc: int, when: dt.datetime | None = None
    ) -> int:
        """Copy ``size`` bytes from ``src`` as the entry ``name``. Raises :class:`ZipSizeMismatch`
        if ``src`` holds more or fewer bytes (the archive is then unusable: discard it)."""
        self._start(name, size=size, crc=crc, when=when)
        view = memoryview(self._buf)
        copied = 0
        readinto = getattr(src, "readinto", None)
        while True:
            if readinto is not None:
                n = readinto(self._buf)
                if not n:
                    break
                chunk = view[:n]
            else:
                chunk = src.read(COPY_CHUNK)
                if not chunk:
                    break
                n = len(chunk)
            copied += n
            if copied > size:
                raise ZipSizeMismatch(f"{name}: more than {size} bytes")
            self._write(chunk)
        if copied != size:
            raise ZipSizeMismatch(f"{name}: {copied} bytes, expected {size}")
        return copied

    def close(self, *, first: tuple[str, ...] | list[str] = ()) -> None:
        """Write the central directory (entries named in ``first`` listed before the others, in
        that order — listings follow the central directory, not the order of the data) and the end
        records."""
        cd_start = self.offset
        lead = [n.encode("utf-8") for n in first]
        ordered = sorted(self.entries, key=lambda e: lead.index(e.name) if e.name in lead else len(lead))
        for e in ordered:
            fields = []
            if self.force_zip64 or e.size >= U32:
                fields += [e.size, e.size]
            if self.force_zip64 or e.offset >= U32:
                fields.append(e.offset)
            extra = struct.pack(f"<HH{len(fields)}Q", 0x0001, 8 * len(fields), *fields) if fields else b""
            zip64 = bool(fields)
            big_size = self.force_zip64 or e.size >= U32
            self._write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    MADE_BY_UNIX | (VERSION_ZIP64 if zip64 else VERSION_20),
                    VERSION_ZIP64 if zip64 else VERSION_20,
                    FLAG_UTF8,
                    0,
                    e.dostime,
                    e.dosdate,
                    e.crc,
                    U32 if big_size else e.size,
                    U32 if big_size else e.size,
                    len(e.name),
                    len(extra),
                    0,  # comment
                    0,  # disk number start
                    0,  # internal attributes
                    FILE_MODE,
                    U32 if (self.force_zip64 or e.offset >= U32) else e.offset,
                )
                + e.name
                + extra
            )
        cd_size = self.offset - cd_start
        count = len(self.entries)
        if self.force_zip64 or count > U16 or cd_start >= U32 or cd_size >= U32:
            eocd64 = self.offset
            self._write(
                struct.pack(
                    "<IQHHIIQQQQ",
                    0x06064B50,
                    44,
                    MADE_BY_UNIX | VERSION_ZIP64,
                    VERSION_ZIP64,
                    0,
                    0,
                    count,
                    count,
                    cd_size,
                    cd_start,
                )
            )
            self._write(struct.pack("<IIQI", 0x07064B50, 0, eocd64, 1))
            self._write(
                struct.pack(
                    "<IHHHHIIH",
                    0x06054B50,
                    0,
                    0,
                    min(count, U16),
                    min(count, U16),
                    min(cd_size, U32),
                    min(cd_start, U32),
                    0,
                )
            )
        else:
            self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_start, 0))
        self.out.flush()
