"""通知公告: who receives a notice (the 在册 members of its target subtrees, computed, never copied), what a
member sees, reading and confirming, the notification when a notice is published (one set-based send), and
the read tracking of administrators (counts per organization down the tree, the names of those who have
not read it, 一键提醒)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import Member, Notification, NotificationKind, Organization
from school.models.members import MemberStatus
from school.permissions import ORG_ADMIN_GROUP, admin_paths, is_trainer, member_of
from school.services.notifications import do_notify, request_reminders

from ..models import NoticePage, NoticeRead


def _target_paths(notice: NoticePage) -> list[str]:
    # ``.all()``: the page's in-memory relation (a modelcluster) or, for a page read from the database, a query
    return sorted(org.path for org in notice.target_organizations.all())


def recipients(notice: NoticePage) -> QuerySet[Member]:
    """THE members a notice is for: 在册 (active) members of its target subtrees, now (the same
    definition as a study task's and the rankings' ``subtree_members``)."""
    q = Q(pk__in=[])
    for path in _target_paths(notice):
        q |= Organization.subtree_q(path, "organization__path")
    return Member.objects.filter(q, status=MemberStatus.ACTIVE)


def notices_for_member(member: Member) -> QuerySet[NoticePage]:
    """Live notices targeted at the member's organization or one above it, newest first."""
    org = member.organization
    return (NoticePage.objects.live().filter(target_organizations__path__in=[*org.ancestor_paths(), org.path])
            .distinct().order_by("-first_published_at", "-pk"))


def _admin_overlaps(user: Any, paths: list[str]) -> bool:
    roots = admin_paths(user)
    return any(p.startswith(root) or root.startswith(p) for p in paths for root in roots)


