"""Seed the configurable lists: point types named in the sources and the 专项整治 categories.

The lists are copied here (not imported) so this migration stays what it was when it ran.
"""

from django.db import migrations

POINT_TYPES = [
    "政务大厅", "银行网点", "公交站点", "室外公共厕所", "公共广场", "公园", "社区",
    "建筑工地", "医院", "集贸市场", "背街小巷", "主次干道", "小区",
]
CATEGORIES = [
    ("牛皮癣", 5, 3, 1),
    ("蜘蛛网", 15, 10, 7),
    ("乱停乱放", 3, 2, 1),
    ("路面破损", 15, 10, 5),
    ("卫生死角", 5, 3, 1),
    ("公益广告缺失", 10, 7, 5),
]


def seed(apps, schema_editor):
    PointType = apps.get_model("inspections", "PointType")
    FindingCategory = apps.get_model("inspections", "FindingCategory")
    for i, name in enumerate(POINT_TYPES):
        PointType.objects.get_or_create(name=name, defaults={"sort_order": i})
    for i, (name, minor, major, severe) in enumerate(CATEGORIES):
        FindingCategory.objects.get_or_create(
            name=name, defaults={"sort_order": i, "days_minor": minor, "days_major": major, "days_severe": severe}
        )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
