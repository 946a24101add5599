from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_safe

from wenming.files import selectors, services
from wenming.files.forms import UploadForm
from wenming.files.models import Blob, StoredFile
from wenming.files.names import download_name, sanitise_name
from wenming.files.scoping import owner_access as access
from wenming.files.sniff import SAFE_INLINE

PAGE_SIZE = 50
# Served files run nothing and load nothing, even if a browser is talked into rendering one.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"


def file_list(request):
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.file_list(user=request.user, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "files/file_list.html",
        {"title": "文件", "page": page, "filesizeformat": filesizeformat, "breadcrumbs": [("文件", None)]},
    )


def file_upload(request):
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        organisations=selectors.upload_organisations(user=request.user),
    )
    results = []
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data.get("organisation")
        for upload in form.cleaned_data["files"]:
            name = sanitise_name(upload.name or "")
            try:
                stored = services.file_store(
                    upload=upload,
                    organisation=organisation,
                    user=request.user,
                    purpose=form.cleaned_data["purpose"],
                )
            except ValidationError as exc:
                results.append({"name": name, "file": None, "error": "；".join(exc.messages)})
            else:
                results.append({"name": name, "file": stored, "error": ""})
        stored_count = sum(1 for r in results if r["file"])
        if stored_count == len(results):
            messages.success(request, f"已上传 {stored_count} 个文件")
            return redirect("files:file_list")
    return render(
        request,
        "files/file_upload.html",
        {
            "title": "上传文件",
            "form": form,
            "results": results,
            "breadcrumbs": [("文件", "/files/"), ("上传文件", None)],
        },
    )


def _serve(blob: Blob, filename: str) -> FileResponse:
    try:
        handle = default_storage.open(blob.storage_name, "rb")
    except FileNotFoundError as exc:
        raise Http404("文件内容缺失") from exc
    inline = blob.ext in SAFE_INLINE
    response = FileResponse(handle, content_type=blob.mime, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    # django-csp leaves a response's own policy alone, so this replaces the page policy.
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Scoped content: browsers may keep it, shared caches must not.
    response["Cache-Control"] = "private, no-cache"
    return response


@require_safe
def file_download(request, file_id: int):
    stored = access(StoredFile.objects.select_related("blob"), request.user, pk=file_id)
    return _serve(stored.blob, download_name(stored.original_name, stored.blob.ext))


@require_safe
def file_thumbnail(request, file_id: int):
    stored = access(StoredFile.objects.select_related("thumbnail"), request.user, pk=file_id)
    if stored.thumbnail is None:
        raise Http404("缩略图尚未生成")
    stem = stored.original_name.rsplit(".", 1)[0] or "thumbnail"
    return _serve(stored.thumbnail, f"{stem}.{stored.thumbnail.ext}")
