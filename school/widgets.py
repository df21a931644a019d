"""The organization chooser: one form field and widget for every admin form that picks organizations.

The page carries only the organizations already chosen (each named with its code and its ancestors, so six
branches all called 第一党小组 are told apart); the tree and the search results are fetched from
``school_admin:organization_choose`` as the user browses or types, so a tree of 10,000+ organizations never
renders 10,000 options. Several are picked with checkboxes (no Ctrl-click). The field accepts only
organizations the user may choose (``school.permissions.organizations_choosable_by``) and those already
chosen before (an administrator who edits a form keeps what someone with a wider scope chose); anything else,
even posted by hand, is refused with a Chinese message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Organization
from .permissions import organizations_choosable_by

OUT_OF_SCOPE = _("This organization does not exist or is outside the organizations you may choose.")


def trails(organizations: Iterable[Organization]) -> dict[int, str]:
    """Each organization's ancestors, "中共某区委 / 机关党总支", read in one query for all of them."""
    organizations = list(organizations)
    prefixes = {org.path[: i * org.steplen] for org in organizations for i in range(1, org.depth)}
    names = dict(Organization.objects.filter(path__in=prefixes).values_list("path", "name")) if prefixes else {}
    return {
        org.pk: " / ".join(names.get(org.path[: i * org.steplen], "…") for i in range(1, org.depth))
        for org in organizations
    }


def describe(organizations: Iterable[Organization]) -> list[dict[str, Any]]:
    """The JSON (and template) shape of chooser entries."""
    organizations = list(organizations)
    paths = trails(organizations)
    return [{"id": org.pk, "name": org.name, "code": org.code, "trail": paths[org.pk], "depth": org.depth,
             "has_children": org.numchild > 0} for org in organizations]


class OrganizationChooser(forms.Widget):
    template_name = "school/widgets/organization_chooser.html"
    allow_multiple_selected = False

    class Media:
        js = ["school/org-chooser.js"]
        css = {"all": ["school/org-chooser.css"]}

    def __init__(self, attrs: dict[str, Any] | None = None, *, multiple: bool = False) -> None:
        super().__init__(attrs)
        self.allow_multiple_selected = multiple

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.allow_multiple_selected:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False  # an unticked last checkbox means "none", not "keep"

    def format_value(self, value: Any) -> list[str]:  # type: ignore[override]
        if value is None or value == "":
            return []
        values = value if isinstance(value, list | tuple | set) else [value]
        return [str(v.pk if isinstance(v, Organization) else v) for v in values if v not in (None, "")]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        ids = [int(v) for v in context["widget"]["value"] if str(v).isdigit()]
        chosen = list(Organization.objects.filter(pk__in=ids).order_by("path")) if ids else []
        context["widget"].update(
            chosen=describe(chosen), multiple=self.allow_multiple_selected,
            choose_url=reverse("school_admin:organization_choose"),
        )
        return context


class _Scoped:
    """Mixin: the queryset is set per request with ``limit_to(user, keep)``."""

    def limit_to(self, user: Any, keep: Iterable[Any] = ()) -> None:
        kept = [getattr(k, "pk", k) for k in keep if k not in (None, "")]
        scope = organizations_choosable_by(user) if user is not None else Organization.objects.none()
        self.queryset = Organization.objects.filter(Q(pk__in=scope.values("pk")) | Q(pk__in=kept))


class OrganizationChooserField(_Scoped, forms.ModelChoiceField[Organization]):
    """One organization (a member's branch, a study task's organization, a parent organization)."""

    default_error_messages = {"invalid_choice": OUT_OF_SCOPE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Organization.objects.none())
        kwargs.setdefault("widget", OrganizationChooser(multiple=False))
        super().__init__(**kwargs)


class OrganizationMultipleChooserField(_Scoped, forms.ModelMultipleChoiceField[Organization]):
    """Several organizations (a course's 限定组织, an exam's 参考组织)."""

    default_error_messages = {"invalid_choice": OUT_OF_SCOPE, "invalid_pk_value": OUT_OF_SCOPE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Organization.objects.none())
        kwargs.setdefault("widget", OrganizationChooser(multiple=True))
        super().__init__(**kwargs)
