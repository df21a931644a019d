from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .throttle import client_address, is_locked


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed logins. Try again in %(minutes)d minutes."),
    }

    def clean(self) -> dict[str, Any]:
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        if is_locked(username, client_address(self.request)):
            self.locked = True
            raise ValidationError(self.error_messages["locked"], code="locked",
                                  params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)})
        return super().clean()
