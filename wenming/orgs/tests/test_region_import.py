"""Region import: every row checked first, errors by row and column, all or nothing, audited, scoped."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from wenming.audit.models import Action, AuditEntry
from wenming.orgs import imports
from wenming.orgs.models import Region
from wenming.orgs.tests.helpers import as_user, csv_upload, upload

pytestmark = pytest.mark.django_db

HEADER = ["区划代码", "名称"]


def run(user, file):
    with as_user(user):
        return imports.region_import(file=file, user=user, source_name=file.name)


def test_it_creates_a_subtree_in_any_row_order_parents_first(client, login, world):
    before_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    rows = [
        ["东城区区划清单（2026）"],  # a title row above the header
        HEADER + ["备注"],
        ["990102001001", "朝阳街道幸福社区", "村在乡之前也可以"],
        [990102001000, "朝阳街道", ""],  # a code typed as a number
        ["990102002000", "新华街道", ""],
    ]
    report = run(world.city_admin, upload(rows))
    assert report.ok, report.errors
    assert len(report.created) == 3
    town = Region.objects.get(code="990102001000")
    village = Region.objects.get(code="990102001001")
    assert (town.level, town.parent, town.prefix) == (4, world.county_a, "990102001")
    assert (village.level, village.parent_id, village.name) == (5, town.pk, "朝阳街道幸福社区")

    # one IMPORT entry per file, listing every region it created (see services.region_import_apply)
    (entry,) = AuditEntry.objects.filter(seq__gt=before_seq)
    assert (entry.action, entry.object_type, entry.actor_label) == (Action.IMPORT, "orgs.region", "city_admin")
    assert entry.changes["文件"] == "区划.xlsx" and entry.changes["新增"] == 3
    assert entry.changes["新增区划"] == {
        "990102001000": "朝阳街道",
        "990102001001": "朝阳街道幸福社区",
        "990102002000": "新华街道",
    }
    # filed under the common ancestor, so the office that imported sees its own import …
    assert entry.region_code == "990102000000"
    # … and finds it on the audit page by any of the created codes
    client.get("/")
    login(world.county_a_admin)
    assert f'href="/audit/{entry.pk}/"' in client.get("/audit/?q=990102001001").content.decode()


@pytest.mark.parametrize("encoding,bom", [("utf-8", ""), ("utf-8", "\ufeff"), ("gb18030", "")])
def test_it_reads_csv_in_utf8_bom_and_gb18030(world, encoding, bom):
    text = bom + "区划代码,名称\r\n990102003000,光明街道\r\n"
    report = run(world.county_a_admin, csv_upload(text, encoding=encoding))
    assert report.ok, report.errors
    assert Region.objects.get(code="990102003000").name == "光明街道"


def test_every_bad_row_is_reported_with_row_and_column_and_nothing_is_imported(world):
    regions_before = Region.objects.count()
    entries_before = AuditEntry.objects.count()
    rows = [
        HEADER,
        ["990102001000", "朝阳街道"],  # 2: fine on its own
        ["99010200100", "少一位"],  # 3: 11 digits
        ["990100001000", "空段"],  # 4: county segment is 00 under a town
        ["990102001000", "重复"],  # 5: duplicate of row 2
        ["990102000000", "改名的东城区"],  # 6: exists with another name
        ["990102009001", "孤儿社区"],  # 7: parent 990102009000 nowhere
        ["990102004000", ""],  # 8: empty name
        ["abc", "字母"],  # 9: not digits
        ["", "没有代码"],  # 10: empty code
    ]
    report = run(world.city_admin, upload(rows))
    assert not report.ok
    by_row = {}
    for e in report.errors:
        by_row.setdefault(e.row, []).append(e)
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "12 位" in by_row[3][0].message and by_row[3][0].column == "A 列（区划代码）"
    assert "全 0" in by_row[4][0].message
    assert "第 2 行重复" in by_row[5][0].message
    assert "已存在" in by_row[6][0].message and "东城区" in by_row[6][0].message
    assert by_row[6][0].column == "B 列（名称）"
    assert "990102009000" in by_row[7][0].message and "不存在" in by_row[7][0].message
    assert by_row[8][0].column == "B 列（名称）" and "不能为空" in by_row[8][0].message
    assert str(by_row[3][0]).startswith("第 3 行 A 列（区划代码）：")
    # all or nothing
    assert Region.objects.count() == regions_before
    assert AuditEntry.objects.count() == entries_before
    assert report.created == []


def test_regions_that_exist_with_the_same_name_are_skipped(world):
    report = run(world.city_admin, upload([HEADER, ["990102000000", "东城区"], ["990102005000", "新区街道"]]))
    assert report.ok
    assert report.unchanged == 1
    assert [r.code for r in report.created] == ["990102005000"]
    assert AuditEntry.objects.filter(action=Action.IMPORT).latest("seq").changes["已存在未改动"] == 1


def test_a_file_of_known_regions_changes_nothing_and_writes_no_entry(world):
    entries = AuditEntry.objects.count()
    report = run(world.city_admin, upload([HEADER, ["990102000000", "东城区"]]))
    assert report.ok and report.created == [] and report.unchanged == 1
    assert AuditEntry.objects.count() == entries


def test_an_office_admin_imports_only_inside_their_subtree(world):
    # 9901's admin may not create 9902…; 990102's admin may not create in 990103.
    report = run(world.city_admin, upload([HEADER, ["990200000000", "邻市"]]))
    assert [e.row for e in report.errors] == [2]
    assert "不在您管辖的范围内" in report.errors[0].message
    report = run(world.county_a_admin, upload([HEADER, ["990103001000", "西湖区的街道"]]))
    assert "不在您管辖的范围内" in report.errors[0].message
    assert not Region.objects.filter(code__in=["990200000000", "990103001000"]).exists()


def test_a_platform_admin_imports_anywhere(world):
    report = run(world.platform, upload([HEADER, ["990200000000", "邻市"], ["980000000000", "另一省"]]))
    assert report.ok, report.errors
    assert Region.objects.get(code="990200000000").parent == world.province


@pytest.mark.parametrize("persona", ["city_inspector", "unit_a_admin", "dept_lead_a"])
def test_only_platform_and_office_admins_may_import(world, persona):
    with pytest.raises(PermissionDenied):
        run(getattr(world, persona), upload([HEADER, ["990102006000", "x"]]))


def test_caps_on_rows_and_size_are_refused_with_a_clear_message(world, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [HEADER] + [[f"990102{i:03d}000", f"街道{i}"] for i in range(10, 15)]
    report = run(world.city_admin, upload(rows))
    assert [str(e) for e in report.errors] == ["文件：数据行数超过上限 3 行，请分批导入"]
    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    report = run(world.city_admin, csv_upload("区划代码,名称\n" + "990102010000,街道\n" * 20))
    assert "文件过大" in report.errors[0].message


def test_a_file_without_the_headers_is_refused(world):
    report = run(world.city_admin, upload([["编码", "名字"], ["990102001000", "x"]]))
    assert report.errors[0].row == 0 and "区划代码" in report.errors[0].message


# --- through the page --------------------------------------------------------------------------


def test_the_page_lists_errors_and_imports_nothing(client, login, world):
    login(world.city_admin)
    count = Region.objects.count()
    response = client.post("/orgs/regions/import/", {"file": upload([HEADER, ["123", "坏代码"]])})
    assert response.status_code == 200
    body = response.content.decode()
    assert "未导入任何数据" in body and "A 列（区划代码）" in body and "“123”不是 12 位数字" in body
    assert Region.objects.count() == count


def test_the_page_imports_a_clean_file_and_says_how_many(client, login, world):
    login(world.county_a_admin)
    response = client.post(
        "/orgs/regions/import/", {"file": upload([HEADER, ["990102007000", "七街道"], ["990102007001", "七社区"]])}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/orgs/regions/"
    assert "已导入 2 个区划" in response.content.decode()
    assert Region.objects.filter(code__startswith="990102007").count() == 2


def test_the_page_is_refused_to_unit_admins_and_the_template_downloads(client, login, world):
    login(world.unit_a_admin)
    assert client.get("/orgs/regions/import/").status_code == 403
    assert client.get("/orgs/regions/import/template/").status_code == 403
    login(world.county_a_admin)
    response = client.get("/orgs/regions/import/template/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    from wenming.web.excel import read_table

    table = read_table(b"".join(response.streaming_content), max_rows=5, max_bytes=10**6, required_headers=HEADER)
    assert table.rows[0].get("区划代码") == "990102000000"


def test_a_full_size_file_imports_in_a_bounded_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [HEADER]
    for town in range(1, 51):
        rows.append([f"990102{town:03d}000", f"街道{town}"])
        rows += [[f"990102{town:03d}{v:03d}", f"社区{town}-{v}"] for v in range(1, 100)]
    assert len(rows) - 1 == imports.MAX_ROWS
    with CaptureQueriesContext(connection) as ctx:
        report = run(world.city_admin, upload(rows))
    assert report.ok and len(report.created) == imports.MAX_ROWS
    # validation reads in one go, creation is bulk by level, the audit is one entry: no per-row queries
    assert len(ctx.captured_queries) < 60, len(ctx.captured_queries)
    assert Region.objects.filter(code__startswith="990102050").count() == 100
    assert Region.objects.get(code="990102050099").parent.code == "990102050000"
