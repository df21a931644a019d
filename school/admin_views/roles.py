from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from school import services
from school.forms import ScopeForm
from school.models import AdminScope


def _superuser_only(request: HttpRequest) -> None:
    if not (request.user.is_authenticated and request.user.is_superuser):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    _superuser_only(request)
    form = ScopeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, org = form.cleaned_data["username"], form.cleaned_data["organization"]
        services.grant_org_admin(user, org)  # role changes are audited by school.signal_handlers
        messages.success(request, _("Administrator scope granted."))
        return redirect("school_admin:roles")
    scopes = AdminScope.objects.select_related("user", "organization").order_by("organization__path")
    return render(request, "school/admin/roles.html", {"form": form, "scopes": scopes})


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _superuser_only(request)
    scope = get_object_or_404(AdminScope, pk=pk)
    services.revoke_org_admin(scope.user, scope.organization)
    messages.success(request, _("Administrator scope revoked."))
    return redirect("school_admin:roles")


@require_POST
def grant_trainer(request: HttpRequest) -> HttpResponse:
    _superuser_only(request)
    user = get_object_or_404(get_user_model(), username=request.POST.get("username", "").strip())
    services.grant_trainer(user)
    messages.success(request, _("%(name)s is now a trainer.") % {"name": user.get_username()})
    return redirect("school_admin:roles")
