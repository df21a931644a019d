"""Paper draws that cost the same on a 2,000- and a 200,000-question bank.

Per section, the strata are (bank, difficulty). In each stratum the least-used bucket is read through
the ``exams_q_draw`` index starting at a random point of ``random_key`` (wrapping around), a window a
few times larger than needed; the window is the candidate pool. No COUNT or ORDER BY RANDOM() over the
bank. The picks go round-robin over the strata, least used first, so difficulties are spread. Every
random choice comes from ``random.Random(seed)``: the same seed over the same bank state gives the
same paper, and the seed is stored with the attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ..models import Exam, ExamSection, Question, QuestionType
from .errors import ExamError


@dataclass(frozen=True)
class Candidate:
    question_id: int
    version_id: int
    usage: int
    option_count: int
    key: float


def section_queryset(section: ExamSection, bank_id: int | None = None, difficulty: int | None = None,
                     ) -> QuerySet[Question]:
    qs = Question.objects.filter(qtype=section.qtype, is_active=True, current_version__isnull=False)
    banks = [bank_id] if bank_id is not None else [b.pk for b in section.banks.all()]
    qs = qs.filter(bank_id__in=banks)
    if difficulty is not None:
        qs = qs.filter(difficulty=difficulty)
    else:
        qs = qs.filter(difficulty__gte=section.difficulty_min, difficulty__lte=section.difficulty_max)
    tag_ids = [t.pk for t in section.tags.all()]
    if tag_ids:
        through = Question.tags.through
        qs = qs.filter(pk__in=through.objects.filter(tag_id__in=tag_ids).values("question_id"))
    return qs


_FIELDS = ("id", "current_version_id", "usage_count", "options", "random_key")


def _rows(qs: QuerySet[Question], limit: int) -> list[Candidate]:
    if limit <= 0:
        return []
    return [Candidate(r[0], r[1], r[2], len(r[3] or []), r[4]) for r in qs.values_list(*_FIELDS)[:limit]]


def _window(qs: QuerySet[Question], size: int, rng: random.Random) -> list[Candidate]:
    first = qs.order_by("usage_count", "random_key", "id").values_list("usage_count", flat=True)[:1]
    if not first:
        return []
    low = first[0]
    start = rng.random()
    bucket = qs.filter(usage_count=low)
    rows = _rows(bucket.filter(random_key__gte=start).order_by("random_key", "id"), size)
    rows += _rows(bucket.filter(random_key__lt=start).order_by("random_key", "id"), size - len(rows))
    rows += _rows(qs.filter(usage_count__gt=low).order_by("usage_count", "random_key", "id"), size - len(rows))
    return rows


def draw_section(section: ExamSection, rng: random.Random, taken: set[int]) -> list[Candidate]:
    need = section.count
    size = need * 3 + 10 + len(taken)
    strata: list[list[Candidate]] = []
    for bank in sorted(section.banks.all(), key=lambda b: b.pk):
        for difficulty in range(section.difficulty_min, section.difficulty_max + 1):
            pool = [c for c in _window(section_queryset(section, bank.pk, difficulty), size, rng)
                    if c.question_id not in taken]
            # least used first, random among equals
            decorated = [(c.usage, rng.random(), c) for c in pool]
            decorated.sort(key=lambda item: (item[0], item[1]))
            if decorated:
                strata.append([item[2] for item in decorated])
    rng.shuffle(strata)
    picked: list[Candidate] = []
    seen: set[int] = set()
    while len(picked) < need and any(strata):
        for stratum in strata:
            while stratum and stratum[0].question_id in seen:
                stratum.pop(0)
            if stratum and len(picked) < need:
                candidate = stratum.pop(0)
                seen.add(candidate.question_id)
                picked.append(candidate)
    if len(picked) < need:
        raise ExamError(_("Not enough questions in the banks to draw a paper; ask the trainer to check the exam."),
                        "not_enough_questions", status=409)
    return picked


def draw_paper(exam: Exam, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    paper: list[dict[str, Any]] = []
    taken: set[int] = set()
    sections = list(exam.sections.prefetch_related("banks", "tags").order_by("order", "id"))
    for index, section in enumerate(sections):
        picked = draw_section(section, rng, taken)
        if exam.shuffle_questions:
            rng.shuffle(picked)
        for c in picked:
            taken.add(c.question_id)
            perm = list(range(c.option_count))
            if exam.shuffle_options and section.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
                rng.shuffle(perm)
            else:
                perm = []
            paper.append({"v": c.version_id, "q": c.question_id, "s": index, "p": perm})
    return paper
