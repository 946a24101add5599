from django.shortcuts import render

from wenming.audit.models import AuditEntry
from wenming.orgs.access import require_role, scoped
from wenming.orgs.models import Role


def entry_list(request):
    require_role(request.user, Role.PLATFORM_ADMIN, Role.OFFICE_ADMIN)
    entries = scoped(AuditEntry, request.user)[:50]
    return render(request, "audit/entry_list.html", {"title": "审计日志", "entries": entries})