def can_view_notice(user: Any, notice: NoticePage) -> bool:
    """Members of a target subtree (在册); trainers and superusers; administrators whose scope overlaps a
    target (to check what their members see). Everyone else: 404."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or is_trainer(user):
        return True
    paths = _target_paths(notice)
    member = member_of(user)
    if member is not None and member.status == MemberStatus.ACTIVE and any(
            member.organization.path.startswith(p) for p in paths):
        return True
    return _admin_overlaps(user, paths)


_SCOPED_ATTR = "_notice_editing_scoped"


def notice_editing_scoped(user: Any) -> bool:
    """Whether the user writes notices only as an organization administrator (group 组织管理员): then they
    see and edit only notices whose targets all lie within their subtrees. Superusers, trainers and anyone
    given page permissions by another group (Wagtail's moderators) work on every notice. Kept on the user
    object (one request's ``request.user``): Wagtail asks every notice of a listing, several times a row."""
    cached: bool | None = getattr(user, _SCOPED_ATTR, None)
    if cached is not None:
        return cached
    scoped = bool(user.is_authenticated and user.is_active and not user.is_superuser and not is_trainer(user)
                  and not user.groups.exclude(name=ORG_ADMIN_GROUP).filter(page_permissions__isnull=False).exists())
    setattr(user, _SCOPED_ATTR, scoped)
    return scoped


def can_edit_notice(user: Any, notice: NoticePage) -> bool:
    """May the user open this notice in the page editor (its latest revision's targets count)?"""
    if not notice_editing_scoped(user):
        return True
    paths, roots = _target_paths(notice), admin_paths(user)
    return bool(paths) and all(any(p.startswith(root) for root in roots) for p in paths)


def notices_outside_scope(user: Any) -> QuerySet[NoticePage]:
    """Notices an organization administrator may not edit: a target outside their subtrees, or none."""
    inside = Q(pk__in=[])
    for root in admin_paths(user):
        inside |= Organization.subtree_q(root, "path")
    outside = Organization.objects.exclude(inside)
    return NoticePage.objects.filter(Q(target_organizations__in=outside) | Q(target_organizations__isnull=True))


@dataclass(frozen=True)
class NoticeRow:
    notice: NoticePage
    read_at: dt.datetime | None
    confirmed_at: dt.datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None

    @property
    def needs_confirmation(self) -> bool:
        return self.notice.requires_confirmation and self.confirmed_at is None


def notice_rows_for(user: Any, *, limit: int | None = None) -> list[NoticeRow]:
    member = member_of(user)
    if member is None or member.status != MemberStatus.ACTIVE:
        return []
    notices = list(notices_for_member(member)[:limit] if limit else notices_for_member(member))
    reads = {r.notice_id: r for r in NoticeRead.objects.filter(member=member, notice__in=[n.pk for n in notices])}
    return [NoticeRow(n, getattr(reads.get(n.pk), "read_at", None), getattr(reads.get(n.pk), "confirmed_at", None))
            for n in notices]


def unread_notice_count(user: Any) -> int:
    """The badge on 通知公告: live notices for the member they have not opened (one query)."""
    member = member_of(user)
    if member is None or member.status != MemberStatus.ACTIVE:
        return 0
    return notices_for_member(member).exclude(reads__member=member).count()


def read_state(user: Any, notice: NoticePage) -> NoticeRead | None:
    member = member_of(user)
    if member is None:
        return None
    return NoticeRead.objects.filter(notice=notice, member=member).first()


def notice_item_key(notice: NoticePage | int) -> str:
    return f"notice:{notice if isinstance(notice, int) else notice.pk}"


def do_mark_notice_read(user: Any, notice: NoticePage) -> NoticeRead | None:
    """The member opened the notice: record the first reading (safe to repeat) and mark the bell's
    messages about it read. Users who are not recipients (administrators looking) leave no row."""
    member = member_of(user)
    if member is None or not recipients(notice).filter(pk=member.pk).exists():
        return None
    now = timezone.now()
    with transaction.atomic():
        row, _created = NoticeRead.objects.get_or_create(notice=notice, member=member, defaults={"read_at": now})
        Notification.objects.filter(user_id=user.pk, read_at__isnull=True, dedupe_key__in=[
            f"notice_published:{notice.pk}", *[f"reminder:{notice_item_key(notice)}:{d}" for d in _recent_days()]
        ]).update(read_at=now)
    return row


def _recent_days(days: int = 7) -> list[str]:
    today = timezone.localdate()
    return [(today - dt.timedelta(days=i)).isoformat() for i in range(days)]


class NoticeError(Exception):
    pass


def do_confirm_notice(user: Any, notice: NoticePage) -> NoticeRead:
    """确认: the member confirms a notice that asks for it (reading it first if need be). Confirming twice
    keeps the first time."""
    member = member_of(user)
    if member is None or not recipients(notice).filter(pk=member.pk).exists():
        raise NoticeError(_("This notice is not addressed to you."))
    if not notice.requires_confirmation:
        raise NoticeError(_("This notice does not ask for a confirmation."))
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                row, _created = NoticeRead.objects.get_or_create(notice=notice, member=member,
                                                                 defaults={"read_at": now})
        except IntegrityError:  # opened in another tab at the same moment
            row = NoticeRead.objects.get(notice=notice, member=member)
        NoticeRead.objects.filter(pk=row.pk, confirmed_at__isnull=True).update(confirmed_at=now)
    row.refresh_from_db()
    return row


def notify_notice_published(notice_id: int) -> int:
    """Tell every recipient of a live notice (one ``INSERT … SELECT``); a member told once is not told
    again when the notice is republished (a member added to a target since then is)."""
    notice = NoticePage.objects.live().filter(pk=notice_id).first()
    if notice is None:
        return 0
    return do_notify(recipients(notice).values("user_id"), kind=NotificationKind.NOTICE_PUBLISHED,
                     title=_("New notice: %(title)s") % {"title": notice.title},
                     body=_("Confirmation required.") if notice.requires_confirmation else "",
                     url=notice.url or "", dedupe_key=f"notice_published:{notice.pk}")


# --- read tracking for administrators ---------------------------------------------------------------

def notices_visible_to_admin(user: Any) -> QuerySet[NoticePage]:
    """Notices (live or not) with a target inside the administrator's scope or above it."""
    qs = NoticePage.objects.all()
    if user.is_superuser:
        return qs.order_by("-first_published_at", "-pk")
    q = Q(pk__in=[])
    for path in admin_paths(user):
        q |= Organization.subtree_q(path, "target_organizations__path")
        q |= Q(target_organizations__path__in=[path[: i * Organization.steplen]
                                               for i in range(1, len(path) // Organization.steplen)])
    ids = NoticePage.objects.filter(q).values("pk")
    return qs.filter(pk__in=ids).order_by("-first_published_at", "-pk")


@dataclass
class OrgReading:
    organization: Organization
    members: int = 0
    read: int = 0
    confirmed: int = 0

    @property
    def unread(self) -> int:
        return self.members - self.read

    @property
    def rate(self) -> int:
        return int(self.read * 100 / self.members) if self.members else 0


def reading_by_organization(notice: NoticePage, visible: QuerySet[Organization]) -> list[OrgReading]:
    """For every organization of the target subtrees that ``visible`` allows: recipients (each organization
    counts its whole subtree), how many read and how many confirmed."""
    targets = _target_paths(notice)
    members = list(recipients(notice).values_list("pk", "organization__path"))
    reads = dict(NoticeRead.objects.filter(notice=notice).values_list("member_id", "confirmed_at"))
    q = Q(pk__in=[])
    for path in targets:
        q |= Organization.subtree_q(path)
    orgs = list(visible.filter(q).order_by("path"))
    by_path = {org.path: OrgReading(org) for org in orgs}
    steplen = Organization.steplen
    for pk, path in members:
        read = pk in reads
        confirmed = read and reads[pk] is not None
        for depth in range(len(path) // steplen, 0, -1):
            row = by_path.get(path[: depth * steplen])
            if row is not None:
                row.members += 1
                row.read += int(read)
                row.confirmed += int(confirmed)
    return [by_path[org.path] for org in orgs]


def reading_totals(notice: NoticePage, visible_members: QuerySet[Member]) -> OrgReading:
    """Recipients inside the administrator's scope, and how many of them read and confirmed."""
    ids = recipients(notice).filter(pk__in=visible_members.values("pk"))
    reads = NoticeRead.objects.filter(notice=notice, member__in=ids)
    return OrgReading(Organization(name=""), members=ids.count(), read=reads.count(),
                      confirmed=reads.filter(confirmed_at__isnull=False).count())


def unread_members(notice: NoticePage, visible_members: QuerySet[Member],
                   organization: Organization | None = None) -> QuerySet[Member]:
    """The 未读名单: recipients inside the administrator's scope (and inside ``organization``'s subtree when
    given) who have not opened the notice, by organization and name."""
    qs = recipients(notice).filter(pk__in=visible_members.values("pk")).exclude(
        pk__in=NoticeRead.objects.filter(notice=notice).values("member_id"))
    if organization is not None:
        qs = qs.filter(Organization.subtree_q(organization.path, "organization__path"))
    return qs.select_related("organization").order_by("organization__path", "name", "pk")


def do_remind_notice_unread(actor: Any, notice: NoticePage, visible_members: QuerySet[Member],
                            organization: Organization | None = None) -> int:
    """一键提醒 from the unread list: queue one reminder for everyone listed (the Celery task checks the
    actor's scope again and skips members already reminded about this notice today). Returns how many
    were listed."""
    ids = list(unread_members(notice, visible_members, organization).values_list("pk", flat=True))
    return request_reminders(actor, ids, item_key=notice_item_key(notice),
                             title=_("Please read the notice: %(title)s") % {"title": notice.title},
                             url=notice.url or "")


LOW_READ_CANDIDATES = 50  # the newest published notices the 阅读情况 screen lists first


def notices_with_low_read_rates(user: Any) -> list[tuple[NoticePage, OrgReading]]:
    """The administrator's to-do: published notices of their scope (among the newest ``LOW_READ_CANDIDATES``)
    published more than a day ago, fewer of whose recipients in the scope have opened them than
    ``COURSES_NOTICE_LOW_READ_RATE`` percent; the lowest rate first."""
    from django.conf import settings

    from school.permissions import members_visible_to

    threshold = int(getattr(settings, "COURSES_NOTICE_LOW_READ_RATE", 60))
    day_ago = timezone.now() - dt.timedelta(days=1)
    notices = notices_visible_to_admin(user).filter(live=True, first_published_at__lte=day_ago)
    visible = members_visible_to(user)
    low = []
    # Two counts per notice (its targets prefetched): recipients in scope, and how many of them read it.
    for notice in notices.prefetch_related("target_organizations")[:LOW_READ_CANDIDATES]:
        ids = recipients(notice).filter(pk__in=visible.values("pk"))
        members = ids.count()
        if not members:
            continue
        read = NoticeRead.objects.filter(notice=notice, member__in=ids).count()
        if read * 100 < threshold * members:
            low.append((notice, OrgReading(Organization(name=""), members=members, read=read)))
    return sorted(low, key=lambda row: (row[1].read / row[1].members, row[0].pk))
