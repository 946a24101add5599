"""星级标准 settings page: office admins set strictly increasing positive Decimal thresholds per
region in their subtree (Chinese errors), audited; volunteers' star follows the deepest ladder."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wenming.audit.models import AuditEntry
from wenming.volunteers import ledger, selectors
from wenming.volunteers.models import StarLadder

pytestmark = pytest.mark.django_db
URL = "/volunteers/stars/"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写各星级的时长"),
        ("100,300,300", "第 3 级（300）须大于第 2 级（300），各级须严格递增"),
        ("300,100", "第 2 级（100）须大于第 1 级（300）"),
        ("0,100", "第 1 级须为正数"),
        ("-5", "第 1 级须为正数"),
        ("100,abc", "第 2 级“abc”不是数字"),
        ("100.555", "第 1 级最多两位小数"),
        ("NaN", "第 1 级须为正数"),
        (",".join(str(n) for n in range(1, 13)), "星级最多 10 级"),
    ],
)
def test_bad_ladders_are_refused_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        selectors.parse_ladder(text)


def test_decimal_ladders_parse_and_round_trip():
    ladder = selectors.parse_ladder("50.5，120，200.25,")
    assert ladder == (Decimal("50.5"), Decimal("120"), Decimal("200.25"))
    assert selectors.ladder_text(ladder) == "50.5,120,200.25"
    assert selectors.star_level(Decimal("120.00"), ladder) == 2
    assert selectors.star_level(Decimal("50.49"), ladder) == 0


def test_county_admin_sets_a_ladder_and_the_volunteer_star_follows(aw, world, client, login):
    vw = aw.vw
    ledger.record_manual(org=vw.vorg_a, volunteer=vw.volunteer_a, date=aw.record_a.date, hours="20",
                         reason="补录", user=vw.vorg_admin)  # fmt: skip
    # 3 + 20 = 23 hours: no star under the default ladder (100 …).
    login(vw.vol_user)
    assert 'data-testid="star">未达星级' in client.get("/volunteers/me/hours/").content.decode()

    login(world.county_a_admin)
    page = client.get(URL).content.decode()
    assert "默认（未单独设置的地区）" in page and "东城区" in page and "西湖区" not in page
    response = client.post(URL, {"region": world.county_a.pk, "thresholds": "10,22.5,50"})
    assert response.status_code == 302
    ladder = StarLadder.objects.get(region=world.county_a)
    assert ladder.thresholds == "10,22.5,50" and ladder.region_code == world.county_a.code
    entry = AuditEntry.objects.filter(object_type__icontains="starladder").order_by("-seq").first()
    assert entry is not None and entry.actor_id == world.county_a_admin.pk and "22.5" in str(entry.changes)
    # Errors come back in Chinese and change nothing.
    page = client.post(URL, {"region": world.county_a.pk, "thresholds": "10,5"}).content.decode()
    assert "须大于第 1 级" in page
    assert StarLadder.objects.get(region=world.county_a).thresholds == "10,22.5,50"

    login(vw.vol_user)
    assert 'data-testid="star">二星' in client.get("/volunteers/me/hours/").content.decode()

    # A city ladder does not override the deeper county one; removing the county one lets it apply.
    login(world.city_admin)
    assert client.post(URL, {"region": world.city.pk, "thresholds": "20"}).status_code == 302
    assert selectors.star_ladder_for(vw.volunteer_a) == (Decimal("10"), Decimal("22.5"), Decimal("50"))
    client.post(URL, {"delete": ladder.pk})
    assert selectors.star_ladder_for(vw.volunteer_a) == (Decimal("20"),)
    assert AuditEntry.objects.filter(object_type__icontains="starladder", action="delete").exists()


def test_who_may_see_and_edit(aw, world, client, login):
    with_ladder = StarLadder.objects.create(
        region=world.county_b, region_code=world.county_b.code, thresholds="5,10"
    )
    # Another county's admin cannot touch county B's ladder nor set one for county A.
    login(world.county_a_admin)
    assert client.post(URL, {"delete": with_ladder.pk}).status_code == 404
    page = client.post(URL, {"region": world.county_b.pk, "thresholds": "1,2"}).content.decode()
    assert "选择一个有效的选项" in page or "有效" in page
    assert StarLadder.objects.get(pk=with_ladder.pk).thresholds == "5,10"
    # Office inspectors see but do not edit; volunteers and volunteer-org admins get 403.
    login(world.city_inspector)
    page = client.get(URL).content.decode()
    assert "5" in page and "设置或修改" not in page
    assert client.post(URL, {"region": world.city.pk, "thresholds": "1"}).status_code == 403
    for user in (aw.vw.vol_user, aw.vw.vorg_admin, world.unit_a_admin):
        login(user)
        assert client.get(URL).status_code == 403


def test_the_page_issues_a_bounded_number_of_queries(aw, world, client, login, django_assert_max_num_queries):
    for region in (world.county_a, world.county_b, world.city):
        StarLadder.objects.create(region=region, region_code=region.code, thresholds="5,10")
    login(world.city_admin)
    client.get(URL)
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200
