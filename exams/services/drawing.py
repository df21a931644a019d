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

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ..models import Exam, ExamSection, Question, QuestionType
from .errors import ExamError


@dataclass(frozen=True)
class Candidate:
    question_id: int
    version_id: int
    usage: int
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


_COLUMNS = "id, current_version_id, usage_count, random_key"


class _Stratum:
    """Raw SQL over the ``exams_q_draw`` partial index: the ORM's query compilation cost more than the
    queries themselves (four per stratum)."""

    def __init__(self, bank_id: int, qtype: str, difficulty: int, tag_ids: list[int]) -> None:
        table = Question._meta.db_table
        where = ["bank_id = %s", "qtype = %s", "difficulty = %s", "is_active", "current_version_id IS NOT NULL"]
        self.params: list[Any] = [bank_id, qtype, difficulty]
        if tag_ids:
            through = Question.tags.through._meta.db_table
            where.append(f"id IN (SELECT question_id FROM {through} WHERE tag_id IN "  # noqa: S608 - ids only
                         f"({', '.join(['%s'] * len(tag_ids))}))")
            self.params += tag_ids
        self.sql = f"FROM {table} WHERE {' AND '.join(where)}"

    def fetch(self, extra: str, params: list[Any], order: str, limit: int, columns: str = _COLUMNS) -> list[Any]:
        if limit <= 0:
            return []
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} {self.sql} {extra} ORDER BY {order} LIMIT %s",
                           [*self.params, *params, limit])
            return list(cursor.fetchall())


def _window(stratum: _Stratum, size: int, rng: random.Random) -> list[Candidate]:
    first = stratum.fetch("", [], "usage_count, random_key, id", 1, "usage_count")
    if not first:
        return []
    low = first[0][0]
    start = rng.random()
    rows = stratum.fetch("AND usage_count = %s AND random_key >= %s", [low, start], "random_key, id", size)
    rows += stratum.fetch("AND usage_count = %s AND random_key < %s", [low, start], "random_key, id",
                          size - len(rows))
    rows += stratum.fetch("AND usage_count > %s", [low], "usage_count, random_key, id", size - len(rows))
    return [Candidate(*r) for r in rows]


def draw_section(section: ExamSection, rng: random.Random, taken: set[int]) -> list[Candidate]:
    """Windows sized for an even share of each stratum; a second pass with full-size windows covers
    strata that are too small (e.g. few difficulty-5 questions)."""
    picked = _draw_section(section, rng, taken, even=True)
    if len(picked) < section.count:
        picked = _draw_section(section, rng, taken, even=False)
    if len(picked) < section.count:
        raise ExamError(_("Not enough questions in the banks to draw a paper; ask the trainer to check the exam."),
                        "not_enough_questions", status=409)
    return picked


def _draw_section(section: ExamSection, rng: random.Random, taken: set[int], even: bool) -> list[Candidate]:
    need = section.count
    banks = sorted(b.pk for b in section.banks.all())
    levels = range(section.difficulty_min, section.difficulty_max + 1)
    tag_ids = sorted(t.pk for t in section.tags.all())
    share = -(-need // max(1, len(banks) * len(levels))) if even else need
    size = share * 3 + 5 + len(taken)
    strata: list[list[Candidate]] = []
    for bank_id in banks:
        for difficulty in levels:
            source = _Stratum(bank_id, section.qtype, difficulty, tag_ids)
            pool = [c for c in _window(source, size, rng) if c.question_id not in taken]
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
    return picked


def draw_paper(exam: Exam, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    paper: list[dict[str, Any]] = []
    taken: set[int] = set()
    sections = list(exam.sections.prefetch_related("banks", "tags").order_by("order", "id"))
    drawn = []
    for index, section in enumerate(sections):
        picked = draw_section(section, rng, taken)
        if exam.shuffle_questions:
            rng.shuffle(picked)
        taken.update(c.question_id for c in picked)
        drawn.append((index, section, picked))
    counts = {pk: len(options or []) for pk, options in
              Question.objects.filter(pk__in=taken).order_by().values_list("pk", "options")}
    for index, section, picked in drawn:
        for c in picked:
            perm = list(range(counts[c.question_id]))
            if exam.shuffle_options and section.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
                rng.shuffle(perm)
            else:
                perm = []
            paper.append({"v": c.version_id, "q": c.question_id, "s": index, "p": perm})
    return paper
