"""Importing service records (志愿服务记录, the hours ledger) recorded by the importing
organisation — 谁组织谁记录: every row becomes a ``ServiceRecord`` of that organisation with
``source=import`` and ``import_batch`` = the batch id, inserted through the same fast path and
the same single transaction as volunteers. Volunteers are found by ID number (keyed hash) or
volunteer number; a name, when given, must match."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.orgs.personal import ID_RE, IdType, blind_index, normalise_id
from wenming.volimport import fastinsert
from wenming.volimport.fields import fields_for
from wenming.volimport.validate import (
    DB_CHUNK,
    Checked,
    Code,
    RowError,
    data_rows,
    normalise_label,
    parse_date,
)
from wenming.web.excel import cell_text

MAX_HOURS_PER_ROW = decimal.Decimal("24")
TWO_PLACES = decimal.Decimal("0.01")


def available() -> bool:
    try:
        from wenming.volunteers.models import ServiceRecord  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(slots=True)
class RecordRow:
    row: int
    volunteer_id: int
    date: dt.date
    hours: decimal.Decimal
    content: str


@dataclass
class RecordContext:
    org: object
    by_hash: Callable[[list[str]], dict[str, tuple[int, str]]]
    by_number: Callable[[list[str]], dict[str, tuple[int, str]]]
    existing: Callable[[list[int]], set[tuple]]


def record_context(org) -> RecordContext:
    from wenming.volunteers.models import ServiceRecord, Volunteer

    def lookup(field: str, keys: list[str]) -> dict[str, tuple[int, str]]:
        out: dict[str, tuple[int, str]] = {}
        for i in range(0, len(keys), DB_CHUNK):
            for key, pk, name in Volunteer.objects.filter(
                **{f"{field}__in": keys[i : i + DB_CHUNK]}
            ).values_list(field, "pk", "name"):
                out[key] = (pk, name)
        return out

    def existing(volunteer_ids: list[int]) -> set[tuple]:
        found: set[tuple] = set()
        for i in range(0, len(volunteer_ids), DB_CHUNK):
            found.update(
                ServiceRecord.objects.filter(
                    org=org, volunteer_id__in=volunteer_ids[i : i + DB_CHUNK]
                ).values_list("volunteer_id", "date", "hours", "content")
            )
        return {(v, d, h.quantize(TWO_PLACES), c) for v, d, h, c in found}

    return RecordContext(
        org=org,
        by_hash=lambda keys: lookup("id_hash", keys),
        by_number=lambda keys: lookup("number", keys),
        existing=existing,
    )


def parse_hours(value) -> decimal.Decimal:
    text = cell_text(value).replace("小时", "").replace("h", "").strip()
    try:
        hours = decimal.Decimal(text)
    except (decimal.InvalidOperation, ValueError) as exc:
        raise ValidationError("服务时长应为数字（小时），如 2 或 1.5") from exc
    if not hours.is_finite() or hours <= 0:
        raise ValidationError("服务时长应大于 0")
    if hours > MAX_HOURS_PER_ROW:
        raise ValidationError("一条记录的服务时长不能超过 24 小时")
    return hours.quantize(TWO_PLACES, rounding=decimal.ROUND_HALF_UP)


def check_records(
    grid,
    *,
    header_row: int,
    mapping: dict[str, int],
    labels: list[str],
    ctx: RecordContext,
    today: dt.date | None = None,
    progress=None,
) -> Checked:
    today = today or dt.date.today()
    earliest = dt.date(2000, 1, 1)
    col = {f.key: mapping.get(f.key) for f in fields_for("records")}
    label = {key: (labels[c] if c is not None and c < len(labels) else key) for key, c in col.items()}
    rows = list(data_rows(grid, header_row))
    out = Checked(total=len(rows))
    bad: set[int] = set()
    parsed = []

    def cell(cells, key):
        c = col[key]
        return cells[c] if c is not None and c < len(cells) else None

    for done, (number, cells) in enumerate(rows, 1):
        if progress is not None and done % 2000 == 0:
            progress(done, len(rows))
        errors = []
        name = cell_text(cell(cells, "name"))
        ident = normalise_id(cell_text(cell(cells, "id_number")))
        vnum = cell_text(cell(cells, "volunteer_number")).upper()
        key = None
        if vnum:
            key = ("number", vnum)
        elif ident:
            if not ID_RE.match(ident):
                errors.append(
                    RowError(
                        number,
                        label["id_number"],
                        Code.ID_INVALID,
                        "证件号码格式不对（应为 18 位居民身份证号）",
                    )
                )
            else:
                key = ("hash", blind_index(f"id:{IdType.MAINLAND}", ident))  # == personal.id_hash
        else:
            errors.append(RowError(number, label["id_number"], Code.MISSING, "证件号码与志愿者编号都为空"))
        day = None
        try:
            day = parse_date(cell(cells, "served_on"), earliest=earliest, today=today)
        except ValidationError as exc:
            errors.append(
                RowError(
                    number, label["served_on"], Code.DATE_INVALID, "服务日期：" + "；".join(exc.messages)
                )
            )
        hours = None
        try:
            hours = parse_hours(cell(cells, "hours"))
        except ValidationError as exc:
            errors.append(RowError(number, label["hours"], Code.HOURS_INVALID, "；".join(exc.messages)))
        content = cell_text(cell(cells, "content"))
        if len(content) > 300:
            errors.append(RowError(number, label["content"], Code.TOO_LONG, "服务内容超过 300 个字"))
        if errors:
            bad.add(number)
            for e in errors:
                out.add(e)
            continue
        parsed.append((number, key, name, day, hours, content))
    hashes = [k[1] for _, k, *_ in parsed if k[0] == "hash"]
    numbers = [k[1] for _, k, *_ in parsed if k[0] == "number"]
    found_hash = ctx.by_hash(hashes) if hashes else {}
    found_number = ctx.by_number(numbers) if numbers else {}
    resolved = []
    for number, key, name, day, hours, content in parsed:
        hit = (found_hash if key[0] == "hash" else found_number).get(key[1])
        column = label["volunteer_number"] if key[0] == "number" else label["id_number"]
        if hit is None:
            bad.add(number)
            out.add(
                RowError(number, column, Code.VOLUNTEER_UNKNOWN, "没有找到该志愿者（请先导入或登记志愿者）")
            )
            continue
        if name and normalise_label(name) != normalise_label(hit[1]):
            bad.add(number)
            out.add(RowError(number, label["name"], Code.VOLUNTEER_UNKNOWN, "姓名与登记的志愿者不符"))
            continue
        resolved.append(RecordRow(row=number, volunteer_id=hit[0], date=day, hours=hours, content=content))
    existing = ctx.existing(sorted({r.volunteer_id for r in resolved})) if resolved else set()
    first_row: dict[tuple, int] = {}
    for r in resolved:
        ident = (r.volunteer_id, r.date, r.hours, r.content)
        if ident in first_row:
            bad.add(r.row)
            out.add(
                RowError(
                    r.row,
                    label["served_on"],
                    Code.ID_DUP_FILE,
                    f"与第 {first_row[ident]} 行是同一条记录（同一志愿者、日期、时长、内容）",
                )
            )
            continue
        first_row[ident] = r.row
        if ident in existing:
            bad.add(r.row)
            out.add(
                RowError(
                    r.row,
                    label["served_on"],
                    Code.ID_DUP_DB,
                    "本组织已有相同的服务记录（同一志愿者、日期、时长、内容）",
                )
            )
            continue
        out.valid.append(r)
    out.errors.sort(key=lambda e: e.row)
    out.error_rows = len(bad)
    if progress is not None:
        progress(len(rows), len(rows))
    return out


def prepare_records(rows: list[RecordRow]) -> list[RecordRow]:
    return rows


def record_rows(rows, *, org_id: int, batch_id: int | None, user_id: int | None, reason: str):
    """Tuples for the fast insert (columns from :func:`record_columns`)."""
    from wenming.volunteers.models import RecordSource, ServiceRecord

    columns, attnames = fastinsert.model_columns(ServiceRecord, {})
    given = {
        "org_id",
        "volunteer_id",
        "date",
        "hours",
        "content",
        "source",
        "reason",
        "import_batch",
        "created_by_id",
        "created_at",
    }
    defaults = fastinsert.defaults_for(ServiceRecord, attnames, given)
    now = timezone.now()
    positions = {a: i for i, a in enumerate(attnames)}
    template = [None] * len(attnames)
    for a, v in defaults.items():
        template[positions[a]] = v
    for a, v in {
        "org_id": org_id,
        "source": RecordSource.IMPORT,
        "reason": reason,
        "import_batch": batch_id,
        "created_by_id": user_id,
        "created_at": now,
    }.items():
        template[positions[a]] = v
    iv, idate, ihours, icontent = (
        positions["volunteer_id"],
        positions["date"],
        positions["hours"],
        positions["content"],
    )
    for r in rows:
        row = template[:]
        row[iv], row[idate], row[ihours], row[icontent] = r.volunteer_id, r.date, r.hours, r.content
        yield row


def insert_records(
    *,
    prepared: list[RecordRow],
    org,
    user,
    file_name: str,
    batch_id: int | None = None,
    check_cancel: Callable[[], None] | None = None,
    chunk: int = 50_000,
) -> int:
    from wenming.volunteers.models import ServiceRecord

    columns, attnames = fastinsert.model_columns(ServiceRecord, {})
    date_cols = fastinsert.date_columns(ServiceRecord, attnames)
    gen = record_rows(
        prepared, org_id=org.pk, batch_id=batch_id, user_id=getattr(user, "pk", None), reason="批量导入"
    )
    inserted = 0
    while True:
        part = [r for _, r in zip(range(chunk), gen, strict=False)]
        if not part:
            break
        inserted += fastinsert.insert_rows(ServiceRecord._meta.db_table, columns, part, date_cols=date_cols)
        if check_cancel is not None:
            check_cancel()
    total_hours = sum((r.hours for r in prepared), decimal.Decimal(0))
    audit_record(
        action=Action.IMPORT,
        object_type="volunteers.servicerecord",
        object_repr=f"批量导入服务记录：{file_name}"[:200],
        changes={
            "导入行数": [0, inserted],
            "服务时长合计": [0, str(total_hours)],
            "组织": ["", org.name],
            "文件": ["", file_name],
        },
        region_code=org.region_code,
        org_id=org.operator_id,
    )
    return inserted
