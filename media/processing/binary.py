"""Which ffmpeg runs: ``FFMPEG_BINARY`` if set, else ``ffmpeg`` on PATH, else the static binary that
the ``imageio-ffmpeg`` wheel ships (so ``pip install`` alone is enough on a fresh machine). Probing
parses ``ffmpeg -i`` and never needs ffprobe."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def ffmpeg_binary() -> str:
    configured = str(getattr(settings, "FFMPEG_BINARY", "") or "")
    if configured:
        found = shutil.which(configured) or (configured if Path(configured).is_file() else None)
        if not found:
            raise ImproperlyConfigured(f"FFMPEG_BINARY={configured!r} is not an executable file.")
        return found
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())
