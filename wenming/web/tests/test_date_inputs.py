"""Date inputs show their values: browsers accept only ISO in <input type="date">."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import translation


class _Form(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.DateTimeField()


def test_a_date_value_renders_in_iso_for_the_browser():
    with translation.override("zh-hans"):
        html = str(_Form(initial={"day": dt.date(2026, 10, 23)})["day"])
    assert 'value="2026-10-23"' in html


def test_the_usual_chinese_forms_of_a_date_are_still_accepted():
    with translation.override("zh-hans"):
        for text in ("2026-10-23", "2026/10/23", "2026年10月23日"):
            form = _Form(data={"day": text, "at": "2026-10-23 08:30"})
            assert form.is_valid(), (text, form.errors)
            assert form.cleaned_data["day"] == dt.date(2026, 10, 23)
