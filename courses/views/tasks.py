"""我的任务: the study tasks of the logged-in member."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from school.permissions import member_of


@require_GET
@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    from ..services.tasks import tasks_for_member

    member = member_of(request.user)
    rows = tasks_for_member(member) if member is not None else []
    return render(request, "courses/my_tasks.html", {"member": member, "rows": rows, "nav_current": "my_study"})
