from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import sensitive
from .excel.workbook import looks_like_spreadsheet
from .models import Member, Organization
from .models.members import Education, Gender, MemberStatus, PoliticalStatus
from .models.organizations import OrganizationKind
from .permissions import can_create_root_organization
from .widgets import OrganizationChooserField


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    code = forms.CharField(label=_("code"), max_length=64)
    kind = forms.ChoiceField(label=_("kind"), choices=OrganizationKind.choices)
    parent = OrganizationChooserField(label=_("parent organization"), required=False)
    contact_person = forms.CharField(label=_("contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=30, required=False)

    def __init__(self, *args: Any, user: Any, instance: Organization | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance
        parent = self.fields["parent"]
        assert isinstance(parent, OrganizationChooserField)
        parent.limit_to(user)
        if instance is not None:
            parent.queryset = parent.queryset.exclude(Organization.subtree_q(instance.path))
            self.fields["code"].disabled = True
        self.fields["parent"].required = not can_create_root_organization(user)

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if self.instance is None and Organization.objects.filter(code=code).exists():
            raise forms.ValidationError(_("This code is already used."))
        return code

    def clean_parent(self) -> Organization | None:
        parent: Organization | None = self.cleaned_data.get("parent")
        if (
            parent is None
            and self.instance is not None
            and self.instance.depth > 1
            and not can_create_root_organization(self.user)
        ):
            raise forms.ValidationError(_("Choose a parent organization."))
        return parent


class MemberForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=50)
    username = forms.CharField(label=_("login name"), max_length=150)
    organization = OrganizationChooserField(label=_("organization"))
    political_status = forms.ChoiceField(label=_("political status"), choices=PoliticalStatus.choices)
    join_date = forms.DateField(label=_("date joined the party"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    gender = forms.ChoiceField(label=_("gender"), choices=[("", "—"), *Gender.choices], required=False)
    ethnicity = forms.CharField(label=_("ethnicity"), max_length=20, required=False, initial="汉族")
    education = forms.ChoiceField(label=_("education"), choices=[("", "—"), *Education.choices], required=False)
    position = forms.CharField(label=_("position"), max_length=100, required=False)
    phone = forms.CharField(label=_("mobile phone"), max_length=11, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False,
                                help_text=_("Stored encrypted and always shown masked. Leave empty to keep."))
    status = forms.ChoiceField(label=_("status"), choices=MemberStatus.choices, initial=MemberStatus.ACTIVE)
    password = forms.CharField(label=_("initial password"), required=False, widget=forms.PasswordInput,
                               help_text=_("Leave empty to let the member set one later."))
    effective_on = forms.DateField(label=_("Transfer effective date"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text=_("When the organization changes: the member counts in the new "
                                               "organization from this day on (statistics of periods that ended "
                                               "before it stay with the old one). Empty: today."))

    def __init__(self, *args: Any, user: Any, instance: Member | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance
        organization = self.fields["organization"]
        assert isinstance(organization, OrganizationChooserField)
        organization.limit_to(user)
        if instance is not None:
            self.fields["username"].disabled = True
            del self.fields["password"]
            self.fields["id_number"].widget.attrs["placeholder"] = instance.id_number_masked
            # The full phone number is not sent to the browser either: masked placeholder, empty keeps it.
            self.fields["phone"].widget.attrs["placeholder"] = instance.phone_masked
            self.fields["phone"].help_text = _("Shown masked. Leave empty to keep.")
            self.fields["effective_on"].initial = timezone.localdate()
        else:
            self.fields["id_number"].required = True
            del self.fields["effective_on"]  # a new member is on the roll from today

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        users = get_user_model().objects.filter(username=username)
        if self.instance is not None:
            users = users.exclude(pk=self.instance.user_id)
        if users.exists():
            raise forms.ValidationError(_("This login name is already taken."))
        return username

    def clean_id_number(self) -> str:
        value = sensitive.normalize_id_number(self.cleaned_data.get("id_number") or "")
        if not value:
            return ""
        problem = sensitive.id_number_error(value)
        if problem:
            raise forms.ValidationError(problem)
        others = Member.objects.filter(id_number_digest=sensitive.digest(value))
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Another member already has this ID number."))
        return value

    def clean_phone(self) -> str:
        value: str = (self.cleaned_data.get("phone") or "").strip()
        problem = sensitive.phone_error(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean_join_date(self) -> Any:
        value = self.cleaned_data.get("join_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        return value

    def clean_effective_on(self) -> Any:
        value = self.cleaned_data.get("effective_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The effective date cannot be in the future."))
        return value

    def clean_password(self) -> str:
        value: str = self.cleaned_data.get("password") or ""
        if value:
            validate_password(value)
        return value


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx, .xls, .ods or .csv)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        head = upload.read(512)
        upload.seek(0)
        if not looks_like_spreadsheet(upload.name or "", head):
            raise forms.ValidationError(_("The file is not a spreadsheet (.xlsx, .xls, .ods or .csv)."))
        if upload.size > 50 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class ScopeForm(forms.Form):
    username = forms.CharField(label=_("login name"), max_length=150)
    organization = OrganizationChooserField(label=_("organization"), queryset=Organization.objects.all())

    def clean_username(self) -> Any:
        user = get_user_model().objects.filter(username=self.cleaned_data["username"].strip()).first()
        if user is None:
            raise forms.ValidationError(_("No such user."))
        return user
