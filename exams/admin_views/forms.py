from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from school.models import PoliticalStatus
from school.widgets import OrganizationMultipleChooserField

from ..models import Certificate, Exam, Question, QuestionBank
from ..services.questions import QuestionFormatError, build_question_data, format_answer, tag_objects


class QuestionBankForm(WagtailAdminModelForm):
    class Meta:
        model = QuestionBank
        fields = ["name", "description", "use"]

    def save(self, commit: bool = True) -> Any:
        if not self.instance.owner_id and self.for_user is not None:
            self.instance.owner = self.for_user
        return super().save(commit)


class QuestionForm(WagtailAdminModelForm):
    """Options one per line; the answer as in the Excel sheet (letters, 正确/错误, or blanks separated by
    ； with alternatives separated by |). Saving writes a new version when the content changed."""

    options_text = forms.CharField(label=_("options"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                   help_text=_("One option per line (choice questions)."))
    answer_text = forms.CharField(label=_("answer"), help_text=_(
        "Letters such as AC; 正确/错误 for true/false; for fill-in, blanks separated by ； and accepted "
        "alternatives by |."))
    tags_text = forms.CharField(label=_("tags"), required=False, help_text=_("Separated by 、 or commas."))

    class Meta:
        model = Question
        fields = ["bank", "qtype", "stem", "difficulty", "source", "explanation", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        q = self.instance
        if q.pk:
            self.initial.setdefault("options_text", "\n".join(q.options))
            self.initial.setdefault("answer_text", format_answer(q.qtype, q.answer))
            self.initial.setdefault("tags_text", "、".join(q.tags.values_list("name", flat=True)))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.parsed = build_question_data(
                str(data.get("qtype") or ""),
                data.get("stem") or "", (data.get("options_text") or "").splitlines(), data.get("answer_text") or "",
                data.get("difficulty") or 3, data.get("tags_text") or "", data.get("source") or "",
                data.get("explanation") or "",
            )
        except QuestionFormatError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data

    def save(self, commit: bool = True) -> Any:
        q = self.instance
        q.options, q.answer, q.stem = self.parsed.options, self.parsed.answer, self.parsed.stem
        q.save()
        q.tags.set(tag_objects(self.parsed.tags))
        return q


class ExamForm(WagtailAdminModelForm):
    """Sets the creator; publishing is a separate step (Publish) that validates the blueprint. 参考组织 through
    the organization chooser (within the user's scope); 参考政治面貌 as checkboxes of the Chinese statuses,
    stored as before (a list of the status codes)."""

    target_statuses = forms.MultipleChoiceField(
        label=_("target political statuses"), choices=PoliticalStatus.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every status."))

    class Meta:
        model = Exam
        exclude = ["created_by", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "target_organizations" in self.fields:
            old = self.fields["target_organizations"]
            chooser = OrganizationMultipleChooserField(label=old.label, help_text=old.help_text, required=False)
            chooser.limit_to(self.for_user, self.initial.get("target_organizations") or ())
            self.fields["target_organizations"] = chooser

    def clean_target_statuses(self) -> list[str]:
        chosen = set(self.cleaned_data.get("target_statuses") or [])
        return [value for value in PoliticalStatus.values if value in chosen]

    def save(self, commit: bool = True) -> Any:
        if not self.instance.created_by_id and self.for_user is not None:
            self.instance.created_by = self.for_user
        return super().save(commit)


class CertificateForm(WagtailAdminModelForm):
    """Only the reason of a revoked certificate may be corrected here (revoking is its own action, with
    its reason, in the listing); a valid certificate keeps an empty reason."""

    class Meta:
        model = Certificate
        fields = ["revoke_reason"]

    def clean_revoke_reason(self) -> str:
        reason = (self.cleaned_data.get("revoke_reason") or "").strip()
        if self.instance.revoked_at is None and reason:
            raise forms.ValidationError(_("This certificate is valid: revoke it from the list, with its reason."))
        if self.instance.revoked_at is not None and not reason:
            raise forms.ValidationError(_("Give a reason for the revocation."))
        return reason
