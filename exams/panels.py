"""Panels that exams adds to school's pages (home: the day at a glance; 我的学习: records)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from school.hooks import Panel
from school.permissions import member_of

from .models import Attempt, Certificate, PracticeDay
from .services.eligibility import visible_exams
from .services.practice import today
from .services.wrong_answers import book


def _open_exams(member: Any) -> list[dict[str, Any]]:
    exams = [e for e in visible_exams(member) if e.is_open()]
    attempts: dict[int, list[Attempt]] = {}
    for attempt in Attempt.objects.filter(member=member, exam__in=exams):
        attempts.setdefault(attempt.exam_id, []).append(attempt)
    rows: list[dict[str, Any]] = []
    for exam in sorted(exams, key=lambda e: (e.closes_at is None, e.closes_at.timestamp() if e.closes_at else 0)):
        mine = attempts.get(exam.pk, [])
        open_attempt = next((a for a in mine if a.is_open), None)
        if any(a.passed for a in mine) and open_attempt is None:
            continue
        if open_attempt is None and exam.attempts_allowed and len(mine) >= exam.attempts_allowed:
            continue
        rows.append({"exam": exam, "open_attempt": open_attempt})
    return rows


def home_panels(request: HttpRequest) -> list[Panel]:
    member = member_of(request.user)
    if member is None:
        return []
    day = PracticeDay.objects.filter(member=member, date=today()).first()
    total = len(day.version_ids) if day else settings.EXAMS_PRACTICE_QUESTIONS_PER_DAY
    practice = {"answered": day.answered if day else 0, "total": total, "points": day.points if day else 0,
                "done": bool(day and day.answered >= total)}
    return [
        Panel("exams/panels/home_practice.html", order=15, context={"practice": practice,
                                                                  "wrong": book(member).count()}),
        Panel("exams/panels/home_exams.html", order=25, context={"rows": _open_exams(member)[:5]}),
    ]


def my_study_panels(request: HttpRequest) -> list[Panel]:
    member = member_of(request.user)
    if member is None:
        return []
    return [Panel("exams/panels/my_records.html", order=5, context={
        "attempts": Attempt.objects.filter(member=member).count(),
        "certificates": Certificate.objects.filter(member=member).count(),
        "wrong": book(member).count(),
    })]
