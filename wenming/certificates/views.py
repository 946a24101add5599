"""志愿服务证明 pages. Lists and details through ``vscoped``/``vaccess`` (out of scope → 404);
issuing and revoking only by the organisation's admins (403); the PDF only for the volunteer
themself and the organisation's admins (404 for anyone else); verification public."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.certificates import forms, selectors, services
from wenming.certificates.models import Certificate, CertificateRequest, CertificateStatus, RequestStatus
from wenming.files.services import blob_open
from wenming.volunteers.scoping import vaccess
from wenming.volunteers.selectors import recording_orgs

PAGE_SIZE = 50


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@require_safe
def certificate_list(request):
    me = selectors.my_volunteer(request.user)
    page = Paginator(
        selectors.certificate_list(user=request.user, q=request.GET.get("q", "").strip()), PAGE_SIZE
    )
    return render(
        request,
        "certificates/certificate_list.html",
        {
            "title": "志愿服务证明",
            "page": page.get_page(request.GET.get("page")),
            "me": me,
            "my_requests": list(CertificateRequest.objects.filter(volunteer=me).select_related("org")[:20])
            if me
            else [],
            "to_handle": list(selectors.requests_to_handle(user=request.user)[:100]),
            "can_issue": recording_orgs(user=request.user).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def certificate_issue(request):
    orgs = recording_orgs(user=request.user)
    if not orgs.exists():
        raise PermissionDenied("只有志愿服务组织的管理员可以出具证明（谁记录谁证明）")
    req = None
    req_id = _int(request.POST.get("request_id") if request.method == "POST" else request.GET.get("request"))
    if req_id:
        req = (
            CertificateRequest.objects.filter(pk=req_id, org__in=orgs, status=RequestStatus.REQUESTED)
            .select_related("volunteer", "org")
            .first()
        )
        if req is None:
            raise Http404("未找到")
    if request.method == "POST":
        form = forms.IssueForm(request.POST, orgs=orgs)
        if form.is_valid():
            d = form.cleaned_data
            if req is not None and (req.org_id != d["org"].pk or req.volunteer_id != form.volunteer.pk):
                form.add_error(None, "出具组织和志愿者须与申请一致")
            else:
                try:
                    cert = services.certificate_issue(
                        org=d["org"], volunteer=form.volunteer, period_start=d["period_start"], period_end=d["period_end"],
                        head=d["head"], handler=d["handler"], contact=d["contact"], user=request.user,
                        verify_url=request.build_absolute_uri(reverse("certificates:verify")), request=req,
                    )  # fmt: skip
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, f"已出具志愿服务证明 {cert.serial}")
                    return redirect("certificates:certificate_detail", cert.pk)
    else:
        profile = getattr(request.user, "profile", None)
        initial = {"handler": getattr(profile, "display_name", "") or request.user.get_username()}
        org = req.org if req else orgs.first()
        last = Certificate.objects.filter(org=org).order_by("-id").first()
        if last is not None:  # the organisation's head and contact, as last issued
            initial |= {"head": last.content["issuer"]["head"], "contact": last.content["issuer"]["contact"]}
        elif org is not None:
            initial["contact"] = org.contact_phone
        if req is not None:
            initial |= {
                "org": req.org_id, "volunteer_number": req.volunteer.number, "period_start": req.period_start,
                "period_end": req.period_end, "request_id": req.pk,
            }  # fmt: skip
        form = forms.IssueForm(initial=initial, orgs=orgs)
    return render(
        request,
        "certificates/issue.html",
        {
            "title": "出具志愿服务证明",
            "form": form,
            "req": req,
            "breadcrumbs": [("志愿服务证明", reverse("certificates:certificate_list")), ("出具", None)],
        },
    )


@require_http_methods(["GET", "POST"])
def request_create(request):
    me = selectors.my_volunteer(request.user)
    if me is None:
        raise PermissionDenied("只有注册志愿者可以申请证明")
    orgs = selectors.orgs_with_my_hours(volunteer=me)
    form = forms.RequestForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.request_create(
                volunteer=me,
                org=d["org"],
                period_start=d["period_start"],
                period_end=d["period_end"],
                purpose=d["purpose"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "申请已提交，组织开具后可在此下载")
            return redirect("certificates:certificate_list")
    return render(
        request,
        "certificates/request.html",
        {
            "title": "申请志愿服务证明",
            "form": form,
            "no_orgs": not orgs.exists(),
            "breadcrumbs": [("志愿服务证明", reverse("certificates:certificate_list")), ("申请", None)],
        },
    )


@require_POST
def request_reject(request, cert_request_id: int):
    req = vaccess(CertificateRequest.objects.select_related("org"), request.user, pk=cert_request_id)
    if not selectors.may_issue(user=request.user, org=req.org):
        raise PermissionDenied("只有出具组织的管理员可以处理申请")
    form = forms.ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请填写不予开具的理由")
        services.request_reject(req=req, note=form.cleaned_data["reason"], user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已不予开具")
    return redirect("certificates:certificate_list")


@require_safe
def certificate_detail(request, certificate_id: int):
    cert = vaccess(
        Certificate.objects.select_related("org", "volunteer", "issued_by"), request.user, pk=certificate_id
    )
    return render(
        request,
        "certificates/certificate_detail.html",
        {
            "title": f"志愿服务证明 {cert.serial}",
            "c": cert,
            "content": cert.content,
            "can_download": selectors.may_download(user=request.user, certificate=cert),
            "can_revoke": cert.status == CertificateStatus.VALID
            and selectors.may_issue(user=request.user, org=cert.org),
            "verify_link": f"{reverse('certificates:verify')}?s={cert.serial}&h={cert.content_hash}",
            "breadcrumbs": [("志愿服务证明", reverse("certificates:certificate_list")), (cert.serial, None)],
        },
    )


@require_safe
def certificate_download(request, certificate_id: int):
    cert = vaccess(
        Certificate.objects.select_related("org", "volunteer", "file__blob"), request.user, pk=certificate_id
    )
    if not selectors.may_download(user=request.user, certificate=cert):
        raise Http404("未找到")
    audit_record(action=Action.EXPORT, obj=cert, changes={"download": cert.serial})
    try:
        handle = blob_open(cert.file.blob)
    except FileNotFoundError as exc:
        raise Http404("文件内容缺失") from exc
    response = FileResponse(
        handle, content_type="application/pdf", as_attachment=True, filename=f"志愿服务证明_{cert.serial}.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    return response


@require_POST
def certificate_revoke(request, certificate_id: int):
    cert = vaccess(Certificate.objects.select_related("org"), request.user, pk=certificate_id)
    if not selectors.may_issue(user=request.user, org=cert.org):
        raise PermissionDenied("只有出具组织的管理员可以撤销证明")
    form = forms.ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请填写撤销原因")
        services.certificate_revoke(certificate=cert, reason=form.cleaned_data["reason"], user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "证明已撤销，核验页面将显示撤销原因")
    return redirect("certificates:certificate_detail", cert.pk)


@login_not_required
@require_safe
def verify(request):
    """Public (no account): confirms a serial and its content hash; shows no personal data."""
    serial = request.GET.get("s", "")
    result = services.verify(serial=serial, digest=request.GET.get("h", "")) if serial else None
    return render(
        request, "certificates/verify.html", {"title": "志愿服务证明核验", "r": result, "public": True}
    )
