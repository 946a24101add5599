"""Builders for the assessment tests (through the real services, as the product does).

The scheme framework has one criterion of every kind a round scores:

- item 1 (10 points): 1.1 fixed 4 points; 1.2 grade bands A=3 / B=2 / C=1 (score 3);
  1.3 N of M: ≥5 met = 100 %, ≥3 = 60 %, ≥1 = 20 % (score 3);
- item 2 (no score, 未赋分): 2.1 fixed without points (达标/未达标); 2.2 N of M without values;
- item 3 (5 points): 3.1 fixed 5 points.

Thresholds 合格 ≥ 8, 优秀 ≥ 14; bonus B1 1 point each (cap 2); deduction D1 2 points each (cap 3);
two veto conditions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from wenming.assessments import services
from wenming.assessments.models import RoundKind
from wenming.campaigns.services import campaign_open
from wenming.frameworks.services import framework_publish, framework_set_rules
from wenming.frameworks.tests.helpers import make_framework, node
from wenming.orgs.tests.helpers import as_user

START = dt.date(2026, 1, 1)
ACCEPT = dt.date(2027, 6, 30)


def scheme_nodes():
    return [
        node("1", score=10, title="组织领导"),
        node("1.1", "1", score=4, title="领导小组", scheme={"type": "fixed"}),
        node(
            "1.2",
            "1",
            score=3,
            title="工作计划",
            scheme={
                "type": "bands",
                "unit": "points",
                "bands": [
                    {"grade": "A", "value": "3"},
                    {"grade": "B", "value": "2"},
                    {"grade": "C", "value": "1"},
                ],
            },
        ),
        node(
            "1.3",
            "1",
            score=3,
            title="制度建设",
            scheme={
                "type": "count_met",
                "unit": "fraction",
                "bands": [
                    {"grade": "A", "min_met": 5, "value": "1"},
                    {"grade": "B", "min_met": 3, "value": "0.6"},
                    {"grade": "C", "min_met": 1, "value": "0.2"},
                ],
            },
        ),
        node("2", title="思想道德"),
        node("2.1", "2", title="理论学习"),
        node(
            "2.2",
            "2",
            title="道德讲堂",
            scheme={
                "type": "count_met",
                "unit": "points",
                "bands": [{"grade": "好", "min_met": 3}, {"grade": "中", "min_met": 1}],
            },
        ),
        node("3", score=5, title="优美环境"),
        node("3.1", "3", score=5, title="环境整洁"),
    ]


def scheme_campaign(world, *, unit=None, admin=None, title="测评测试体系", nodes=None):
    with as_user(world.county_a_admin):
        framework = make_framework(
            world.county_a_office, title=title, nodes=nodes or scheme_nodes(), total=15, bonus_cap=Decimal(5)
        )
        framework_set_rules(
            framework=framework,
            thresholds=[("合格", Decimal(8)), ("优秀", Decimal(14))],
            veto=["领导班子成员严重违纪", "发生重大安全事故"],
            adjustments=[
                {
                    "kind": "bonus",
                    "code": "B1",
                    "title": "获市级表彰",
                    "points": Decimal(1),
                    "cap": Decimal(2),
                },
                {
                    "kind": "deduction",
                    "code": "D1",
                    "title": "被通报批评",
                    "points": Decimal(2),
                    "cap": Decimal(3),
                },
            ],
        )
        framework = framework_publish(framework=framework)
    admin = admin or world.unit_a_admin
    with as_user(admin):
        return campaign_open(
            unit=unit or world.unit_a,
            framework=framework,
            title="创建市级文明单位",
            target_kind="unit",
            level="city",
            exemplar=False,
            start_date=START,
            acceptance_date=ACCEPT,
            user=admin,
        )


def crit(campaign, code):
    return campaign.framework.criteria.get(code=code)


def self_round(world, campaign, user=None):
    user = user or world.unit_a_admin
    with as_user(user):
        return services.round_create(campaign=campaign, kind=RoundKind.SELF, user=user)


def score(round, user, code, value, reason="", evidence=()):
    with as_user(user):
        return services.scores_save(
            round=round,
            entries=[
                services.ScoreInput(
                    criterion_id=crit(round.campaign, code).pk,
                    value=value,
                    reason=reason,
                    evidence_ids=list(evidence),
                )
            ],
            user=user,
        )


def full_marks(round, user):
    """Every weighted criterion at full marks, veto all clear (ready to submit)."""
    with as_user(user):
        c = round.campaign
        services.scores_save(
            round=round,
            entries=[
                services.ScoreInput(crit(c, "1.1").pk, "4"),
                services.ScoreInput(crit(c, "1.2").pk, "A"),
                services.ScoreInput(crit(c, "1.3").pk, "5"),
                services.ScoreInput(crit(c, "3.1").pk, "5"),
            ],
            user=user,
        )
        services.round_extras_save(
            round=round, user=user, veto={v.pk: (False, "") for v in c.framework.veto_conditions.all()}
        )


def submit(round, user):
    with as_user(user):
        return services.round_submit(round=round, user=user)
