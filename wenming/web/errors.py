from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render


@login_not_required
def not_found(request, exception=None):
    return render(request, "web/error.html", {"title": "页面不存在", "text": "您访问的页面不存在，或您无权查看。"}, status=404)


@login_not_required
def forbidden(request, exception=None):
    text = str(exception) if exception and str(exception) else "您没有执行此操作的权限。"
    return render(request, "web/error.html", {"title": "无权操作", "text": text}, status=403)


# The 500 page must not depend on what may have failed (the database, the static manifest,
# the navigation): it is plain HTML with inline styles.
_SERVER_ERROR_HTML = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>系统错误 · 文明创建工作平台</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1e293b">
<h1 style="font-size:1.4rem">系统错误</h1>
<p>服务器出错了，请稍后再试。错误已记录。</p>
<p><a href="/">返回工作台</a></p>
</body></html>"""


@login_not_required
def server_error(request):
    from django.http import HttpResponseServerError

    return HttpResponseServerError(_SERVER_ERROR_HTML)
