"""Small real files of each type, made in the test (no binary fixtures in the repository)."""

from __future__ import annotations

import io
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def upload(
    content: bytes, name: str = "文件.bin", content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    # The client's content type is deliberately meaningless: the service must ignore it.
    return SimpleUploadedFile(name, content, content_type=content_type)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **save)
    return out.getvalue()


def png_bytes(**kw) -> bytes:
    return image_bytes("PNG", **kw)


def jpeg_bytes(**kw) -> bytes:
    return image_bytes("JPEG", **kw)


def webp_bytes(**kw) -> bytes:
    return image_bytes("WEBP", **kw)


def jpeg_with_gps(size: tuple[int, int] = (400, 200), orientation: int = 6) -> bytes:
    """A photo as a phone takes it: GPS position, camera make and an orientation tag."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 12.5), 3: "E", 4: (120.0, 10.0, 3.0)}  # GPSInfo IFD
    return image_bytes("JPEG", size=size, exif=exif)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>创建工作方案</w:t></w:r></w:p></w:body></w:document>"
)


def zip_bytes(parts: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def docx_bytes(*, macros: bool = False) -> bytes:
    """The minimal parts of a Word document (what python-docx would need to open it)."""
    parts = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _RELS, "word/document.xml": _DOCUMENT}
    if macros:
        parts["word/vbaProject.bin"] = b"\x00" * 16
    return zip_bytes(parts)


def xlsx_bytes() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("测评")
    ws.write_row(0, 0, ["单位", "得分"])
    ws.write_row(1, 0, ["东城区执法局", 92.5])
    wb.close()
    return out.getvalue()


def pdf_bytes() -> bytes:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return body


def ole_bytes(stream_name: str) -> bytes:
    """A minimal OLE2 compound file (the container of .doc/.xls/.ppt) holding one empty stream."""
    endofchain, freesect, fatsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)  # version 3, 512-byte sectors
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, endofchain, 0, endofchain, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([freesect] * 108))  # FAT lives in sector 0
    fat = struct.pack("<128I", fatsect, endofchain, *([freesect] * 126))  # sector 1: directory

    def entry(name: str, kind: int, child: int) -> bytes:
        e = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        e[: len(encoded)] = encoded
        struct.pack_into("<HBB", e, 64, len(encoded), kind, 1)
        struct.pack_into("<III", e, 68, nostream, nostream, child)
        struct.pack_into("<IQ", e, 116, endofchain, 0)
        return bytes(e)

    directory = entry("Root Entry", 5, 1) + entry(stream_name, 2, nostream) + bytes(256)
    return bytes(header) + fat + directory


def mp3_bytes(*, id3: bool = False) -> bytes:
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    if not id3:
        return frame * 3
    tag_body = b"TIT2\x00\x00\x00\x07\x00\x00\x03\xe6\x96\x87\xe6"  # a title frame (content irrelevant)
    n = len(tag_body)
    syncsafe = bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + tag_body + frame * 3


def isobmff_bytes(major: bytes, compatible: tuple[bytes, ...] = ()) -> bytes:
    ftyp_payload = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    ftyp = struct.pack(">I", 8 + len(ftyp_payload)) + b"ftyp" + ftyp_payload
    mdat = struct.pack(">I", 8 + 64) + b"mdat" + b"\x00" * 64
    return ftyp + mdat


def elf_bytes() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00\x3e\x00" + b"\x00" * 100


def exe_bytes() -> bytes:
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 50
        + b"This program cannot be run in DOS mode."
    )
