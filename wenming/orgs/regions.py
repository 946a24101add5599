"""统计用区划代码 — 12-digit statistical division codes; a code prefix is a subtree.

Digits: 2 province · 2 city · 2 county · 3 town · 3 village/community.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_RE = re.compile(r"^\d{12}$")
# Number of significant digits for each level.
LEVEL_DIGITS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("县（区）")
    TOWN = 4, _("乡镇（街道）")
    VILLAGE = 5, _("村（社区）")


def is_valid_code(code: str) -> bool:
    if not CODE_RE.match(code or ""):
        return False
    # Within the significant digits, a level's part must not be all zeros.
    level = level_of(code)
    return code[:2] != "00" and level is not None


def level_of(code: str) -> int | None:
    """The level a code names: the deepest non-zero segment."""
    if not CODE_RE.match(code or ""):
        return None
    if code[9:] != "000":
        level = 5
    elif code[6:9] != "000":
        level = 4
    elif code[4:6] != "00":
        level = 3
    elif code[2:4] != "00":
        level = 2
    else:
        level = 1
    # Every segment above the deepest one must be non-zero (no holes such as 33 00 06 …).
    bounds = [(0, 2), (2, 4), (4, 6), (6, 9), (9, 12)]
    for start, end in bounds[:level]:
        if set(code[start:end]) == {"0"}:
            return None
    return level


def prefix_of(code: str) -> str:
    """The prefix shared by every code in this code's subtree."""
    level = level_of(code)
    if level is None:
        raise ValueError(f"无效的区划代码：{code}")
    return code[: LEVEL_DIGITS[level]]


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level is None or level == 1:
        return None
    digits = LEVEL_DIGITS[level - 1]
    return code[:digits].ljust(12, "0")
