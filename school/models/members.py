from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from school import sensitive

from .organizations import Organization


class PoliticalStatus(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")
    CANDIDATE = "candidate", _("Development candidate")
    ACTIVIST = "activist", _("Activist applicant")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    BACHELOR = "bachelor", _("Bachelor")
    COLLEGE = "college", _("Junior college")
    VOCATIONAL = "vocational", _("Secondary vocational")
    HIGH_SCHOOL = "high_school", _("High school")
    BELOW = "below", _("Junior high or below")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("On the roll")
    TRANSFERRED = "transferred", _("Transferred out")


class AccountState(models.TextChoices):
    """Whether the member can log in: imported accounts start 未激活 (no usable password)."""

    PENDING = "pending", pgettext_lazy("account state", "Not activated")
    ACTIVE = "active", pgettext_lazy("account state", "Activated")
    DISABLED = "disabled", pgettext_lazy("account state", "Disabled")


class MemberQuerySet(models.QuerySet["Member"]):
    def in_register(self, organization: Organization | str) -> MemberQuerySet:
        """THE members of an organization: its 在册 (active) members anywhere in its subtree, as they are
        now. The home page's 共 N 人, the rankings, dashboards, their exports, the score rows (and the
        recompute's SQL, which counts the same rows), study tasks and their notices all count these."""
        path = organization if isinstance(organization, str) else organization.path
        return self.filter(Organization.subtree_q(path, "organization__path"), status=MemberStatus.ACTIVE)


class Member(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member")
    name = models.CharField(_("name"), max_length=50)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="members", verbose_name=_("organization")
    )
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, default=PoliticalStatus.FULL
    )
    join_date = models.DateField(_("date joined the party"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="汉族")
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True, db_index=True)
    id_number_encrypted = models.TextField(editable=False, blank=True)
    id_number_digest = models.CharField(max_length=64, editable=False, unique=True, null=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    account_state = models.CharField(_("account"), max_length=10, choices=AccountState.choices,
                                     default=AccountState.PENDING, db_index=True)
    # Logged in with an activation code: must choose a password before anything else (school/accounts/).
    must_change_password = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organization__path", "name"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, value: str) -> None:
        value = sensitive.normalize_id_number(value)
        self.id_number_encrypted = sensitive.encrypt(value)
        self.id_number_digest = sensitive.digest(value)

    @property
    def id_number(self) -> sensitive.MaskedValue | None:
        if not self.id_number_encrypted:
            return None
        value = sensitive.decrypt(self.id_number_encrypted)
        if value is None:
            return None
        return sensitive.MaskedValue(value, sensitive.mask_id_number(value))

    @property
    def id_number_masked(self) -> str:
        value = self.id_number
        return value.masked if value is not None else ""

    @property
    def phone_masked(self) -> str:
        return sensitive.mask_phone(self.phone) if self.phone else ""
