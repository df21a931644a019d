from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from school import services
from school.excel import member_template
from school.forms import MemberForm, UploadForm
from school.models import Member, MemberImport, Organization
from school.models.members import AccountState, MemberStatus, PoliticalStatus
from school.permissions import can_see_full_identifiers, members_visible_to, organizations_visible_to

from .common import org_admin_required, paginate, xlsx_response


def _filtered(request: HttpRequest) -> tuple[QuerySet[Member], dict[str, object]]:
    qs = members_visible_to(request.user)
    filters: dict[str, object] = {}
    org_id = request.GET.get("organization", "")
    if org_id.isdigit():
        org = organizations_visible_to(request.user).filter(pk=int(org_id)).first()
        if org is not None:
            qs = qs.filter(Organization.subtree_q(org.path, "organization__path"))
            filters["organization"] = org
    status = request.GET.get("status", "")
    if status in MemberStatus.values:
        qs = qs.filter(status=status)
        filters["status"] = status
    account = request.GET.get("account", "")
    if account in AccountState.values:
        qs = qs.filter(account_state=account)
        filters["account"] = account
    political = request.GET.get("political_status", "")
    if political in PoliticalStatus.values:
        qs = qs.filter(political_status=political)
        filters["political_status"] = political
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(name__icontains=q)
        filters["q"] = q
    return qs.order_by("organization__path", "name", "pk"), filters


@org_admin_required
def index(request: HttpRequest) -> HttpResponse:
    qs, filters = _filtered(request)
    return render(request, "school/admin/members.html", {
        "page": paginate(request, qs),
        "filters": filters,
        "statuses": MemberStatus.choices,
        "account_states": AccountState.choices,
        "political_statuses": PoliticalStatus.choices,
        "query": request.GET.urlencode(),
    })


@sensitive_post_parameters("id_number", "phone", "password")
@org_admin_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = MemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        member = services.create_member(**data)
        messages.success(request, _("Member “%(name)s” added.") % {"name": member.name})
        return redirect("school_admin:members")
    return render(request, "school/admin/form.html", {"form": form, "title": _("Add member")})


@sensitive_post_parameters("id_number", "phone")
@org_admin_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(members_visible_to(request.user), pk=pk)
    initial = {
        field: getattr(member, field)
        for field in ("name", "organization", "political_status", "join_date", "gender", "ethnicity",
                      "education", "position", "status")
    }
    initial["username"] = member.user.username
    form = MemberForm(request.POST or None, user=request.user, instance=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("username", None)
        effective_on = data.pop("effective_on", None)
        if not data.get("phone"):
            data.pop("phone", None)  # empty keeps the stored number (the form never shows it)
        if data["organization"].pk == member.organization_id:
            effective_on = None  # the date is that of a transfer; a status change alone takes effect today
        try:
            services.update_member(member, effective_on=effective_on, **data)
        except services.MembershipError as exc:  # nothing was saved
            member.refresh_from_db()
            form.add_error("effective_on", str(exc))
        else:
            messages.success(request, _("Member “%(name)s” saved.") % {"name": member.name})
            return redirect("school_admin:members")
    return render(request, "school/admin/form.html", {"form": form, "title": member.name, "object": member})


@org_admin_required
def export(request: HttpRequest) -> HttpResponse:
    qs, filters = _filtered(request)
    full = request.GET.get("full") == "1" and can_see_full_identifiers(request.user)
    described = {k: str(getattr(v, "code", v)) for k, v in filters.items()}
    content = services.do_export_members(qs, full_identifiers=full, details={"filters": described})
    return xlsx_response(content, "党员信息.xlsx")


@org_admin_required
def template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(member_template(), "党员信息导入模板.xlsx")


@org_admin_required
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = services.do_submit_member_import(form.cleaned_data["file"], user=request.user)
        messages.success(request, _("The file was received and is being checked."))
        return redirect("school_admin:member_import", pk=record.pk)
    imports = MemberImport.objects.filter(uploaded_by_id=request.user.pk)[:20]
    return render(request, "school/admin/member_imports.html", {"form": form, "imports": imports})


@org_admin_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(MemberImport, pk=pk, uploaded_by_id=request.user.pk)
    return render(request, "school/admin/member_import.html", {"record": record})
