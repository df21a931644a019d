"""Deleting a video removes its files once the deletion is committed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Video


@receiver(post_delete, sender=Video)
def remove_video_files(sender: type[Video], instance: Video, **kwargs: Any) -> None:
    original = instance.original.name
    hls = Path(settings.MEDIA_ROOT) / instance.hls_dir

    def remove() -> None:
        if original:
            instance.original.storage.delete(original)
        shutil.rmtree(hls, ignore_errors=True)

    transaction.on_commit(remove)
