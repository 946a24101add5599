"""Small builders for the orgs tests (through the real services, as the product does)."""

from __future__ import annotations

import io

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.audit.context import Actor, acting_as


def xlsx_bytes(rows: list[list]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            ws.write_string(r, c, value) if isinstance(value, str) else ws.write(r, c, value)
    wb.close()
    return buf.getvalue()


def upload(rows: list[list], name: str = "区划.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows), content_type="application/octet-stream")


def csv_upload(text: str, *, encoding: str = "utf-8", name: str = "区划.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def as_user(user):
    """Run services as this user (what the audit middleware does for a request)."""
    return acting_as(Actor(user_id=user.pk, label=user.get_username(), ip="127.0.0.1"))


def shown_password(response) -> str | None:
    """The password a page shows once (Jinja2 pages expose no test context, so read the HTML)."""
    import html
    import re

    match = re.search(r'data-testid="shown-password">([^<]*)</code>', response.content.decode())
    return html.unescape(match.group(1)) if match else None


def select_options(response, name: str) -> list[str]:
    """The option values of the <select name=...> on a page."""
    import html
    import re

    body = response.content.decode()
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', body, re.S)
    if not match:
        return []
    return [html.unescape(v) for v in re.findall(r'<option value="([^"]*)"', match.group(1)) if v]
