"""PDF with Chinese text (ReportLab): the CJK font, found once per process.

ReportLab's built-in fonts have no Chinese glyphs. ``cjk_font()`` registers the first TrueType
font found among ``settings.PDF_CJK_FONT`` (a path, optional) and the usual system locations
(fonts-wqy-microhei, Noto CJK) and embeds the glyphs used; when none is installed it falls back
to ReportLab's CID font ``STSong-Light``, which PDF readers render from their own fonts (not
embedded). Either way Chinese shows as Chinese, not boxes.
"""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings

CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
]
FONT_NAME = "WenmingCJK"


@functools.cache
def cjk_font() -> str:
    """The registered font name to pass to ``setFont`` / paragraph styles."""
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    # Compressed page streams stay binary: ReportLab's ASCII85 armour only makes them larger and,
    # without its C accelerator, costs a quarter of a long index's time.
    rl_config.useA85 = 0
    paths = [getattr(settings, "PDF_CJK_FONT", "") or "", *CANDIDATES]
    for path in paths:
        if path and Path(path).is_file():
            try:
                pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
            except TTFError:
                continue
            return FONT_NAME
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


@functools.cache
def _widths(font: str, size: float) -> dict[str, float]:
    """Character widths by font and size, filled as characters are met: measuring each character
    through ReportLab costs more than the rest of an index page together."""
    return {}


def _char_width(ch: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(ch, font, size)


def wrap(text: str, width: float, *, font: str, size: float, max_lines: int = 3) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points, character by character (Chinese
    has no spaces to break at); the last allowed line ends with … when text remains."""
    widths = _widths(font, size)
    lines: list[str] = []
    line = ""
    used = 0.0
    for ch in text.replace("\n", " "):
        w = widths.get(ch)
        if w is None:
            w = widths[ch] = _char_width(ch, font, size)
        if used + w > width and line:
            lines.append(line)
            if len(lines) == max_lines:
                last = lines[-1]
                lines[-1] = last[:-1] + "…" if len(last) > 1 else "…"
                return lines
            line, used = "", 0.0
        line += ch
        used += w
    if line or not lines:
        lines.append(line)
    return lines
