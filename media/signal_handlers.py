"""Every receiver of the media app, connected by ``register_signal_handlers()`` from MediaConfig.ready().

Deleting a video removes its files once the deletion is committed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete

from .models import Video


def remove_video_files(sender: type[Video], instance: Video, **kwargs: Any) -> None:
    original = instance.original.name
    hls = Path(settings.MEDIA_ROOT) / instance.hls_dir

    def remove() -> None:
        if original:
            instance.original.storage.delete(original)
        shutil.rmtree(hls, ignore_errors=True)

    transaction.on_commit(remove)


def register_signal_handlers() -> None:
    post_delete.connect(remove_video_files, sender=Video, dispatch_uid="media_remove_video_files")
