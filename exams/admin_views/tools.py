"""Admin screens beyond the model viewsets: Excel import/export, publishing, statistics, certificate
revocation and bulk download. Each asks school.permissions."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from school.admin_views.common import xlsx_response
from school.excel.workbook import ImportResult
from school.models import AuditAction, AuditEvent, Organization, PoliticalStatus
from school.permissions import can_manage_organization, is_org_admin, is_trainer, organizations_visible_to
from school.widgets import trails

from ..models import Certificate, Exam, QuestionBank
from ..services import (
    ExamError,
    do_publish_exam,
    do_return_exam,
    do_submit_exam_for_review,
    revoke_certificate,
    validate_blueprint,
)
from ..services.certificates import certificates_for_organization, zip_certificates
from ..services.docx import DOCX, docx_template_bytes
from ..services.excel import template_bytes
from ..services.imports import (
    EXPORT_FORMATS,
    QUESTION_SUFFIXES,
    do_import_question_file,
    parse_question_file,
    preview,
)
from ..services.imports import export_bank as export_bank_as
from ..services.reports import build_exam_report, can_view_stats, report_workbook
from .policies import CertificatePolicy, exams_publishable_by, may_publish_exam


def _require(check: bool) -> None:
    if not check:
        raise PermissionDenied


class ImportForm(forms.Form):
    bank = forms.ModelChoiceField(queryset=QuestionBank.objects.all(), label=gettext_lazy("question bank"))
    file = forms.FileField(label=gettext_lazy("Question file (.xlsx, .xls, .ods, .csv, .docx, GIFT, Moodle XML)"),
                           required=False)
    skip_unsupported = forms.BooleanField(
        required=False, label=gettext_lazy("Skip question types the platform does not have (essay, matching, …)"))
    upload = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None:
            if Path(upload.name or "").suffix.lower() not in QUESTION_SUFFIXES:
                raise forms.ValidationError(_("Unsupported file type; use %(kinds)s.")
                                            % {"kinds": "、".join(QUESTION_SUFFIXES)})
            if upload.size > 20 * 1024 * 1024:
                raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


_PENDING = "exams/pending-imports/"


def _keep_for_import(upload: Any, user_pk: int) -> str:
    """Store a previewed file until the trainer confirms; the hidden field carries a signed reference."""
    name = default_storage.save(f"{_PENDING}{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}", upload)
    return signing.dumps({"path": name, "name": upload.name, "user": user_pk}, salt="exams.import")


def _pending(token: str, user_pk: int) -> tuple[str, str] | None:
    try:
        data = signing.loads(token, salt="exams.import", max_age=3600)
    except signing.BadSignature:
        return None
    if data.get("user") != user_pk or not str(data.get("path", "")).startswith(_PENDING):
        return None
    if not default_storage.exists(data["path"]):
        return None
    return data["path"], data["name"]


@require_http_methods(["GET", "POST"])
def import_questions(request: HttpRequest) -> HttpResponse:
    """Upload -> preview of the first questions (nothing written) -> import the previewed file."""
    _require(is_trainer(request.user))
    form = ImportForm(request.POST or None, request.FILES or None, initial={"bank": request.GET.get("bank")})
    result = None
    context: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        user_pk = int(request.user.pk or 0)
        upload = form.cleaned_data["file"]
        skip = form.cleaned_data["skip_unsupported"]
        if upload is not None and request.POST.get("action") != "import":
            parsed = parse_question_file(upload.name or "", upload.read(), skip_unsupported=skip)
            upload.seek(0)
            context.update(preview=preview(parsed), total=len(parsed.items), skipped=parsed.skipped,
                           file_name=upload.name)
            result = ImportResult(errors=parsed.errors)
            if not parsed.errors and parsed.items:
                context["upload"] = _keep_for_import(upload, user_pk)
        else:
            if upload is not None:
                path, name, data = "", upload.name or "", upload.read()
            elif (pending := _pending(form.cleaned_data["upload"], user_pk)) is not None:
                path, name = pending
                with default_storage.open(path, "rb") as fh:
                    data = fh.read()
            else:
                form.add_error("file", _("Choose a file to import."))
                return render(request, "exams/admin/import.html", {
                    "form": form, "banks": QuestionBank.objects.all(), "title": _("Import and export questions"),
                })
            result = do_import_question_file(name, data, bank=form.cleaned_data["bank"], skip_unsupported=skip)
            if result.ok:
                if path:
                    default_storage.delete(path)
                messages.success(request, _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                                 % {"created": result.created, "updated": result.updated,
                                    "unchanged": result.unchanged})
                return redirect("exams_tools:import")
    return render(request, "exams/admin/import.html", {
        "form": form, "result": result, "banks": QuestionBank.objects.all(), "title": _("Import and export questions"),
        **context,
    })


def template(request: HttpRequest) -> HttpResponse:
    _require(is_trainer(request.user))
    return xlsx_response(template_bytes(), "题库导入模板.xlsx")


def docx_template(request: HttpRequest) -> HttpResponse:
    _require(is_trainer(request.user))
    response = HttpResponse(docx_template_bytes(), content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('题库导入示例.docx')}"
    return response


def export_bank(request: HttpRequest, pk: int) -> HttpResponse:
    _require(is_trainer(request.user))
    bank = get_object_or_404(QuestionBank, pk=pk)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    content, filename, content_type = export_bank_as(bank, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _exam_for_review(request: HttpRequest, pk: int) -> tuple[Exam, bool]:
    """The exam and whether the user may publish it. Trainers (who submit) and the administrators who may
    publish it see it; another administrator gets 404, anyone else Wagtail's "permission denied"."""
    exam = get_object_or_404(Exam, pk=pk)
    publisher = may_publish_exam(request.user, exam)
    if not publisher and not is_trainer(request.user):
        if is_org_admin(request.user):
            raise Http404
        raise PermissionDenied
    return exam, publisher


