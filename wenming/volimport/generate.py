"""Generated data at scale, deterministic: volunteer sheets for the import benchmark, and the
province-scale demo (450,000 volunteers, 5,000,000 service records) written through the import's
own fast path (:mod:`fastinsert`, :func:`crypto.encrypt_many`, ``number_allocate`` blocks).

People are a pure function of their index: ID ``make_mainland_id(county, 1960-01-01 + i//1000
days, i % 1000)`` — distinct for every index, checksum-valid, with the fictional 99 prefix."""

from __future__ import annotations

import datetime as dt
import random
import time

from wenming.orgs.personal import make_mainland_id

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
STATUSES = ["中共党员", "共青团员", "群众", "群众", "群众", "中共预备党员", "民主党派"]
SHEET_HEADER = ["序号", "姓名", "身份证号码", "手机号码", "所属队伍", "政治面貌", "居住社区", "注册日期"]
BIRTH_BASE = dt.date(1960, 1, 1)


def person_id(i: int, county: str = "990102") -> str:
    return make_mainland_id(county, BIRTH_BASE + dt.timedelta(days=i // 1000), i % 1000)


def person_phone(i: int) -> str:
    return f"1{3 + i % 7}{i:09d}"[:11]


def person_name(i: int) -> str:
    return (
        SURNAMES[i % len(SURNAMES)]
        + GIVEN[(i // 7) % len(GIVEN)]
        + (GIVEN[(i // 31) % len(GIVEN)] if i % 3 else "")
    )


def sheet_rows(n: int, *, start: int = 0, teams: list[str], communities: list[str]):
    for i in range(start, start + n):
        yield [
            i + 1,
            person_name(i),
            person_id(i),
            person_phone(i),
            teams[i % len(teams)] if teams and i % 2 else "",
            STATUSES[i % len(STATUSES)],
            communities[i % len(communities)] if communities else "",
            f"20{15 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        ]


def write_sheet(path, n: int, *, start: int = 0, teams: list[str], communities: list[str]) -> float:
    """A person's own volunteer sheet (title row, blank row, header, n rows) in constant memory."""
    import xlsxwriter

    started = time.perf_counter()
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("志愿者花名册")
    sheet.write_string(0, 0, "示范市东城区志愿者花名册（生成数据）")
    for c, h in enumerate(SHEET_HEADER):
        sheet.write_string(2, c, h)
    for r, row in enumerate(sheet_rows(n, start=start, teams=teams, communities=communities), 3):
        sheet.write_number(r, 0, row[0])
        for c in range(1, len(row)):
            sheet.write_string(r, c, row[c])
    book.close()
    return time.perf_counter() - started


# --- province-scale demo ----------------------------------------------------------------------


def province_generate(
    *,
    volunteers: int = 450_000,
    records: int = 5_000_000,
    stdout=None,
    seed: int = 20261122,
    rebuild: bool = True,
) -> dict:
    """Add ``volunteers`` volunteers (spread over the demo city's communities and county
    organisations) and ``records`` service records to the demo world, through the import's fast
    path, one transaction per 50,000 volunteers / 500,000 records. Returns timings (seconds)."""
    from django.db import transaction
    from django.utils import timezone

    from wenming.audit.models import Action
    from wenming.audit.services import audit_record
    from wenming.orgs.models import Region
    from wenming.orgs.personal import blind_index, mask_id, mask_phone, validate_mainland_id
    from wenming.orgs.regions import Level
    from wenming.volimport import fastinsert
    from wenming.volimport.crypto import encrypt_many
    from wenming.volunteers.models import (
        PoliticalStatus,
        RecordSource,
        ServiceRecord,
        Volunteer,
        VolunteerOrg,
    )
    from wenming.volunteers.services import number_allocate

    say = stdout.write if stdout is not None else (lambda s: None)
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    communities = list(Region.objects.filter(level=Level.VILLAGE, code__startswith="9901").order_by("code"))
    orgs = {
        o.region_code[:6]: o
        for o in VolunteerOrg.objects.filter(region__level=Level.COUNTY, region_code__startswith="9901")
    }
    if not communities or not orgs:
        say("省级规模数据：缺少示范市的社区或区县志愿者组织，跳过")
        return {}
    # Start numbering after any generated people already present (re-runs add more, never clash).
    next_index = 1_000_000 + Volunteer.objects.filter(consent_version="generated").count()
    from wenming.volimport.validate import blind_indexer

    index = blind_indexer()

    def volunteer_context_existing(hashes: list[str]) -> set[str]:
        found: set[str] = set()
        for k in range(0, len(hashes), 5000):
            part = hashes[k : k + 5000]
            found.update(Volunteer.objects.filter(id_hash__in=part).values_list("id_hash", flat=True))
        return found

    statuses = PoliticalStatus.values
    now = timezone.now()
    columns, attnames = fastinsert.model_columns(Volunteer, {})
    date_cols = fastinsert.date_columns(Volunteer, attnames)
    given = {
        "number",
        "name",
        "id_type",
        "id_number_enc",
        "id_hash",
        "id_masked",
        "birth_date",
        "sex",
        "phone_enc",
        "phone_hash",
        "phone_masked",
        "residence_id",
        "residence_code",
        "political_status",
        "skills",
        "availability",
        "home_org_id",
        "consent_at",
        "consent_version",
        "created_at",
    }
    defaults = fastinsert.defaults_for(Volunteer, attnames, given)
    started = time.perf_counter()
    chunk = 50_000
    for first in range(0, volunteers, chunk):
        count = min(chunk, volunteers - first)
        people = []
        while len(people) < count:
            want = count - len(people)
            batch = []
            for _ in range(want):
                i = next_index
                next_index += 1
                community = communities[rng.randrange(len(communities))]
                county = community.code[:6]
                number = make_mainland_id(county, BIRTH_BASE + dt.timedelta(days=i // 1000), i % 1000)
                batch.append((community, validate_mainland_id(number), person_phone(i), person_name(i)))
            # Someone of the small demo may hold the same number: skip them (one volunteer per ID).
            taken = volunteer_context_existing([index(f"id:{p[1].id_type}", p[1].number) for p in batch])
            people += [p for p in batch if index(f"id:{p[1].id_type}", p[1].number) not in taken]
        ids = encrypt_many([p[1].number for p in people])
        phones = encrypt_many([p[2] for p in people])
        with transaction.atomic():
            by_prefix: dict[str, list[int]] = {}
            for k, p in enumerate(people):
                by_prefix.setdefault(p[0].code[:6], []).append(k)
            numbers = [""] * count
            for prefix, idx in sorted(by_prefix.items()):
                for k, vnum in zip(idx, number_allocate(prefix=prefix, count=len(idx)), strict=True):
                    numbers[k] = vnum

            def rows(people=people, numbers=numbers, ids=ids, phones=phones):
                for k, (community, info, phone, name) in enumerate(people):
                    v = {
                        "number": numbers[k],
                        "name": name,
                        "id_type": info.id_type,
                        "id_number_enc": ids[k],
                        "id_hash": blind_index(f"id:{info.id_type}", info.number),
                        "id_masked": mask_id(info.number),
                        "birth_date": info.birth_date,
                        "sex": info.sex,
                        "phone_enc": phones[k],
                        "phone_hash": blind_index("phone", phone),
                        "phone_masked": mask_phone(phone),
                        "residence_id": community.pk,
                        "residence_code": community.code,
                        "political_status": statuses[k % len(statuses)],
                        "skills": "",
                        "availability": "any",
                        "home_org_id": orgs.get(community.code[:6], next(iter(orgs.values()))).pk,
                        "consent_at": now,
                        "consent_version": "generated",
                        "created_at": now - dt.timedelta(days=k % 900),
                        **defaults,
                    }
                    yield tuple(v[a] for a in attnames)

            fastinsert.insert_rows(Volunteer._meta.db_table, columns, rows(), date_cols=date_cols)
        say(f"  志愿者 {first + count:,} / {volunteers:,}（{time.perf_counter() - started:.0f} 秒）")
    timings["volunteers"] = time.perf_counter() - started

    started = time.perf_counter()
    vol_ids = list(
        Volunteer.objects.filter(consent_version="generated").order_by("pk").values_list("pk", "home_org_id")
    )
    r_columns, r_attnames = fastinsert.model_columns(ServiceRecord, {})
    r_dates = fastinsert.date_columns(ServiceRecord, r_attnames)
    import decimal

    hours = [decimal.Decimal(h) for h in ("1.00", "1.50", "2.00", "2.50", "3.00", "4.00")]
    contents = ["助老服务", "文明交通劝导", "环境清洁", "政策宣讲", "社区巡逻", "图书整理"]
    today = dt.date.today()
    days = [today - dt.timedelta(days=d) for d in range(730)]
    # Records grouped by volunteer (≈ records / volunteers each, in id order): the ledger's
    # (volunteer, date) index then grows at its end instead of at random places.
    per = [0] * len(vol_ids)
    for _ in range(records):
        per[rng.randrange(len(vol_ids))] += 1
    template, pos = fastinsert.row_template(
        ServiceRecord,
        r_attnames,
        {
            "org_id": None,
            "volunteer_id": None,
            "date": None,
            "hours": None,
            "content": "",
            "source": RecordSource.IMPORT,
            "reason": "演示数据",
            "import_batch": None,
            "created_by_id": None,
            "created_at": now,
        },
    )
    p_org, p_vol, p_date, p_hours, p_content = (
        pos[a] for a in ("org_id", "volunteer_id", "date", "hours", "content")
    )
    rchunk = 500_000
    done = 0

    def rrows(lo, hi):
        k = 0
        for index in range(lo, hi):
            vid, org_id = vol_ids[index]
            for _ in range(per[index]):
                row = template[:]
                row[p_org], row[p_vol], row[p_date] = org_id, vid, days[rng.randrange(730)]
                row[p_hours], row[p_content] = hours[k % len(hours)], contents[k % len(contents)]
                k += 1
                yield row

    lo = 0
    while lo < len(vol_ids):
        hi, count = lo, 0
        while hi < len(vol_ids) and count < rchunk:
            count += per[hi]
            hi += 1
        with transaction.atomic():
            fastinsert.insert_rows(ServiceRecord._meta.db_table, r_columns, rrows(lo, hi), date_cols=r_dates)
        done += count
        lo = hi
        say(f"  服务记录 {done:,} / {records:,}（{time.perf_counter() - started:.0f} 秒）")
    timings["records"] = time.perf_counter() - started
    with transaction.atomic():
        audit_record(
            action=Action.IMPORT,
            object_type="volunteers.volunteer",
            object_repr=f"演示数据（省级规模）：志愿者 {volunteers} 名、服务记录 {records} 条",
            changes={"志愿者": [0, volunteers], "服务记录": [0, records]},
            region_code="990100000000",
        )
    from django.apps import apps

    if rebuild and apps.is_installed("wenming.vstats"):
        started = time.perf_counter()
        from wenming.vstats.services import rollup_rebuild

        rollup_rebuild()
        timings["rollups"] = time.perf_counter() - started
    return timings
