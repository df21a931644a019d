"""Who may watch which video. ``media`` knows nothing about lessons, so the apps that put videos
into lessons register a check here (courses: "may this user see a lesson that uses this video?").

A check is ``fn(user, video) -> bool | None``: ``False`` denies, ``True`` allows, ``None`` abstains.
Any ``False`` wins. With no check registered (or all abstaining) any logged-in user may watch a ready
video. Trainers and superusers see every video, in any state (they upload and manage them).
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
    if can_manage_videos(user):
        return True
    if not video.is_ready:
        return False
    return all(check(user, video) is not False for check in list(_checks))
