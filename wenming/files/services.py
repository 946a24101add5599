"""Storing uploads: the one path every module's files take into the platform.

``file_store`` decides the type from the content, enforces the size limit of that type, hashes
the bytes while streaming them, stores each distinct content once (a :class:`Blob` named by its
SHA-256), records the upload (a :class:`StoredFile`) and audits it. Images get a thumbnail from
a background task once the upload has committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import tempfile
import warnings
import zlib
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.files import sniff
from wenming.files.models import Blob, FileKind, StoredFile
from wenming.files.names import sanitise_name
from wenming.files.sniff import FileType, UploadRefused
from wenming.orgs.access import get_scope

logger = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
THUMBNAIL_PX = 320
PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}


def file_may_act_for(*, user, organisation) -> bool:
    """May ``user`` file an upload under ``organisation``? Members act for their own unit or
    office; an office also acts for organisations in its region's subtree (e.g. an inspector's
    photo filed under the inspected unit)."""
    if user is None:  # system work (imports, tasks) acts for anyone
        return True
    scope = get_scope(user)
    if scope.is_platform:
        return True
    if organisation is None:
        return False
    return (
        organisation.pk in scope.unit_ids
        or organisation.pk in scope.office_ids
        or scope.covers_region(organisation.region_code)
    )


def blob_storage_name(sha256: str, ext: str) -> str:
    """Content-addressed: the name follows from the bytes, so equal content lands in one place."""
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}"


def _hash_stream(fileobj: BinaryIO, *, limit: int, kind: str, text: bool) -> tuple[str, int, int]:
    """SHA-256, size and CRC-32 of the stream, refusing it as soon as it grows past ``limit`` (or,
    for text, as soon as a byte is not text). Reads in chunks: constant memory whatever the size."""
    digest = hashlib.sha256()
    crc = 0
    size = 0
    check = sniff.TextCheck() if text else None
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise sniff.refuse_size(kind)
        digest.update(chunk)
        crc = zlib.crc32(chunk, crc)
        if check is not None and not check.feed(chunk):
            raise sniff.refuse_type("二进制数据（不是 UTF-8 或 GB18030 文本）")
    if check is not None and not check.close():
        raise sniff.refuse_type("二进制数据（不是 UTF-8 或 GB18030 文本）")
    fileobj.seek(0)
    return digest.hexdigest(), size, crc


def _open_image(fileobj: BinaryIO) -> Image.Image:
    """Open an image with Pillow's decompression-bomb guard turned from a warning into a refusal."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(fileobj)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise UploadRefused(
                f"图片像素过多，已拒绝（上限 {Image.MAX_IMAGE_PIXELS // 10000} 万像素）", code="pixels"
            ) from exc


def _check_image(fileobj: BinaryIO, detected: FileType) -> None:
    """Refuse an image Pillow cannot decode, whose format disagrees with the sniffed one, or
    whose pixel count could exhaust memory when decoded (a decompression bomb)."""
    try:
        fileobj.seek(0)
        with _open_image(fileobj) as im:
            if im.format != PILLOW_FORMATS[detected.ext]:
                raise UploadRefused(f"图片已损坏：内容与 {detected.ext} 格式不符", code="corrupt")
            if Image.MAX_IMAGE_PIXELS and im.width * im.height > Image.MAX_IMAGE_PIXELS:
                raise UploadRefused(
                    f"图片像素过多：{im.width}×{im.height}，上限 {Image.MAX_IMAGE_PIXELS // 10000} 万像素",
                    code="pixels",
                )
            im.verify()  # structure and checksums (PNG CRCs) without decoding
        fileobj.seek(0)
        with _open_image(fileobj) as im:
            if im.format == "JPEG":
                im.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))  # decode at 1/8 scale: cheap, still complete
            im.load()  # truncated or corrupt pixel data fails here
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UploadRefused("图片已损坏或无法识别", code="corrupt") from exc
    finally:
        fileobj.seek(0)


