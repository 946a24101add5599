"""批量导入导出 pages. Thin: batches through ``vaccess`` (out of scope → 404), writes through
services, long work through jobs. Nothing shows a full ID number or phone: errors name the row
and column, and any cell echoed back (sample values, unknown team names …) that holds a long run
of digits is masked."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.files.sniff import UploadRefused
from wenming.jobs.models import Job, JobStatus
from wenming.jobs.services import job_cancel, job_start
from wenming.orgs.personal import mask_id
from wenming.volimport import parser, selectors, services, tasks
from wenming.volimport.fields import KIND_LABELS, fields_for
from wenming.volimport.models import BatchStatus, ImportBatch, ImportKind, ImportMode
from wenming.volimport.validate import CODE_LABELS
from wenming.volunteers.scoping import vaccess, vscoped
from wenming.volunteers.selectors import may_unmask_any
from wenming.web.excel import TableError, cell_text, xlsx_response

LONG_DIGITS = re.compile(r"[0-9Xx]{7,}")
SAMPLE_ROWS = 3


def echo(value) -> str:
    """A cell shown back to the person: any long run of digits is masked like an ID number."""
    text = cell_text(value)[:60]
    return LONG_DIGITS.sub(lambda m: mask_id(m.group(0)), text)


def record_kind_available() -> bool:
    from wenming.volimport.records import available

    return available()


class UploadForm(forms.Form):
    org = forms.ModelChoiceField(label="导入到组织", queryset=None, empty_label=None)
    kind = forms.ChoiceField(label="导入内容", choices=ImportKind.choices)
    file = forms.FileField(label="Excel 文件（.xlsx / .xls / .csv）")

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs
        if not record_kind_available():
            self.fields["kind"].choices = [(ImportKind.VOLUNTEERS, "志愿者")]


def _require_importer(request):
    orgs = selectors.importable_orgs(user=request.user)
    if not orgs.exists():
        raise PermissionDenied("只有志愿服务组织管理员和文明办管理员可以批量导入")
    return orgs


@require_http_methods(["GET", "POST"])
def index(request):
    orgs = _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.batch_create(
                org=data["org"], kind=data["kind"], upload=data["file"], user=request.user
            )
        except TableError as exc:
            form.add_error("file", exc.message)
        except (UploadRefused, ValidationError) as exc:
            form.add_error("file", "；".join(exc.messages))
        else:
            return redirect("volimport:batch_detail", batch_id=batch.pk)
    batches = vscoped(ImportBatch.objects.select_related("org", "created_by"), request.user).order_by(
        "-created_at"
    )[:30]
    return render(
        request,
        "volimport/index.html",
        {
            "title": "志愿服务批量导入导出",
            "form": form,
            "batches": batches,
            "records_available": record_kind_available(),
            "may_export_full": may_unmask_any(user=request.user),
            "breadcrumbs": [("志愿服务", reverse("volunteers:volunteer_list")), ("批量导入导出", None)],
        },
    )


@require_safe
def template(request):
    """The template sheet: Chinese headers, the required ones marked ＊, one note row."""
    kind = request.GET.get("kind", "volunteers")
    if kind not in KIND_LABELS:
        raise Http404("没有该模板")
    _require_importer(request)
    fields = fields_for(kind)
    headers = [("＊" if f.required else "") + f.label for f in fields]
    notes = [f.help or ("必填" if f.required else "") for f in fields]
    return xlsx_response(
        f"{KIND_LABELS[kind]}导入模板.xlsx", headers, [notes], sheet_name=f"{KIND_LABELS[kind]}导入"
    )


def _batch(request, batch_id: int) -> ImportBatch:
    return vaccess(
        ImportBatch.objects.select_related("org", "created_by", "check_job", "import_job"),
        request.user,
        pk=batch_id,
    )


def _current_job(batch: ImportBatch) -> Job | None:
    if batch.status == BatchStatus.CHECKING:
        return batch.check_job
    if batch.status == BatchStatus.IMPORTING:
        return batch.import_job
    return None


def _settle(batch: ImportBatch) -> None:
    """A job that ended without running (cancelled while queued, refused by the queue) leaves
    the batch waiting: put it back where it was."""
    job = _current_job(batch)
    if job is None or job.status not in (JobStatus.CANCELLED, JobStatus.FAILED):
        return
    back = BatchStatus.UPLOADED if batch.status == BatchStatus.CHECKING else BatchStatus.CHECKED
    services.batch_mark(batch=batch, status=back, message=job.message or "任务已结束")
    batch.status, batch.message = back, job.message


def _mapping_rows(request, batch: ImportBatch) -> tuple[list[dict], list[list[str]]]:
    grid = parser.read_grid(services.batch_file_bytes(batch), nrows=batch.header_row + SAMPLE_ROWS + 5)
    samples = []
    for cells in grid[batch.header_row : batch.header_row + SAMPLE_ROWS]:
        samples.append([echo(c) for c in cells[: len(batch.headers)]])
    rows = []
    for f in fields_for(batch.kind):
        rows.append({"field": f, "column": batch.mapping.get(f.key)})
    return rows, samples


@require_safe
def batch_detail(request, batch_id: int):
    batch = _batch(request, batch_id)
    _settle(batch)
    context = {
        "title": f"{batch.get_kind_display()}导入 · {batch.file_name}",
        "batch": batch,
        "job": _current_job(batch),
        "kind_label": KIND_LABELS[batch.kind],
        "breadcrumbs": [("批量导入导出", reverse("volimport:index")), (batch.file_name, None)],
        "code_labels": CODE_LABELS,
        "modes": ImportMode.choices,
        "header_choices": range(1, parser.HEADER_SEARCH_ROWS + 1),
    }
    if batch.status in (BatchStatus.UPLOADED, BatchStatus.CHECKED):
        try:
            context["mapping_rows"], context["samples"] = _mapping_rows(request, batch)
        except TableError as exc:
            context["file_error"] = exc.message
    context["errors_shown"] = [(r, c, echo_message(m)) for r, c, m in batch.errors[:200]]
    response = render(request, "volimport/batch_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


def echo_message(message: str) -> str:
    return LONG_DIGITS.sub(lambda m: mask_id(m.group(0)), message)


@require_safe
def batch_progress(request, batch_id: int):
    """The live card, polled every second; once the job is over the page reloads itself."""
    batch = _batch(request, batch_id)
    _settle(batch)
    job = _current_job(batch)
    if job is None:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    response = render(request, "volimport/_progress.html", {"batch": batch, "job": job})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def batch_header(request, batch_id: int):
    batch = _batch(request, batch_id)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.CHECKED):
        messages.error(request, "该批次当前不能修改表头行")
        return redirect("volimport:batch_detail", batch_id=batch.pk)
    raw = request.POST.get("header_row", "")
    try:
        services.batch_set_header(batch=batch, header_row=int(raw) if raw.isdigit() else 0)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except TableError as exc:
        messages.error(request, exc.message)
    return redirect("volimport:batch_detail", batch_id=batch.pk)


@require_POST
def batch_mapping(request, batch_id: int):
    """Confirm the mapping (remembered) and start the check."""
    batch = _batch(request, batch_id)
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.CHECKED):
        messages.error(request, "该批次正在处理或已导入")
        return redirect("volimport:batch_detail", batch_id=batch.pk)
    mapping = {}
    for f in fields_for(batch.kind):
        raw = request.POST.get(f"map_{f.key}", "")
        if raw.isdigit():
            mapping[f.key] = int(raw)
    try:
        batch = services.batch_set_mapping(batch=batch, mapping=mapping)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("volimport:batch_detail", batch_id=batch.pk)
    job = job_start(
        kind="volimport.check",
        title=f"校验导入文件：{batch.file_name}",
        user=request.user,
        task=tasks.check_batch,
        task_kwargs={"batch_id": batch.pk},
        params={"batch_id": batch.pk},
    )
    ImportBatch.objects.filter(pk=batch.pk).update(check_job=job)
    return redirect("volimport:batch_detail", batch_id=batch.pk)


@require_POST
def batch_import(request, batch_id: int):
    batch = _batch(request, batch_id)
    mode = request.POST.get("mode", "")
    if batch.status != BatchStatus.CHECKED:
        messages.error(request, "请先完成校验")
        return redirect("volimport:batch_detail", batch_id=batch.pk)
    if mode not in ImportMode.values:
        messages.error(request, "请选择导入方式")
        return redirect("volimport:batch_detail", batch_id=batch.pk)
    services.batch_mark(batch=batch, status=BatchStatus.IMPORTING, message="", mode=mode)
    job = job_start(
        kind="volimport.import",
        title=f"导入{batch.get_kind_display()}：{batch.file_name}",
        user=request.user,
        task=tasks.import_batch,
        task_kwargs={"batch_id": batch.pk, "mode": mode},
        params={"batch_id": batch.pk},
    )
    ImportBatch.objects.filter(pk=batch.pk).update(import_job=job)
    return redirect("volimport:batch_detail", batch_id=batch.pk)


@require_POST
def batch_cancel(request, batch_id: int):
    batch = _batch(request, batch_id)
    job = _current_job(batch)
    if job is None:
        messages.info(request, "没有进行中的任务")
    else:
        try:
            job_cancel(job=job, user=request.user)
        except PermissionDenied:
            messages.error(request, "只有任务发起人可以取消任务")
        except OperationalError:  # SQLite: the import holds the write lock while it writes
            messages.warning(
                request, "正在写入数据库，此刻无法取消；请稍候查看结果（写入要么全部完成，要么全部撤销）"
            )
        else:
            messages.info(request, "已请求取消：已写入的部分会全部撤销")
    return redirect("volimport:batch_detail", batch_id=batch.pk)


@require_safe
def batch_errors(request, batch_id: int):
    """The row-level errors kept for the batch (the first 1,000), as a sheet to fix the file by."""
    batch = _batch(request, batch_id)
    rows = ([r, c, echo_message(m)] for r, c, m in batch.errors)
    return xlsx_response(f"导入错误清单-{batch.pk}.xlsx", ["行号", "列", "错误"], rows, sheet_name="错误清单")


# --- exports ---------------------------------------------------------------------------------


@require_POST
def export_start(request):
    kind = request.POST.get("kind", "volunteers")
    full = request.POST.get("full") == "1"
    if kind not in ("volunteers", "records") or (kind == "records" and not record_kind_available()):
        raise Http404("没有该导出")
    if full and not may_unmask_any(user=request.user):
        raise PermissionDenied("您没有导出完整证件号的权限")
    task = tasks.export_volunteers if kind == "volunteers" else tasks.export_records
    label = "志愿者名单" if kind == "volunteers" else "服务记录"
    job = job_start(
        kind=f"volimport.export.{kind}",
        title=f"导出{label}" + ("（含完整号码）" if full else ""),
        user=request.user,
        task=task,
        task_kwargs={"full": full},
    )
    return redirect("volimport:export_detail", job_id=job.pk)


def _export_job(request, job_id: int) -> Job:
    job = Job.objects.filter(
        pk=job_id, kind__startswith="volimport.export.", created_by_id=request.user.pk
    ).first()
    if job is None:
        raise Http404("未找到")
    return job


@require_safe
def export_detail(request, job_id: int):
    job = _export_job(request, job_id)
    template = (
        "volimport/_export_progress.html"
        if request.headers.get("HX-Request")
        else "volimport/export_detail.html"
    )
    response = render(
        request,
        template,
        {
            "title": job.title,
            "job": job,
            "breadcrumbs": [("批量导入导出", reverse("volimport:index")), (job.title, None)],
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def export_cancel(request, job_id: int):
    job = _export_job(request, job_id)
    job_cancel(job=job, user=request.user)
    return redirect("volimport:export_detail", job_id=job.pk)


@require_safe
def export_download(request, job_id: int):
    """The export file, for the person who made it (exports follow their own scope)."""
    job = _export_job(request, job_id)
    if job.status != JobStatus.SUCCEEDED or job.result_file_id is None:
        raise Http404("导出文件尚未生成")
    stored = job.result_file
    handle = default_storage.open(stored.blob.storage_name, "rb")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=stored.original_name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
