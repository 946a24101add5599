"""Derive, publish, freeze, new version, compare — and the tree rules on every edit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from wenming.audit.models import AuditEntry
from wenming.frameworks import services
from wenming.frameworks.models import Criterion, Framework, FrameworkStatus
from wenming.frameworks.selectors import framework_compare
from wenming.frameworks.tests.helpers import make_framework, node
from wenming.orgs.tests.helpers import as_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(world):
    fw = make_framework(
        None, title="全国测试体系", nodes=[node("1"), node("1.1", "1"), node("1.2", "1"), node("2")]
    )
    return services.framework_publish(framework=fw)


def test_derive_copies_tree_and_rules_and_records_the_source(world, national):
    services.framework_set_rules(
        framework=national, thresholds=[("省级", Decimal(85))], veto=["严重违纪"], adjustments=[]
    )
    with as_user(world.city_admin):
        local = services.framework_derive(source=national, owner=world.city_office, title="示范市版")
    assert (
        local.derived_from == national
        and local.owner == world.city_office
        and local.status == FrameworkStatus.DRAFT
    )
    assert local.region_prefix == "9901" and local.version == 1 and local.lineage != national.lineage
    assert sorted(local.criteria.values_list("code", flat=True)) == ["1", "1.1", "1.2", "2"]
    assert local.criteria.get(code="1.1").parent.code == "1"
    assert [(t.title, t.min_score) for t in local.thresholds.all()] == [("省级", Decimal(85))]
    assert [v.text for v in local.veto_conditions.all()] == ["严重违纪"]
    assert national.criteria.count() == 4  # the source is untouched
    entry = AuditEntry.objects.filter(object_type="frameworks.framework", object_id=str(local.pk)).get()
    assert entry.actor_label == "city_admin" and entry.changes["derived_from"] == [None, national.pk]


def test_weights_and_local_criteria_on_a_derived_version(world, national):
    local = services.framework_derive(source=national, owner=world.city_office)
    services.criterion_save(
        framework=local, criterion=local.criteria.get(code="1"), node=node("1", score=10, title="学雷锋")
    )
    services.criterion_save(framework=local, node=node("1.3", "1", score=4, title="本地标准"))
    assert local.criteria.get(code="1.3").depth == 2
    with pytest.raises(services.TreeInvalid) as exc:
        services.criterion_save(framework=local, node=node("1.4", "1", score=7))
    assert "“1”的下级分值合计 11 超过其分值 10" in str(exc.value.errors[0])
    assert not local.criteria.filter(code="1.4").exists()


def test_editing_refuses_duplicate_codes_and_fifth_level(world, national):
    local = services.framework_derive(source=national, owner=world.city_office)
    with pytest.raises(services.TreeInvalid):
        services.criterion_save(framework=local, node=node("1.1", "1"))
    for code, parent in [("1.1.1", "1.1"), ("1.1.1.1", "1.1.1")]:
        services.criterion_save(framework=local, node=node(code, parent))
    with pytest.raises(services.TreeInvalid) as exc:
        services.criterion_save(framework=local, node=node("1.1.1.1.1", "1.1.1.1"))
    assert "层级超过 4 级" in str(exc.value.errors[0])


def test_renaming_a_code_keeps_children_attached(world, national):
    local = services.framework_derive(source=national, owner=world.city_office)
    services.criterion_save(framework=local, criterion=local.criteria.get(code="1"), node=node("A"))
    assert sorted(local.criteria.get(code="A").children.values_list("code", flat=True)) == ["1.1", "1.2"]


def test_moving_a_subtree_updates_depths(world, national):
    local = services.framework_derive(source=national, owner=world.city_office)
    services.criterion_save(framework=local, criterion=local.criteria.get(code="1"), node=node("1", "2"))
    depths = dict(local.criteria.values_list("code", "depth"))
    assert depths == {"2": 1, "1": 2, "1.1": 3, "1.2": 3}


def test_freeze_then_new_version(world, national):
    local = services.framework_derive(source=national, owner=world.city_office)
    with pytest.raises(ValidationError):
        services.framework_freeze(framework=local)  # a draft cannot be used yet
    services.framework_publish(framework=local)
    frozen = services.framework_freeze(framework=local)
    assert frozen.status == FrameworkStatus.FROZEN and frozen.frozen_at
    assert services.framework_freeze(framework=frozen).frozen_at == frozen.frozen_at  # idempotent
    with pytest.raises(ValidationError):
        services.criterion_save(framework=frozen, node=node("3"))
    with pytest.raises(ValidationError):
        services.criterion_delete(criterion=frozen.criteria.get(code="2"))
    with pytest.raises(ValidationError):
        services.framework_update(framework=frozen, title="改名")
    v2 = services.framework_new_version(framework=frozen)
    assert (v2.version, v2.lineage, v2.derived_from_id, v2.status) == (
        2,
        frozen.lineage,
        frozen.pk,
        FrameworkStatus.DRAFT,
    )
    assert v2.owner_id == world.city_office.pk and v2.region_prefix == "9901"
    services.criterion_save(framework=v2, node=node("3", title="新增项目"))
    assert not frozen.criteria.filter(code="3").exists()
    # A second new version of the same lineage numbers on.
    services.framework_publish(framework=v2)
    assert services.framework_new_version(framework=frozen).version == 3


def test_compare_by_code_field_level(world, national):
    v1 = services.framework_derive(source=national, owner=world.city_office)
    services.framework_publish(framework=v1)
    v2 = services.framework_new_version(framework=v1)
    services.criterion_save(
        framework=v2,
        criterion=v2.criteria.get(code="1"),
        node=node("1", score=10, title="标准1", methods=["实地考察"]),
    )
    services.criterion_delete(criterion=v2.criteria.get(code="1.2"))
    services.criterion_save(framework=v2, node=node("3", title="本地项目"))
    diff = framework_compare(old=v1, new=v2)
    assert [n.code for n in diff.added] == ["3"]
    assert [n.code for n in diff.removed] == ["1.2"]
    assert [c.code for c in diff.changed] == ["1"]
    assert diff.changed[0].fields == {"methods": ([], ["实地考察"]), "score": (None, Decimal("10.00"))}
    assert framework_compare(old=v1, new=v1).is_same


def test_publish_needs_criteria_and_a_valid_tree(world):
    empty = make_framework(world.city_office)
    with pytest.raises(ValidationError):
        services.framework_publish(framework=empty)


def test_scores_are_decimal_and_null_stays_null(world):
    fw = make_framework(world.city_office, nodes=[node("1", score="2.5"), node("2")])
    c1, c2 = Criterion.objects.filter(framework=fw).order_by("code")
    assert c1.score == Decimal("2.5") and isinstance(c1.score, Decimal) and c2.score is None


def test_owner_must_be_an_office(world):
    with pytest.raises(ValidationError):
        make_framework(world.unit_a)
    assert not Framework.objects.filter(owner=world.unit_a).exists()


def test_what_a_campaign_can_adopt_and_turn_into_tasks(world, national):
    from wenming.frameworks.selectors import framework_leaves, frameworks_usable

    draft = services.framework_derive(source=national, owner=world.county_a_office)
    usable = set(frameworks_usable(user=world.county_a_admin).values_list("pk", flat=True))
    assert national.pk in usable and draft.pk not in usable
    assert [c.code for c in framework_leaves(framework=national)] == ["1.1", "1.2", "2"]
