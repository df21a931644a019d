"""Member records: 我的考试 (attempts, scores, review) and 我的证书 (status, download, verify)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import Attempt, Certificate
from ..presenters import review_allowed
from .pages import _member


@require_GET
@login_required
def my_exams(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    attempts = list(Attempt.objects.filter(member=member).select_related("exam").order_by("-started_at")[:200])
    rows = [{"attempt": a, "review": review_allowed(a)} for a in attempts]
    return render(request, "exams/my_exams.html", {"rows": rows})


@require_GET
@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    certificates = Certificate.objects.filter(member=member).order_by("-issued_at")
    return render(request, "exams/my_certificates.html", {"certificates": certificates})