def _last_return(exam: Exam) -> AuditEvent | None:
    return AuditEvent.objects.filter(action=AuditAction.EXAM_RETURNED, target_type=Exam._meta.label,
                                     target_id=str(exam.pk)).first()


class ReturnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("what to change"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _publish_page(request: HttpRequest, exam: Exam, publisher: bool, return_form: ReturnForm | None = None,
                  status: int = 200) -> HttpResponse:
    targets = list(exam.target_organizations.order_by("path"))
    paths = trails(targets)
    statuses = dict(PoliticalStatus.choices)
    returned = _last_return(exam) if exam.status == Exam.Status.DRAFT else None
    return render(request, "exams/admin/publish.html", {
        "exam": exam, "problems": validate_blueprint(exam), "publisher": publisher,
        "trainer": is_trainer(request.user), "return_form": return_form or ReturnForm(),
        "targets": [(org, paths[org.pk]) for org in targets], "returned": returned,
        "statuses": [statuses.get(code, code) for code in exam.target_statuses or []],
        "title": _("Publish %(exam)s") % {"exam": exam.title},
    }, status=status)


@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """The exam's review page (GET); publishing it (POST), for an administrator whose scope covers the exam."""
    exam, publisher = _exam_for_review(request, pk)
    if request.method == "POST":
        if not publisher:
            raise PermissionDenied
        try:
            do_publish_exam(exam.pk, request.user)
        except ExamError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The exam is published."))
        return redirect("exams_tools:publish", exam.pk)
    return _publish_page(request, exam, publisher)


@require_POST
def submit_for_review(request: HttpRequest, pk: int) -> HttpResponse:
    _require(is_trainer(request.user))
    exam = get_object_or_404(Exam, pk=pk)
    try:
        do_submit_exam_for_review(exam.pk, request.user)
    except ExamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Submitted for review: an administrator of the organizations it is for will "
                                    "publish it."))
    return redirect("exams_tools:publish", exam.pk)


@require_POST
def return_to_author(request: HttpRequest, pk: int) -> HttpResponse:
    exam, publisher = _exam_for_review(request, pk)
    if not publisher:
        raise PermissionDenied
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return _publish_page(request, exam, publisher, form, status=400)
    try:
        do_return_exam(exam.pk, request.user, form.cleaned_data["reason"])
    except ExamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The exam is returned to its author."))
    return redirect("exams_tools:publish", exam.pk)


def review_index(request: HttpRequest) -> HttpResponse:
    """Exams awaiting review that this administrator may publish."""
    _require(is_org_admin(request.user))
    exams = exams_publishable_by(request.user).filter(status=Exam.Status.IN_REVIEW).select_related(
        "created_by").order_by("pk")
    return render(request, "exams/admin/review_index.html", {"exams": exams, "title": _("Exams awaiting review")})


def statistics_index(request: HttpRequest) -> HttpResponse:
    _require(can_view_stats(request.user))
    exams = Exam.objects.filter(status__in=[Exam.Status.PUBLISHED, Exam.Status.ARCHIVED]).select_related("stat").order_by("-published_at")
    return render(request, "exams/admin/stats_index.html", {"exams": exams, "title": _("Exam statistics")})


def statistics(request: HttpRequest, pk: int) -> HttpResponse:
    _require(can_view_stats(request.user))
    exam = get_object_or_404(Exam, pk=pk)
    report = build_exam_report(exam, request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(report_workbook(report), f"{exam.title}-统计.xlsx")
    return render(request, "exams/admin/stats.html", {"report": report, "exam": exam,
                                                      "title": _("Statistics: %(exam)s") % {"exam": exam.title}})


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason for revocation"), max_length=255)


@require_http_methods(["GET", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    policy = CertificatePolicy(Certificate)
    certificate = get_object_or_404(Certificate, pk=pk)
    if not policy.user_has_permission_for_instance(request.user, "change", certificate):
        raise Http404
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        revoke_certificate(certificate, form.cleaned_data["reason"])  # audited by the service
        messages.success(request, _("Certificate %(serial)s revoked.") % {"serial": certificate.serial})
        return redirect("exams_certificate:index")
    return render(request, "exams/admin/revoke.html", {"form": form, "certificate": certificate,
                                                       "title": _("Revoke certificate")})


def bulk_download(request: HttpRequest) -> HttpResponse:
    _require(is_org_admin(request.user))
    org_id = request.GET.get("organization")
    if not org_id:
        return render(request, "exams/admin/bulk.html", {
            "organizations": organizations_visible_to(request.user)[:500],
            "exams": Exam.objects.filter(certificate_on_pass=True), "title": _("Download certificates"),
        })
    organization = get_object_or_404(Organization, pk=org_id if str(org_id).isdigit() else 0)
    if not can_manage_organization(request.user, organization):
        raise Http404
    exam_id = request.GET.get("exam")
    content = zip_certificates(
        certificates_for_organization(organization, int(exam_id) if exam_id and exam_id.isdigit() else None),
        request.build_absolute_uri("/"))
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="certificates-{organization.code}.zip"'
    return response


def layout(request: HttpRequest) -> HttpResponse:
    _require(request.user.is_superuser or is_trainer(request.user))
    return redirect("wagtailsettings:edit", "exams", "certificatelayout")


