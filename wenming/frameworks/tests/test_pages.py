"""Pages: list, tree, forms, import/export, compare — permissions and bounded queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.frameworks import services
from wenming.frameworks.models import Criterion, Framework, FrameworkStatus
from wenming.frameworks.tests.helpers import big_nodes, make_framework, node
from wenming.frameworks.transfer import parse_yaml

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def test_tree_page_of_125_criteria_is_a_bounded_number_of_queries(client, login, world):
    small = make_framework(world.county_a_office, nodes=big_nodes(1, 1, 1))
    big = make_framework(world.county_a_office, nodes=big_nodes(5, 4, 5))
    assert big.criteria.count() == 125
    login(world.county_a_admin)
    n_small, _ = queries_for(client, f"/frameworks/{small.pk}/")
    n_big, body = queries_for(client, f"/frameworks/{big.pk}/")
    assert n_big == n_small <= 14
    assert body.count('data-testid="criterion"') == 125 and "5.4.5" in body


def test_list_is_scoped_paginated_and_bounded(client, login, world):
    for i in range(3):
        make_framework(world.county_a_office, title=f"东城体系{i}", nodes=[node("1")])
    make_framework(world.county_b_office, title="西湖体系", nodes=[node("1")])
    login(world.county_a_admin)
    n_few, body = queries_for(client, "/frameworks/")
    assert "东城体系0" in body and "西湖体系" not in body
    for i in range(3, 45):
        make_framework(world.county_a_office, title=f"东城体系{i}", nodes=[node("1"), node("2")])
    n_many, body = queries_for(client, "/frameworks/")
    assert n_many == n_few <= 14
    assert body.count('data-testid="framework-row"') == 30 and "第 1 / 2 页" in body


def test_outsider_gets_404_and_unit_gets_403_on_edit(client, login, world):
    fw = services.framework_publish(framework=make_framework(world.county_a_office, nodes=[node("1")]))
    login(world.outsider)
    assert client.get(f"/frameworks/{fw.pk}/").status_code == 404
    login(world.unit_a_admin)
    assert client.get(f"/frameworks/{fw.pk}/").status_code == 200
    assert client.get(f"/frameworks/{fw.pk}/edit/").status_code == 403
    assert client.post(f"/frameworks/{fw.pk}/criteria/new/", {"code": "9", "title": "x"}).status_code == 403
    login(world.city_admin)  # sees the county's framework, but does not edit another office's
    assert client.get(f"/frameworks/{fw.pk}/edit/").status_code == 403


def test_office_admin_creates_adds_criteria_and_publishes(client, login, world):
    login(world.county_a_admin)
    response = client.post(
        "/frameworks/new/",
        {
            "kind": "unit",
            "title": "东城区文明单位测评细则",
            "total_score": "100",
            "thresholds": "区级文明单位=85",
            "veto": "严重违纪\n",
            "adjustments": "加分|B1|获表彰|1|3",
            "bonus_cap": "3",
        },
    )
    assert response.status_code == 302
    fw = Framework.objects.get(title="东城区文明单位测评细则")
    assert fw.owner == world.county_a_office and fw.total_score == Decimal(100)
    assert fw.bonus_cap == Decimal(3) and fw.deduction_cap is None
    assert fw.thresholds.get().min_score == Decimal(85) and fw.adjustments.get().cap == Decimal(3)
    r = client.post(
        f"/frameworks/{fw.pk}/criteria/new/",
        {
            "code": "1",
            "title": "组织领导",
            "score": "10",
            "methods": "材料审核、实地考察",
            "evidence_types": ["document", "image"],
        },
    )
    assert r.status_code == 302
    item = fw.criteria.get(code="1")
    r = client.post(
        f"/frameworks/{fw.pk}/criteria/new/",
        {
            "parent": str(item.pk),
            "code": "1.1",
            "title": "领导小组",
            "score": "12",
            "scheme_type": "等级评分",
            "scheme_rule": "A=12",
        },
    )
    assert r.status_code == 200 and "超过上级“1”的分值 10" in r.content.decode()
    r = client.post(
        f"/frameworks/{fw.pk}/criteria/new/",
        {
            "parent": str(item.pk),
            "code": "1.1",
            "title": "领导小组",
            "score": "4",
            "scheme_type": "等级评分",
            "scheme_rule": "A=4；B=2；C=0",
        },
    )
    assert r.status_code == 302
    c = fw.criteria.get(code="1.1")
    assert c.depth == 2 and c.scheme["bands"][1] == {"grade": "B", "value": "2"}
    r = client.post(
        f"/frameworks/criteria/{c.pk}/edit/",
        {"parent": str(item.pk), "code": "1.1", "title": "领导小组（改）", "score": "5"},
    )
    assert r.status_code == 302 and fw.criteria.get(code="1.1").title == "领导小组（改）"
    body = client.get(f"/frameworks/{fw.pk}/").content.decode()
    assert "领导小组（改）" in body and "正式发文、图片资料" in body and "材料审核" in body
    assert client.post(f"/frameworks/{fw.pk}/publish/").status_code == 302
    fw.refresh_from_db()
    assert fw.status == FrameworkStatus.PUBLISHED
    assert client.post(f"/frameworks/criteria/{c.pk}/delete/").status_code == 302
    assert not fw.criteria.filter(code="1.1").exists()


def test_derive_new_version_and_compare_pages(client, login, world):
    source = services.framework_publish(
        framework=make_framework(None, title="内置体系", nodes=[node("1"), node("2")])
    )
    login(world.county_a_admin)
    r = client.post(
        f"/frameworks/{source.pk}/derive/", {"title": "东城本地版", "owner": str(world.county_a_office.pk)}
    )
    assert r.status_code == 302
    local = Framework.objects.get(title="东城本地版")
    assert local.derived_from == source and local.owner == world.county_a_office
    services.criterion_save(framework=local, criterion=local.criteria.get(code="1"), node=node("1", score=10))
    services.criterion_save(framework=local, node=node("3", title="本地项目"))
    r = client.get(f"/frameworks/{local.pk}/compare/")
    assert r.status_code == 302 and r["Location"].endswith(f"?other={source.pk}")
    body = client.get(r["Location"]).content.decode()
    assert 'data-testid="added"' in body and "本地项目" in body and "分值" in body
    services.framework_publish(framework=local)
    services.framework_freeze(framework=local)
    assert client.get(f"/frameworks/{local.pk}/edit/").status_code == 403
    r = client.post(f"/frameworks/{local.pk}/new-version/")
    v2 = Framework.objects.get(lineage=local.lineage, version=2)
    assert r.status_code == 302 and r["Location"] == f"/frameworks/{v2.pk}/"


def test_exports_and_template(client, login, world):
    fw = make_framework(
        world.county_a_office,
        title="导出体系",
        nodes=[node("1", score=5), node("1.1", "1", score=5, methods=["材料审核"])],
    )
    login(world.unit_a_admin)
    assert client.get(f"/frameworks/{fw.pk}/export.yaml").status_code == 404  # a draft is the office's own
    login(world.county_a_admin)
    r = client.get(f"/frameworks/{fw.pk}/export.yaml")
    assert r.status_code == 200 and "filename*=UTF-8''" in r["Content-Disposition"]
    assert parse_yaml(r.content).ok
    r = client.get(f"/frameworks/{fw.pk}/export.xlsx")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"PK")
    r = client.get("/frameworks/import/template/")
    assert r.status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wenming.frameworks.transfer import parse_xlsx

    template = parse_xlsx(SimpleUploadedFile("t.xlsx", b"".join(r.streaming_content)))
    assert template.ok, template.errors  # the downloadable template itself imports


def test_yaml_import_through_the_page(client, login, world):
    fw = make_framework(world.county_a_office, nodes=[node("9")])
    login(world.county_a_admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = "format: wenming-framework\nframework: {kind: 文明社区, title: 社区体系, total_score: '50'}\nthresholds: [{title: 达标, min_score: '40'}]\ncriteria:\n- {code: A, title: 甲, score: 30}\n"
    r = client.post(f"/frameworks/{fw.pk}/import/", {"file": SimpleUploadedFile("x.yaml", text.encode())})
    assert r.status_code == 302
    fw.refresh_from_db()
    assert (fw.title, fw.kind, fw.total_score) == ("社区体系", "community", Decimal(50))
    assert list(Criterion.objects.filter(framework=fw).values_list("code", flat=True)) == ["A"]


def test_moving_criteria_among_siblings(client, login, world):
    fw = make_framework(world.county_a_office, nodes=[node("1"), node("2"), node("3"), node("3.1", "3")])
    login(world.county_a_admin)
    third = fw.criteria.get(code="3")
    assert client.post(f"/frameworks/criteria/{third.pk}/move/", {"direction": "up"}).status_code == 302
    order = list(fw.criteria.filter(depth=1).order_by("position").values_list("code", flat=True))
    assert order == ["1", "3", "2"]
    first = fw.criteria.get(code="1")
    client.post(f"/frameworks/criteria/{first.pk}/move/", {"direction": "up"})  # already first: nothing moves
    client.post(f"/frameworks/criteria/{first.pk}/move/", {"direction": "down"})
    assert list(fw.criteria.filter(depth=1).order_by("position").values_list("code", flat=True)) == [
        "3",
        "1",
        "2",
    ]
    assert [n.code for n in services.framework_nodes(framework=fw)] == ["3", "3.1", "1", "2"]
    login(world.unit_a_admin)
    assert (
        client.post(f"/frameworks/criteria/{first.pk}/move/", {"direction": "up"}).status_code == 404
    )  # a draft


def test_unit_list_is_bounded_too(client, login, world):
    for i in range(3):
        services.framework_publish(
            framework=make_framework(world.county_a_office, title=f"东城发布{i}", nodes=[node("1")])
        )
    login(world.unit_a_admin)
    n_few, body = queries_for(client, "/frameworks/")
    assert "东城发布0" in body
    for i in range(3, 40):
        services.framework_publish(
            framework=make_framework(world.county_a_office, title=f"东城发布{i}", nodes=[node("1")])
        )
    n_many, body = queries_for(client, "/frameworks/")
    assert n_many == n_few <= 14 and body.count('data-testid="framework-row"') == 30
