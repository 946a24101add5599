"""URL reversing for templates and navigation, remembered per process."""

from __future__ import annotations

import functools

from django.core.signals import setting_changed
from django.urls import reverse


def url(name: str, *args, **kwargs) -> str:
    """``reverse()`` with its answers remembered: a 50-row list reverses a URL per row, and the
    resolver's work was a tenth of such a page. The answer depends only on the arguments, the
    URLconf and the script prefix. This project sets no per-request URLconf and serves from one
    script prefix per process, so neither is looked up per call (each is a thread-local read);
    changing ROOT_URLCONF or FORCE_SCRIPT_NAME in tests clears the cache."""
    if kwargs:
        return _reverse_cached(name, args, tuple(sorted(kwargs.items())))
    return _reverse_cached(name, args, ())


@functools.lru_cache(maxsize=16384)
def _reverse_cached(name: str, args: tuple, kwargs: tuple) -> str:
    return reverse(name, args=args or None, kwargs=dict(kwargs) or None)


def _clear_reverse_cache(**kwargs) -> None:
    _reverse_cached.cache_clear()


setting_changed.connect(_clear_reverse_cache, dispatch_uid="wenming_clear_reverse_cache")
