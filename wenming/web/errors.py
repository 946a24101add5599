from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render


@login_not_required
def not_found(request, exception=None):
    return render(request, "web/error.html", {"title": "页面不存在", "text": "您访问的页面不存在，或您无权查看。"}, status=404)


@login_not_required
def forbidden(request, exception=None):
    text = str(exception) if exception and str(exception) else "您没有执行此操作的权限。"
    return render(request, "web/error.html", {"title": "无权操作", "text": text}, status=403)


@login_not_required
def server_error(request):
    return render(request, "web/error.html", {"title": "系统错误", "text": "服务器出错了，请稍后再试。错误已记录。"}, status=500)
