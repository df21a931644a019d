"""Admin screens for credit rules, their versions and score schemes: superusers only. Who changed
what is kept on the rows (``changed_by``/``created_by``) and in Wagtail's action log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from . import rules
from .models import CreditRule, CreditRuleVersion, ScoreScheme


class SuperuserOnlyPolicy(BasePermissionPolicy):
    def user_has_permission(self, user: Any, action: str) -> bool:
        return bool(user.is_active and user.is_superuser)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return self.user_has_permission(user, "")

    def users_with_any_permission(self, actions: Any) -> Any:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(is_active=True, is_superuser=True)


for _model in (CreditRule, CreditRuleVersion, ScoreScheme):
    register_permission_policy(_model, SuperuserOnlyPolicy(_model))


class AuditedForm(WagtailAdminModelForm):
    def save(self, commit: bool = True) -> Any:
        instance = super().save(commit=False)
        if hasattr(instance, "changed_by") and self.for_user is not None:
            instance.changed_by = self.for_user
        if commit:
            instance.save()
        return instance


class RuleForm(AuditedForm):
    class Meta:
        model = CreditRule
        fields = ["code", "name", "source_type", "basis", "repeat", "active"]


class SchemeForm(AuditedForm):
    class Meta:
        model = ScoreScheme
        fields = ["name", "mode", "monthly_target", "weight_credits", "weight_participation", "weight_tasks",
                  "weight_exams", "active"]


class VersionForm(WagtailAdminModelForm):
    bands = forms.JSONField(required=False, initial=list)

    class Meta:
        model = CreditRuleVersion
        fields = ["rule", "points", "factor", "bands", "daily_cap", "effective_from", "effective_to", "note"]

    def clean_bands(self) -> Any:
        return self.cleaned_data.get("bands") or []

    def _post_clean(self) -> None:
        self.instance.closes_open_version = True
        super()._post_clean()
        if self.errors:
            return
        try:
            rules.validate_rule_version(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)

    def save(self, commit: bool = True) -> Any:
        if not commit:
            return super().save(commit=False)
        return rules.save_rule_version(self.instance, user=self.for_user)


class RuleViewSet(ModelViewSet):
    model = CreditRule
    icon = "list-ol"
    list_display = ["name", "code", "source_type", "basis", "repeat", "active", "changed_by", "changed_at"]
    add_to_admin_menu = False

    def get_form_class(self, for_update: bool = False) -> Any:
        return RuleForm


class VersionViewSet(ModelViewSet):
    model = CreditRuleVersion
    icon = "date"
    list_display = ["rule", "points", "factor", "daily_cap", "effective_from", "effective_to", "created_by"]
    list_filter = ["rule"]
    inspect_view_enabled = True

    def get_form_class(self, for_update: bool = False) -> Any:
        return VersionForm


class SchemeViewSet(ModelViewSet):
    model = ScoreScheme
    icon = "cogs"
    list_display = ["name", "mode", "weight_credits", "weight_participation", "weight_tasks", "weight_exams",
                    "active", "changed_by"]

    def get_form_class(self, for_update: bool = False) -> Any:
        return SchemeForm


class CreditRulesGroup(ViewSetGroup):
    menu_label = _("Credit rules")
    menu_icon = "list-ol"
    menu_order = 260
    items = (RuleViewSet("credit_rules"), VersionViewSet("credit_rule_versions"), SchemeViewSet("score_schemes"))
