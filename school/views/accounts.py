"""Member-site account pages: choose a password after an activation-code login, self-activation by SMS,
forgotten password by SMS, and (DEBUG + console backend only) the development page of sent SMS."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from school.accounts import services, sms
from school.accounts.backends import resolve_member
from school.accounts.forms import ActivateForm, ForgotForm, NewPasswordFields, VerifyForm
from school.accounts.middleware import MUST_CHOOSE_PASSWORD
from school.models import SmsCode
from school.security.throttle import client_address

FLOW = "accounts_flow"
BACKEND = "school.accounts.backends.AccountBackend"


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"password_rules": password_validators_help_texts(), **context}, status=status)


@sensitive_post_parameters("new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def choose_password(request: HttpRequest) -> HttpResponse:
    if not request.session.get(MUST_CHOOSE_PASSWORD):
        return redirect("password_change")
    form = NewPasswordFields(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            services.do_choose_password(request.user, form.cleaned_data["new_password1"], how="code")
            update_session_auth_hash(request, request.user)  # type: ignore[arg-type]  # login_required
            request.session.pop(MUST_CHOOSE_PASSWORD, None)
            messages.success(request, _("Your password is set. Welcome!"))
            return redirect("home")
        return _render(request, "school/accounts/choose_password.html", {"form": form}, status=400)
    return _render(request, "school/accounts/choose_password.html", {"form": form})


def _too_many(request: HttpRequest, template: str, form: Any) -> HttpResponse:
    return _render(request, template, {"form": form, "refused": _(
        "Too many attempts. Try again in %(minutes)d minutes.") % {
        "minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)}}, status=429)


@sensitive_post_parameters("id_number", "phone")
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """Name + ID number + mobile number (or its last 4 digits) -> an SMS code to the number on record."""
    template = "school/accounts/activate.html"
    form = ActivateForm(request.POST or None)
    if request.method != "POST":
        return _render(request, template, {"form": form})
    if not form.is_valid():
        return _render(request, template, {"form": form}, status=400)
    address = client_address(request)
    identifier = form.cleaned_data["id_number"]
    if services.flow_locked(identifier, address):
        return _too_many(request, template, form)
    member = services.self_activation_member(form.cleaned_data["name"], identifier, form.cleaned_data["phone"])
    if member is None:
        services.flow_failed(identifier, address)
    return _send_code(request, template, form, SmsCode.Purpose.ACTIVATE, member, address)


@require_http_methods(["GET", "POST"])
def forgot(request: HttpRequest) -> HttpResponse:
    """Login name / mobile / ID number -> an SMS code to the mobile number on record (or e-mail)."""
    template = "school/accounts/forgot.html"
    form = ForgotForm(request.POST or None)
    if request.method != "POST":
        return _render(request, template, {"form": form})
    if not form.is_valid():
        return _render(request, template, {"form": form}, status=400)
    address = client_address(request)
    identifier = form.cleaned_data["identifier"].strip()
    if services.flow_locked(identifier, address):
        return _too_many(request, template, form)
    services.flow_failed(identifier, address)  # every request counts: codes cost money and reveal nothing
    return _send_code(request, template, form, SmsCode.Purpose.RESET, resolve_member(identifier), address)


def _send_code(request: HttpRequest, template: str, form: Any, purpose: str, member: Any,
               address: str) -> HttpResponse:
    try:
        sent = services.do_request_code(purpose, member, address=address)
    except services.TooManyRequests:
        return _too_many(request, template, form)
    request.session[FLOW] = {"purpose": purpose, "sms": sent.sms_id}
    return redirect("accounts_verify")


@sensitive_post_parameters("code", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The SMS code and the new password. The same answer whether or not a code was ever sent."""
    flow = request.session.get(FLOW)
    if not flow:
        return redirect("login")
    template = "school/accounts/verify.html"
    sms_id, purpose = flow.get("sms"), flow.get("purpose", "")
    failed = services.code_state(sms_id) == SmsCode.State.FAILED
    form = VerifyForm(request.POST or None)
    context = {"form": form, "purpose": purpose, "sms_failed": failed}
    if request.method != "POST":
        return _render(request, template, context)
    address = client_address(request)
    if services.flow_locked("", address):
        return _too_many(request, template, form)
    if not form.is_valid():
        return _render(request, template, context, status=400)
    member = services.do_set_password_with_code(sms_id, purpose, form.cleaned_data["code"],
                                                form.cleaned_data["new_password1"]) if sms_id else None
    if member is None:
        services.check_code(None, purpose, form.cleaned_data["code"])  # the same work for no code
        services.flow_failed("", address)
        form.add_error("code", _("The verification code is wrong or no longer valid."))
        return _render(request, template, context, status=400)
    request.session.pop(FLOW, None)
    login(request, member.user, backend=BACKEND)
    messages.success(request, _("Your password is set. Welcome!"))
    return redirect("home")


def dev_sms(request: HttpRequest) -> HttpResponse:
    """Development only (DEBUG with the console backend): the SMS messages the site "sent"."""
    if not settings.DEBUG or not settings.SMS_BACKEND.endswith("ConsoleSmsBackend"):
        raise Http404
    return render(request, "school/accounts/dev_sms.html", {"sent": list(reversed(sms.console_messages()))})
