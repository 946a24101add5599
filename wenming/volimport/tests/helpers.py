"""Sheets for the import tests, built in memory with xlsxwriter (like a person's own file:
a title row, a blank row, then the header)."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.orgs.personal import make_mainland_id


def xlsx_bytes(rows: list[list], *, title: str | None = "东城区志愿者花名册") -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("名单")
    r = 0
    if title:
        sheet.write_string(0, 0, title)
        r = 2
    for row in rows:
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(
                    r, c, dt.datetime.combine(value, dt.time()), book.add_format({"num_format": "yyyy-mm-dd"})
                )
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
        r += 1
    book.close()
    return buf.getvalue()


def upload(data: bytes, name: str = "名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


HEADER = ["序号", "姓名", "身份证号码", "联系电话", "所属队伍", "政治面貌", "注册时间"]


def person(i: int, *, county: str = "990102") -> str:
    return make_mainland_id(county, dt.date(1980 + i % 20, 1 + i % 12, 1 + i % 28), 100 + i)


def phone(i: int) -> str:
    return f"139{i:08d}"


def good_rows(n: int, *, start: int = 0, team: str = "幸福社区助老队") -> list[list]:
    return [
        [i + 1, f"志愿者{i}", person(i), phone(i), team if i % 2 else "", "共青团员", "2024-03-05"]
        for i in range(start, start + n)
    ]


def sample_batch(w):
    """An import batch of 东城区志愿者协会 (county A), uploaded by its admin — the URL walk's sample."""
    from wenming.audit.context import SYSTEM, acting_as
    from wenming.volimport import services
    from wenming.volimport.models import ImportBatch
    from wenming.volunteers.tests.helpers import build_vworld

    vw = build_vworld(w)
    existing = ImportBatch.objects.filter(org=vw.vorg_a, file_name="URL巡检.xlsx").first()
    if existing is not None:
        return existing
    with acting_as(SYSTEM):
        return services.batch_create(
            org=vw.vorg_a,
            kind="volunteers",
            upload=upload(xlsx_bytes([HEADER, *good_rows(2)]), "URL巡检.xlsx"),
            user=vw.vorg_admin,
        )
