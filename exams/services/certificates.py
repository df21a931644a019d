from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from school import audit
from school.models import AuditAction, Member, NotificationKind, Organization
from school.services.notifications import do_notify

from ..models import Attempt, Certificate
from .errors import ExamError

_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are typed from paper


def new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


def issue_certificate(attempt: Attempt) -> Certificate:
    existing = Certificate.objects.filter(attempt=attempt).first()
    if existing is not None:
        return existing
    now = timezone.now()
    member = attempt.member
    certificate = Certificate.objects.create(
        attempt=attempt, member=member, exam=attempt.exam,
        serial=f"{timezone.localtime(now):%Y}{attempt.exam_id:04d}{attempt.pk:08d}",
        code=new_code(), member_name=member.name, organization_name=member.organization.name,
        exam_title=attempt.exam.title, score=attempt.score or 0, issued_at=now,
    )
    do_notify([member.user_id], kind=NotificationKind.CERTIFICATE_ISSUED,
              title=_("Certificate issued: %(exam)s") % {"exam": certificate.exam_title},
              body=_("Serial number %(serial)s") % {"serial": certificate.serial},
              url=reverse("exams:certificate_pdf", args=[certificate.serial]),
              dedupe_key=f"certificate_issued:{certificate.pk}")
    return certificate


@transaction.atomic
def revoke_certificate(certificate: Certificate, reason: str) -> Certificate:
    reason = reason.strip()
    if not reason:
        raise ExamError(_("Give a reason for the revocation."), "reason_required")
    revoked = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason[:255])
    certificate.refresh_from_db()
    if revoked:  # every path (admin, shell, a future API) is audited; a second revocation changes nothing
        audit.record(AuditAction.CERTIFICATE_REVOKED, f"{certificate.serial} {certificate.member_name}",
                     target=certificate, data={"reason": certificate.revoke_reason})
        do_notify(Member.objects.filter(pk=certificate.member_id).values("user_id"),
                  kind=NotificationKind.CERTIFICATE_REVOKED,
                  title=_("Certificate revoked: %(exam)s") % {"exam": certificate.exam_title},
                  body=_("Serial number %(serial)s. Reason: %(reason)s") % {
                      "serial": certificate.serial, "reason": certificate.revoke_reason},
                  dedupe_key=f"certificate_revoked:{certificate.pk}")
    return certificate


def certificates_for_organization(organization: Organization, exam_id: int | None = None) -> Iterable[Certificate]:
    qs = Certificate.objects.filter(
        Organization.subtree_q(organization.path, "member__organization__path"), revoked_at__isnull=True
    ).order_by("serial")
    if exam_id:
        qs = qs.filter(exam_id=exam_id)
    return qs


def certificate_pdf(certificate: Certificate, base_url: str) -> bytes:
    """The PDF of a certificate, the one way every download path makes it (the member's and the
    administrator's download, the bulk ZIP). A revoked certificate's PDF is never produced: it is
    refused (410, the page says when and why it was revoked) rather than served as a clean certificate."""
    from .pdf import render_certificate

    if not certificate.is_valid:
        raise ExamError(_("This certificate has been revoked and can no longer be downloaded."), "revoked",
                        status=410)
    return render_certificate(certificate, base_url)


def zip_certificates(certificates: Iterable[Certificate], base_url: str) -> bytes:
    """The valid certificates among ``certificates`` as one ZIP (revoked ones are left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            if certificate.is_valid:
                archive.writestr(f"{certificate.serial}.pdf", certificate_pdf(certificate, base_url))
    return buffer.getvalue()
