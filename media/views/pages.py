"""A small preview page for trainers: the player on a member-site page, to check a video."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..access import can_manage_videos
from ..models import Video


@require_safe
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not can_manage_videos(request.user):
        raise Http404
    video = get_object_or_404(Video, pk=pk)
    return render(request, "media/preview.html", {"video": video})
