"""The shared spreadsheet helpers: reading uploads, neutralising formulas, streaming exports."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import zipfile

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from wenming.web.excel import (
    TableError,
    column_letter,
    neutralise,
    read_table,
    write_xlsx,
    xlsx_response,
)

HEADERS = ["区划代码", "名称"]


def make_xlsx(rows: list[list], *, start_row: int = 0, start_col: int = 0) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(start_row + r, start_col + c, value)
            else:
                ws.write(start_row + r, start_col + c, value)
    wb.close()
    return buf.getvalue()


def read(data, **kw):
    kw.setdefault("max_rows", 100)
    kw.setdefault("max_bytes", 1024 * 1024)
    kw.setdefault("required_headers", HEADERS)
    return read_table(data, **kw)


def test_it_reads_xlsx_with_a_title_row_and_keeps_row_numbers_and_columns():
    data = make_xlsx(
        [["示范市区划表"], [], ["备注", "区划代码", "名称"], [None, 990101000000, "一区"], [], [None, "990102000000", "二区"]],
    )
    table = read(data)
    assert table.kind == "xlsx"
    assert table.header_row == 3
    assert [(r.number, r.get("区划代码"), r.get("名称")) for r in table.rows] == [
        (4, "990101000000", "一区"),  # a number cell loses its ".0"
        (6, "990102000000", "二区"),
    ]
    assert table.column_letter("区划代码") == "B"
    assert table.where(4, "名称") == "第 4 行 C 列（名称）"
    # the extra column is kept under its own header, not dropped or confused with a known one
    assert table.rows[0].values["备注"] == ""


def test_it_reads_data_that_starts_away_from_a1():
    data = make_xlsx([["区划代码", "名称"], ["990101000000", "一区"]], start_row=4, start_col=3)
    table = read(data)
    assert table.header_row == 5
    assert table.rows[0].number == 6
    assert table.column_letter("区划代码") == "D"


@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gb18030", b"")],
)
def test_it_reads_csv_in_the_encodings_offices_use(encoding, bom):
    text = "区划代码,名称,其他\r\n990101000000,示范一区,x\r\n990102000000,\"逗号,名称\",\r\n"
    table = read(bom + text.encode(encoding))
    assert table.kind == "csv"
    assert [(r.number, r.get("名称")) for r in table.rows] == [(2, "示范一区"), (3, "逗号,名称")]


def test_it_accepts_aliases_and_loose_header_spelling():
    data = "＊代码 , 区划名称：\n990101000000,一区\n".encode()
    table = read(data, aliases={"代码": "区划代码", "区划名称": "名称"})
    assert table.rows[0].values["区划代码"] == "990101000000"
    assert table.rows[0].values["名称"] == "一区"


def test_it_says_which_headers_are_missing():
    with pytest.raises(TableError) as exc:
        read("代码,名字\n1,2\n".encode())
    assert "区划代码" in exc.value.message and "名称" in exc.value.message


def test_it_refuses_a_duplicated_header():
    with pytest.raises(TableError, match="不止一次"):
        read("区划代码,名称,名称\n1,2,3\n".encode())


def test_it_refuses_oversize_files_before_parsing():
    with pytest.raises(TableError, match="文件过大"):
        read(b"x" * 2048, max_bytes=1024)

    class Upload(io.BytesIO):
        size = 10 * 1024 * 1024

    with pytest.raises(TableError, match="文件过大"):
        read(Upload(b"tiny"), max_bytes=1024)


def test_it_refuses_too_many_rows_but_not_blank_ones():
    rows = "".join(f"99010{i:07d},区{i}\n" for i in range(6))
    with pytest.raises(TableError, match="上限 5 行"):
        read(("区划代码,名称\n" + rows).encode(), max_rows=5)
    # blank lines do not count against the cap
    padded = "区划代码,名称\n" + "\n,\n" * 20 + "990101000000,一区\n"
    assert len(read(padded.encode(), max_rows=1).rows) == 1


def test_it_refuses_too_many_rows_in_xlsx():
    data = make_xlsx([HEADERS] + [[f"9901{i:08d}", "区"] for i in range(30)])
    with pytest.raises(TableError, match="上限 10 行"):
        read(data, max_rows=10)


def test_it_counts_rows_beyond_a_long_blank_gap_in_xlsx():
    # data, then many blank rows, then more data: the cap still sees the rows after the gap
    rows = [HEADERS, ["990101000000", "一区"]] + [[] for _ in range(50)] + [["990102000000", "二区"], ["990103000000", "三区"]]
    data = make_xlsx(rows)
    assert [r.number for r in read(data, max_rows=3).rows] == [2, 53, 54]
    with pytest.raises(TableError, match="上限 2 行"):
        read(data, max_rows=2)


def test_it_refuses_other_file_types():
    with pytest.raises(TableError, match="不支持该文件类型"):
        read(b"%PDF-1.7\x00\x01binary")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(TableError, match="不支持该文件类型"):
        read(buf.getvalue())
    with pytest.raises(TableError, match="空"):
        read(b"")


def test_it_refuses_a_zip_bomb_disguised_as_xlsx():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        chunk = "0" * (10 * 1024 * 1024)  # compresses to ~10 KB each
        for i in range(21):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", chunk)
    with pytest.raises(TableError, match="解压后过大"):
        read(buf.getvalue(), max_bytes=5 * 1024 * 1024)


def test_it_refuses_a_corrupt_xlsx():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/workbook.xml", "<not-really")
    with pytest.raises(TableError):
        read(buf.getvalue())


def test_it_refuses_undecodable_text():
    with pytest.raises(TableError, match="编码"):
        read(b"\xff\xfe\xfa" * 10 + b"\x80")


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


@pytest.mark.parametrize("value", ["=1+1", "+86", "-2", "@SUM(A1)", "\t=cmd", "\r=x"])
def test_neutralise_prefixes_formula_starts(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["普通文本", "1=1", "", 5, -3, None, decimal.Decimal("-1.5")])
def test_neutralise_leaves_other_values(value):
    assert neutralise(value) == value


def _read_back(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python(skip_empty_area=False)


def _has_formula(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_xlsx_response_streams_a_file_with_a_chinese_filename(tmp_path):
    rows = [
        [1, "=HYPERLINK(\"http://evil\")", dt.datetime(2026, 1, 2, 3, 4, 5), decimal.Decimal("1.50"), True, None],
        [2, "正常", dt.date(2026, 1, 2), 3.25, False, "@x"],
    ]
    response = xlsx_response("审计日志.xlsx", ["序号", "内容", "时间", "时数", "是否", "备注"], rows)
    content = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97.xlsx" in response["Content-Disposition"]
    assert response.export.rows == 2 and not response.export.truncated
    sheet = _read_back(content)
    assert sheet[0] == ["序号", "内容", "时间", "时数", "是否", "备注"]
    assert sheet[1][1] == "'=HYPERLINK(\"http://evil\")"
    assert sheet[1][3] == 1.5
    assert sheet[2][5] == "'@x"
    assert not _has_formula(content)


def test_write_xlsx_caps_rows_and_says_so(tmp_path):
    target = tmp_path / "out.xlsx"
    result = write_xlsx(target, ["n"], ([i] for i in range(10)), max_rows=4, truncated_note="已达上限")
    assert (result.rows, result.truncated) == (4, True)
    sheet = _read_back(target.read_bytes())
    assert [row[0] for row in sheet[1:5]] == [0, 1, 2, 3]
    assert sheet[-1][0] == "已达上限"


# --- property tests ---------------------------------------------------------------------------

cells = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)
grids = st.lists(st.lists(cells, max_size=6), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grid=grids, header_at=st.integers(min_value=0, max_value=12))
def test_reading_arbitrary_xlsx_never_crashes(grid, header_at):
    grid = [list(r) for r in grid]
    if header_at < len(grid):
        grid.insert(header_at, ["区划代码", "名称"])
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "nan_inf_to_errors": True})
    ws = wb.add_worksheet()
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            else:
                ws.write_number(r, c, v)
    wb.close()
    try:
        table = read(buf.getvalue(), max_rows=8)
    except TableError as exc:
        assert exc.message  # a Chinese explanation, never a crash
        return
    for row in table.rows:
        assert row.number > table.header_row
        assert all(isinstance(v, str) for v in row.values.values())


@settings(max_examples=80, deadline=None)
@given(data=st.binary(max_size=600))
def test_reading_arbitrary_bytes_never_crashes(data):
    try:
        table = read(data, max_rows=5, max_bytes=500)
    except TableError as exc:
        assert exc.message
        return
    assert all(isinstance(v, str) for r in table.rows for v in r.values.values())


@settings(max_examples=80, deadline=None)
@given(text=st.text(max_size=300), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_reading_arbitrary_csv_text_never_crashes(text, encoding):
    try:
        data = ("区划代码,名称\n" + text).encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        read(data, max_rows=5)
    except TableError as exc:
        assert exc.message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.one_of(st.text(max_size=40), st.integers(), st.none()), min_size=1, max_size=5), max_size=15))
def test_every_exported_formula_string_is_neutralised(rows, tmp_path_factory):
    target = tmp_path_factory.mktemp("x") / "out.xlsx"
    write_xlsx(target, ["a", "b", "c", "d", "e"], rows)
    content = target.read_bytes()
    assert not _has_formula(content)
    sheet = _read_back(content)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            got = sheet[r][c] if r < len(sheet) and c < len(sheet[r]) else ""
            if isinstance(value, str) and value:
                if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    assert got == "'" + value
                else:
                    assert got == value
                assert not (isinstance(got, str) and got[:1] in ("=", "+", "-", "@"))


def test_write_xlsx_leaves_no_spool_files_when_the_rows_fail(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ["甲", 1]
        raise RuntimeError("数据库中断")

    with pytest.raises(RuntimeError):
        write_xlsx(tmp_path / "out.xlsx", ["名称", "数量"], rows())
    assert list(tmp_path.iterdir()) == []
