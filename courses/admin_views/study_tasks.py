"""Study task screens for organization administrators (scoped by school.permissions)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from school.admin_views.common import xlsx_response
from school.excel.workbook import Column, build_workbook
from school.permissions import is_org_admin, organizations_visible_to

from ..forms import StudyTaskForm
from ..services.study_tasks import (
    completion_by_organization,
    create_task,
    required_credits,
    task_items,
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


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    task = tasks_visible_to(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    rows = completion_by_organization(task, organizations_visible_to(request.user))
    items = task_items(task)
    return render(request, "courses/admin/study_task_detail.html", {
        "task": task, "rows": rows, "items": items, "required": required_credits(task, items)})


COMPLETION_COLUMNS = [Column("code", "组织编码", kind="text"), Column("name", "组织名称", width=30), Column("members", "党员人数"),
                      Column("completed", "已完成人数"), Column("rate", "完成率", kind="rate")]


@require_GET
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """Completion per organization as an Excel file (the same rows as the detail page)."""
    _admin_only(request)
    task = tasks_visible_to(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    rows = completion_by_organization(task, organizations_visible_to(request.user))
    content = build_workbook("完成情况", COMPLETION_COLUMNS, (
        [row.organization.code, row.organization.name, row.members, row.completed,
         row.completed / row.members if row.members else 0] for row in rows))
    return xlsx_response(content, f"{task.title}-完成情况.xlsx")
