from __future__ import annotations

import sys
import types

import pytest
from django.urls import path, reverse

from wenming.orgs.models import Organisation, OrgKind
from wenming.web.errors import server_error
from wenming.web.jinja import display
from wenming.web.links import url


def test_display_gives_the_chinese_label_of_a_choice():
    org = Organisation(kind=OrgKind.OFFICE, unit_type="")
    assert display(org, "kind") == "文明办"
    assert display(org, "unit_type") == ""
    org.kind = "no-such-kind"
    assert display(org, "kind") == "no-such-kind"


def test_url_answers_like_reverse_and_follows_its_arguments():
    assert url("orgs:org_detail", 7) == reverse("orgs:org_detail", args=[7]) == "/orgs/7/"
    assert url("orgs:org_detail", 8) == "/orgs/8/"
    assert url("orgs:org_detail", org_id=9) == "/orgs/9/"
    assert url("web:home") == "/"


def test_the_500_page_needs_neither_database_nor_static_files(rf):
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "系统错误" in response.content.decode()


@pytest.mark.django_db
def test_a_crashing_view_gives_the_chinese_500_page(client, world, login, settings):
    def boom(request):
        raise RuntimeError("boom")

    urlconf = types.ModuleType("crash_urls")
    urlconf.urlpatterns = [path("crash/", boom)]
    urlconf.handler500 = "wenming.web.errors.server_error"
    sys.modules["crash_urls"] = urlconf
    settings.ROOT_URLCONF = "crash_urls"
    client.raise_request_exception = False
    login(world.unit_a_admin)
    response = client.get("/crash/")
    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()
