"""The incremental path: each award updates the member's totals and the score rows of the member's
organization and its ancestors, inside the award's transaction (so a duplicate award, refused by the
ledger's unique key, changes nothing). Member counts of a subtree are taken when its row is first
created; membership changes (transfers, new members) are picked up by the scheduled recompute."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F
from django.db.models.functions import Round

from school.models import Member, Organization
from school.models.members import MemberStatus

from . import scoring
from .models import MemberCredit, OrganizationScore
from .periods import parse, periods_of_month


def subtree_member_count(organization: Organization) -> int:
    return Member.objects.filter(Organization.subtree_q(organization.path, "organization__path"),
                                 status=MemberStatus.ACTIVE).count()


def apply_award(member: Member, month: str, delta: Decimal, new_entries: int) -> None:
    """Add ``delta`` points and ``new_entries`` ledger rows of ``month`` to every period they count in."""
    chain: list[Organization] | None = None
    scheme = scoring.active_scheme()
    for key in periods_of_month(month):
        total, _created = MemberCredit.objects.select_for_update().get_or_create(member=member, period=key)
        first_study = total.entries == 0 and new_entries > 0
        MemberCredit.objects.filter(pk=total.pk).update(
            points=Round(F("points") + delta, 2), entries=F("entries") + new_entries)
        if member.status != MemberStatus.ACTIVE:
            continue
        if chain is None:
            organization = member.organization
            chain = [*Organization.objects.filter(path__in=organization.ancestor_paths()).order_by("depth"),
                     organization]
        _apply_to_chain(chain, key, delta, int(first_study))
        period = parse(key)
        ids = [org.pk for org in chain]
        scoring.update_derived(period, scheme, ids)
        for org in reversed(chain):  # children mode: bottom-up along the chain
            scoring.update_children_mode(period, scheme, org.depth, [org.pk])


def _apply_to_chain(chain: list[Organization], key: str, delta: Decimal, new_participant: int) -> None:
    existing = set(OrganizationScore.objects.filter(period=key, organization__in=chain)
                   .values_list("organization_id", flat=True))
    for org in chain:
        if org.pk not in existing:
            OrganizationScore.objects.get_or_create(
                organization=org, period=key, defaults={"members": subtree_member_count(org)})
    OrganizationScore.objects.filter(period=key, organization__in=chain).update(
        points=Round(F("points") + delta, 2), participants=F("participants") + new_participant)
