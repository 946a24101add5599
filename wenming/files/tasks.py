"""Background work for uploads (run by the tasks worker; inline in tests)."""

from __future__ import annotations

from django_tasks import task

from wenming.files.models import StoredFile


@task()
def make_thumbnail(stored_file_id: int) -> bool:
    """Make the thumbnail of an image upload. Returns whether the upload now has one."""
    from wenming.files.services import thumbnail_make

    stored = StoredFile.objects.select_related("blob", "thumbnail").filter(pk=stored_file_id).first()
    if stored is None:  # deleted before the worker got to it
        return False
    return thumbnail_make(stored_file=stored) is not None
