"""The volunteers card on the home page: applications waiting for this org admin (real count)."""

from __future__ import annotations

from wenming.volunteers.selectors import applications_to_decide
from wenming.web.home import AttentionItem, attention_provider
from wenming.web.links import url


@attention_provider
def volunteers_attention(request) -> list[AttentionItem]:
    if not request.user.is_authenticated:
        return []
    return [
        AttentionItem(
            section="志愿服务",
            label="待审核的入队申请",
            count=applications_to_decide(user=request.user, platform_all=False).count(),
            href=url("volunteers:application_list"),
        )
    ]
