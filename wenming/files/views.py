from django.shortcuts import render

from wenming.files.models import StoredFile
from wenming.orgs.access import scoped


def file_list(request):
    files = scoped(StoredFile, request.user).select_related("blob")[:50]
    return render(request, "files/file_list.html", {"title": "文件", "files": files})
