"""Activation codes and account states, for organization administrators within their subtree."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from school.accounts import services
from school.models import AccountState, ActivationSheet, Organization
from school.permissions import members_visible_to, organizations_visible_to

from .common import org_admin_required, xlsx_response


@org_admin_required
@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest) -> HttpResponse:
    """Issue activation codes for the selected members, or for an organization's subtree (by default only
    those not yet activated). Members or organizations outside the administrator's scope: 404."""
    data = request.POST if request.method == "POST" else request.GET
    scoped = members_visible_to(request.user)
    selected_ids = [int(v) for v in data.getlist("member") if v.isdigit()]
    if len(selected_ids) != len(data.getlist("member")):
        raise Http404
    selected = list(scoped.filter(pk__in=selected_ids))
    if len(selected) != len(set(selected_ids)):
        raise Http404  # a member outside the subtree (or none such)
    organization: Organization | None = None
    org_id = data.get("organization", "")
    if org_id:
        if not org_id.isdigit():
            raise Http404
        organization = get_object_or_404(organizations_visible_to(request.user), pk=int(org_id))
    only_pending = data.get("all") != "1"
    context: dict[str, object] = {"selected": selected, "organization": organization, "only_pending": only_pending,
               "organizations": organizations_visible_to(request.user).order_by("path")[:500]}
    if request.method == "GET" or data.get("confirm") != "1":
        if request.method == "POST" and data.get("confirm") is not None:
            context["error"] = _("Choose members or an organization first.")
            return render(request, "school/admin/accounts/issue.html", context, status=400)
        return render(request, "school/admin/accounts/issue.html", context)
    if selected:
        members = scoped.filter(pk__in=selected_ids)
        description = _("%(n)d selected members") % {"n": len(selected)}
    elif organization is not None:
        members = scoped.filter(Organization.subtree_q(organization.path, "organization__path"))
        description = organization.name
    else:
        context["error"] = _("Choose members or an organization first.")
        return render(request, "school/admin/accounts/issue.html", context, status=400)
    if only_pending:
        members = members.filter(account_state=AccountState.PENDING)
        description += _(" (not yet activated)")
    sheet = services.do_request_activation_sheet(request.user, members=members, organization=organization,
                                                 description=description)
    return redirect("school_admin:account_sheet", pk=sheet.pk)


@org_admin_required
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(ActivationSheet, pk=pk, issued_by_id=request.user.pk)
    return render(request, "school/admin/accounts/sheet.html", {"sheet": record})


@org_admin_required
def sheet_download(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(ActivationSheet, pk=pk, issued_by_id=request.user.pk,
                               state=ActivationSheet.State.DONE)
    with record.file.open("rb") as fh:
        return xlsx_response(fh.read(), f"激活码-{record.pk}.xlsx")


@org_admin_required
@require_http_methods(["GET", "POST"])
def member_account(request: HttpRequest, pk: int) -> HttpResponse:
    """One member's account: its state; reset to a new activation code (shown once); disable or enable."""
    member = get_object_or_404(members_visible_to(request.user), pk=pk)
    context: dict[str, object] = {"member": member, "allowed": services.may_manage_account(request.user, member)}
    if request.method == "GET":
        return render(request, "school/admin/accounts/member.html", context)
    action = request.POST.get("action", "")
    if action not in {"reset", "disable", "enable"}:
        context["error"] = _("Choose what to do with this account.")
        return render(request, "school/admin/accounts/member.html", context, status=400)
    try:
        if action == "reset":
            code, expires = services.do_reset_member(request.user, member)
            member.refresh_from_db()
            context.update(code=code, expires=expires)
            return render(request, "school/admin/accounts/member.html", context)
        services.do_set_account_disabled(request.user, member, disabled=action == "disable")
    except services.AccountRefused:
        context["error"] = _("You may not change the account of a superuser or of an administrator at or "
                             "above your level.")
        return render(request, "school/admin/accounts/member.html", context, status=403)
    messages.success(request, _("Account of “%(name)s” disabled.") % {"name": member.name} if action == "disable"
                     else _("Account of “%(name)s” enabled.") % {"name": member.name})
    return redirect("school_admin:member_account", pk=member.pk)




@org_admin_required
def activation_rates(request: HttpRequest) -> HttpResponse:
    """激活率: for the chosen organization (default: the administrator's top organizations) and each
    organization directly below it, how many members are not activated, activated, disabled."""
    visible = organizations_visible_to(request.user)
    org_id = request.GET.get("organization", "")
    if org_id:
        if not org_id.isdigit():
            raise Http404
        parent = get_object_or_404(visible, pk=int(org_id))
        organizations = [parent, *visible.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("path")]
    else:
        tops = list(visible.order_by("path"))
        organizations = [o for o in tops if not any(o.path.startswith(t.path) and o.path != t.path for t in tops)]
    rows = [services.activation_counts(o) for o in organizations[:200]]
    return render(request, "school/admin/accounts/rates.html", {"rows": rows})
