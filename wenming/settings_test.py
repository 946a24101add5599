"""Test settings: the production module with speed-ups that do not change behaviour under test."""

import atexit
import shutil
import tempfile

from wenming.settings import *  # noqa: F403
from wenming.settings import STATIC_ROOT, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files are resolved without the collectstatic manifest (the e2e leg collects them).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = tempfile.mkdtemp(prefix="wenming-test-media-")
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
STORAGES["default"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
}
# Tasks run in the test process unless a test asks for the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
REQUIRE_2FA = True
# Home counts are recomputed on every visit in tests; wenming/web/tests/test_home_cache.py turns the cache on.
HOME_CACHE_SECONDS = 0
DEMO_MODE = False
(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
