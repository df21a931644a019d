"""Courses' credit sources for the ledger (school.credits): verifiers that let the ledger check a lesson,
document or course completion against StudyProgress, with the authoritative quantities, and the
study-task metric for organization scores (``school.hooks.ORG_METRICS``). Registered by
``register_credit_sources()`` from CoursesConfig.ready(); the receiver that turns ``lesson_completed``
into an award lives in ``signal_handlers.py``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone

from school.credits.periods import Period, local_day, month_key, period_bounds
from school.credits.rules import register_source_verifier

TWO = Decimal("0.01")


def _completed(member_id: int, page_id: int) -> bool:
    from .models import StudyProgress

    return StudyProgress.objects.filter(member_id=member_id, page_id=page_id, completed_at__isnull=False).exists()


def lesson_is(page_id: int, kind: str) -> bool:
    from .models import LessonPage, PolicyDocumentPage

    model = LessonPage if kind == "lesson" else PolicyDocumentPage
    return model.objects.filter(pk=page_id).exists()


def verify_lesson(member_id: int, page_id: int) -> bool:
    return lesson_is(page_id, "lesson") and _completed(member_id, page_id)


def verify_document(member_id: int, page_id: int) -> bool:
    return lesson_is(page_id, "document") and _completed(member_id, page_id)


def lesson_credit_hours(member_id: int, page_id: int) -> Decimal | None:
    """A lesson's share of its course's credit hours (the same split study tasks use)."""
    from .models import LessonPage

    lesson = LessonPage.objects.filter(pk=page_id).first()
    course = lesson.course() if lesson is not None else None
    if course is None:
        return Decimal("0")
    count = LessonPage.objects.child_of(course).live().count()
    return (course.credit_hours / count).quantize(TWO) if count else Decimal("0")


def document_minutes(member_id: int, page_id: int) -> Decimal | None:
    from .models import StudyProgress

    progress = StudyProgress.objects.filter(member_id=member_id, page_id=page_id).first()
    return Decimal(str(round((progress.required_seconds if progress else 0) / 60, 2)))


def _course_lessons(course_id: int) -> list[int]:
    from .models import CoursePage, LessonPage

    course = CoursePage.objects.filter(pk=course_id).first()
    return [] if course is None else list(LessonPage.objects.child_of(course).live().values_list("pk", flat=True))


def verify_course(member_id: int, course_id: int) -> bool:
    from .models import StudyProgress

    lessons = _course_lessons(course_id)
    done = StudyProgress.objects.filter(member_id=member_id, page_id__in=lessons, completed_at__isnull=False).count()
    return bool(lessons) and done == len(lessons)


def task_metrics(period: Period, member_ids: list[int] | None = None) -> Iterator[tuple[int, str, int, int]]:
    """Per member (every one, or ``member_ids``): study tasks whose deadline falls in the period (assigned,
    completed)."""
    from .models import StudyTask
    from .services.study_tasks import _units, earned_by_member, members_in_scope, required_credits, task_items

    bounds = period_bounds(period)
    tasks = StudyTask.objects.select_related("organization")
    if bounds is not None:
        tasks = tasks.filter(ends_on__gte=bounds[0], ends_on__lte=bounds[1])
    totals: dict[int, list[int]] = {}
    for task in tasks.filter(ends_on__lte=timezone.localdate() + dt.timedelta(days=366)):
        items = task_items(task)
        required = required_credits(task, items)
        in_scope = members_in_scope(task)
        if member_ids is not None:
            in_scope = in_scope.filter(pk__in=member_ids)
        assigned = list(in_scope.values_list("pk", flat=True))
        if not assigned:
            continue
        earned = earned_by_member(task, assigned, _units(items))
        for member_id in assigned:
            done = earned.get(member_id, (Decimal(0), set()))[0] >= required
            row = totals.setdefault(member_id, [0, 0])
            row[0] += int(done)
            row[1] += 1
    for member_id, (done_count, total) in totals.items():
        yield member_id, "tasks", done_count, total


def deadline_months(member_id: int, when: dt.datetime) -> list[str]:
    """Months of the deadlines of the study tasks still open on ``when`` that are assigned to the member's
    organization or one above it: a lesson completed now may complete one of them, which counts in its
    deadline's month (``task_metrics``)."""
    from school.models import Member, Organization

    from .models import StudyTask

    member = Member.objects.select_related("organization").filter(pk=member_id).first()
    if member is None:
        return []
    paths = [*member.organization.ancestor_paths(), member.organization.path]
    ends = (StudyTask.objects.filter(organization__in=Organization.objects.filter(path__in=paths),
                                     ends_on__gte=local_day(when)).values_list("ends_on", flat=True).distinct())
    return sorted({month_key(day) for day in ends})


def describe_pages(page_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Lessons, documents and courses by title with their page's address, for the ledger drill-down."""
    from wagtail.models import Page

    return {page.pk: (page.title, page.url) for page in Page.objects.filter(pk__in=page_ids)}


def register_credit_sources() -> None:
    from wagtail import hooks

    from school.hooks import ORG_METRICS

    register_source_verifier("lesson", verify_lesson, lesson_credit_hours, describe_pages)
    register_source_verifier("document", verify_document, document_minutes, describe_pages)
    register_source_verifier("course", verify_course, describe=describe_pages)
    hooks.register(ORG_METRICS, task_metrics)
