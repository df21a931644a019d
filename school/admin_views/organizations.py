from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from school import services
from school.excel import export_organizations, organization_template
from school.forms import OrganizationForm, UploadForm
from school.permissions import organizations_visible_to

from .common import org_admin_required, paginate, xlsx_response


@org_admin_required
def index(request: HttpRequest) -> HttpResponse:
    qs = organizations_visible_to(request.user).order_by("path")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__icontains=q)
    page = paginate(request, qs.annotate(member_count=Count("members")), 100)
    return render(request, "school/admin/organizations.html", {"page": page, "q": q})


@org_admin_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    initial = {}
    parent_id = request.GET.get("parent", "")
    if parent_id.isdigit():
        initial["parent"] = organizations_visible_to(request.user).filter(pk=int(parent_id)).first()
    form = OrganizationForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = services.create_organization(
                parent=data["parent"], name=data["name"], code=data["code"], kind=data["kind"],
                contact_person=data["contact_person"], contact_phone=data["contact_phone"],
            )
        except services.OrganizationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Organization “%(name)s” created.") % {"name": org.name})
            return redirect("school_admin:organizations")
    return render(request, "school/admin/form.html", {"form": form, "title": _("Add organization")})


@org_admin_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(organizations_visible_to(request.user), pk=pk)
    parent = org.get_parent()
    initial = {
        "name": org.name, "code": org.code, "kind": org.kind, "parent": parent,
        "contact_person": org.contact_person, "contact_phone": org.contact_phone,
    }
    form = OrganizationForm(request.POST or None, user=request.user, instance=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_organization(
                org, name=data["name"], kind=data["kind"],
                contact_person=data["contact_person"], contact_phone=data["contact_phone"],
            )
            if data["parent"] is not None and (parent is None or data["parent"].pk != parent.pk):
                services.move_organization(org, data["parent"])
        except services.OrganizationError as exc:
            form.add_error("parent", str(exc))
        else:
            messages.success(request, _("Organization “%(name)s” saved.") % {"name": org.name})
            return redirect("school_admin:organizations")
    return render(request, "school/admin/form.html", {"form": form, "title": org.name, "object": org,
                                                      "delete_url_name": "school_admin:organization_delete"})


@org_admin_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(organizations_visible_to(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.delete_organization(org)
        except services.OrganizationError as exc:
            messages.error(request, str(exc))
            return redirect("school_admin:organization_edit", pk=org.pk)
        messages.success(request, _("Organization “%(name)s” deleted.") % {"name": org.name})
        return redirect("school_admin:organizations")
    return render(request, "school/admin/confirm_delete.html", {"object": org})


@org_admin_required
def export(request: HttpRequest) -> HttpResponse:
    return xlsx_response(export_organizations(organizations_visible_to(request.user).order_by("path")),
                         "组织架构.xlsx")


@org_admin_required
def template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(organization_template(), "组织架构导入模板.xlsx")


@org_admin_required
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.do_import_organizations(upload, user=request.user, file_name=upload.name or "")
        if result.ok:
            messages.success(request, _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                             % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
            return redirect("school_admin:organizations")
    return render(request, "school/admin/import.html", {
        "form": form, "result": result, "title": _("Import organizations"),
        "template_url_name": "school_admin:organization_template",
    })

