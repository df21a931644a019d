"""通知公告 read tracking for organization administrators (scoped by school.permissions): per notice, read /
unread / confirmed counts per organization down the tree, the names of those who have not read it, the
same list as Excel, and 一键提醒."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from school.admin_views.common import paginate, xlsx_response
from school.excel.workbook import Column, build_workbook
from school.models import Organization
from school.permissions import is_org_admin, members_visible_to, organizations_visible_to
from school.services.notifications import reminder_status

from ..models import NoticePage
from ..services.notices import (
    do_remind_notice_unread,
    notice_item_key,
    notices_visible_to_admin,
    reading_by_organization,
    reading_totals,
    unread_members,
)


def _admin_only(request: HttpRequest) -> None:
    if not is_org_admin(request.user):
        raise PermissionDenied


def _visible_notice(request: HttpRequest, pk: int) -> NoticePage:
    """The notice, if one of its targets lies in the administrator's scope or above it (404 otherwise)."""
    _admin_only(request)
    notice = notices_visible_to_admin(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def _organization_filter(request: HttpRequest) -> Organization | None:
    """``?org=<id>``: drill into one organization of the administrator's scope (404 outside it; 400-like
    nonsense is a 404 too: there is no such organization to show)."""
    raw = request.GET.get("org") or request.POST.get("org") or ""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    org = organizations_visible_to(request.user).filter(pk=int(raw)).first()
    if org is None:
        raise Http404
    return org


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    notices = list(notices_visible_to_admin(request.user)[:50])
    visible = members_visible_to(request.user)
    rows = [(notice, reading_totals(notice, visible)) for notice in notices]
    return render(request, "courses/admin/notices.html", {"rows": rows})


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _visible_notice(request, pk)
    return render(request, "courses/admin/notice_detail.html", {
        "notice": notice, "rows": reading_by_organization(notice, organizations_visible_to(request.user)),
        "totals": reading_totals(notice, members_visible_to(request.user)),
        "reminded": reminder_status(notice_item_key(notice))})


@require_GET
def unread(request: HttpRequest, pk: int) -> HttpResponse:
    """未读名单: the members in scope (or in one organization: ``?org=``) who have not opened the notice."""
    notice = _visible_notice(request, pk)
    org = _organization_filter(request)
    page = paginate(request, unread_members(notice, members_visible_to(request.user), org), per_page=100)
    return render(request, "courses/admin/notice_unread.html", {
        "notice": notice, "organization": org, "page": page,
        "reminded": reminder_status(notice_item_key(notice))})


UNREAD_COLUMNS = [Column("organization", "所在组织", width=30), Column("code", "组织编码", kind="text"),
                  Column("name", "姓名", width=12), Column("phone", "手机号码", kind="text")]


@require_GET
def unread_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The unread list as an Excel file: the same rows as the screen (same scope, same ``?org=``)."""
    notice = _visible_notice(request, pk)
    org = _organization_filter(request)
    members = unread_members(notice, members_visible_to(request.user), org)
    content = build_workbook("未读名单", UNREAD_COLUMNS, (
        [m.organization.name, m.organization.code, m.name, m.phone_masked] for m in members.iterator()))
    return xlsx_response(content, f"{notice.title}-未读名单.xlsx")


@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    """一键提醒: remind everyone listed (in scope, in ``org`` when given) who has not read the notice."""
    notice = _visible_notice(request, pk)
    org = _organization_filter(request)
    listed = do_remind_notice_unread(request.user, notice, members_visible_to(request.user), org)
    if listed:
        messages.success(request, _("Reminding %(count)d members who have not read the notice "
                                    "(each member at most once a day).") % {"count": listed})
    else:
        messages.info(request, _("Everyone listed has read the notice."))
    target = redirect("courses_admin:notice_unread", notice.pk)
    if org is not None:
        target["Location"] += f"?org={org.pk}"
    return target
