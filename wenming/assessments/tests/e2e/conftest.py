"""The project's browser fixtures (Debian's Chromium through Playwright, the live server)."""

from tests.e2e.conftest import _world_back_after_browser_tests, browser, page, screens_dir  # noqa: F401
