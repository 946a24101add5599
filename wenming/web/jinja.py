"""The Jinja2 environment every page renders with."""

from __future__ import annotations

from django.contrib import messages
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import date_format
from jinja2 import Environment, StrictUndefined, pass_context
from markupsafe import Markup

from wenming.web.links import url
from wenming.web.nav import nav_for, nav_groups


def localtime(value, fmt: str = "Y-m-d H:i") -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return date_format(value, fmt)


_choice_labels: dict[tuple, tuple[str, dict]] = {}


def _language() -> str:
    """The active language; with a single configured language (the usual case: zh-hans) there is
    nothing to look up per call (``get_language()`` goes through a thread-local every time)."""
    from django.conf import settings
    from django.utils import translation

    if len(settings.LANGUAGES) == 1:
        return settings.LANGUAGES[0][0]
    return translation.get_language()


def display(obj, field_name: str) -> str:
    """The label of a choices field, like ``obj.get_FOO_display()`` but from a table built once
    per model, field and language: Django rebuilds and re-translates the whole choices list on
    every call, which was a third of a 50-row list page's time."""
    key = (type(obj), field_name, _language())
    entry = _choice_labels.get(key)
    if entry is None:
        field = obj._meta.get_field(field_name)
        entry = (field.attname, {k: str(v) for k, v in field.flatchoices})
        _choice_labels[key] = entry
    attname, labels = entry
    value = getattr(obj, attname)
    return labels.get(value, "" if value is None else str(value))


def attrs(**kwargs) -> Markup:
    from django.utils.html import format_html_join

    return format_html_join(
        " ", '{}="{}"', ((k.replace("_", "-"), v) for k, v in kwargs.items() if v is not None)
    )


@pass_context
def querystring(ctx, **changes) -> str:
    """The current query string with some parameters replaced (for paging and sorting links)."""
    params = ctx["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


def environment(**options) -> Environment:
    options.setdefault("undefined", StrictUndefined)
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    from django.utils.translation import gettext, ngettext

    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(
        {
            "url": url,
            "static": static,
            "get_messages": messages.get_messages,
            "nav_for": nav_for,
            "nav_groups": nav_groups,
            "now": timezone.now,
            "querystring": querystring,
        }
    )
    env.filters.update({"localtime": localtime, "attrs": attrs, "display": display})
    return env
