"""Browser fixtures: Debian's Chromium driven by Playwright's sync API (no browser download).

The tests use pytest-django's ``live_server``: it serves the app and its static files (through
the staticfiles finders) from a thread of this process, on a database the tests share with it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("WENMING_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would then refuse
    # the test's own ORM calls as "async-unsafe". The calls are plain synchronous ones.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.problems = []  # console errors, failed requests and HTTP errors seen by the page
    page.on("console", lambda m: _console(page, m))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: _request_failed(page, r))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"HTTP {r.status}: {r.url}"))
    yield page
    context.close()


def _request_failed(page, request) -> None:
    # net::ERR_ABORTED is the browser cancelling a request because the page moved on (a click
    # that navigates while the favicon or a poll is still loading): not a fault of the page.
    if "ERR_ABORTED" not in (request.failure or ""):
        page.problems.append(f"request failed: {request.url} {request.failure}")


def _console(page, message) -> None:
    url = message.location.get("url", "")
    # Chromium asks for /favicon.ico on its own; the layout names no icon, so that 404 is expected.
    if message.type == "error" and not url.endswith("/favicon.ico"):
        page.problems.append(f"console: {message.text} ({url})")


@pytest.fixture(scope="session")
def screens_dir():
    from django.conf import settings

    path = Path(settings.VAR_DIR) / "screens"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module", autouse=True)
def _world_back_after_browser_tests(django_db_blocker):
    """live_server tests are transactional and empty the database when they end; put the
    session's persona world back for the tests that run after them in this process."""
    yield
    from tests.world import build_world
    from wenming.orgs.models import Region

    with django_db_blocker.unblock():
        if not Region.objects.filter(code="990100000000").exists():
            build_world()
