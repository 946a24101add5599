"""红黑榜评定规则 settings: an office admin edits the rules (validated, with Chinese errors, audited),
the next ranking uses them, a platform admin sets the default, and the page explains each rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wenming.audit.models import AuditEntry
from wenming.inspections import services
from wenming.inspections.models import RankingEntry, RankingRuleSet
from wenming.inspections.tests.test_it_ranks_units import build, compute
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db

URL = "/inspections/rankings/rules/"


def form(**changes) -> dict:
    data = {k: str(v) for k, v in services.RANKING_RULES.items()}
    data.update({k: str(v) for k, v in changes.items()})
    return data


def test_the_page_explains_every_rule(client, world, login):
    login(world.county_a_admin)
    body = client.get(URL).content.decode()
    for f in services.RANKING_RULE_FIELDS:
        assert f.label in body and f.explain in body and f'name="{f.key}"' in body
    assert "得分</strong> = 100 ×" in body and world.county_a_office.name in body
    assert "评定规则设置" in client.get("/inspections/rankings/").content.decode()


def test_an_office_sets_its_rules_and_the_next_ranking_uses_them(client, world, login):
    c, d = build(world)
    before = compute(world)
    assert not RankingEntry.objects.get(ranking=before, unit=d).listed  # 95 points, a repeat: neither list
    login(world.county_a_admin)
    response = client.post(
        URL, form(black_max_score="91", red_min_score="95", repeat_penalty="10", black_max=5)
    )
    assert response.status_code == 302
    row = RankingRuleSet.objects.get(office=world.county_a_office)
    assert (
        row.rules["black_max_score"] == "91.00"
        and row.rules["repeat_penalty"] == "10.00"
        and row.rules["black_max"] == 5
    )
    entry = AuditEntry.objects.filter(object_type="inspections.rankingruleset").latest("seq")
    assert entry.changes["black_max_score"] == ["60", "91.00"] and "red_max" not in entry.changes
    after = compute(world)
    d_entry = RankingEntry.objects.get(ranking=after, unit=d)
    assert (d_entry.score, d_entry.listed) == (Decimal("90.00"), "black")  # 100 − 10 × 1 repeat, below 91
    assert RankingEntry.objects.get(ranking=after, unit=world.unit_a).listed == "red"  # 100 ≥ 95
    assert after.rules["black_max_score"] == "91.00"
    # The earlier ranking keeps the rules it was computed with.
    before.refresh_from_db()
    assert before.rules["black_max_score"] == "60"
    # Other offices keep the defaults.
    assert services.ranking_rules(world.county_b_office) == services.RANKING_RULES


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"closure_weight": "0.7"}, "on_time_weight", "之和须等于 1（现在是 1.10）"),
        ({"red_max": "abc"}, "red_max", "红榜名额须为整数"),
        ({"repeat_penalty": "x"}, "repeat_penalty", "重复问题扣分须为数字"),
        ({"red_min_score": "120"}, "red_min_score", "红榜最低得分须在 0 到 100 之间"),
        (
            {"black_max_score": "95", "red_min_score": "90"},
            "black_max_score",
            "黑榜得分线不能高于红榜最低得分",
        ),
        ({"min_due": ""}, "min_due", "请填写参评最少到期问题数"),
        ({"closure_weight": "0.555", "on_time_weight": "0.445"}, "closure_weight", "最多保留两位小数"),
        ({"repeat_penalty": "NaN"}, "repeat_penalty", "最多保留两位小数"),
    ],
)
def test_bad_rules_are_refused_in_chinese(client, world, login, changes, field, message):
    login(world.county_a_admin)
    response = client.post(URL, form(**changes))
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "规则未保存" in body and f'id="rule-{field}" name="{field}"' in body
    assert not RankingRuleSet.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.ranking_rules_clean(form(**changes))
    assert field in exc.value.message_dict


def test_who_may_set_rules(client, world, login):
    for user in (world.city_inspector, world.unit_a_admin, world.dept_lead_a):
        login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, form()).status_code == 403
    with as_user(world.county_a_admin), pytest.raises(PermissionDenied):
        services.ranking_rules_save(user=world.county_a_admin, office=world.city_office, raw=form())
    with as_user(world.county_a_admin), pytest.raises(PermissionDenied):
        services.ranking_rules_save(user=world.county_a_admin, office=None, raw=form())
    assert not RankingRuleSet.objects.exists()


def test_the_platform_default_applies_where_an_office_has_none(client, world, login):
    login(world.platform)
    assert client.post(URL, form(red_max=3)).status_code == 302
    assert RankingRuleSet.objects.get(office=None).rules["red_max"] == 3
    assert services.ranking_rules(world.county_b_office)["red_max"] == 3
    with as_user(world.county_a_admin):
        services.ranking_rules_save(
            user=world.county_a_admin, office=world.county_a_office, raw=form(red_max=7)
        )
    assert services.ranking_rules(world.county_a_office)["red_max"] == 7
    assert services.ranking_rules(world.county_b_office)["red_max"] == 3
    # Saving again replaces the office's row (one row per office).
    with as_user(world.county_a_admin):
        services.ranking_rules_save(
            user=world.county_a_admin, office=world.county_a_office, raw=form(red_max=8)
        )
    assert RankingRuleSet.objects.filter(office=world.county_a_office).count() == 1
