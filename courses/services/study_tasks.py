"""Study tasks: who they apply to (computed from the scope, never copied), what each member earned,
completion per organization, and the once-only reminders before the deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from school import outbox
from school.credits.periods import month_key, periods_of_month
from school.credits.tasks import recompute_scores_task
from school.models import Member, Organization
from school.models.notifications import NotificationKind
from school.permissions import admin_paths
from school.services.notifications import do_notify, request_reminders

from ..models import CoursePage, LessonPage, PolicyDocumentPage, StudyProgress, StudyTask, TaskReminder

TWO = Decimal("0.01")


@dataclass
class TaskItemInfo:
    page: Page
    kind: str  # "course" | "lesson" | "document"
    units: dict[int, Decimal]  # trackable page id -> credits it is worth


@dataclass
class ItemProgress:
    info: TaskItemInfo
    earned: Decimal  # study hours (学时)
    total: Decimal

    @property
    def percent(self) -> int:
        if self.total <= 0:
            return 100 if self.earned >= self.total else 0
        return min(100, int(self.earned * 100 / self.total))


@dataclass
class MemberTaskRow:
    task: StudyTask
    items: list[TaskItemInfo]
    earned: Decimal
    required: Decimal
    done_units: set[int] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        return self.earned >= self.required

    @property
    def percent(self) -> int:
        if self.required <= 0:
            return 100
        return min(100, int(self.earned * 100 / self.required))

    @property
    def item_progress(self) -> list[ItemProgress]:
        """Each assigned course, lesson or document with the study hours it is worth and those earned in it."""
        out = []
        for info in self.items:
            total = sum(info.units.values(), Decimal(0))
            earned = sum((value for pk, value in info.units.items() if pk in self.done_units), Decimal(0))
            out.append(ItemProgress(info, earned.quantize(TWO), total.quantize(TWO)))
        return out

    @property
    def days_left(self) -> int:
        return (self.task.ends_on - timezone.localdate()).days


def task_items(task: StudyTask) -> list[TaskItemInfo]:
    infos: list[TaskItemInfo] = []
    for item in task.items.select_related("page").order_by("sort_order", "pk"):
        page = item.page.specific
        if isinstance(page, CoursePage):
            lessons = list(LessonPage.objects.child_of(page).live().values_list("pk", flat=True))
            each = (page.credit_hours / len(lessons)) if lessons else Decimal(0)
            infos.append(TaskItemInfo(page, "course", dict.fromkeys(lessons, each)))
        elif isinstance(page, LessonPage):
            course = page.course()
            count = LessonPage.objects.child_of(course).live().count() if course else 0
            credit = (course.credit_hours / count) if course and count else Decimal(0)
            infos.append(TaskItemInfo(page, "lesson", {page.pk: credit}))
        elif isinstance(page, PolicyDocumentPage):
            credit = Decimal(str(settings.COURSES_DOCUMENT_CREDITS))
            infos.append(TaskItemInfo(page, "document", {page.pk: credit}))
    return infos


def _units(items: Iterable[TaskItemInfo]) -> dict[int, Decimal]:
    units: dict[int, Decimal] = {}
    for info in items:
        units.update(info.units)
    return units


def required_credits(task: StudyTask, items: list[TaskItemInfo]) -> Decimal:
    if task.required_credits and task.required_credits > 0:
        return Decimal(task.required_credits).quantize(TWO)
    return sum(_units(items).values(), Decimal(0)).quantize(TWO)


def members_in_scope(task: StudyTask) -> QuerySet[Member]:
    qs = Member.objects.in_register(task.organization)
    if task.political_statuses:
        qs = qs.filter(political_status__in=task.political_statuses)
    return qs


def _deadline(task: StudyTask) -> dt.datetime:
    end = dt.datetime.combine(task.ends_on + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(end)


def earned_by_member(task: StudyTask, member_ids: Iterable[int], units: dict[int, Decimal]
                     ) -> dict[int, tuple[Decimal, set[int]]]:
    """Credits each member earned for ``task``: units completed before the end of the deadline day."""
    result: dict[int, tuple[Decimal, set[int]]] = {}
    ids = list(member_ids)
    if not units or not ids:
        return result
    rows = StudyProgress.objects.filter(page_id__in=list(units), completed_at__isnull=False,
                                        completed_at__lt=_deadline(task))
    if len(ids) < 5000:
        rows = rows.filter(member_id__in=ids)
    wanted = set(ids)
    for member_id, page_id in rows.values_list("member_id", "page_id").iterator():
        if member_id not in wanted:
            continue
        earned, done = result.get(member_id, (Decimal(0), set()))
        result[member_id] = (earned + units[page_id], done | {page_id})
    return result


def tasks_for_member(member: Member, *, today: dt.date | None = None) -> list[MemberTaskRow]:
    """Tasks whose scope includes ``member`` (also those assigned before they joined), open or recent."""
    today = today or timezone.localdate()
    org_paths = [*member.organization.ancestor_paths(), member.organization.path]
    tasks = (StudyTask.objects.filter(organization__path__in=org_paths, starts_on__lte=today,
                                      ends_on__gte=today - dt.timedelta(days=30))
             .select_related("organization").order_by("ends_on", "pk"))
    rows: list[MemberTaskRow] = []
    for task in tasks:
        if task.political_statuses and member.political_status not in task.political_statuses:
            continue
        items = task_items(task)
        units = _units(items)
        earned, done = earned_by_member(task, [member.pk], units).get(member.pk, (Decimal(0), set()))
        rows.append(MemberTaskRow(task, items, earned.quantize(TWO), required_credits(task, items), done))
    return rows


@dataclass
class OrgCompletion:
    organization: Organization
    members: int = 0
    completed: int = 0

    @property
    def rate(self) -> int:
        return int(self.completed * 100 / self.members) if self.members else 0


def completion_by_organization(task: StudyTask, visible: QuerySet[Organization]) -> list[OrgCompletion]:
    """For every organization of the task's subtree that ``visible`` allows: members and completers
    (each organization counts its whole subtree)."""
    items = task_items(task)
    units = _units(items)
    required = required_credits(task, items)
    members = list(members_in_scope(task).values_list("pk", "organization__path"))
    earned = earned_by_member(task, [pk for pk, _path in members], units)
    orgs = list(visible.filter(Organization.subtree_q(task.organization.path)).order_by("path"))
    by_path = {org.path: OrgCompletion(org) for org in orgs}
    steplen = Organization.steplen
    for pk, path in members:
        complete = earned.get(pk, (Decimal(0), set()))[0] >= required
        for depth in range(len(path) // steplen, 0, -1):
            row = by_path.get(path[: depth * steplen])
            if row is not None:
                row.members += 1
                row.completed += int(complete)
    return [by_path[org.path] for org in orgs]


def tasks_visible_to(user: Any) -> QuerySet[StudyTask]:
    """Tasks an administrator may follow: assigned inside their scope, or to an organization above it
    (they then see the part of the task inside their scope)."""
    if user.is_superuser:
        return StudyTask.objects.select_related("organization")
    paths = admin_paths(user)
    q = Q(pk__in=[])
    for path in paths:
        q |= Organization.subtree_q(path, "organization__path")
        q |= Q(organization__path__in=[path[: i * Organization.steplen] for i in range(1, len(path) // Organization.steplen)])
    return StudyTask.objects.filter(q).select_related("organization")


def create_task(*, title: str, organization: Organization, starts_on: dt.date, ends_on: dt.date,
                pages: list[Page], required_credits: Decimal = Decimal(0), political_statuses: list[str] | None = None,
                description: str = "", created_by: Any = None) -> StudyTask:
    with transaction.atomic():
        task = StudyTask.objects.create(
            title=title, organization=organization, starts_on=starts_on, ends_on=ends_on,
            required_credits=required_credits, political_statuses=sorted(political_statuses or []),
            description=description, created_by=created_by)
        for order, page in enumerate(pages):
            task.items.create(page=page, sort_order=order)
        notify_task_assigned(task)
        # every assigned member's task total of the deadline's month, quarter, year and overall changes:
        # the set-based recompute of those periods, queued (its own queue) once the task is committed
        outbox.send_on_commit(recompute_scores_task, periods_of_month(month_key(ends_on)))
    return task


def send_task_reminders(today: dt.date | None = None) -> int:
    """Remind members behind schedule, ``COURSES_REMINDER_DAYS`` before the deadline; once per member and
    task (the notification's dedupe key and the unique ``TaskReminder`` row claim it, so running twice or in
    two workers sends nothing twice). One set-based send per task, never one query per member."""
    today = today or timezone.localdate()
    last_day = today + dt.timedelta(days=settings.COURSES_REMINDER_DAYS)
    sent = 0
    for task in StudyTask.objects.filter(starts_on__lte=today, ends_on__gte=today, ends_on__lte=last_day):
        items = task_items(task)
        units = _units(items)
        required = required_credits(task, items)
        already = set(TaskReminder.objects.filter(task=task).values_list("member_id", flat=True))
        candidates = list(members_in_scope(task).exclude(pk__in=already).values_list("pk", "user_id"))
        earned = earned_by_member(task, [pk for pk, _user in candidates], units)
        behind = [(pk, user_id) for pk, user_id in candidates
                  if earned.get(pk, (Decimal(0), set()))[0] < required]
        if not behind:
            continue
        with transaction.atomic():
            TaskReminder.objects.bulk_create([TaskReminder(task=task, member_id=pk) for pk, _user in behind],
                                             ignore_conflicts=True, batch_size=1000)
            sent += do_notify(
                [user_id for _pk, user_id in behind], kind=NotificationKind.TASK_DUE,
                title=_("Study task due soon: %(title)s") % {"title": task.title},
                body=_("The deadline is %(date)s and your task is not complete yet.") % {
                    "date": task.ends_on.isoformat()},
                url="/tasks/", dedupe_key=f"task_due:{task.pk}")
    return sent


def members_behind(task: StudyTask, visible: QuerySet[Member]) -> list[int]:
    """Ids of the task's members inside ``visible`` who have not completed it (the 一键提醒 list)."""
    items = task_items(task)
    units = _units(items)
    required = required_credits(task, items)
    ids = list(members_in_scope(task).filter(pk__in=visible.values("pk")).values_list("pk", flat=True))
    earned = earned_by_member(task, ids, units)
    return [pk for pk in ids if earned.get(pk, (Decimal(0), set()))[0] < required]


def task_reminder_key(task: StudyTask) -> str:
    return f"task:{task.pk}"


def do_remind_task_members(actor: Any, task: StudyTask, visible: QuerySet[Member]) -> int:
    """一键提醒 from the completion table: queue a reminder for everyone in scope who has not completed the
    task. Returns how many were listed (the Celery task skips members already reminded today)."""
    return request_reminders(actor, members_behind(task, visible), item_key=task_reminder_key(task),
                             title=_("Please complete the study task: %(title)s") % {"title": task.title},
                             url="/tasks/")


def notify_task_assigned(task: StudyTask) -> int:
    """Tell every member in the task's scope that it was assigned (one set-based send)."""
    return do_notify(members_in_scope(task).values("user_id"), kind=NotificationKind.TASK_ASSIGNED,
                     title=_("New study task: %(title)s") % {"title": task.title},
                     body=_("Deadline: %(date)s") % {"date": task.ends_on.isoformat()},
                     url="/tasks/", dedupe_key=f"task_assigned:{task.pk}")
