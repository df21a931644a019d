from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from school.permissions import can_manage_member

from ..models import Certificate
from ..services.certificates import certificate_pdf as make_pdf
from ..services.errors import ExamError


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@require_GET
@login_required
def certificate_pdf(request: HttpRequest, serial: str) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("member__organization"), serial=serial)
    if certificate.member.user_id != request.user.pk and not can_manage_member(request.user, certificate.member):
        raise Http404
    try:
        content = make_pdf(certificate, base_url(request))
    except ExamError as exc:  # revoked: refused on every path, with when and why
        return render(request, "exams/certificate_refused.html", {"certificate": certificate, "message": exc.message},
                      status=exc.status)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.serial}.pdf"'
    return response


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: valid or revoked, and only the fields printed on the certificate that identify it."""
    certificate = Certificate.objects.filter(code=code.strip().upper()).first()
    response = render(request, "exams/verify.html", {"certificate": certificate}, status=200 if certificate else 404)
    response["X-Robots-Tag"] = "noindex"
    return response