def _blob_for(
    fileobj: BinaryIO, *, sha256: str, size: int, detected: FileType, crc32: int | None = None
) -> Blob:
    """The Blob holding these bytes, storing them only if no Blob has them yet."""
    blob = Blob.objects.filter(sha256=sha256).first()
    if blob is not None:
        if blob.crc32 is None and crc32 is not None:  # stored before CRC-32 was recorded
            Blob.objects.filter(pk=blob.pk, crc32__isnull=True).update(crc32=crc32)
            blob.crc32 = crc32
        return blob
    name = blob_storage_name(sha256, detected.ext)
    if default_storage.exists(name) and default_storage.size(name) == size and _touch(name):
        # Written before by an upload whose transaction rolled back: same name, same bytes (its
        # time stamp renewed, so the orphan sweep below leaves it alone while this upload commits).
        stored_name = name
    else:
        fileobj.seek(0)
        stored_name = default_storage.save(name, File(fileobj, name=name))
    try:
        with transaction.atomic():
            return Blob.objects.create(
                sha256=sha256,
                crc32=crc32,
                size=size,
                ext=detected.ext,
                mime=detected.mime,
                kind=detected.kind,
                storage_name=stored_name,
            )
    except IntegrityError:
        # A concurrent upload of the same bytes created it first.
        return Blob.objects.get(sha256=sha256)


def _touch(name: str) -> bool:
    """Renew a stored file's modification time where the storage has local paths (False
    elsewhere: the caller then writes the bytes again)."""
    import os

    try:
        os.utime(default_storage.path(name))
    except (NotImplementedError, OSError):
        return False
    return True


#: Stored blob files without a Blob row younger than this are left alone (an upload between
#: writing its bytes and committing its row).
ORPHAN_AGE = dt.timedelta(hours=24)


def blob_sweep_orphans(*, older_than: dt.timedelta = ORPHAN_AGE, prefix: str = "blobs") -> int:
    """Delete files under ``prefix`` that no Blob names and that are older than ``older_than``:
    the bytes of uploads whose transaction rolled back (written to storage first, so the Blob row
    can point at them). Folder by folder, one query per folder; returns how many were deleted."""
    from django.utils import timezone

    cutoff = timezone.now() - older_than
    deleted = 0

    def walk(folder: str) -> None:
        nonlocal deleted
        try:
            dirs, files = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return
        for d in sorted(dirs):
            walk(f"{folder}/{d}")
        names = [f"{folder}/{f}" for f in files]
        if not names:
            return
        known = set(Blob.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))
        for name in names:
            if name in known or default_storage.get_modified_time(name) >= cutoff:
                continue
            default_storage.delete(name)
            deleted += 1
            logger.info("orphan blob file deleted: %s", name)

    walk(prefix)
    return deleted


def file_store(*, upload, organisation, user, purpose: str = "", private: bool = False) -> StoredFile:
    """Store one upload (a Django ``UploadedFile`` or any named binary file object).

    ``private=True`` files it under no organisation, visible to ``user`` alone (and platform
    admins): for results whose content follows the user's own scope, such as exports.

    Raises :class:`UploadRefused` (a ``ValidationError`` with a Chinese message) before anything
    is stored when the type is not allowed, the file is too large, or an image is corrupt;
    ``PermissionDenied`` when the user may not file uploads under ``organisation``.
    """
    if private:
        if organisation is not None or user is None:
            raise ValueError("a private file has an owner and no organisation")
    elif not file_may_act_for(user=user, organisation=organisation):
        raise PermissionDenied("您不能以该组织的名义上传文件")
    declared = getattr(upload, "size", None)
    largest = max(sniff.max_bytes(k) for k in FileKind.values)
    if declared is not None and declared > largest:
        # Not even the largest kind allows this; refuse before reading a byte.
        raise UploadRefused(f"文件过大：不能超过 {sniff.mb_label(largest)}", code="size")
    detected = sniff.detect_head(upload)
    limit = sniff.max_bytes(detected.kind)
    if declared is not None and declared > limit:
        raise sniff.refuse_size(detected.kind)
    sha256, size, crc32 = _hash_stream(upload, limit=limit, kind=detected.kind, text=detected.ext == "txt")
    if detected.kind == FileKind.IMAGE:
        _check_image(upload, detected)

    blob = _blob_for(upload, sha256=sha256, size=size, detected=detected, crc32=crc32)
    with transaction.atomic():
        stored = StoredFile.objects.create(
            blob=blob,
            original_name=sanitise_name(getattr(upload, "name", "") or ""),
            organisation=organisation,
            region_code=organisation.region_code if organisation is not None else "",
            uploaded_by=user,
            purpose=purpose[:50],
        )
        audit_record(
            action=Action.CREATE,
            obj=stored,
            after={**snapshot(stored), "sha256": blob.sha256, "size": blob.size, "type": blob.ext},
        )
        if blob.kind == FileKind.IMAGE:
            from wenming.files.tasks import make_thumbnail

            stored_id = stored.pk
            transaction.on_commit(lambda: make_thumbnail.enqueue(stored_id))
    return stored


