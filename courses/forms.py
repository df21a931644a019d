from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from school.models import Organization
from school.models.members import PoliticalStatus
from school.permissions import organizations_visible_to

from .models import CoursePage, LessonPage, PolicyDocumentPage


class StudyTaskForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    organization = forms.ModelChoiceField(label=_("organization"), queryset=Organization.objects.none())
    political_statuses = forms.MultipleChoiceField(
        label=_("political statuses"), choices=PoliticalStatus.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Empty: every member."))
    starts_on = forms.DateField(label=_("start date"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    required_credits = forms.DecimalField(label=_("required credits"), min_value=0, max_value=9999,
                                          decimal_places=1, initial=0,
                                          help_text=_("0 means every assigned item must be completed."))
    pages = forms.ModelMultipleChoiceField(label=_("courses, lessons and documents"), queryset=Page.objects.none(),
                                           widget=forms.SelectMultiple(attrs={"size": 12}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["organization"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = organizations_visible_to(user).order_by("path")
        pages_field = self.fields["pages"]
        assert isinstance(pages_field, forms.ModelMultipleChoiceField)
        # Documents are named with their version and validity (中国共产党纪律处分条例（2023年版 · 现行有效））;
        # superseded versions come last.
        documents = list(PolicyDocumentPage.objects.live())
        current = {doc.pk for doc in PolicyDocumentPage.current_versions(documents)}
        older = [doc.pk for doc in documents if doc.pk not in current]
        pages_field.queryset = Page.objects.live().type(CoursePage, LessonPage, PolicyDocumentPage).order_by(
            Case(When(pk__in=older, then=Value(1)), default=Value(0), output_field=IntegerField()), "path")
        labels = {doc.pk: doc.chooser_label() for doc in documents}
        pages_field.label_from_instance = lambda page: labels.get(page.pk, page.title)  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The deadline must not be before the start date."))
        return data
