"""Deciding what a file really is from its bytes — never from its name or the client's content type.

``detect_head`` looks at the first bytes (and, for containers, inside them: the zip's central
directory for OOXML, the compound-file directory for legacy Office). A file that looks like
text is only a *candidate* until every byte has been decoded: ``TextCheck`` does that while
the upload is streamed, and ``detect`` runs both for callers that want one answer.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import filetype
import olefile
from django.conf import settings
from django.core.exceptions import ValidationError

from wenming.files.models import FileKind

HEAD_BYTES = 8192
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileType:
    ext: str
    mime: str
    kind: FileKind
    label: str  # shown to users in the list of allowed types


# Every type the platform knows how to accept; settings.FILE_ALLOWED_KINDS picks among them.
KNOWN: dict[str, FileType] = {
    t.ext: t
    for t in (
        FileType("pdf", "application/pdf", FileKind.DOCUMENT, "PDF"),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind.DOCUMENT,
            "Word（docx）",
        ),
        FileType(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind.DOCUMENT,
            "Excel（xlsx）",
        ),
        FileType("doc", "application/msword", FileKind.DOCUMENT, "Word 97-2003（doc）"),
        FileType("xls", "application/vnd.ms-excel", FileKind.DOCUMENT, "Excel 97-2003（xls）"),
        FileType("txt", "text/plain", FileKind.DOCUMENT, "文本（txt）"),
        FileType("jpg", "image/jpeg", FileKind.IMAGE, "JPG"),
        FileType("png", "image/png", FileKind.IMAGE, "PNG"),
        FileType("webp", "image/webp", FileKind.IMAGE, "WEBP"),
        FileType("mp3", "audio/mpeg", FileKind.MEDIA, "MP3"),
        FileType("mp4", "video/mp4", FileKind.MEDIA, "MP4"),
        FileType("mov", "video/quicktime", FileKind.MEDIA, "MOV"),
    )
}

# Images a browser may show inline: raster formats that cannot carry script.
SAFE_INLINE = frozenset({"jpg", "png", "webp"})

KIND_LABELS = {FileKind.DOCUMENT: "文档", FileKind.IMAGE: "图片", FileKind.MEDIA: "音视频"}

# ISO base media (ftyp) major/compatible brands, see the registry at mp4ra.org.
MOV_BRANDS = {b"qt  "}
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VH", b"M4VP",
    b"mmp4", b"dash", b"MSNV", b"NDAS", b"XAVC", b"f4v ",
}  # fmt: skip
AUDIO_ONLY_BRANDS = {b"M4A ", b"M4B ", b"M4P "}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


class UploadRefused(ValidationError):
    """An upload refused before anything is stored; the message is for the user."""


def allowed_exts() -> list[str]:
    return [e for e in settings.FILE_ALLOWED_KINDS if e in KNOWN]


def allowed_label() -> str:
    return "、".join(KNOWN[e].label for e in allowed_exts()) or "（无）"


def refuse_type(found: str) -> UploadRefused:
    return UploadRefused(f"文件类型不允许：检测到 {found}；允许的类型：{allowed_label()}", code="type")


def max_bytes(kind: str) -> int:
    return int(settings.FILE_MAX_BYTES[kind])


def mb_label(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 and mb == int(mb) else (f"{mb:.1f} MB" if mb >= 1 else f"{n} 字节")


def refuse_size(kind: str) -> UploadRefused:
    return UploadRefused(
        f"文件过大：{KIND_LABELS[FileKind(kind)]}不能超过 {mb_label(max_bytes(kind))}", code="size"
    )


# --- the container types -----------------------------------------------------------------------


def _zip_type(fileobj: BinaryIO) -> str:
    """docx / xlsx by the parts inside the package; any other zip is just a zip."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "损坏的 zip 压缩包"
    finally:
        fileobj.seek(0)
    if "[Content_Types].xml" not in names:
        return "zip 压缩包"
    macros = any(n.endswith("vbaProject.bin") for n in names)
    if any(n.startswith("word/") for n in names):
        return "docm（含宏的 Word 文档）" if macros else "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsm（含宏的 Excel 文档）" if macros else "xlsx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    return "zip 压缩包"


def _ole_type(fileobj: BinaryIO) -> str:
    """Legacy Office files are OLE2 compound files; the stream names say which application."""
    fileobj.seek(0)
    try:
        ole = olefile.OleFileIO(fileobj)
        try:
            streams = {"/".join(path) for path in ole.listdir(streams=True, storages=False)}
        finally:
            ole.close()
    except Exception:  # noqa: BLE001 — olefile raises assorted errors on malformed input
        return "损坏的 Office 复合文档"
    finally:
        fileobj.seek(0)
    if "EncryptedPackage" in streams:
        return "加密的 Office 文档"
    has_macros = any(s.startswith(("Macros/", "_VBA_PROJECT_CUR/")) for s in streams)
    if "WordDocument" in streams:
        return "doc（含宏）" if has_macros else "doc"
    if "Workbook" in streams or "Book" in streams:
        return "xls（含宏）" if has_macros else "xls"
    if "PowerPoint Document" in streams:
        return "ppt"
    return "Office 复合文档"


