"""Background jobs of the import module: the check (preview), the import, the exports.

The import job (``import_batch``): for volunteers ``services.batch_import_volunteers`` — the file
read and checked again in forked workers, encrypted, inserted in one transaction (on PostgreSQL
each checked chunk is inserted while the next is checked; on SQLite the checks come first, with
progress, and the transaction holds only the insert); for service records the check, then the
transaction. A cancellation noticed between chunks raises inside the transaction, so it rolls
back (docs/jobs.md, "no half-done work"). The batch row records how it ended."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from wenming.jobs.services import JobCancelled, JobError, RunningJob, job_check_cancel, job_progress, job_task
from wenming.volimport.models import BatchStatus, ImportBatch
from wenming.web.excel import TableError


def _batch(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("org", "file__blob").filter(pk=batch_id).first()
    if batch is None:
        raise JobError("导入批次不存在")
    return batch


def _checked(run: RunningJob, batch: ImportBatch):
    from wenming.volimport import services

    job_progress(run, done=0, total=0, message="正在读取文件", force=True)
    data = services.batch_file_bytes(batch)

    def progress(done, total):
        job_check_cancel(run)
        job_progress(run, done=done, total=total, message="正在校验")

    try:
        return services.read_and_check(data, batch=batch, progress=progress)[1]
    except TableError as exc:
        raise JobError(exc.message) from exc


@job_task()
def check_batch(run: RunningJob, *, batch_id: int) -> dict:
    from wenming.volimport import services

    batch = _batch(batch_id)
    try:
        checked = _checked(run, batch)
        services.batch_record_check(batch=batch, checked=checked)
    except JobCancelled:
        services.batch_mark(batch=batch, status=BatchStatus.UPLOADED, message="校验已取消")
        raise
    except JobError as exc:
        services.batch_mark(batch=batch, status=BatchStatus.UPLOADED, message=exc.message)
        raise
    except BaseException:
        services.batch_mark(batch=batch, status=BatchStatus.UPLOADED, message="校验出错")
        raise
    run.done_message = (
        f"校验完成：{checked.total} 行，其中 {len(checked.valid)} 行正确，{checked.error_rows} 行有错误"
    )
    return {"total": checked.total, "valid": len(checked.valid), "error_rows": checked.error_rows}


@job_task()
def import_batch(run: RunningJob, *, batch_id: int, mode: str) -> dict:
    from wenming.volimport import services

    batch = _batch(batch_id)
    try:
        if batch.kind == "volunteers":
            inserted = _import_volunteers(run, batch, mode)
        else:
            inserted = _import_records(run, batch, mode)
    except JobCancelled:
        services.batch_mark(batch=batch, status=BatchStatus.CHECKED, message="导入已取消，未写入任何数据")
        raise
    except JobError as exc:
        services.batch_mark(batch=batch, status=BatchStatus.FAILED, message=exc.message)
        raise
    except BaseException:
        services.batch_mark(batch=batch, status=BatchStatus.FAILED, message="导入出错，未写入任何数据")
        raise
    rebuilt = services.rollups_after_import(batch=batch)
    job_progress(run, done=inserted, total=inserted, force=True)
    run.done_message = f"已导入 {inserted} 行" + ("" if rebuilt else "（统计将在夜间重算时更新）")
    return {"imported": inserted}


def _import_volunteers(run: RunningJob, batch: ImportBatch, mode: str) -> int:
    """services.batch_import_volunteers: checked and inserted in one pass (``PIPELINED_VENDORS``:
    both databases by default) or checked then inserted; cancellable throughout."""
    from wenming.volimport import services

    def say(message, total):
        job_check_cancel(run, force=True)
        job_progress(run, done=0, total=total, message=message, force=True)

    def progress(done, total):
        job_check_cancel(run)
        job_progress(run, done=done, total=total, message="正在校验")

    try:
        inserted, _ = services.batch_import_volunteers(
            batch=batch,
            mode=mode,
            data=services.batch_file_bytes(batch),
            user=run.user,
            say=say,
            progress=progress,
            check_cancel=lambda: job_check_cancel(run, force=True),
        )
    except TableError as exc:
        raise JobError(exc.message) from exc
    except ValidationError as exc:
        raise JobError("；".join(exc.messages)) from exc
    return inserted


def _import_records(run: RunningJob, batch: ImportBatch, mode: str) -> int:
    from wenming.volimport import services
    from wenming.volimport.records import prepare_records

    checked = _checked(run, batch)
    if mode == "all" and checked.errors:
        raise JobError(f"文件中有 {checked.error_rows} 行有错误，按“全部正确才导入”未导入任何数据")
    job_check_cancel(run, force=True)
    prepared = prepare_records(checked.valid)
    job_check_cancel(run, force=True)
    # No progress writes inside the transaction (docs/jobs.md): say what happens, then write.
    job_progress(
        run,
        done=0,
        total=len(checked.valid),
        message="正在写入数据库（可取消，取消后不留任何数据）",
        force=True,
    )
    try:
        return services.batch_import(
            batch=batch,
            mode=mode,
            checked=checked,
            prepared=prepared,
            user=run.user,
            check_cancel=lambda: job_check_cancel(run, force=True),
        )
    except ValidationError as exc:
        raise JobError("；".join(exc.messages)) from exc


# --- exports ---------------------------------------------------------------------------------

VOLUNTEER_HEADERS = [
    "志愿者编号",
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "手机号",
    "居住社区",
    "政治面貌",
    "专业技能",
    "登记组织",
    "登记时间",
]
RECORD_HEADERS = [
    "志愿者编号",
    "姓名",
    "证件号码",
    "服务日期",
    "服务时长（小时）",
    "服务内容",
    "记录组织",
    "来源",
    "记录时间",
]


def _export(
    run: RunningJob, *, qs, headers, row_of, name: str, full: bool, object_type: str, label: str
) -> dict:
    """Stream ``qs`` into an xlsx in constant memory (xlsxwriter constant_memory, rows from a
    server-side iterator), cancellable; store it owner-only; one audit entry with the row count."""
    from django.db import transaction

    from wenming.audit.models import Action
    from wenming.audit.services import audit_record
    from wenming.jobs.services import job_attach_file
    from wenming.jobs.tasks import export_xlsx

    total = qs.count()
    job_progress(run, done=0, total=total, message=f"正在导出{label}", force=True)
    stored, result = export_xlsx(
        run,
        items=qs.iterator(chunk_size=5000),
        row_of=row_of,
        headers=headers,
        file_name=name,
        sheet_name=label,
    )
    written = result.rows
    with transaction.atomic():
        audit_record(
            action=Action.VIEW_SENSITIVE if full else Action.EXPORT,
            object_type=object_type,
            object_repr=f"{label}导出（{'含完整证件号、手机号' if full else '脱敏'}，后台任务）",
            changes={"行数": [None, written], "完整号码": [None, full]},
            region_code="",
        )
    job_attach_file(run, stored_file=stored)
    run.done_message = f"已导出 {written} 行"
    return {"rows": written}


def _unmask_annotation(scope, field: str = "pk"):
    from django.db.models import BooleanField, Case, Value, When

    from wenming.volunteers.models import Volunteer
    from wenming.volunteers.selectors import unmask_q

    if scope.is_platform:
        return Value(True)
    allowed = Volunteer.objects.filter(unmask_q(scope)).values("pk")
    return Case(
        When(**{f"{field}__in": allowed}, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


@job_task()
def export_volunteers(run: RunningJob, *, full: bool = False) -> dict:
    """志愿者名单: every volunteer in the starter's scope; masked, or — ``full`` — clear ID and
    phone for the rows this starter may unmask (volunteers.selectors.unmask_q), others masked."""
    from wenming.orgs.access import get_scope
    from wenming.orgs.personal import decrypt
    from wenming.volunteers import selectors
    from wenming.volunteers.models import PoliticalStatus, Volunteer

    user = run.user
    if user is None or not user.is_active:
        raise JobError("发起人账号已停用，无法导出")
    scope = get_scope(user)
    qs = selectors.volunteer_list(user=user)
    if full:
        qs = qs.annotate(unmask=_unmask_annotation(scope)).defer(None)
    id_types = dict(Volunteer._meta.get_field("id_type").choices)
    statuses = dict(PoliticalStatus.choices)
    sexes = {"M": "男", "F": "女", "": ""}

    def row_of(v):
        unmasked = full and v.unmask
        return [
            v.number,
            v.name,
            id_types.get(v.id_type, v.id_type),
            decrypt(v.id_number_enc) if unmasked else v.id_masked,
            sexes.get(v.sex, ""),
            v.birth_date,
            decrypt(v.phone_enc) if unmasked else v.phone_masked,
            v.residence_name or "",
            statuses.get(v.political_status, ""),
            v.skills,
            v.home_org_name or "",
            v.created_at,
        ]

    return _export(
        run,
        qs=qs,
        headers=VOLUNTEER_HEADERS,
        row_of=row_of,
        name="志愿者名单（完整证件号）.xlsx" if full else "志愿者名单.xlsx",
        full=full,
        object_type="volunteers.volunteer",
        label="志愿者名单",
    )


@job_task()
def export_records(run: RunningJob, *, full: bool = False) -> dict:
    """服务记录: every ledger line in the starter's scope, with the volunteer's masked ID (clear
    for the volunteers this starter may unmask, when ``full``)."""
    from django.db.models import F

    from wenming.orgs.access import get_scope
    from wenming.orgs.personal import decrypt
    from wenming.volunteers.models import RecordSource, ServiceRecord
    from wenming.volunteers.scoping import vscoped

    user = run.user
    if user is None or not user.is_active:
        raise JobError("发起人账号已停用，无法导出")
    scope = get_scope(user)
    qs = (
        vscoped(ServiceRecord, user)
        .annotate(
            v_number=F("volunteer__number"),
            v_name=F("volunteer__name"),
            v_masked=F("volunteer__id_masked"),
            org_name=F("org__name"),
        )
        .only("date", "hours", "content", "source", "created_at")
        .order_by("-date", "-id")
    )
    if full:
        qs = qs.annotate(
            unmask=_unmask_annotation(scope, "volunteer_id"), v_enc=F("volunteer__id_number_enc")
        )
    sources = dict(RecordSource.choices)

    def row_of(r):
        ident = decrypt(r.v_enc) if full and r.unmask else r.v_masked
        return [
            r.v_number,
            r.v_name,
            ident,
            r.date,
            r.hours,
            r.content,
            r.org_name,
            sources.get(r.source, r.source),
            r.created_at,
        ]

    return _export(
        run,
        qs=qs,
        headers=RECORD_HEADERS,
        row_of=row_of,
        name="志愿服务记录（完整证件号）.xlsx" if full else "志愿服务记录.xlsx",
        full=full,
        object_type="volunteers.servicerecord",
        label="服务记录",
    )
