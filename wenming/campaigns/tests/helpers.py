"""Builders for the campaign tests (through the real services, as the product does)."""

from __future__ import annotations

import datetime as dt

from wenming.campaigns.services import campaign_open
from wenming.frameworks.services import framework_publish
from wenming.frameworks.tests.helpers import big_nodes, make_framework, node
from wenming.orgs.tests.helpers import as_user

ACCEPT = dt.date(2027, 6, 30)
START = dt.date(2027, 1, 1)


def small_nodes():
    """Two items; item 1 has two standards, item 2 one content with two standards: 4 leaves."""
    return [
        node("1", title="组织领导"),
        node("1.1", "1", title="领导小组"),
        node("1.2", "1", title="工作计划"),
        node("2", title="思想道德"),
        node("2.1", "2", title="理论学习"),
        node("2.1.1", "2.1", title="学习制度"),
        node("2.1.2", "2.1", title="学习记录"),
    ]


def published(world, nodes=None, title="创建测试体系"):
    with as_user(world.county_a_admin):
        return framework_publish(
            framework=make_framework(world.county_a_office, title=title, nodes=nodes or small_nodes())
        )


def open_campaign(world, *, nodes=None, start=START, accept=ACCEPT, title="创建市级文明单位", unit=None):
    framework = published(world, nodes)
    with as_user(world.unit_a_admin):
        return campaign_open(
            unit=unit or world.unit_a,
            framework=framework,
            title=title,
            target_kind="unit",
            level="city",
            exemplar=False,
            start_date=start,
            acceptance_date=accept,
            user=world.unit_a_admin,
        )


__all__ = ["ACCEPT", "START", "big_nodes", "open_campaign", "published"]
