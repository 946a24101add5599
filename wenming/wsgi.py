import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
application = get_wsgi_application()

# Load every view module now, then move the start-up heap out of the cyclic GC's reach: a full
# (generation-2) collection otherwise walks these objects every few requests (measured ~70 ms on a
# worker; docs/assessments.md "gc.freeze"). Objects created while serving are collected as usual.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 — imports the URLconf and with it every views module
gc.collect()
gc.freeze()
