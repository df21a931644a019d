"""Precomputed statistics: each submission adds its numbers (same transaction); pages read few rows.

Discrimination is the point-biserial correlation between answering a question correctly and the
total score, computed from running sums (seen, correct, Σscore, Σscore², Σscore of the correct)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import Attempt, Exam, ExamOrgStat, ExamQuestionStat, ExamScoreBucket, ExamStat, QuestionVersion


def _bucket(score: float, total: float) -> int:
    if total <= 0:
        return 0
    return max(0, min(10, int(score * 10 // total)))


def record_attempt(attempt: Attempt, correctness: dict[int, bool]) -> None:
    exam = attempt.exam
    score = float(attempt.score or 0)
    passed = int(bool(attempt.passed))
    total = float(exam.total_points)
    ExamStat.objects.get_or_create(exam=exam)
    ExamStat.objects.filter(exam=exam).update(
        submitted=F("submitted") + 1, passed=F("passed") + passed, score_sum=F("score_sum") + score,
        score_sq_sum=F("score_sq_sum") + score * score,
    )
    bucket = _bucket(score, total)
    org = attempt.member.organization
    ExamScoreBucket.objects.get_or_create(exam=exam, organization=org, bucket=bucket, defaults={"path": org.path})
    ExamScoreBucket.objects.filter(exam=exam, organization=org, bucket=bucket).update(count=F("count") + 1)
    ExamOrgStat.objects.get_or_create(exam=exam, organization=org, defaults={"path": org.path})
    ExamOrgStat.objects.filter(exam=exam, organization=org).update(
        submitted=F("submitted") + 1, passed=F("passed") + passed, score_sum=F("score_sum") + score,
        updated_at=timezone.now(),
    )
    existing = set(ExamQuestionStat.objects.filter(exam=exam, question_id__in=list(correctness)).values_list(
        "question_id", flat=True))
    ExamQuestionStat.objects.bulk_create(
        [ExamQuestionStat(exam=exam, question_id=q) for q in correctness if q not in existing],
        ignore_conflicts=True,
    )
    right = [q for q, ok in correctness.items() if ok]
    wrong = [q for q, ok in correctness.items() if not ok]
    common = {"seen": F("seen") + 1, "score_sum": F("score_sum") + score,
              "score_sq_sum": F("score_sq_sum") + score * score}
    if right:
        ExamQuestionStat.objects.filter(exam=exam, question_id__in=right).update(
            correct=F("correct") + 1, correct_score_sum=F("correct_score_sum") + score, **common)
    if wrong:
        ExamQuestionStat.objects.filter(exam=exam, question_id__in=wrong).update(**common)


@transaction.atomic
def rebuild_exam_stats(exam: Exam) -> None:
    """Recompute from the attempts (after a data repair); normally never needed."""
    ExamStat.objects.filter(exam=exam).delete()
    ExamScoreBucket.objects.filter(exam=exam).delete()
    ExamOrgStat.objects.filter(exam=exam).delete()
    ExamQuestionStat.objects.filter(exam=exam).delete()
    attempts = Attempt.objects.filter(exam=exam, submitted_at__isnull=False).select_related(
        "exam", "member__organization")
    for attempt in attempts.iterator():
        qids = dict(QuestionVersion.objects.filter(pk__in=attempt.version_ids()).values_list("pk", "question_id"))
        correctness = {qids[a.version_id]: bool(a.is_correct) for a in attempt.answers.all()}
        record_attempt(attempt, correctness)


@dataclass
class QuestionRow:
    question_id: int
    stem: str
    seen: int
    correct_rate: float
    discrimination: float | None


def discrimination(stat: ExamQuestionStat) -> float | None:
    n = stat.seen
    if n < 2 or stat.correct in (0, n):
        return None
    mean = stat.score_sum / n
    var = stat.score_sq_sum / n - mean * mean
    if var <= 1e-12:
        return None
    mean_right = stat.correct_score_sum / stat.correct
    p = stat.correct / n
    return (mean_right - mean) / math.sqrt(var) * math.sqrt(p / (1 - p))
