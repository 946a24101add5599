"""Campaign pages: list, open, detail, tasks by item, Gantt (挂图作战), my tasks, task edit /
split / merge, leading group, milestones, bulk assignment. Objects come through ``access`` (out of
scope → 404); writes need ``can_manage`` (unit admin of the unit) or, for a task's status, the
responsible department lead; every change goes through services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from wenming.campaigns import binder, bulk, evidence, selectors, services
from wenming.campaigns.forms import (
    AssignImportForm,
    CampaignEditForm,
    CampaignOpenForm,
    EvidenceForm,
    EvidenceReplaceForm,
    GroupForm,
    SplitForm,
    StatusForm,
    TaskForm,
)
from wenming.campaigns.models import (
    Binder,
    Campaign,
    CampaignStatus,
    Evidence,
    EvidenceStatus,
    GroupKind,
    Task,
    TaskStatus,
)
from wenming.files.services import file_store
from wenming.frameworks.models import EvidenceType
from wenming.frameworks.selectors import frameworks_usable
from wenming.orgs.access import access, get_scope, scoped
from wenming.orgs.models import Department, Organisation
from wenming.web.excel import xlsx_response

PAGE_SIZE = 30
#: Evidence shown per criterion on the ledger (the page stays readable with thousands of items);
#: the criterion's own page lists all of it.
LEDGER_PER_CRITERION = 10


def _crumbs(campaign: Campaign | None = None, *extra):
    out = [("创建任务", reverse("campaigns:campaign_list"))]
    if campaign is not None:
        out.append((campaign.title, reverse("campaigns:campaign_detail", args=[campaign.pk])))
    return out + list(extra)


def _campaign(request, campaign_id: int) -> Campaign:
    return access(Campaign.objects.select_related("unit", "framework", "plan"), request.user, pk=campaign_id)


def _managed(request, campaign_id: int) -> Campaign:
    campaign = _campaign(request, campaign_id)
    if not selectors.can_manage(scope=get_scope(request.user), campaign=campaign):
        raise PermissionDenied("只有本单位的创建办管理员可以修改创建活动")
    return campaign


def campaign_list(request):
    qs = selectors.campaign_list(
        user=request.user, q=request.GET.get("q", "").strip()[:50], status=request.GET.get("status", "")
    )
    scope = get_scope(request.user)
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "title": "创建任务",
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "statuses": CampaignStatus.choices,
            "can_open": bool(scope.admin_unit_ids),
            "has_tasks": bool(scope.department_ids),
            "breadcrumbs": [("创建任务", None)],
        },
    )


@require_http_methods(["GET", "POST"])
def campaign_open(request):
    scope = get_scope(request.user)
    if not scope.admin_unit_ids:
        raise PermissionDenied("只有创建单位的管理员可以开展创建活动")
    units = Organisation.objects.filter(pk__in=scope.admin_unit_ids).order_by("name")
    frameworks = frameworks_usable(user=request.user).order_by("title", "-version")
    form = CampaignOpenForm(request.POST or None, request.FILES or None, units=units, frameworks=frameworks)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = None
            if d.get("plan"):
                plan = file_store(
                    upload=d["plan"], organisation=d["unit"], user=request.user, purpose="创建实施方案"
                )
            campaign = services.campaign_open(
                unit=d["unit"],
                framework=d["framework"],
                title=d["title"],
                target_kind=d["target_kind"],
                level=d["level"],
                exemplar=d["exemplar"],
                start_date=d["start_date"],
                acceptance_date=d["acceptance_date"],
                plan=plan,
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已开展创建活动，生成任务 {campaign.tasks.count()} 项")
            return redirect("campaigns:campaign_detail", campaign.pk)
    return render(
        request,
        "campaigns/campaign_form.html",
        {"title": "开展创建", "form": form, "breadcrumbs": _crumbs(None, ("开展创建", None))},
    )


def campaign_detail(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    today = services.local_today()
    milestones = list(campaign.milestones.all())
    for m in milestones:
        m.date = m.due_for(campaign.acceptance_date)
    groups = list(campaign.group_members.select_related("user"))
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "title": campaign.title,
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign=campaign, today=today),
            "milestones": milestones,
            "groups": [(label, [g for g in groups if g.group == key]) for key, label in GroupKind.choices],
            "has_group": bool(groups),
            "can_manage": selectors.can_manage(scope=get_scope(request.user), campaign=campaign),
            "today": today,
            "breadcrumbs": _crumbs(None, (campaign.title, None)),
        },
    )


def _task_filters(request):
    return {
        "status": request.GET.get("status", ""),
        "department": request.GET.get("department", ""),
        "overdue": request.GET.get("overdue") == "1",
        "not_overdue": request.GET.get("overdue") == "0",
        "q": request.GET.get("q", "").strip()[:50],
    }


def task_list(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    today = services.local_today()
    tasks = list(
        selectors.task_queryset(user=request.user, campaign=campaign, today=today, **_task_filters(request))
    )
    return render(
        request,
        "campaigns/task_list.html",
        {
            "title": "任务分解",
            "campaign": campaign,
            "groups": selectors.group_by_item(tasks, today),
            "count": len(tasks),
            "statuses": TaskStatus.choices,
            "departments": list(Department.objects.filter(organisation_id=campaign.unit_id)),
            "can_manage": selectors.can_manage(scope=get_scope(request.user), campaign=campaign),
            "breadcrumbs": _crumbs(campaign, ("任务分解", None)),
        },
    )


def gantt(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    today = services.local_today()
    tasks = list(
        selectors.task_queryset(user=request.user, campaign=campaign, today=today, **_task_filters(request))
    )
    groups, today_pct = selectors.gantt_rows(tasks=tasks, campaign=campaign, today=today)
    milestones = []
    for m in campaign.milestones.all():
        d = m.due_for(campaign.acceptance_date)
        span = max((campaign.acceptance_date - campaign.start_date).days, 1)
        milestones.append((m, d, round(min(max((d - campaign.start_date).days / span, 0), 1) * 100, 2)))
    return render(
        request,
        "campaigns/gantt.html",
        {
            "title": "挂图作战",
            "campaign": campaign,
            "groups": groups,
            "today": today,
            "today_pct": today_pct,
            "milestones": milestones,
            "breadcrumbs": _crumbs(campaign, ("挂图作战", None)),
        },
    )


def my_tasks(request):
    scope = get_scope(request.user)
    today = services.local_today()
    when = request.GET.get("when", "")
    if when == "unit_overdue":
        qs = (
            scoped(Task, request.user)
            .filter(merged_into__isnull=True, campaign__unit_id__in=scope.admin_unit_ids)
            .select_related("campaign", "item", "department", "assignee__profile")
            .order_by("due_date", "campaign_id", "position", "pk")
        )
    else:
        qs = selectors.my_tasks(user=request.user, scope=scope)
    if when in ("overdue", "unit_overdue"):
        qs = qs.filter(due_date__lt=today).exclude(status=TaskStatus.DONE)
    elif when == "soon":
        import datetime as dt

        qs = qs.filter(due_date__gte=today, due_date__lte=today + dt.timedelta(days=7)).exclude(
            status=TaskStatus.DONE
        )
    elif when == "open":
        qs = qs.exclude(status=TaskStatus.DONE)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for t in page.object_list:
        t.overdue = t.is_overdue(today)
    return render(
        request,
        "campaigns/my_tasks.html",
        {
            "title": "逾期任务" if when == "unit_overdue" else "我的任务",
            "page": page,
            "when": when,
            "breadcrumbs": _crumbs(None, ("我的任务", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def task_edit(request, task_id: int):
    task = access(
        Task.objects.select_related("campaign__unit", "item", "criterion"), request.user, pk=task_id
    )
    campaign = task.campaign
    scope = get_scope(request.user)
    manage = selectors.can_manage(scope=scope, campaign=campaign)
    if not manage and not selectors.can_work_on(scope=scope, task=task):
        raise PermissionDenied("只有创建办管理员或责任科室负责人可以修改该任务")
    if manage:
        initial = {
            "title": task.title,
            "description": task.description,
            "department": task.department_id,
            "assignee": task.assignee_id,
            "milestone": task.milestone_id,
            "due_override": task.due_override,
            "status": task.status,
        }
        form = TaskForm(request.POST or None, initial=initial, campaign=campaign)
    else:
        form = StatusForm(request.POST or None, initial={"status": task.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(task=task, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "任务已保存")
            back = request.POST.get("next", "")
            if back == "my":
                return redirect("campaigns:my_tasks")
            return redirect(reverse("campaigns:task_list", args=[campaign.pk]) + f"#task-{task.pk}")
    return render(
        request,
        "campaigns/task_form.html",
        {
            "title": f"任务 {task.code}",
            "task": task,
            "form": form,
            "manage": manage,
            "split_form": SplitForm() if manage and task.parent_id is None else None,
            "breadcrumbs": _crumbs(
                campaign, ("任务分解", reverse("campaigns:task_list", args=[campaign.pk])), (task.code, None)
            ),
        },
    )


@require_POST
def task_split(request, task_id: int):
    task = access(Task.objects.select_related("campaign"), request.user, pk=task_id)
    if not selectors.can_manage(scope=get_scope(request.user), campaign=task.campaign):
        raise PermissionDenied("只有本单位的创建办管理员可以拆分任务")
    form = SplitForm(request.POST)
    if form.is_valid():
        try:
            subs = services.task_split(task=task, titles=form.cleaned_data["titles"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已拆分为 {len(subs)} 个子任务")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("campaigns:task_list", args=[task.campaign_id]) + f"#task-{task.pk}")


@require_POST
def task_merge(request, campaign_id: int):
    campaign = _managed(request, campaign_id)
    ids = [int(x) for x in request.POST.getlist("task") if x.isdigit()]
    tasks = list(scoped(Task, request.user).filter(campaign=campaign, pk__in=ids).order_by("position", "pk"))
    if len(tasks) < 2:
        messages.error(request, "请至少选择两个任务进行合并")
    else:
        try:
            services.task_merge(target=tasks[0], others=tasks[1:])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已将 {len(tasks) - 1} 个任务合并到 {tasks[0].code}")
    return redirect("campaigns:task_list", campaign.pk)


@require_http_methods(["GET", "POST"])
def campaign_edit(request, campaign_id: int):
    campaign = _managed(request, campaign_id)
    initial = {f: getattr(campaign, f) for f in ("title", "start_date", "acceptance_date", "status")}
    form = CampaignEditForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        upload = d.pop("plan")
        try:
            if upload:
                d["plan"] = file_store(
                    upload=upload, organisation=campaign.unit, user=request.user, purpose="创建实施方案"
                )
            services.campaign_update(campaign=campaign, **d)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "创建活动已保存")
            return redirect("campaigns:campaign_detail", campaign.pk)
    return render(
        request,
        "campaigns/simple_form.html",
        {
            "title": "修改创建活动",
            "form": form,
            "submit": "保存",
            "multipart": True,
            "breadcrumbs": _crumbs(campaign, ("修改", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def group_edit(request, campaign_id: int):
    campaign = _managed(request, campaign_id)
    labels = dict(GroupKind.choices)
    current = "\n".join(
        f"{labels[m.group]}，{m.name}，{m.role}" + (f"，{m.user.username}" if m.user else "")
        for m in campaign.group_members.select_related("user")
    )
    form = GroupForm(request.POST or None, initial={"lines": current}, unit_id=campaign.unit_id)
    if request.method == "POST" and form.is_valid():
        services.group_set(
            campaign=campaign,
            entries=[
                services.GroupEntry(group=g, name=n, role=r, user_id=u)
                for g, n, r, u in form.cleaned_data["lines"]
            ],
        )
        messages.success(request, "领导小组已保存")
        return redirect("campaigns:campaign_detail", campaign.pk)
    return render(
        request,
        "campaigns/simple_form.html",
        {
            "title": "领导小组及工作组",
            "form": form,
            "submit": "保存",
            "breadcrumbs": _crumbs(campaign, ("领导小组", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def milestone_edit(request, campaign_id: int):
    campaign = _managed(request, campaign_id)
    milestones = list(campaign.milestones.all())
    errors = []
    if request.method == "POST":
        values = {}
        for m in milestones:
            raw = request.POST.get(f"days_{m.pk}", "").strip()
            if not raw.isdigit() or int(raw) > 3650:
                errors.append(f"“{m.title}”的验收前天数应为 0–3650 的整数")
            else:
                values[m.pk] = int(raw)
        if not errors:
            for m in milestones:
                if values[m.pk] != m.days_before:
                    services.milestone_save(
                        campaign=campaign, milestone=m, title=m.title, days_before=values[m.pk]
                    )
            messages.success(request, "时间节点已保存，任务完成时限已按验收日期重新倒排")
            return redirect("campaigns:campaign_detail", campaign.pk)
    for m in milestones:
        m.date = m.due_for(campaign.acceptance_date)
    return render(
        request,
        "campaigns/milestones.html",
        {
            "title": "时间节点（倒排工期）",
            "campaign": campaign,
            "milestones": milestones,
            "errors": errors,
            "breadcrumbs": _crumbs(campaign, ("时间节点", None)),
        },
    )


def assign_template(request, campaign_id: int):
    campaign = _managed(request, campaign_id)
    tasks = (
        Task.objects.filter(campaign=campaign, merged_into__isnull=True)
        .select_related("department", "assignee")
        .order_by("position", "parent_id", "pk")
    )
    return xlsx_response(
        f"任务分解表-{campaign.pk}.xlsx",
        bulk.HEADERS,
        bulk.template_rows(tasks.iterator()),
        sheet_name="任务分解表",
        column_widths=[12, 60, 16, 16, 14],
    )


@require_http_methods(["GET", "POST"])
def assign_import(request, campaign_id: int):
    campaign = _managed(request, campaign_id)
    form = AssignImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        assignments, errors = bulk.parse_assignments(file=upload, campaign=campaign)
        if not errors:
            n = services.tasks_assign_bulk(
                campaign=campaign, assignments=assignments, source_name=upload.name
            )
            messages.success(request, f"已更新 {n} 项任务的责任科室、责任人和完成时限")
            return redirect("campaigns:task_list", campaign.pk)
    return render(
        request,
        "campaigns/assign_import.html",
        {
            "title": "批量分配任务",
            "campaign": campaign,
            "form": form,
            "errors": errors,
            "breadcrumbs": _crumbs(campaign, ("批量分配", None)),
        },
    )


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def evidence_ledger(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    q = request.GET.get("q", "").strip()[:50]
    status = request.GET.get("status", "")
    items, totals = evidence.ledger(
        user=request.user,
        campaign=campaign,
        q=q,
        status=status,
        item_id=_int_param(request, "item"),
        criterion_id=_int_param(request, "criterion"),
        per_criterion=LEDGER_PER_CRITERION,
    )
    scope = get_scope(request.user)
    manager = selectors.can_manage(scope=scope, campaign=campaign)
    for it in items:
        for r in it.rows:
            for e in r.items:
                e.campaign = campaign
                e.changeable = e.status != EvidenceStatus.ACCEPTED and (
                    manager or evidence.may_change(scope=scope, evidence=e)
                )
    return render(
        request,
        "campaigns/evidence_ledger.html",
        {
            "title": "资料台账",
            "campaign": campaign,
            "items": items,
            "totals": totals,
            "statuses": EvidenceStatus.choices,
            "can_review": manager,
            "per_criterion": LEDGER_PER_CRITERION,
            "breadcrumbs": _crumbs(campaign, ("资料台账", None)),
        },
    )


@require_http_methods(["GET", "POST"])
def evidence_upload(request, task_id: int):
    task = access(
        Task.objects.select_related("campaign__unit", "criterion__framework"), request.user, pk=task_id
    )
    scope = get_scope(request.user)
    if not (
        selectors.can_manage(scope=scope, campaign=task.campaign)
        or selectors.can_work_on(scope=scope, task=task)
    ):
        raise PermissionDenied("只有创建办管理员或责任科室负责人可以上传该任务的佐证材料")
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            evs = evidence.evidence_upload(
                task=task,
                uploads=d["files"],
                title=d["title"],
                refers_to=d["refers_to"],
                kind=d["kind"],
                description=d["description"],
                url=d["url"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已登记 {len(evs)} 份佐证材料，等待审核")
            uncounted = [
                e.title for e in evs if e.kind == EvidenceType.REPORT and e.file_id and e.char_count is None
            ]
            if uncounted:
                messages.warning(
                    request,
                    f"说明报告“{'、'.join(uncounted)}”没有可读取的文字（如扫描件或图片），未统计字数，已照常登记",
                )
            return redirect(
                reverse("campaigns:evidence_ledger", args=[task.campaign_id])
                + f"?criterion={task.criterion_id}#criterion-{task.criterion_id}"
            )
    return render(
        request,
        "campaigns/evidence_upload.html",
        {
            "title": f"上传佐证材料 · {task.code}",
            "task": task,
            "char_limit": evidence.report_char_limit(task.criterion),
            "required": [
                str(evidence.EVIDENCE_LABELS[t])
                for t in task.criterion.evidence_types or []
                if t in evidence.EVIDENCE_LABELS
            ],
            "form": form,
            "breadcrumbs": _crumbs(
                task.campaign,
                ("资料台账", reverse("campaigns:evidence_ledger", args=[task.campaign_id])),
                (task.code, None),
            ),
        },
    )


@require_POST
def evidence_review(request, evidence_id: int):
    ev = access(Evidence.objects.select_related("campaign"), request.user, pk=evidence_id)
    if not selectors.can_manage(scope=get_scope(request.user), campaign=ev.campaign):
        raise PermissionDenied("只有本单位的创建办管理员可以审核佐证材料")
    try:
        evidence.evidence_review(
            evidence=ev,
            accept=request.POST.get("decision") == "accept",
            comment=request.POST.get("comment", ""),
            user=request.user,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已采纳" if ev.status == EvidenceStatus.ACCEPTED else "已退回")
    return redirect(
        reverse("campaigns:evidence_ledger", args=[ev.campaign_id])
        + f"?criterion={ev.criterion_id}#criterion-{ev.criterion_id}"
    )


# --- 资料装订 (binder) -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def binder_page(request, campaign_id: int):
    """The campaign's binders: make a new one (built now when small, as a job when large) and
    download the recent ones. Anyone who sees the campaign may make and download them."""
    campaign = _campaign(request, campaign_id)
    if request.method == "POST":
        try:
            b = binder.binder_start(campaign=campaign, user=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("campaigns:binder_page", campaign.pk)
        if b.ready:
            messages.success(request, f"装订完成：{b.files} 个文件")
        else:
            messages.info(request, "材料较多，已转入后台装订，完成后可在此下载")
        return redirect("campaigns:binder_page", campaign.pk)
    files, size = binder.binder_stats(campaign=campaign)
    binders = list(
        scoped(Binder, request.user).filter(campaign=campaign).select_related("job", "created_by")[:10]
    )
    return render(
        request,
        "campaigns/binder.html",
        {
            "title": "资料装订",
            "campaign": campaign,
            "binders": binders,
            "files": files,
            "size": size,
            "sync": files <= binder.SYNC_MAX_FILES and size <= binder.SYNC_MAX_BYTES,
            "breadcrumbs": _crumbs(campaign, ("资料装订", None)),
        },
    )


def binder_progress(request, binder_id: int):
    """One binder's row, polled by htmx every second while its job runs."""
    b = access(Binder.objects.select_related("job", "created_by"), request.user, pk=binder_id)
    response = render(request, "campaigns/_binder_row.html", {"b": b})
    response["Cache-Control"] = "no-store"
    return response


