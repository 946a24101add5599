"""Export of the volunteer data elements for hand-over to the national system.

The sources name the national standard only by its element list — volunteer, team, project,
training, award, service time, evaluation, certificate (../shared/DOMAIN.md) — not by number or
field dictionary. So each sheet carries one element with the fields the platform holds, under
Chinese headers; training, award and evaluation are not recorded by the platform and are not
exported. Personal numbers are masked (exports of clear numbers stay with the volunteer list's
audited 导出完整号码). Rows stream from the database in chunks.
"""

from __future__ import annotations

from wenming.vstats.selectors import _month_range, drill

MAX_ROWS = 200_000
CHUNK = 2000


def _local(value):
    from django.utils import timezone

    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _volunteers(*, user, prefix, start, end):
    from wenming.orgs.personal import IdType, Sex
    from wenming.volunteers.models import PoliticalStatus

    id_types, sexes, political = dict(IdType.choices), dict(Sex.choices), dict(PoliticalStatus.choices)
    qs = drill(user=user, kind="volunteers", prefix=prefix, start=None, end=end).values_list(
        "number", "name", "id_type", "id_masked", "sex", "birth_date", "phone_masked", "residence_code",
        "political_status", "skills", "home_org__name", "created_at",
    )  # fmt: skip
    for n, name, idt, idm, sex, birth, phone, res, pol, skills, org, created in qs.iterator(chunk_size=CHUNK):
        yield [
            n,
            name,
            id_types.get(idt, idt),
            idm,
            sexes.get(sex, ""),
            birth,
            phone,
            res,
            political.get(pol, pol),
            skills,
            org or "",
            _local(created),
        ]


def _teams(*, user, prefix, start, end):
    qs = drill(user=user, kind="teams", prefix=prefix, start=None, end=end).values_list(
        "name", "org__name", "org__region_code", "service_area", "created_at", "is_active"
    )
    for name, org, code, area, created, active in qs.iterator(chunk_size=CHUNK):
        yield [name, org, code, area, _local(created), "是" if active else "否"]


def _projects(*, user, prefix, start, end):
    from wenming.volunteers.models import PublishStatus

    status = dict(PublishStatus.choices)
    qs = drill(user=user, kind="projects", prefix=prefix, start=None, end=end).values_list(
        "id", "name", "org__name", "org__region_code", "service_area", "status", "created_at"
    )
    for pk, name, org, code, area, st, created in qs.iterator(chunk_size=CHUNK):
        yield [pk, name, org, code, area, status.get(st, st), _local(created)]


def _service(*, user, prefix, start, end):
    from wenming.volunteers.models import RecordSource

    sources = dict(RecordSource.choices)
    qs = (
        drill(user=user, kind="records", prefix=prefix, start=start, end=end)
        .order_by("date", "id")
        .values_list(
            "id",
            "volunteer__number",
            "volunteer__name",
            "org__name",
            "org__region_code",
            "activity__title",
            "date",
            "start",
            "end",
            "hours",
            "content",
            "source",
            "corrects_id",
            "created_at",
        )  # fmt: skip
    )
    for row in qs.iterator(chunk_size=CHUNK):
        pk, number, name, org, code, title, day, s, e, hours, content, src, corrects, created = row
        yield [
            pk,
            number,
            name,
            org,
            code,
            title or "",
            day,
            _local(s),
            _local(e),
            hours,
            content,
            sources.get(src, src),
            corrects or "",
            _local(created),
        ]


def _certificates(*, user, prefix, start, end):
    from wenming.certificates.models import Certificate, CertificateStatus
    from wenming.volunteers.scoping import vscoped

    status = dict(CertificateStatus.choices)
    first, last = _month_range(start, end)
    qs = (
        vscoped(Certificate, user)
        .filter(org__region_code__startswith=prefix, issued_on__gte=first, issued_on__lte=last)
        .order_by("issued_on", "id")
        .values_list(
            "serial",
            "volunteer__number",
            "volunteer__name",
            "org__name",
            "period_start",
            "period_end",
            "hours",
            "issued_on",
            "status",
            "revoke_reason",
            "content_hash",
        )  # fmt: skip
    )
    for serial, number, name, org, ps, pe, hours, issued, st, reason, digest in qs.iterator(chunk_size=CHUNK):
        yield [serial, number, name, org, ps, pe, hours, issued, status.get(st, st), reason, digest]


ELEMENTS = {
    "volunteers": {
        "title": "志愿者",
        "rows": _volunteers,
        "columns": [("志愿者编号", 22), ("姓名", 10), ("证件类型", 12), ("证件号码（脱敏）", 22), ("性别", 6), ("出生日期", 12),
                    ("手机号（脱敏）", 14), ("居住地区划代码", 14), ("政治面貌", 10), ("专业技能", 16), ("登记组织", 20), ("注册时间", 18)],
    },
    "teams": {
        "title": "志愿服务队伍",
        "rows": _teams,
        "columns": [("队伍名称", 20), ("所属组织", 20), ("组织区划代码", 14), ("服务领域", 12), ("成立时间", 18), ("启用", 6)],
    },
    "projects": {
        "title": "志愿服务项目",
        "rows": _projects,
        "columns": [("项目编号", 10), ("项目名称", 24), ("组织", 20), ("组织区划代码", 14), ("服务领域", 12), ("状态", 8), ("创建时间", 18)],
    },
    "service": {
        "title": "志愿服务时间",
        "rows": _service,
        "columns": [("记录编号", 10), ("志愿者编号", 22), ("姓名", 10), ("记录组织", 20), ("组织区划代码", 14), ("活动", 20),
                    ("服务日期", 12), ("开始时间", 18), ("结束时间", 18), ("服务时长（小时）", 12), ("服务内容", 24),
                    ("来源", 10), ("更正的记录编号", 12), ("记录时间", 18)],
    },
    "certificates": {
        "title": "志愿服务证明",
        "rows": _certificates,
        "columns": [("证明编号", 20), ("志愿者编号", 22), ("姓名", 10), ("出具组织", 20), ("服务起始日期", 12), ("服务截止日期", 12),
                    ("服务时长（小时）", 12), ("出具日期", 12), ("状态", 8), ("撤销原因", 20), ("内容摘要（SHA-256）", 66)],
    },
}  # fmt: skip
