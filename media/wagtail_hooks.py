"""Admin menu and snippet chooser for videos; demo content through school's DEMO_SEEDERS hook."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from school.dashboard import SHOWN_ITEMS, Todo, TodoItem
from school.demo import DemoData
from school.hooks import ADMIN_TODOS, DEMO_SEEDERS, READINESS_CHECKS
from school.readiness import Check

from .admin import VideoViewSet
from .models import Video, VideoState

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


# Videos not yet playable, by the dashboard kind they belong to (VideoState.READY is done).
TODO_STATES = {
    "videos_failed": ([VideoState.FAILED], 30, True),
    "videos_transcoding": ([VideoState.UPLOADED, VideoState.QUEUED, VideoState.PROCESSING], 40, False),
}


@hooks.register(ADMIN_TODOS)
def video_todos(request: HttpRequest) -> Iterable[Todo]:
    """For those who manage videos (trainers, superusers): the ones that failed and the ones transcoding."""
    if not request.user.has_perm("media.change_video"):
        return
    titles = {"videos_failed": _("Videos that failed to transcode"), "videos_transcoding": _("Videos transcoding")}
    for key, (states, order, urgent) in TODO_STATES.items():
        videos = Video.objects.filter(state__in=states).order_by("-created_at")
        count = videos.count()
        if not count:
            continue
        items = tuple(TodoItem(video.title, reverse("wagtailsnippets_media_video:edit", args=[video.pk]),
                               str(video.get_state_display())) for video in videos[:SHOWN_ITEMS])
        query = f"?state={states[0].value}" if len(states) == 1 else ""  # the listing filters one state at a time
        yield Todo(key, titles[key], count, order, f"{reverse('wagtailsnippets_media_video:list')}{query}", items,
                   urgent=urgent)
