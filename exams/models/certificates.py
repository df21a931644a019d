from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from school.models import Member

from .attempts import Attempt
from .exams import Exam


class Certificate(models.Model):
    """Issued on pass. Names are copied at issue time: a certificate states what was true then."""

    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT, related_name="certificate",
                                   verbose_name=_("attempt"))
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("member"))
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("exam"))
    serial = models.CharField(_("serial number"), max_length=32, unique=True)
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    member_name = models.CharField(_("name"), max_length=200)
    organization_name = models.CharField(_("organization"), max_length=200)
    exam_title = models.CharField(_("exam"), max_length=200)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2)
    issued_at = models.DateTimeField(_("issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revocation"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.serial

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


@register_setting(icon="doc-full")
class CertificateLayout(BaseGenericSetting):
    title: models.CharField[str, str] = models.CharField(_("title"), max_length=50, default="结业证书")
    issuer: models.CharField[str, str] = models.CharField(_("issuer"), max_length=100, default="中共示范区委党校")
    body_template: models.CharField[str, str] = models.CharField(
        _("body text"), max_length=300,
        default="参加“{exam}”考试，成绩{score}分，准予结业，特发此证。",
        help_text=_("Placeholders: {exam}, {score}."),
    )
    signature_text: models.CharField[str, str] = models.CharField(_("signature text"), max_length=100, default="校长：（签章）")
    seal: models.ForeignKey[Any, Any] = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("seal image"))

    class Meta:
        verbose_name = _("certificate layout")
