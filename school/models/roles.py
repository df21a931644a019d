from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .organizations import Organization


class AdminScope(models.Model):
    """Makes ``user`` an administrator of ``organization`` and everything below it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_scopes")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="admin_scopes")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("administrator scope")
        verbose_name_plural = _("administrator scopes")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="unique_admin_scope")]

    def __str__(self) -> str:
        return f"{self.user} → {self.organization}"
