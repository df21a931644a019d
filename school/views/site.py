from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from school.hooks import HOME_PANELS, MY_STUDY_PANELS, panels
from school.permissions import is_org_admin, is_trainer, member_of
from school.readiness import OK, report, run_checks


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
