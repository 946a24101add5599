"""志愿服务统计 pages: the region dashboard (rollups only), the rows behind each figure, ranked
lists for 最美志愿者 selection and the data-element exports. Offices and the platform only;
a region outside the user's scope answers 404."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.vstats import exports, selectors
from wenming.web.excel import xlsx_response

PAGE_SIZE = 50
RANKING_LIMIT = 500


def _date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _params(request):
    """(region, prefix, start, end) from the query string; default: this year up to today."""
    today = timezone.localdate()
    allowed = selectors.stats_regions(user=request.user)  # 403 for roles without region statistics
    request.vstats_allowed = allowed
    region = selectors.resolve_region(
        user=request.user, code=request.GET.get("region", "").strip(), allowed=allowed
    )
    start = _date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _date(request.GET.get("end"), today)
    if end < start:
        start, end = end, start
    return region, selectors.prefix_of_region(region), start, end


def _link(kind: str, region, start: dt.date | None, end: dt.date) -> str:
    from django.urls import reverse

    q = {"what": kind, "region": region.code if region else "", "end": end.isoformat()}
    if start is not None:
        q["start"] = start.isoformat()
    return f"{reverse('vstats:drill')}?{urlencode(q)}"


@require_safe
def dashboard(request):
    region, prefix, start, end = _params(request)
    figures = selectors.region_figures(prefix=prefix, start=start, end=end)
    cards = []
    for key, label in (
        ("volunteers", "注册志愿者"),
        ("orgs", "志愿服务组织"),
        ("teams", "志愿服务队伍"),
        ("projects", "志愿服务项目"),
    ):
        cards.append(
            {
                "label": label,
                "total": figures[f"{key}_total"],
                "total_url": _link(key, region, None, end),
                "new": figures[f"{key}_new"],
                "new_url": _link(key, region, start, end),
            }
        )
    period_cards = [
        {
            "label": "志愿服务活动",
            "value": figures["activities"],
            "url": _link("activities", region, start, end),
        },
        {
            "label": "参与人次",
            "value": figures["participations"],
            "url": _link("records", region, start, end),
        },
        {
            "label": "服务总时长（小时）",
            "value": figures["hours"],
            "url": _link("records", region, start, end),
        },
    ]
    return render(
        request,
        "vstats/dashboard.html",
        {
            "title": f"志愿服务统计 · {region.name if region else '全平台'}",
            "region": region,
            "start": start,
            "end": end,
            "cards": cards,
            "period_cards": period_cards,
            "stars": selectors.star_counts(prefix=prefix),
            "children": selectors.child_figures(region=region, start=start, end=end),
            "series": selectors.monthly_series(prefix=prefix, start=start, end=end),
            "allowed": request.vstats_allowed,
            "query": urlencode({"region": region.code if region else "", "start": start, "end": end}),
        },
    )


@require_safe
def drill(request):
    """The rows a figure counts. Paged without COUNT(*) (a province has millions of records)."""
    region, prefix, start, end = _params(request)
    kind = request.GET.get("what", "")
    if kind not in selectors.DRILL_KINDS:
        raise Http404("未找到")
    cumulative = not request.GET.get("start")
    qs = selectors.drill(
        user=request.user, kind=kind, prefix=prefix, start=None if cumulative else start, end=end
    )
    number = request.GET.get("page", "1")
    number = int(number) if number.isdigit() and int(number) > 0 else 1
    offset = (number - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    return render(
        request,
        "vstats/drill.html",
        {
            "title": f"{selectors.DRILL_KINDS[kind]} · {region.name if region else '全平台'}",
            "kind": kind,
            "rows": rows[:PAGE_SIZE],
            "number": number,
            "has_next": len(rows) > PAGE_SIZE,
            "region": region,
            "start": None if cumulative else start,
            "end": end,
        },
    )


@require_safe
def ranking(request):
    region, prefix, start, end = _params(request)
    by = "lines" if request.GET.get("by") == "lines" else "hours"
    rows = selectors.ranking(
        user=request.user, prefix=prefix, start=start, end=end, by=by, limit=RANKING_LIMIT
    )
    if request.GET.get("format") == "xlsx":
        audit_record(
            action=Action.EXPORT,
            object_type="vstats.ranking",
            object_repr=f"志愿者排行（{'时长' if by == 'hours' else '活动人次'}）{start}～{end}",
            changes={
                "region": region.code if region else "",
                "start": start,
                "end": end,
                "by": by,
                "rows": len(rows),
            },
            region_code=region.code if region else "",
        )
        return xlsx_response(
            f"志愿者排行_{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
            ["名次", "姓名", "志愿者编号", "证件号（脱敏）", "服务时长（小时）", "服务人次"],
            (
                [
                    r["rank"],
                    r["volunteer"].name,
                    r["volunteer"].number,
                    r["volunteer"].id_masked,
                    r["hours"],
                    r["lines"],
                ]
                for r in rows
            ),
            sheet_name="志愿者排行",
            column_widths=[6, 12, 22, 22, 16, 10],
        )
    return render(
        request,
        "vstats/ranking.html",
        {
            "title": "志愿者排行（最美志愿者推荐参考）",
            "allowed": request.vstats_allowed,
            "rows": rows[:100],
            "by": by,
            "region": region,
            "start": start,
            "end": end,
            "query": urlencode(
                {"region": region.code if region else "", "start": start, "end": end, "by": by}
            ),
        },
    )


@require_safe
def export(request):
    """One data element per sheet: volunteers, teams, projects, service time, certificates."""
    region, prefix, start, end = _params(request)
    element = request.GET.get("element", "")
    if element not in exports.ELEMENTS:
        return render(
            request,
            "vstats/export.html",
            {
                "title": "志愿服务数据交换导出",
                "allowed": request.vstats_allowed,
                "elements": exports.ELEMENTS,
                "region": region,
                "start": start,
                "end": end,
                "query": urlencode({"region": region.code if region else "", "start": start, "end": end}),
            },
        )
    spec = exports.ELEMENTS[element]
    rows = spec["rows"](user=request.user, prefix=prefix, start=start, end=end)
    audit_record(
        action=Action.EXPORT,
        object_type="vstats.export",
        object_repr=f"志愿服务数据交换导出：{spec['title']}",
        changes={"region": region.code if region else "", "start": start, "end": end, "element": element},
        region_code=region.code if region else "",
    )
    return xlsx_response(
        f"{spec['title']}_{region.code if region else 'all'}_{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
        [h for h, _ in spec["columns"]],
        rows,
        sheet_name=spec["title"],
        max_rows=exports.MAX_ROWS,
        truncated_note=f"仅导出前 {exports.MAX_ROWS} 行：请缩小区域或期间后分批导出",
        column_widths=[w for _, w in spec["columns"]],
    )