def binder_download(request, binder_id: int):
    b = access(Binder.objects.select_related("campaign"), request.user, pk=binder_id)
    fh = binder.binder_file(binder=b)
    if fh is None:
        raise Http404("装订尚未完成或文件已清理")
    name = f"{b.campaign.title}-资料装订-{timezone.localtime(b.finished_at):%Y%m%d%H%M}.zip"
    response = FileResponse(fh, as_attachment=True, filename=name, content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


def task_breakdown_docx(request, campaign_id: int):
    """工作任务分解表 (.docx, 公文 layout) of every task the user sees, in the list's order."""
    from wenming.campaigns.documents import task_breakdown_docx as make

    campaign = _campaign(request, campaign_id)
    tasks = selectors.task_queryset(user=request.user, campaign=campaign)
    data = make(campaign=campaign, tasks=tasks, issued_on=services.local_today())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{campaign.title}-工作任务分解表.docx"
    )
    return response


def _back_to_ledger(ev: Evidence):
    return redirect(
        reverse("campaigns:evidence_ledger", args=[ev.campaign_id])
        + f"?criterion={ev.criterion_id}#criterion-{ev.criterion_id}"
    )


@require_POST
def evidence_review_bulk(request, campaign_id: int):
    """采纳所选 / 退回所选 on the ledger: the selected pending items, one comment for all."""
    campaign = _campaign(request, campaign_id)
    if not selectors.can_manage(scope=get_scope(request.user), campaign=campaign):
        raise PermissionDenied("只有本单位的创建办管理员可以审核佐证材料")
    ids = [int(x) for x in request.POST.getlist("evidence") if x.isdigit()]
    evs = list(
        scoped(Evidence, request.user).filter(campaign=campaign, pk__in=ids).select_related("campaign")
    )
    accept = request.POST.get("decision") == "accept"
    if not evs:
        messages.error(request, "请先勾选要审核的材料")
    else:
        try:
            n = evidence.evidence_review_bulk(
                evidences=evs, accept=accept, comment=request.POST.get("comment", ""), user=request.user
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已{'采纳' if accept else '退回'} {n} 份材料")
    return redirect("campaigns:evidence_ledger", campaign.pk)


def _changeable(request, evidence_id: int) -> Evidence:
    ev = access(
        Evidence.objects.select_related("campaign__unit", "task", "criterion", "file"),
        request.user,
        pk=evidence_id,
    )
    if not evidence.may_change(scope=get_scope(request.user), evidence=ev):
        raise PermissionDenied("只有上传人、责任科室负责人或创建办管理员可以删除或替换该材料")
    return ev


@require_POST
def evidence_delete(request, evidence_id: int):
    ev = _changeable(request, evidence_id)
    try:
        evidence.evidence_delete(evidence=ev)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已删除“{ev.title}”")
    return _back_to_ledger(ev)


@require_http_methods(["GET", "POST"])
def evidence_replace(request, evidence_id: int):
    ev = _changeable(request, evidence_id)
    form = EvidenceReplaceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            evidence.evidence_replace(
                evidence=ev, upload=form.cleaned_data["file"], url=form.cleaned_data["url"], user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "已替换，等待重新审核")
            return _back_to_ledger(ev)
    return render(
        request,
        "campaigns/evidence_replace.html",
        {
            "title": f"替换退回的材料 · {ev.title}",
            "ev": ev,
            "form": form,
            "breadcrumbs": _crumbs(
                ev.campaign,
                ("资料台账", reverse("campaigns:evidence_ledger", args=[ev.campaign_id])),
                ("替换", None),
            ),
        },
    )


def criterion_evidence(request, task_id: int):
    """One criterion's evidence on its own page, in the order an inspector reads it (by the date
    it refers to), with what the criterion asks for and which required types are still missing."""
    task = access(
        Task.objects.select_related("campaign__unit", "campaign__framework", "criterion__framework", "item"),
        request.user,
        pk=task_id,
    )
    campaign = task.campaign
    scope = get_scope(request.user)
    counts = evidence.evidence_counts(campaign=campaign).get(task.criterion_id, {})
    row = evidence.CriterionRow(
        task=task,
        total=counts.get("total", 0),
        accepted=counts.get("accepted", 0),
        pending=counts.get("pending", 0),
        returned=counts.get("returned", 0),
        accepted_kinds=counts.get("kinds", set()),
        items=list(
            scoped(Evidence, request.user)
            .filter(campaign=campaign, criterion_id=task.criterion_id)
            .select_related("file", "uploaded_by__profile", "task")
            .order_by("refers_to", "pk")
        ),
    )
    for e in row.items:
        e.campaign = campaign
        e.changeable = e.status != EvidenceStatus.ACCEPTED and evidence.may_change(scope=scope, evidence=e)
    return render(
        request,
        "campaigns/criterion_evidence.html",
        {
            "title": f"{task.criterion.code} {task.criterion.title}",
            "task": task,
            "campaign": campaign,
            "row": row,
            "char_limit": evidence.report_char_limit(task.criterion),
            "can_review": selectors.can_manage(scope=scope, campaign=campaign),
            "can_upload": selectors.can_manage(scope=scope, campaign=campaign)
            or selectors.can_work_on(scope=scope, task=task),
            "breadcrumbs": _crumbs(
                campaign,
                ("资料台账", reverse("campaigns:evidence_ledger", args=[campaign.pk])),
                (task.criterion.code, None),
            ),
        },
    )


def evidence_pending(request):
    """待审核的佐证材料 of every unit the user administers (the home-page attention link)."""
    scope = get_scope(request.user)
    qs = selectors.pending_evidence(user=request.user, scope=scope)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/evidence_pending.html",
        {"title": "待审核的佐证材料", "page": page, "breadcrumbs": _crumbs(None, ("待审核的佐证材料", None))},
    )
