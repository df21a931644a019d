from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
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
    def in_register(self, organization: Organization | str, on: dt.date | None = None) -> MemberQuerySet:
        """THE members of an organization: its 在册 members anywhere in its subtree on the day ``on`` (None:
        today), those whose ``Membership`` spell in the subtree covers that day. The home page's 共 N 人,
        the rankings, dashboards, their exports, the score rows (and the recompute's SQL, which counts the
        same spells), study tasks and their notices all count these; a statistics period counts them on
        ``credits.periods.register_date(period)``. Today (or later: no spell starts in the future) the
        member's own organization and status say the same as the spells and are read directly."""
        path = organization if isinstance(organization, str) else organization.path
        if on is None or on >= timezone.localdate():
            return self.filter(Organization.subtree_q(path, "organization__path"), status=MemberStatus.ACTIVE)
        spells = Membership.objects.covering(on).filter(Organization.subtree_q(path, "organization__path"))
        return self.filter(Exists(spells.filter(member_id=OuterRef("pk"))))


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


class MembershipQuerySet(models.QuerySet["Membership"]):
    def covering(self, day: dt.date) -> MembershipQuerySet:
        """The spells that cover ``day`` (at most one per member)."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day), valid_from__lte=day)

    def follow(self, members: list[Member], day: dt.date) -> None:
        """Make the spells of ``members`` (saved, or about to be saved, with their new organization and
        status) agree with them from ``day``, in a few statements whatever their number: an open spell
        in another organization, or of a member no longer on the roll, ends on ``day`` (one that began
        that day is dropped: it covers no day); a member on the roll without one gets one from ``day``.
        The caller checked ``day`` (not in the future, not before a spell it ends began)."""
        by_pk = {m.pk: m for m in members}
        ends: list[Membership] = []
        dropped: list[int] = []
        kept: set[int] = set()
        for spell in self.filter(member_id__in=list(by_pk), valid_to__isnull=True):
            member = by_pk[spell.member_id]
            if member.status == MemberStatus.ACTIVE and spell.organization_id == member.organization_id:
                kept.add(member.pk)
            elif spell.valid_from >= day:
                dropped.append(spell.pk)
            else:
                spell.valid_to = day
                ends.append(spell)
        if dropped:
            self.filter(pk__in=dropped).delete()
        if ends:
            self.bulk_update(ends, ["valid_to"], batch_size=500)
        self.bulk_create([Membership(member_id=m.pk, organization_id=m.organization_id, valid_from=day)
                          for m in members if m.status == MemberStatus.ACTIVE and m.pk not in kept], batch_size=500)


class Membership(models.Model):
    """A spell of a member in an organization: 在册 from ``valid_from`` (inclusive) to ``valid_to``
    (exclusive; None: still there). A member has at most one open spell and spells never overlap; while
    the member is 在册 the open spell's organization is ``member.organization``, a member who is not has
    none. Written by the actions of ``school.services.members`` (transfers, status changes, new members)
    and the member import; read by ``Member.objects.in_register(org, on=day)`` and the recompute."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships",
                               verbose_name=_("member"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="memberships",
                                     verbose_name=_("organization"))
    valid_from = models.DateField(_("on the roll from"))
    valid_to = models.DateField(_("on the roll until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["member", "valid_from"]
        indexes = [
            # a member's spells (the recompute joins each member total to its spell on the register date)
            models.Index(fields=["member", "valid_from"], name="membership_member_from"),
            # the spells of a subtree's organizations covering a day
            models.Index(fields=["organization", "valid_from", "valid_to"], name="membership_org_from_to"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(valid_to__isnull=True),
                                    name="membership_one_open_spell"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                                   name="membership_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.organization_id} [{self.valid_from}, {self.valid_to or ''})"
