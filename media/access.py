"""Who may watch which video. ``media`` knows nothing about lessons, so the apps that put videos
into lessons register a check here (courses: "may this user see a lesson that uses this video?").

A check is ``fn(user, video) -> bool | None``: ``True`` allows (the user may open a lesson that uses
the video), ``False`` denies, ``None`` abstains (no lesson of that app uses it). Fail closed: a member
may watch a ready video only when some check allows it and none denies it, so a video that no lesson
uses is served to nobody but its uploader, trainers and superusers (they upload and manage videos and
see every one, in any state). Video ids are sequential: guessing one gets a 404, like a missing video.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from school.permissions import is_trainer

if TYPE_CHECKING:
    from .models import Video

AccessCheck = Callable[[Any, "Video"], bool | None]
_checks: list[AccessCheck] = []


def register_video_access_check(fn: AccessCheck) -> AccessCheck:
    """Register ``fn`` (usable as a decorator). Registering the same function twice is a no-op."""
    if fn not in _checks:
        _checks.append(fn)
    return fn


def unregister_video_access_check(fn: AccessCheck) -> None:
    if fn in _checks:
        _checks.remove(fn)


def can_manage_videos(user: Any) -> bool:
    return is_trainer(user)


def can_watch(user: Any, video: Video) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if can_manage_videos(user) or (video.uploaded_by_id is not None and video.uploaded_by_id == user.pk):
        return True
    if not video.is_playable:  # ready, or its lowest rung is (lowest rung first)
        return False
    answers = [check(user, video) for check in list(_checks)]
    return True in answers and False not in answers
