from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from wenming.files.models import Blob, FileKind, StoredFile


def make_stored_file(
    *, owner, organisation, content: bytes = b"hello wenming\n", name: str = "说明.txt"
) -> StoredFile:
    """A stored text file, written straight to storage (for tests of other modules)."""
    digest = hashlib.sha256(content).hexdigest()
    blob = Blob.objects.filter(sha256=digest).first()
    if blob is None:
        storage_name = default_storage.save(f"blobs/{digest[:2]}/{digest}.txt", ContentFile(content))
        blob = Blob.objects.create(
            sha256=digest,
            size=len(content),
            ext="txt",
            mime="text/plain",
            kind=FileKind.DOCUMENT,
            storage_name=storage_name,
        )
    return StoredFile.objects.create(
        blob=blob,
        original_name=name,
        organisation=organisation,
        region_code=organisation.region_code,
        uploaded_by=owner,
    )
