"""What needs a person's attention, for the home page.

Modules register providers: a provider takes the request and returns AttentionItems built from
real records (each links to the list of those records). No provider, no card: nothing invented.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings


@dataclass(frozen=True)
class AttentionItem:
    section: str
    label: str
    count: int
    href: str


Provider = Callable[[object], list[AttentionItem]]
_providers: list[Provider] = []


def attention_provider(func: Provider) -> Provider:
    _providers.append(func)
    return func


@dataclass(frozen=True)
class ChartSlice:
    label: str
    value: int
    href: str  # the records behind the figure
    color: str = ""  # a fixed colour where the meaning calls for one (逾期 red); else the palette's


@dataclass(frozen=True)
class HomeChart:
    title: str
    kind: str  # "pie" or "bar"
    slices: list[ChartSlice]


ChartProvider = Callable[[object], list[HomeChart]]
_chart_providers: list[ChartProvider] = []


def home_chart(func: ChartProvider) -> ChartProvider:
    _chart_providers.append(func)
    return func


def charts_for(request) -> list[HomeChart]:
    charts: list[HomeChart] = []
    for provider in _chart_providers:
        charts.extend(c for c in provider(request) if any(s.value for s in c.slices))
    return charts


def attention_for(request) -> list[AttentionItem]:
    items: list[AttentionItem] = []
    for provider in _providers:
        items.extend(i for i in provider(request) if i.count)
    return items


# The home page's figures, kept in the user's session for HOME_CACHE_SECONDS (docs/architecture.md,
# "Home page figures"). The session row is read on every request anyway, so a fresh copy costs no
# query; any state-changing request of this session drops it (forget_home, called by
# SessionLimitsMiddleware), so a user's own actions show at once and other people's within the TTL.
HOME_CACHE_KEY = "_home"
_HOME_CACHE_VERSION = 2


def forget_home(request) -> None:
    session = getattr(request, "session", None)
    if session is not None and HOME_CACHE_KEY in session:
        del session[HOME_CACHE_KEY]


def home_figures(request, refresh: bool = False) -> tuple[list[AttentionItem], list[HomeChart], float]:
    """The attention items and charts for this user, and when they were computed (epoch seconds).
    ``refresh`` (the page's 刷新 link) recounts now."""
    ttl = 0 if refresh else settings.HOME_CACHE_SECONDS
    now = time.time()
    session = request.session
    cached = session.get(HOME_CACHE_KEY) if ttl > 0 else None
    if (
        cached
        and cached.get("v") == _HOME_CACHE_VERSION
        and cached.get("user") == request.user.pk
        and 0 <= now - cached.get("at", 0) < ttl
    ):
        items = [AttentionItem(**i) for i in cached["items"]]
        charts = [
            HomeChart(title=c["title"], kind=c["kind"], slices=[ChartSlice(**s) for s in c["slices"]])
            for c in cached["charts"]
        ]
        return items, charts, cached["at"]
    items, charts = attention_for(request), charts_for(request)
    if settings.HOME_CACHE_SECONDS > 0:
        session[HOME_CACHE_KEY] = {
            "v": _HOME_CACHE_VERSION,
            "user": request.user.pk,
            "at": now,
            "items": [_plain(asdict(i)) for i in items],
            "charts": [_plain(asdict(c)) for c in charts],
        }
    return items, charts, now


def _plain(value):
    """Lazy translation strings and the like become plain str for the JSON session."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)
