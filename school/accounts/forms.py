from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from school import sensitive
from school.security.forms import ThrottledAuthenticationForm


class AccountLoginForm(ThrottledAuthenticationForm):
    error_messages = {
        **ThrottledAuthenticationForm.error_messages,
        # The same words whether the account exists, is not activated, is disabled or the secret is wrong.
        "invalid_login": _("The login name, mobile number, ID number or the password is not correct."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Login name, mobile number or ID number")
        self.fields["username"].widget.attrs["maxlength"] = "150"
        self.fields["password"].label = _("Password or activation code")


class NewPasswordFields(forms.Form):
    """Two password fields checked by AUTH_PASSWORD_VALIDATORS (``user`` for the similarity check)."""

    new_password1 = forms.CharField(label=_("New password"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("New password again"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self) -> str:
        one, two = self.cleaned_data.get("new_password1"), self.cleaned_data.get("new_password2", "")
        if one and two and one != two:
            raise forms.ValidationError(_("The two passwords are not the same."), code="password_mismatch")
        password_validation.validate_password(two, self.user)
        return two


class ActivateForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=18,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))
    phone = forms.CharField(label=_("Mobile number on record, or its last 4 digits"), max_length=11, min_length=4,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}))

    def clean_id_number(self) -> str:
        value = sensitive.normalize_id_number(self.cleaned_data["id_number"])
        if (problem := sensitive.id_number_error(value)) is not None:
            raise forms.ValidationError(problem)
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if not value.isdigit() or len(value) not in (4, 11):
            raise forms.ValidationError(_("Enter the 11-digit mobile number or its last 4 digits."))
        return value


class ForgotForm(forms.Form):
    identifier = forms.CharField(label=_("Login name, mobile number or ID number"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))


class VerifyForm(NewPasswordFields):
    code = forms.CharField(label=_("Verification code"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    field_order = ["code", "new_password1", "new_password2"]

    def clean_code(self) -> str:
        value = self.cleaned_data["code"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("The verification code has 6 digits."))
        return value


class AdminLoginForm(WagtailLoginForm):
    """The Wagtail admin login (WAGTAILADMIN_USER_LOGIN_FORM): the same identifiers and the same
    generic answer as the member login."""

    error_messages = {
        **WagtailLoginForm.error_messages,
        "invalid_login": AccountLoginForm.error_messages["invalid_login"],
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Login name, mobile number or ID number")
        self.fields["username"].widget.attrs["placeholder"] = _("Login name, mobile number or ID number")
        self.fields["password"].label = _("Password or activation code")
        self.fields["password"].widget.attrs["placeholder"] = _("Password or activation code")
