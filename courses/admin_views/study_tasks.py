"""Study task screens for organization administrators (scoped by school.permissions)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from school.admin_views.common import xlsx_response
from school.excel.workbook import Column, build_workbook
from school.permissions import is_org_admin, members_visible_to, organizations_visible_to
from school.services.notifications import reminder_status

from ..forms import StudyTaskForm
from ..models import StudyTask
from ..services.study_tasks import (
    completion_by_organization,
    create_task,
    do_remind_task_members,
    required_credits,
    task_items,
    task_reminder_key,
    tasks_visible_to,
)


def _admin_only(request: HttpRequest) -> None:
    if not is_org_admin(request.user):
        raise PermissionDenied


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    tasks = tasks_visible_to(request.user).order_by("-ends_on", "-pk")
    return render(request, "courses/admin/study_tasks.html", {"tasks": tasks})


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = StudyTaskForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        task = create_task(title=data["title"], description=data["description"], organization=data["organization"],
                           political_statuses=list(data["political_statuses"]), starts_on=data["starts_on"],
                           ends_on=data["ends_on"], required_credits=data["required_credits"],
                           pages=list(data["pages"]), created_by=request.user)
        messages.success(request, _("Study task created."))
        return redirect("courses_admin:task_detail", task.pk)
    return render(request, "school/admin/form.html", {"form": form, "title": _("New study task")})


def _visible_task(request: HttpRequest, pk: int) -> StudyTask:
    """The task, if it is in the administrator's scope (404 otherwise)."""
    _admin_only(request)
    task = tasks_visible_to(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    rows = completion_by_organization(task, organizations_visible_to(request.user))
    items = task_items(task)
    return render(request, "courses/admin/study_task_detail.html", {
        "task": task, "rows": rows, "items": items, "required": required_credits(task, items),
        "reminded": reminder_status(task_reminder_key(task))})


@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    """一键提醒: remind everyone in the administrator's scope who has not completed the task."""
    task = _visible_task(request, pk)
    listed = do_remind_task_members(request.user, task, members_visible_to(request.user))
    if listed:
        messages.success(request, _("Reminding %(count)d members who have not completed the task "
                                    "(each member at most once a day).") % {"count": listed})
    else:
        messages.info(request, _("Everyone in your scope has completed the task."))
    return redirect("courses_admin:task_detail", task.pk)


COMPLETION_COLUMNS = [Column("code", "组织编码", kind="text"), Column("name", "组织名称", width=30), Column("members", "党员人数"),
                      Column("completed", "已完成人数"), Column("rate", "完成率", kind="rate")]


@require_GET
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """Completion per organization as an Excel file (the same rows as the detail page)."""
    task = _visible_task(request, pk)
    rows = completion_by_organization(task, organizations_visible_to(request.user))
    content = build_workbook("完成情况", COMPLETION_COLUMNS, (
        [row.organization.code, row.organization.name, row.members, row.completed,
         row.completed / row.members if row.members else 0] for row in rows))
    return xlsx_response(content, f"{task.title}-完成情况.xlsx")
