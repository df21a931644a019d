from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DisplayPreference(models.Model):
    """How the member site looks for one user: 长辈模式 (larger text and buttons, higher contrast)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="display_preference")
    elder_mode = models.BooleanField(_("elder mode"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("display preference")
        verbose_name_plural = _("display preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: elder={self.elder_mode}"
