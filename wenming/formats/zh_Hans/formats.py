"""Input formats for zh-hans with ISO first (FORMAT_MODULE_PATH; the rest falls back to Django's).

Django's zh_Hans locale renders a date field's value as ``2026/10/23`` (its first input format),
which an ``<input type="date">`` rejects: every edit form showed its dates empty and asked for them
again. Browsers send and expect ISO (``2026-10-23``); the other forms are still accepted."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
]
