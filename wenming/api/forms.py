from __future__ import annotations

from django import forms


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label="令牌名称",
        max_length=100,
        help_text="写明用途，便于日后识别和撤销，如“市级平台数据同步”。",
    )
