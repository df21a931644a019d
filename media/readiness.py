"""ffmpeg's check for ``/ready/`` and ``check_services`` (school.readiness, READINESS_CHECKS)."""

from __future__ import annotations

import subprocess

from django.utils.translation import gettext as _

from school.readiness import ERROR, OK, Check

from .processing import ffmpeg_binary


def check_ffmpeg() -> Check:
    try:
        binary = ffmpeg_binary()
        result = subprocess.run([binary, "-hide_banner", "-version"], capture_output=True,  # noqa: S603
                                timeout=5, check=True, text=True)
    except Exception as exc:
        return Check("ffmpeg", ERROR, _("ffmpeg cannot run (%(error)s): uploaded videos are not transcoded.")
                     % {"error": type(exc).__name__})
    first = (result.stdout.splitlines() or [""])[0]
    version = first.split(" ")[2] if first.startswith("ffmpeg version ") else "?"
    return Check("ffmpeg", OK, _("ffmpeg %(version)s runs.") % {"version": version})
