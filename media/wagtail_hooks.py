"""Admin menu and snippet chooser for videos; demo content through school's DEMO_SEEDERS hook."""

from __future__ import annotations

from collections.abc import Iterable

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from school.demo import DemoData
from school.hooks import DEMO_SEEDERS, READINESS_CHECKS
from school.readiness import Check

from .admin import VideoViewSet

register_snippet(VideoViewSet)


@hooks.register("insert_global_admin_js")
def refresh_video_progress() -> str:
    """While a listed video is processing, reload the listing every few seconds to show progress."""
    return format_html('<script src="{}" defer></script>', static("media/admin-progress.js"))


@hooks.register(DEMO_SEEDERS)
def seed_demo_videos(demo: DemoData) -> Iterable[str]:
    from .demo import seed_videos

    return seed_videos(demo)


@hooks.register(READINESS_CHECKS)
def ffmpeg_ready() -> Check:
    from .readiness import check_ffmpeg

    return check_ffmpeg()
