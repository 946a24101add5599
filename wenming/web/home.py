"""What needs a person's attention, for the home page.

Modules register providers: a provider takes the request and returns AttentionItems built from
real records (each links to the list of those records). No provider, no card: nothing invented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


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
