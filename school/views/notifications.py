"""通知 (the bell): the logged-in user's notifications, read/unread, open one, mark all read."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from school.models import Notification
from school.services import notifications as service


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(user_id=int(request.user.pk or 0)).order_by("-created_at", "-pk")
    if request.GET.get("unread") == "1":
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "school/notifications.html", {
        "page": page, "only_unread": request.GET.get("unread") == "1", "nav_current": "notifications",
        "email_channel": settings.NOTIFICATIONS_EMAIL and bool(getattr(request.user, "email", "")),
        "wants_email": service.wants_email(request.user)})


@require_POST
@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    choice = request.POST.get("email", "")
    if choice not in ("on", "off"):
        return HttpResponseBadRequest(_("Choose whether to receive e-mail."))
    service.do_set_preferences(request.user, email=choice == "on")
    return redirect("notifications")


@require_GET
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    note = service.do_open(request.user, pk)
    if note is None:
        raise Http404
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("notifications")


@require_POST
@login_required
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    service.do_mark_all_read(request.user)
    return redirect("notifications")
