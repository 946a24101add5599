"""Display names of uploads: kept for people to read, never used as a path.

Files are stored under their SHA-256, so a name cannot reach the file system; it still ends up
in pages, in ``Content-Disposition`` headers and in the names of files users save, so it is
cleaned of anything that could mislead or break those.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 120
MAX_EXT_CHARS = 10
FALLBACK_NAME = "未命名文件"

# Characters Windows refuses in file names (and path separators everywhere).
_RESERVED = re.compile(r'[<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")
# Device names Windows treats specially whatever the extension ("CON.txt" is the console).
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)", re.IGNORECASE)
# Control, format (e.g. U+202E RIGHT-TO-LEFT OVERRIDE, used to disguise "exe"), surrogate,
# private-use and unassigned code points carry nothing a reader needs.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# Line and paragraph separators become spaces.
_SPACE_CATEGORIES = frozenset({"Zl", "Zp", "Zs"})


def _clean_chars(value: str) -> str:
    out = []
    for ch in value:
        cat = unicodedata.category(ch)
        if cat in _DROP_CATEGORIES:
            continue
        out.append(" " if cat in _SPACE_CATEGORIES else ch)
    return "".join(out)


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > MAX_EXT_CHARS or " " in ext:
        return name, ""
    return stem, "." + ext


def sanitise_name(value: str) -> str:
    """A safe display name: the last path component, without control or reserved characters,
    without leading dots, at most ``MAX_NAME_CHARS`` characters, never empty. Chinese and
    other ordinary characters are kept. Idempotent."""
    value = str(value)
    # Removing a character can let Unicode normalisation compose its neighbours (and a few
    # characters expand under NFC), so repeat until nothing changes.
    for _ in range(5):
        cleaned = _sanitise_once(value)
        if cleaned == value:
            break
        value = cleaned
    return value or FALLBACK_NAME


def _sanitise_once(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    # Browsers on Windows send "C:\\Users\\…\\name.pdf"; attackers send "../../etc/passwd".
    parts = [p for p in re.split(r"[/\\]", value) if p.strip(" .")]
    value = parts[-1] if parts else ""
    value = _clean_chars(value)
    value = _RESERVED.sub("_", value)
    value = _SPACES.sub(" ", value).strip(" .")
    if _WINDOWS_DEVICES.match(value):
        value = "_" + value
    if len(value) > MAX_NAME_CHARS:
        stem, ext = _split_ext(value)
        value = stem[: MAX_NAME_CHARS - len(ext)].rstrip(" .") + ext
    return value


_EXT_ALIASES = {"jpg": {"jpg", "jpeg", "jpe", "jfif"}, "mov": {"mov", "qt"}, "txt": {"txt", "text", "log"}}


def download_name(name: str, ext: str) -> str:
    """The name a downloaded file is saved under: the display name with the detected type's
    extension, so a PNG uploaded as "x.pdf" is saved as "x.pdf.png" and opens as what it is."""
    _stem, current = _split_ext(name)
    if current[1:].lower() in _EXT_ALIASES.get(ext, {ext}):
        return name
    return f"{name}.{ext}"
