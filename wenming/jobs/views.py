from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from wenming.files.scoping import owner_access as access
from wenming.jobs import selectors, services
from wenming.jobs.models import Job, JobStatus

PAGE_SIZE = 50


def _download_url(job: Job) -> str:
    """The result file's download link, through the files app's scoped download view."""
    if not job.result_file_id or job.status != JobStatus.SUCCEEDED:
        return ""
    try:
        return reverse("files:file_download", kwargs={"file_id": job.result_file_id})
    except NoReverseMatch:  # no download view (yet): show no link rather than a broken one
        return ""


def job_list(request):
    status = request.GET.get("status", "")
    mine = request.GET.get("mine") == "1"
    days = request.GET.get("days", "")
    qs = selectors.job_list(
        user=request.user, mine=mine, status=status, days=int(days) if days.isdigit() else None
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = [(selectors.ACTIVE, "未完成"), *JobStatus.choices]
    return render(
        request,
        "jobs/job_list.html",
        {
            "title": "后台任务",
            "page": page,
            "statuses": statuses,
            "status": status,
            "mine": mine,
            "filtered": bool(status or mine or days),
            "breadcrumbs": [("后台任务", None)],
        },
    )


#: A queued job whose workers have been silent this long gets a hint that nobody will run it.
WORKER_SILENT_SECONDS = 60


def _detail_context(request, job: Job) -> dict:
    worker_missing = False
    if job.status == JobStatus.QUEUED:
        age = selectors.worker_heartbeat_age()
        worker_missing = age is None or age > WORKER_SILENT_SECONDS
    return {
        "job": job,
        "worker_missing": worker_missing,
        "download_url": _download_url(job),
        "can_cancel": job.created_by_id == request.user.pk
        and not job.is_finished
        and not job.cancel_requested,
    }


def job_detail(request, job_id: int):
    job = access(Job.objects.select_related("created_by", "organisation"), request.user, pk=job_id)
    context = _detail_context(request, job)
    context.update(
        {"title": job.title, "breadcrumbs": [("后台任务", reverse("jobs:job_list")), (job.title, None)]}
    )
    return render(request, "jobs/job_detail.html", context)


def job_progress(request, job_id: int):
    """The progress card alone, polled by htmx every second until the job has finished."""
    job = access(Job.objects.select_related("created_by", "organisation"), request.user, pk=job_id)
    response = render(request, "jobs/_job_progress.html", _detail_context(request, job))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def job_cancel(request, job_id: int):
    job = access(Job, request.user, pk=job_id)
    job = services.job_cancel(job=job, user=request.user)
    if job.status == JobStatus.CANCELLED:
        messages.success(request, "任务已取消")
    elif job.cancel_requested and not job.is_finished:
        messages.info(request, "已请求取消，任务将在当前步骤完成后停止")
    else:
        messages.info(request, "任务已结束，无需取消")
    return redirect("jobs:job_detail", job_id=job.pk)


@require_POST
def organisation_export(request):
    job = services.organisation_export_start(user=request.user)
    return redirect("jobs:job_detail", job_id=job.pk)


def schedule_list(request):
    """定时任务: what runs by itself, when it last ran and how; platform admins only."""
    from wenming.orgs.access import get_scope

    if not get_scope(request.user).is_platform:
        raise Http404
    name = request.GET.get("name", "")
    runs = Paginator(selectors.schedule_runs(user=request.user, name=name), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    overview = selectors.schedule_overview()
    return render(
        request,
        "jobs/schedule_list.html",
        {
            "title": "定时任务",
            "overview": overview,
            "titles": {row["schedule"].name: row["schedule"].title for row in overview},
            "runs": runs,
            "page": runs,
            "name": name,
            "breadcrumbs": [("后台任务", reverse("jobs:job_list")), ("定时任务", None)],
        },
    )


@require_POST
def schedule_run(request, schedule_name: str):
    from django.core.exceptions import ValidationError

    from wenming.jobs.schedule import discover, run_now
    from wenming.orgs.access import get_scope

    if not get_scope(request.user).is_platform or schedule_name not in discover():
        raise Http404
    try:
        run_now(name=schedule_name, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "已加入队列，稍后刷新查看结果")
    return redirect("jobs:schedule_list")
