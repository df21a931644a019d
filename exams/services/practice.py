"""每日答题: a few questions a day per member from the practice banks, instant feedback, capped points."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from school.models import Member

from ..models import PracticeAnswer, PracticeDay, Question, QuestionVersion, WrongAnswer
from ..models.banks import PRACTICE_USES
from .errors import ExamError
from .grading import grade, validate_response
from .wrong_answers import record_right, record_wrong


def _draw(member: Member, date: dt.date, count: int) -> list[int]:
    rng = random.Random(f"{member.pk}:{date.isoformat()}")
    base = Question.objects.filter(bank__use__in=PRACTICE_USES, is_active=True, current_version__isnull=False)
    picked: list[int] = []
    for _attempt in range(count * 3):
        if len(picked) >= count:
            break
        start = rng.random()
        row = base.filter(random_key__gte=start).order_by("random_key").values_list("current_version_id", flat=True)[:1]
        if not row:
            row = base.order_by("random_key").values_list("current_version_id", flat=True)[:1]
        if row and row[0] not in picked:
            picked.append(int(row[0]))
    if len(picked) < count:
        # Probing can keep landing on the same questions (small banks, clustered keys): fill the rest
        # in random-key order from a random point, wrapping around, so a bank that has enough
        # questions always gives `count` of them.
        start = rng.random()
        rest = base.exclude(current_version_id__in=picked).values_list("current_version_id", flat=True)
        need = count - len(picked)
        after = list(rest.filter(random_key__gte=start).order_by("random_key")[:need])
        before = list(rest.filter(random_key__lt=start).order_by("random_key")[: need - len(after)])
        picked.extend(int(i) for i in after + before)
    return picked


def today() -> dt.date:
    return timezone.localdate()


def practice_day(member: Member, date: dt.date | None = None) -> PracticeDay:
    date = date or today()
    day = PracticeDay.objects.filter(member=member, date=date).first()
    if day is not None:
        return day
    ids = _draw(member, date, settings.EXAMS_PRACTICE_QUESTIONS_PER_DAY)
    try:
        with transaction.atomic():
            return PracticeDay.objects.create(member=member, date=date, version_ids=ids)
    except IntegrityError:
        return PracticeDay.objects.get(member=member, date=date)


def do_answer_practice(member: Member, version_id: Any, response: Any, date: dt.date | None = None,
                       ) -> tuple[PracticeAnswer, PracticeDay]:
    day = practice_day(member, date)
    if str(version_id) not in {str(v) for v in day.version_ids}:
        raise ExamError(_("This question is not in today's practice."), "not_in_practice")
    version = QuestionVersion.objects.get(pk=int(version_id))
    if PracticeAnswer.objects.filter(day=day, version=version).exists():
        raise ExamError(_("You have already answered this question today."), "already_answered", status=409)
    canonical = validate_response(version, response)
    _points, correct = grade(version, canonical, [], Decimal(1), "all")
    cap = settings.EXAMS_PRACTICE_DAILY_POINTS_CAP
    try:
        with transaction.atomic():
            answer = PracticeAnswer.objects.create(day=day, version=version, response=canonical, is_correct=correct)
            updates: dict[str, Any] = {"answered": F("answered") + 1}
            if correct:
                updates["correct"] = F("correct") + 1
            PracticeDay.objects.filter(pk=day.pk).update(**updates)
            if correct:
                PracticeDay.objects.filter(pk=day.pk, points__lt=cap).update(points=F("points") + 1)
                record_right(member, version, canonical)
            else:
                record_wrong(member, version, canonical, WrongAnswer.Source.PRACTICE)
    except IntegrityError:
        raise ExamError(_("You have already answered this question today."), "already_answered",
                        status=409) from None
    day.refresh_from_db()
    return answer, day
