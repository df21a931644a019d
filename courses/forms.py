"""The app's forms: the study-task form of organization administrators, and the course editor's page form
(the trainer is chosen among trainers by name, and the final exam by its title from the exams the exams app
offers through ``school.hooks.FINAL_EXAM_CHOICES`` — the course stores only the exam's id, so courses never
imports exams)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page

from school.hooks import FINAL_EXAM_CHOICES, collect
from school.models.members import PoliticalStatus
from school.permissions import TRAINER_GROUP
from school.widgets import OrganizationChooserField, OrganizationMultipleChooserField

from .access import page_open_to_organization, pages_assignable_by


class StudyTaskForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    organization = OrganizationChooserField(label=_("organization"))
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
        assert isinstance(org_field, OrganizationChooserField)
        org_field.limit_to(user)
        pages_field = self.fields["pages"]
        assert isinstance(pages_field, forms.ModelMultipleChoiceField)
        from .models import CoursePage, LessonPage, PolicyDocumentPage  # models import this module

        # Offered: what the user could assign to some organization of their scope; accepted (clean): what
        # every member of the chosen organization may open. Documents are named with their version and validity
        # (中国共产党纪律处分条例（2023年版 · 现行有效））; superseded versions come last.
        documents = list(PolicyDocumentPage.objects.live())
        current = {doc.pk for doc in PolicyDocumentPage.current_versions(documents)}
        older = [doc.pk for doc in documents if doc.pk not in current]
        # Without superseded versions the CASE would compile to the constant 0, which PostgreSQL reads as
        # "ORDER BY column 0": order by path alone then.
        order: list[Any] = ["path"]
        if older:
            order.insert(0, Case(When(pk__in=older, then=Value(1)), default=Value(0), output_field=IntegerField()))
        pages_field.queryset = pages_assignable_by(
            user, Page.objects.live().type(CoursePage, LessonPage, PolicyDocumentPage)).order_by(*order)
        labels = {doc.pk: doc.chooser_label() for doc in documents}
        pages_field.label_from_instance = lambda page: labels.get(page.pk, page.title)  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The deadline must not be before the start date."))
        organization, pages = data.get("organization"), data.get("pages")
        if organization is not None and pages:
            closed = [page.title for page in pages if not page_open_to_organization(page.pk, organization.path)]
            if closed:
                self.add_error("pages", _(
                    "Not every member of %(organization)s may open: %(titles)s. Choose content open to the whole "
                    "organization, or assign the task to an organization the course is open to.") % {
                    "organization": organization.name, "titles": "、".join(closed)})
        return data


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


class CoursePageForm(WagtailAdminPageForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "allowed_organizations" in self.fields:
            old = self.fields["allowed_organizations"]
            chooser = OrganizationMultipleChooserField(label=old.label, help_text=old.help_text, required=False)
            chooser.limit_to(self.for_user, self.initial.get("allowed_organizations") or ())
            self.fields["allowed_organizations"] = chooser
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


class NoticePageForm(WagtailAdminPageForm):
    """The notice editor: its target organizations are picked with the organization chooser, within the
    editor's scope (as a course's 限定组织), keeping targets chosen earlier by someone with a wider scope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "target_organizations" in self.fields:
            old = self.fields["target_organizations"]
            chooser = OrganizationMultipleChooserField(label=old.label, help_text=old.help_text, required=True)
            chooser.limit_to(self.for_user, self.initial.get("target_organizations") or ())
            self.fields["target_organizations"] = chooser


def documents_current_first() -> Any:
    """Policy documents for choosers: versions in force first, each title's newest version before older ones."""
    from django.db.models import Case, F, IntegerField, Value, When

    from .models import PolicyDocumentPage, Validity

    return PolicyDocumentPage.objects.live().order_by(
        Case(When(validity=Validity.CURRENT, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "title", F("effective_date").desc(nulls_last=True), F("issue_date").desc(nulls_last=True), "-pk")


class ReadingLessonPageForm(WagtailAdminPageForm):
    """The reading lesson's document chooser names each version: 标题（2023年版 · 现行有效）, current versions first,
    as checkboxes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("policy_documents")
        if isinstance(field, forms.ModelMultipleChoiceField):
            field.queryset = documents_current_first()
            field.label_from_instance = lambda page: page.chooser_label()  # type: ignore[method-assign,assignment]
            field.widget = forms.CheckboxSelectMultiple(attrs={"data-document-choices": ""})
            field.widget.choices = field.choices  # ticked, never Ctrl-clicked
