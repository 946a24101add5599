"""红黑榜: computed from the documented rules, reviewed, published, public, exported."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from python_calamine import CalamineWorkbook

from conftest import login_client
from wenming.audit.context import SYSTEM, acting_as
from wenming.inspections import services
from wenming.inspections.models import Finding, RankingEntry, Status
from wenming.inspections.tests.helpers import category, new_finding, point, take
from wenming.orgs import services as org_services
from wenming.orgs.models import OrgKind, UnitType
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db
RULES = services.RANKING_RULES


def test_the_score_follows_the_rule():
    assert services.ranking_score(due=4, closed=4, on_time=4, repeats=0, rules=RULES) == Decimal("100.00")
    assert services.ranking_score(due=4, closed=2, on_time=1, repeats=0, rules=RULES) == Decimal(
        "40.00"
    )  # 100×(0.6×.5+0.4×.25)
    assert services.ranking_score(due=4, closed=4, on_time=4, repeats=3, rules=RULES) == Decimal("85.00")
    assert services.ranking_score(due=1, closed=0, on_time=0, repeats=5, rules=RULES) == Decimal("0.00")


def _unit(world, name):
    with acting_as(SYSTEM):
        return org_services.organisation_create(
            kind=OrgKind.UNIT, name=name, region=world.county_a, unit_type=UnitType.ORGAN
        )


def build(world):
    """Unit A: two due findings, closed on time (red). Unit C: three overdue (black). Unit D: one
    on time but a repeated problem at the same point (neither list)."""
    today = services.local_today()
    c, d = _unit(world, "东城区甲单位"), _unit(world, "东城区乙单位")
    for name in ("牛皮癣", "蜘蛛网"):  # two different problems: not a repeat
        new_finding(world, status=Status.CLOSED, category=category(name))
    for i in range(3):
        new_finding(world, point=point(world, name=f"甲单位点位{i}", unit=c))
    d_point = point(world, name="乙单位点位", unit=d)
    for _ in range(2):  # D has no admin in the test world: the office closes them (counts as closed)
        take(
            world,
            new_finding(world, point=d_point, category=category("乱停乱放")),
            "close_unfixed",
            reason="已处理",
        )
    # Deadlines inside the period; C's already passed.
    Finding.objects.filter(responsible_unit=c).update(deadline=today - dt.timedelta(days=2))
    Finding.objects.exclude(responsible_unit=c).update(deadline=today)
    return c, d


def compute(world, user=None):
    user = user or world.county_a_admin
    today = services.local_today()
    with as_user(user):
        return services.ranking_compute(user=user, start=today - dt.timedelta(days=10), end=today)


def test_red_and_black_lists(world):
    c, d = build(world)
    ranking = compute(world)
    entries = {e.unit_id: e for e in RankingEntry.objects.filter(ranking=ranking)}
    a = entries[world.unit_a.pk]
    assert (a.due, a.closed, a.on_time, a.overdue, a.repeats, a.score, a.listed) == (
        2,
        2,
        2,
        0,
        0,
        Decimal("100.00"),
        "red",
    )
    assert (entries[c.pk].overdue, entries[c.pk].score, entries[c.pk].listed) == (3, Decimal("0.00"), "black")
    assert (entries[d.pk].due, entries[d.pk].repeats, entries[d.pk].score, entries[d.pk].listed) == (
        2,
        1,
        Decimal("95.00"),
        "",
    )
    assert [e.unit_id for e in ranking.entries.order_by("position")] == [world.unit_a.pk, d.pk, c.pk]
    assert ranking.rules == RULES and ranking.status == "draft"


def test_only_office_admins_compute_and_publish(world):
    build(world)
    with pytest.raises(PermissionDenied):
        compute(world, user=world.city_inspector)
    ranking = compute(world)
    with pytest.raises(PermissionDenied):
        services.ranking_publish(ranking=ranking, user=world.county_b_admin)
    services.ranking_publish(ranking=ranking, user=world.county_a_admin)
    with pytest.raises(ValidationError, match="已发布"):
        services.ranking_publish(ranking=ranking, user=world.city_admin)


def test_review_publish_public_page_and_export(client, world):
    c, _ = build(world)
    login_client(client, world.county_a_admin)
    today = services.local_today()
    response = client.post(
        "/inspections/rankings/compute/",
        {"start": (today - dt.timedelta(days=10)).isoformat(), "end": today.isoformat()},
    )
    assert response.status_code == 302
    url = response["Location"]
    ranking_id = int(url.rstrip("/").rsplit("/", 1)[1])
    public_url = f"/inspections/public/rankings/{ranking_id}/"
    client.logout()
    assert client.get(public_url).status_code == 404  # a draft is not public
    assert "东城区文明办" not in client.get("/inspections/public/rankings/").content.decode()

    login_client(client, world.county_a_admin)
    body = client.get(url).content.decode()
    assert "待审核" in body and 'data-testid="publish"' in body
    export = client.get(url + "export/")
    wb = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
    rows = wb.get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["名次", "单位", "得分"] and rows[1][1] == "东城区执法局" and rows[1][8] == "红榜"
    client.post(url + "publish/")

    client.logout()  # anyone, without an account
    body = client.get(public_url).content.decode()
    assert "东城区执法局" in body and "东城区甲单位" in body
    assert "东城区乙单位" not in body  # not on either list: not shown publicly
    assert "东城区文明办" in client.get("/inspections/public/rankings/").content.decode()

    login_client(client, world.unit_a_admin)
    assert client.get("/inspections/rankings/").status_code == 403
    assert client.get(url).status_code == 404


def test_the_period_ends_at_local_midnight(world):
    """ "Closed by the end of the period" counts in local days: closed at 23:59 on the last day
    counts, 00:01 the next day does not (the bounds are local midnights, not UTC dates)."""
    from django.utils import timezone

    end = dt.date(2026, 3, 31)
    inside, outside = new_finding(world), new_finding(world)
    for f, at in ((inside, dt.datetime(2026, 3, 31, 23, 59)), (outside, dt.datetime(2026, 4, 1, 0, 1))):
        Finding.objects.filter(pk=f.pk).update(
            status=Status.CLOSED, outcome="fixed", deadline=end, closed_at=timezone.make_aware(at)
        )
    rows = services._ranking_rows(
        user=world.city_admin, region_prefix="99", start=dt.date(2026, 3, 1), end=end
    )
    (row,) = rows
    assert (row["due"], row["closed"], row["on_time"], row["overdue"]) == (2, 1, 1, 0)
