from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from school.accounts.forms import AccountLoginForm
from school.security.forms import ThrottledAuthenticationForm


class LoginView(auth_views.LoginView):
    form_class = AccountLoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: ThrottledAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if getattr(form, "locked", False):
            response.status_code = 429
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Members change their own password; Django's form runs AUTH_PASSWORD_VALIDATORS (Chinese messages)."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("my_study")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "password_rules": password_validators_help_texts()}

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response
