"""我的任务: the study tasks of the logged-in member."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from school.models import Notification, NotificationKind
from school.permissions import member_of

TASK_KINDS = (NotificationKind.TASK_ASSIGNED, NotificationKind.TASK_DUE)


@require_GET
@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    from ..services.study_tasks import tasks_for_member

    member = member_of(request.user)
    rows = tasks_for_member(member) if member is not None else []
    unread = list(Notification.objects.filter(user_id=int(request.user.pk or 0), read_at__isnull=True,
                                              kind__in=TASK_KINDS)[:5])
    if unread:
        Notification.objects.filter(pk__in=[n.pk for n in unread]).update(read_at=timezone.now())
    return render(request, "courses/my_study_tasks.html", {"member": member, "rows": rows, "notifications": unread,
                                                     "nav_current": "my_study"})
