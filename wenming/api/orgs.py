"""/api/v1/ read endpoints for regions, organisations and departments.

Every list goes through ``scoped`` and every object through ``access`` (404 out of scope), exactly
like the pages; ``request.auth`` is the user, whether they came with a token or a session.
"""

# No `from __future__ import annotations` here: ninja reads these signatures at import time and
# cannot resolve string annotations such as Literal[...] in its generated query models.
from typing import Literal

from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from wenming.api.schemas import DepartmentOut, ErrorOut, OrganisationListItem, OrganisationOut, RegionOut
from wenming.orgs import selectors
from wenming.orgs.access import access, scoped
from wenming.orgs.models import Department, Organisation

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

router = Router(tags=["组织"])


@router.get("/regions", response=list[RegionOut], summary="行政区划列表", operation_id="region_list")
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def region_list(
    request,
    q: str = Query("", max_length=50, description="名称包含，或代码前缀"),
    level: int | None = Query(None, ge=1, le=5, description="级别 1–5"),
):
    return selectors.region_list(user=request.auth, q=q.strip(), level=level)


@router.get(
    "/organisations",
    response=list[OrganisationListItem],
    summary="组织列表",
    operation_id="organisation_list",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def organisation_list(
    request,
    q: str = Query("", max_length=50, description="名称或简称包含"),
    kind: Literal["office", "unit"] | None = Query(None, description="office 文明办 · unit 创建单位"),
    region_code: str = Query("", pattern=r"^\d{0,12}$", description="区划代码前缀"),
):
    return selectors.organisation_list(
        user=request.auth, q=q.strip(), kind=kind or "", region_code=region_code
    )


@router.get(
    "/organisations/{int:org_id}",
    response={200: OrganisationOut, 404: ErrorOut},
    summary="组织详情",
    operation_id="organisation_detail",
)
def organisation_detail(request, org_id: int):
    return access(Organisation.objects.select_related("region"), request.auth, pk=org_id)


@router.get(
    "/organisations/{int:org_id}/departments",
    response={200: list[DepartmentOut], 404: ErrorOut},
    summary="组织的科室",
    operation_id="department_list",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def department_list(request, org_id: int):
    org = access(Organisation, request.auth, pk=org_id)
    return scoped(Department, request.auth).filter(organisation=org).order_by("sort_order", "name")
