"""The audit page: a scoped, filtered, paginated read of the chain, and its xlsx export.

Read-only by construction: there is no view that edits or deletes an entry (the model and the
database triggers refuse it anyway). The export is itself an audited action.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from wenming.audit import selectors
from wenming.audit.models import Action, AuditEntry
from wenming.audit.services import audit_record
from wenming.orgs.access import access, get_scope, require_role
from wenming.orgs.models import Role
from wenming.web.excel import xlsx_response

PAGE_SIZE = 50
EXPORT_MAX_ROWS = 100_000
EXPORT_HEADERS = ["序号", "时间", "操作人", "IP 地址", "操作", "对象类型", "对象编号", "对象", "区划代码", "变更内容", "哈希"]


def _require_auditor(request):
    require_role(request.user, Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)


@require_GET
def entry_list(request):
    _require_auditor(request)
    filters = selectors.AuditFilters.from_query(request.GET)
    qs = selectors.audit_entries(user=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(e, selectors.describe_changes(e, brief=True)) for e in page.object_list]
    return render(
        request,
        "audit/entry_list.html",
        {
            "title": "审计日志",
            "page": page,
            "rows": rows,
            "filters": filters,
            "actions": Action.choices,
            "object_types": selectors.object_type_choices(),
            "type_label": selectors.object_type_label,
            "export_max": EXPORT_MAX_ROWS,
            "over_export_cap": page.paginator.count > EXPORT_MAX_ROWS,
            "breadcrumbs": [("审计日志", None)],
        },
    )


@require_GET
def entry_detail(request, entry_id: int):
    entry = access(AuditEntry, request.user, pk=entry_id)  # out of scope: 404 before anything else
    _require_auditor(request)
    if not AuditEntry.objects.filter(selectors.audit_scope_q(request.user), pk=entry.pk).exists():
        raise Http404("未找到")
    return render(
        request,
        "audit/entry_detail.html",
        {
            "title": f"审计日志 #{entry.seq}",
            "entry": entry,
            "changes": selectors.describe_changes(entry),
            "type_label": selectors.object_type_label(entry.object_type),
            "breadcrumbs": [("审计日志", reverse("audit:entry_list")), (f"#{entry.seq}", None)],
        },
    )


def _export_rows(qs):
    for e in qs.iterator(chunk_size=2000):
        yield [
            e.seq,
            e.created_at,
            e.actor_label,
            e.ip or "",
            e.get_action_display(),
            selectors.object_type_label(e.object_type),
            e.object_id,
            e.object_repr,
            e.region_code,
            selectors.changes_text(e),
            e.hash,
        ]


@require_GET
def entry_export(request):
    _require_auditor(request)
    filters = selectors.AuditFilters.from_query(request.GET)
    qs = selectors.audit_entries(user=request.user, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = xlsx_response(
        f"审计日志-{stamp}.xlsx",
        EXPORT_HEADERS,
        _export_rows(qs),
        sheet_name="审计日志",
        max_rows=EXPORT_MAX_ROWS,
        truncated_note=f"已达导出上限 {EXPORT_MAX_ROWS} 行，其余记录未导出。请缩小日期范围或增加筛选条件后分批导出。",
        column_widths=[8, 20, 14, 16, 12, 12, 10, 30, 14, 60, 20],
    )
    scope = get_scope(request.user)
    audit_record(
        action=Action.EXPORT,
        object_type="audit.auditentry",
        object_repr=f"导出审计日志 {response.export.rows} 条" + ("（已达上限）" if response.export.truncated else ""),
        changes={"筛选条件": filters.as_dict(), "导出条数": response.export.rows, "达到上限": response.export.truncated},
        # Filed under the exporter's own region so the office that exported sees its own export.
        region_code="" if scope.is_platform else (scope.admin_prefixes[0].ljust(12, "0") if scope.admin_prefixes else ""),
    )
    return response
