from __future__ import annotations

from django import forms

from wenming.files import sniff


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field. Each file is judged on its own by ``file_store`` (so one bad
    file does not reject the others); here only "at least one file" is required."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files and self.required:
            raise forms.ValidationError("请选择要上传的文件", code="required")
        return files


class UploadForm(forms.Form):
    organisation = forms.ModelChoiceField(label="所属组织", queryset=None, empty_label=None)
    purpose = forms.CharField(
        label="用途", max_length=50, required=False, help_text="可选，例如“测评材料”“督查照片”"
    )
    files = MultipleFileField(label="文件")

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if not organisations.exists():
            # Platform administrators belong to no organisation: their uploads are their own.
            del self.fields["organisation"]
        # Only a hint for the browser's file picker; the content decides on the server.
        accept = ",".join("." + e + (",.jpeg" if e == "jpg" else "") for e in sniff.allowed_exts())
        self.fields["files"].widget.attrs.update({"accept": accept})
        limits = "，".join(
            f"{label}不超过 {sniff.mb_label(sniff.max_bytes(kind))}"
            for kind, label in sniff.KIND_LABELS.items()
        )
        self.fields[
            "files"
        ].help_text = f"可一次选择多个文件。允许的类型：{sniff.allowed_label()}；{limits}。"
