"""The binder's ZIP writer: entries written with a CRC-32 known in advance read back with
Python's zipfile (testzip recomputes every CRC), ZIP64 records where needed, UTF-8 names."""

import datetime as dt
import io
import os
import zipfile
import zlib

import pytest

from wenming.files.zipwriter import ZipSizeMismatch, ZipWriter


def _data(n: int, seed: int) -> bytes:
    return os.urandom(n) if seed < 0 else bytes((i * seed) % 251 for i in range(n))


@pytest.mark.parametrize("force_zip64", [False, True])
def test_it_writes_entries_that_zipfile_reads_and_verifies(force_zip64):
    files = {f"1 基础工作/1.1 组织领导/1.1.{i} 材料{i}.pdf": _data(1000 * i + 7, i + 1) for i in range(1, 6)}
    files["目录.txt"] = b""
    out = io.BytesIO()
    w = ZipWriter(out, force_zip64=force_zip64)
    when = dt.datetime(2026, 3, 4, 5, 6, 8)
    for name, data in files.items():
        w.add_stream(name, io.BytesIO(data), size=len(data), crc=zlib.crc32(data), when=when)
    w.add_bytes("说明.txt", "中文".encode(), crc=zlib.crc32("中文".encode()))
    w.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
        assert zf.testzip() is None
        infos = {i.filename: i for i in zf.infolist()}
        assert set(infos) == {*files, "说明.txt"}
        for name, data in files.items():
            assert zf.read(name) == data
            assert infos[name].CRC == zlib.crc32(data)
            assert infos[name].compress_type == zipfile.ZIP_STORED
        assert infos["说明.txt"].date_time == (1980, 1, 1, 0, 0, 0)
        assert next(iter(infos.values())).date_time == (2026, 3, 4, 5, 6, 8)
    if force_zip64:
        assert b"PK\x06\x06" in out.getvalue() and b"PK\x06\x07" in out.getvalue()
    else:
        assert b"PK\x06\x06" not in out.getvalue()


def test_a_wrong_crc_is_caught_by_testzip():
    out = io.BytesIO()
    w = ZipWriter(out)
    w.add_bytes("a.txt", b"hello", crc=zlib.crc32(b"hellp"))
    w.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
        assert zf.testzip() == "a.txt"


def test_it_refuses_a_source_of_another_size_and_duplicate_names():
    w = ZipWriter(io.BytesIO())
    with pytest.raises(ZipSizeMismatch):
        w.add_stream("a", io.BytesIO(b"abc"), size=4, crc=0)
    with pytest.raises(ZipSizeMismatch):
        w.add_stream("b", io.BytesIO(b"abcde"), size=4, crc=0)
    w.add_bytes("c", b"", crc=0)
    with pytest.raises(ValueError):
        w.add_bytes("c", b"", crc=0)


def test_more_than_65535_entries_get_zip64_end_records():
    out = io.BytesIO()
    w = ZipWriter(out)
    n = 65_600
    for i in range(n):
        w.add_bytes(f"{i}", b"", crc=0)
    w.close()
    data = out.getvalue()
    assert b"PK\x06\x06" in data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == n and names[-1] == str(n - 1)


def test_named_entries_can_head_the_central_directory():
    out = io.BytesIO()
    w = ZipWriter(out)
    for name in ("b", "c", "index"):
        w.add_bytes(name, name.encode(), crc=zlib.crc32(name.encode()))
    w.close(first=["index"])
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
        assert zf.namelist() == ["index", "b", "c"] and zf.testzip() is None
        assert zf.read("index") == b"index"
