"""The audit page: scoped to the office's subtree, filtered, paginated, before → after readable,
and read-only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from wenming.audit import services as audit_services
from wenming.audit import urls as audit_urls
from wenming.audit.context import SYSTEM, acting_as
from wenming.audit.models import Action, AuditEntry
from wenming.orgs import services
from wenming.orgs.models import OrgKind, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


def seqs(html: str) -> set[int]:
    return {int(s) for s in re.findall(r'href="/audit/(\d+)/"', html)}


def entry_ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_an_office_admin_sees_their_subtree_only(client, login, world):
    with as_user(world.platform):
        in_a = services.organisation_create(kind=OrgKind.UNIT, name="东城区审计样本", region=world.county_a, unit_type=UnitType.OTHER)
        in_b = services.organisation_create(kind=OrgKind.UNIT, name="西湖区审计样本", region=world.county_b, unit_type=UnitType.OTHER)
    login(world.county_a_admin)
    html = client.get("/audit/?q=审计样本").content.decode()
    assert "东城区审计样本" in html and "西湖区审计样本" not in html
    shown = seqs(html)
    a_entry = AuditEntry.objects.get(object_type="orgs.organisation", object_id=str(in_a.pk))
    b_entry = AuditEntry.objects.get(object_type="orgs.organisation", object_id=str(in_b.pk))
    assert a_entry.pk in shown and b_entry.pk not in shown
    # the city office sees both counties
    login(world.city_admin)
    assert {a_entry.pk, b_entry.pk} <= seqs(client.get("/audit/?q=审计样本").content.decode())
    # entries with no region (sign-ins, platform work) are for platform admins only
    with acting_as(SYSTEM):
        bare = audit_services.audit_record(action=Action.UPDATE, object_type="orgs.region", object_repr="无区划条目")
    assert bare.pk not in seqs(client.get("/audit/?q=无区划条目").content.decode())
    login(world.platform)
    assert bare.pk in seqs(client.get("/audit/?q=无区划条目").content.decode())


@pytest.mark.parametrize("persona", ["city_inspector", "unit_a_admin", "dept_lead_a", "outsider"])
def test_only_office_and_platform_admins_reach_the_page(client, login, world, persona):
    login(getattr(world, persona))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/").status_code == 403


def test_the_detail_page_is_scoped(client, login, world):
    entry = AuditEntry.objects.filter(org_id=world.unit_a.pk).order_by("seq").first()
    login(world.county_b_admin)
    assert client.get(f"/audit/{entry.pk}/").status_code == 404
    login(world.county_a_admin)
    response = client.get(f"/audit/{entry.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert entry.hash in body and entry.prev_hash in body


def test_before_and_after_are_shown_readably(client, login, world):
    with as_user(world.county_a_admin):
        services.organisation_update(org=world.unit_a, name="东城区综合行政执法局", contact_name="李四")
    login(world.county_a_admin)
    html = client.get("/audit/?action=update&object_type=orgs.organisation").content.decode()
    # Chinese field names, the old value struck through, the new one after the arrow
    assert re.search(r"名称：</span><del[^>]*>东城区执法局</del> → <span[^>]*>东城区综合行政执法局</span>", html)
    assert re.search(r"联系人：</span><span[^>]*>李四</span>", html)  # was empty: only the new value
    entry = AuditEntry.objects.filter(action=Action.UPDATE, object_id=str(world.unit_a.pk)).latest("seq")
    detail = client.get(f"/audit/{entry.pk}/").content.decode()
    assert "东城区执法局" in detail and "东城区综合行政执法局" in detail and "名称" in detail


def test_filters_by_date_action_actor_type_and_text(client, login, world, monkeypatch):
    tz = timezone.get_current_timezone()
    with monkeypatch.context() as m, acting_as(SYSTEM):
        # an entry stamped late on an earlier day (the chain takes its time from timezone.now)
        m.setattr(audit_services.timezone, "now", lambda: dt.datetime(2025, 3, 10, 23, 30, tzinfo=tz))
        old = audit_services.audit_record(
            action=Action.DELETE,
            object_type="orgs.department",
            object_id="777",
            object_repr="旧科室",
            region_code="990102000000",
        )
    with as_user(world.county_a_admin):
        services.department_create(organisation=world.unit_a, name="新科室")
    login(world.county_a_admin)

    def shown(query: str) -> set[int]:
        return seqs(client.get("/audit/?" + query).content.decode())

    assert old.pk in shown("date_from=2025-03-10&date_to=2025-03-10")  # 23:30 local still counts as that day
    assert old.pk not in shown("date_from=2025-03-11")
    assert old.pk not in shown("date_to=2025-03-09")
    assert shown("date_from=2025-03-10&date_to=2025-03-10") == {old.pk}
    assert old.pk in shown("action=delete") and old.pk not in shown("action=create")
    new_dept = AuditEntry.objects.get(object_repr="新科室")
    assert shown("actor=county_a") >= {new_dept.pk} and old.pk not in shown("actor=county_a")
    assert shown("object_type=orgs.department&q=新科室") == {new_dept.pk}
    assert shown("q=777") == {old.pk}  # by object id too
    # bad filter values are ignored, not errors
    assert client.get("/audit/?date_from=yesterday&action=nonsense").status_code == 200


def test_the_list_is_paginated(client, login, world):
    with as_user(world.county_a_admin):
        for i in range(55):
            services.department_create(organisation=world.unit_a, name=f"分页科室{i}")
    login(world.county_a_admin)
    first = client.get("/audit/?q=分页科室").content.decode()
    second = client.get("/audit/?q=分页科室&page=2").content.decode()
    assert len(seqs(first)) == 50 and len(seqs(second)) == 5
    assert "共 55 条" in first and "q=%E5%88%86%E9%A1%B5%E7%A7%91%E5%AE%A4&amp;page=2" in first


def test_nothing_in_the_application_edits_or_deletes_entries(client, login, world):
    login(world.platform)
    entry = AuditEntry.objects.order_by("seq").first()
    for url in ("/audit/", f"/audit/{entry.pk}/", "/audit/export/"):
        assert client.post(url, {"action": "delete"}).status_code == 405
    # the whole of the audit URL space: look, open one, export — no edit, no delete
    assert {p.name for p in audit_urls.urlpatterns} == {"entry_list", "entry_detail", "entry_export"}
    entry.object_repr = "篡改"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
