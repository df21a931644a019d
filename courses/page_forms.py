"""The course editor's form: the trainer is chosen among trainers by name, and the final exam by its
title from the exams the exams app offers (``school.hooks.FINAL_EXAM_CHOICES``) — the course stores
only the exam's id, so courses never imports exams."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from school.hooks import FINAL_EXAM_CHOICES, collect
from school.permissions import TRAINER_GROUP


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


class CoursePageForm(WagtailAdminPageForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        trainer = self.fields.get("trainer")
        if isinstance(trainer, forms.ModelChoiceField):
            current = Q(pk=self.instance.trainer_id) if self.instance.trainer_id else Q(pk__in=[])
            trainer.queryset = get_user_model().objects.filter(
                Q(groups__name=TRAINER_GROUP) | current, is_active=True).distinct().order_by("username")
            trainer.label_from_instance = _person  # type: ignore[assignment,method-assign]
        self._exam_ids: set[int] | None = None
        exam = self.fields.get("final_exam_id")
        choices = [(int(pk), str(label)) for pk, label in collect(FINAL_EXAM_CHOICES, self.for_user)]
        if exam is not None and choices:
            self._exam_ids = {pk for pk, _label in choices}
            current_id = self.instance.final_exam_id
            if current_id and current_id not in self._exam_ids:
                choices.append((current_id, str(_("Exam no. %(id)s") % {"id": current_id})))
                self._exam_ids.add(current_id)
            exam.label = _("final exam")
            exam.widget = forms.Select(choices=[("", "---------"), *choices])

    def clean_final_exam_id(self) -> int | None:
        value: int | None = self.cleaned_data.get("final_exam_id")
        if value and self._exam_ids is not None and value not in self._exam_ids:
            raise forms.ValidationError(_("Choose the final exam from the list."))
        return value


def documents_current_first() -> Any:
    """Policy documents for choosers: versions in force first, each title's newest version before older ones."""
    from django.db.models import Case, F, IntegerField, Value, When

    from .models import PolicyDocumentPage, Validity

    return PolicyDocumentPage.objects.live().order_by(
        Case(When(validity=Validity.CURRENT, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "title", F("effective_date").desc(nulls_last=True), F("issue_date").desc(nulls_last=True), "-pk")


class ReadingLessonPageForm(WagtailAdminPageForm):
    """The reading lesson's document chooser names each version: 标题（2023年版 · 现行有效）, current versions first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("policy_documents")
        if isinstance(field, forms.ModelMultipleChoiceField):
            field.queryset = documents_current_first()
            field.label_from_instance = lambda page: page.chooser_label()  # type: ignore[method-assign,assignment]