# --- thumbnails ---------------------------------------------------------------------------------


def _thumbnail_bytes(fileobj: BinaryIO) -> bytes:
    """A WEBP at most THUMBNAIL_PX on its long side, turned upright by its EXIF orientation and
    carrying no metadata at all (no EXIF, GPS, XMP or comments)."""
    with _open_image(fileobj) as im:
        if im.format == "JPEG":
            im.draft("RGB", (THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))
        im.load()
        upright = ImageOps.exif_transpose(im)
        upright.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
        mode = "RGBA" if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info else "RGB"
        # A fresh image: only pixels are copied, none of the source's info (EXIF, XMP, ICC …).
        clean = Image.new(mode, upright.size)
        clean.paste(upright.convert(mode))
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=80, method=4)
    return out.getvalue()


def thumbnail_make(*, stored_file: StoredFile) -> Blob | None:
    """Make (or reuse) the thumbnail of an image upload. Returns the thumbnail Blob, or None
    for uploads that are not images or whose image cannot be decoded."""
    blob = stored_file.blob
    if blob.kind != FileKind.IMAGE:
        return None
    if stored_file.thumbnail_id:
        return stored_file.thumbnail
    # Identical images share one thumbnail.
    existing = (
        StoredFile.objects.filter(blob=blob, thumbnail__isnull=False).select_related("thumbnail").first()
    )
    if existing is not None:
        thumb = existing.thumbnail
    else:
        try:
            with default_storage.open(blob.storage_name, "rb") as source:
                data = _thumbnail_bytes(source)
        except (UploadRefused, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            logger.warning("thumbnail failed for blob %s", blob.sha256, exc_info=True)
            return None
        digest = hashlib.sha256(data).hexdigest()
        with tempfile.SpooledTemporaryFile() as buffer:
            buffer.write(data)
            thumb = _blob_for(
                buffer, sha256=digest, size=len(data), detected=sniff.KNOWN["webp"], crc32=zlib.crc32(data)
            )
    StoredFile.objects.filter(blob=blob, thumbnail__isnull=True).update(thumbnail=thumb)
    stored_file.thumbnail = thumb
    return thumb


def blob_crc32(blob: Blob) -> int:
    """The blob's CRC-32, computed from storage (and saved) for blobs stored before uploads
    recorded it. Reads in chunks: constant memory."""
    if blob.crc32 is not None:
        return blob.crc32
    crc = 0
    with default_storage.open(blob.storage_name, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            crc = zlib.crc32(chunk, crc)
    Blob.objects.filter(pk=blob.pk).update(crc32=crc)
    blob.crc32 = crc
    return crc


def blob_open(blob: Blob):
    """The blob's bytes for reading: the file itself on local disk (so copies can use the
    operating system's fast paths), the storage's file object elsewhere (S3)."""
    try:
        path = default_storage.path(blob.storage_name)
    except NotImplementedError:
        return default_storage.open(blob.storage_name, "rb")
    return open(path, "rb")  # noqa: SIM115 — the caller closes it


__all__ = ["blob_crc32", "blob_open", "file_store", "file_may_act_for", "thumbnail_make", "UploadRefused"]
