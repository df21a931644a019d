"""Serving rules shared by every member-facing page type: log in first, then 404 unless allowed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse


class MemberOnlyPageMixin:
    """Members must log in; pages the user may not see (``courses.access``) answer 404."""

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from courses.access import can_view_page

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view_page(request.user, self):
            raise Http404
        response: HttpResponse = super().serve(request, *args, **kwargs)  # type: ignore[misc]
        return response