def _ftyp_type(head: bytes) -> str | None:
    """mp4 / mov by the brands of the leading ``ftyp`` box."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = struct.unpack(">I", head[:4])[0]
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if major in MOV_BRANDS:
        return "mov"
    if major in AUDIO_ONLY_BRANDS:
        return "m4a 音频"
    if major in MP4_BRANDS or compatible & MP4_BRANDS:
        return "mp4"
    return f"{major.decode('latin-1').strip() or 'ftyp'} 媒体"


def _is_mp3_frame(b: bytes) -> bool:
    """An MPEG audio layer III frame header (sync, valid version, bitrate and sample rate)."""
    if len(b) < 4 or b[0] != 0xFF or (b[1] & 0xE0) != 0xE0:
        return False
    version = (b[1] >> 3) & 0x03
    layer = (b[1] >> 1) & 0x03
    bitrate = b[2] >> 4
    rate = (b[2] >> 2) & 0x03
    return version != 0b01 and layer == 0b01 and bitrate not in (0, 0xF) and rate != 0b11


def _mp3_type(head: bytes, fileobj: BinaryIO) -> str | None:
    if head.startswith(b"ID3") and len(head) >= 10:
        # ID3v2: a 10-byte header whose size is a 28-bit "syncsafe" integer; audio follows it.
        size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
        offset = 10 + size + (10 if head[5] & 0x10 else 0)
        fileobj.seek(offset)
        frame = fileobj.read(4)
        fileobj.seek(0)
        return "mp3" if _is_mp3_frame(frame) else "带 ID3 标签的未知音频"
    if _is_mp3_frame(head[:4]):
        return "mp3"
    return None


def _binary_type(head: bytes, fileobj: BinaryIO) -> str | None:
    """The detected type's extension (or a description of what was found), None if unknown."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(OLE_MAGIC):
        return _ole_type(fileobj)
    if head.startswith(ZIP_MAGICS):
        return _zip_type(fileobj)
    found = _ftyp_type(head) or _mp3_type(head, fileobj)
    if found:
        return found
    guess = filetype.guess(head)
    return guess.extension if guess is not None else None


# --- text ---------------------------------------------------------------------------------------

# C0 controls other than tab, newline, form feed and carriage return mark binary data.
_BAD_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


class TextCheck:
    """Feed a file chunk by chunk; ``ok`` stays true while every byte so far is UTF-8 (with or
    without BOM) or GB18030 text without NUL or other control characters."""

    def __init__(self) -> None:
        self._decoders = {
            "utf-8": codecs.getincrementaldecoder("utf-8-sig")(),
            "gb18030": codecs.getincrementaldecoder("gb18030")(),
        }

    @property
    def ok(self) -> bool:
        return bool(self._decoders)

    @property
    def encoding(self) -> str | None:
        return next(iter(self._decoders), None)

    def feed(self, chunk: bytes, final: bool = False) -> bool:
        if b"\x00" in chunk:
            self._decoders.clear()
        for name, decoder in list(self._decoders.items()):
            try:
                text = decoder.decode(chunk, final)
            except UnicodeDecodeError:
                del self._decoders[name]
                continue
            if _BAD_CONTROLS.search(text):
                del self._decoders[name]
        return self.ok

    def close(self) -> bool:
        return self.feed(b"", final=True)


def _looks_like_text(head: bytes) -> bool:
    check = TextCheck()
    # Not final: the head may end in the middle of a multi-byte character.
    return check.feed(head) and bool(head.strip())


# --- the public entry points ----------------------------------------------------------------------


def detect_head(fileobj: BinaryIO) -> FileType:
    """The file's type from its first bytes (and container directories). Text is provisional:
    confirm it with :func:`check_text` or a :class:`TextCheck` fed the whole stream.

    Raises :class:`UploadRefused` for empty files and for types not allowed by settings.
    """
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    if not head:
        raise UploadRefused("文件为空", code="empty")
    found = _binary_type(head, fileobj)
    if found is None:
        found = "txt" if _looks_like_text(head) else "未知的二进制数据"
    if found not in KNOWN or found not in allowed_exts():
        raise refuse_type(found)
    return KNOWN[found]


def check_text(fileobj: BinaryIO) -> None:
    """Decode the whole file as text (constant memory); refuse it if any byte is not text."""
    fileobj.seek(0)
    check = TextCheck()
    while chunk := fileobj.read(CHUNK_BYTES):
        if not check.feed(chunk):
            break
    fileobj.seek(0)
    if not check.close():
        raise refuse_type("二进制数据（不是 UTF-8 或 GB18030 文本）")


def detect(fileobj: BinaryIO) -> FileType:
    """The file's type, text fully checked. Raises :class:`UploadRefused`."""
    found = detect_head(fileobj)
    if found.ext == "txt":
        check_text(fileobj)
    return found


def detect_bytes(data: bytes) -> FileType:
    return detect(io.BytesIO(data))
