from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from school.hooks import HOME_PANELS, MY_STUDY_PANELS, panels
from school.permissions import is_org_admin, is_trainer, member_of
from school.readiness import OK, report, run_checks
from school.services.preferences import do_set_elder_mode


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "school/home.html",
        {
            "member": member_of(request.user),
            "panels": panels(HOME_PANELS, request),
            "can_use_admin": is_trainer(request.user) or is_org_admin(request.user),
        },
    )


@require_GET
@login_required
def my_study(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "school/my_study.html",
        {"member": member_of(request.user), "panels": panels(MY_STUDY_PANELS, request)},
    )


@require_POST
@login_required
def elder_mode(request: HttpRequest) -> HttpResponse:
    """Switch 长辈模式 on ("1") or off ("0") for this user, then back to the page the switch was on."""
    value = request.POST.get("on", "")
    if value not in ("0", "1"):
        return HttpResponseBadRequest(_("Choose on or off."))
    do_set_elder_mode(request.user, value == "1")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("home")
    return redirect(target)


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """For monitors: every service this site needs (school/readiness.py); 503 when one fails."""
    result = report(run_checks())
    response = JsonResponse(result, status=200 if result["status"] == OK else 503,
                            json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
