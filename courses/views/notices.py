"""通知公告 on the member site: the board and each notice are Wagtail pages (courses/models/notices.py);
this is the 确认 button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..models import NoticePage
from ..services.notices import NoticeError, can_view_notice, do_confirm_notice


@require_POST
@login_required
def confirm(request: HttpRequest, page_id: int) -> HttpResponse:
    """确认: a member confirms a live notice addressed to them; any other notice is a 404."""
    notice = NoticePage.objects.live().filter(pk=page_id).first()
    if notice is None or not can_view_notice(request.user, notice):
        raise Http404
    try:
        do_confirm_notice(request.user, notice)
    except NoticeError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    messages.success(request, _("Thank you: your confirmation has been recorded."))
    return redirect(notice.url or "/")
