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
from school.permissions import member_of
from school.services import notifications as service


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(user_id=int(request.user.pk or 0)).order_by("-created_at", "-pk")
    if request.GET.get("unread") == "1":
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    member = member_of(request.user)
    return render(request, "school/notifications.html", {
        "page": page, "only_unread": request.GET.get("unread") == "1", "nav_current": "notifications",
        "email_channel": settings.NOTIFICATIONS_EMAIL and bool(getattr(request.user, "email", "")),
        "wants_email": service.wants_email(request.user),
        "sms_channel": settings.NOTIFICATIONS_SMS and member is not None and bool(member.phone),
        "wants_sms": service.wants_sms(request.user),
        "quiet_hours": settings.NOTIFICATIONS_SMS_QUIET_HOURS.replace("-", "–")})


@require_POST
@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Switch one channel (``email`` or ``sms``: ``on``/``off``) besides the bell."""
    email, sms = request.POST.get("email"), request.POST.get("sms")
    if (email is None) == (sms is None) or (email or sms) not in ("on", "off"):
        return HttpResponseBadRequest(_("Choose whether to receive e-mail or SMS."),
                                      content_type="text/plain; charset=utf-8")
    service.do_set_preferences(request.user, email=None if email is None else email == "on",
                               sms=None if sms is None else sms == "on")
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
