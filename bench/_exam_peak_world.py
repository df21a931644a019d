"""Data for bench/exam_peak.py: an organization tree with generated members, logged-in sessions, a published
exam; and the check of the database afterwards (every acknowledged answer stored, graded, graded right)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from _django import bulk_tree, login_cookie, path_segment

# 12 questions a paper: (type, count, points); 30 points, pass mark 18.
SECTIONS = [("single", 6, 2), ("multiple", 2, 3), ("judge", 2, 2), ("fill", 2, 4)]


@dataclass
class World:
    tag: str
    exam_id: int
    sessions: list[tuple[str, str]]  # (Cookie header, CSRF token) per member
    member_ids: list[int]


def _free_root_index() -> int:
    from school.models import Organization

    taken = set(Organization.objects.filter(depth=1).values_list("path", flat=True))
    index = len(taken) + 1
    while path_segment(index) in taken:
        index += 1
    return index


def _bank(owner: Any, tag: str) -> Any:
    from exams.models import Question, QuestionBank

    bank = QuestionBank.objects.create(name=f"峰值题库{tag}", owner=owner)
    for qtype, count, _points in SECTIONS:
        for i in range(count * 3):
            if qtype == "fill":
                options: list[str] = []
                answer: list[Any] = [["为人民服务", "全心全意为人民服务"]]
                stem = f"{tag} 第{i}题：党的根本宗旨是____。"
            else:
                options = ["正确", "错误"] if qtype == "judge" else [f"选项{k}{i}" for k in "甲乙丙丁"]
                answer = [0, 2] if qtype == "multiple" else [i % len(options)]
                stem = f"{tag} {qtype} 第{i}题：关于党的建设的表述，正确的是（ ）。"
            Question(bank=bank, qtype=qtype, stem=stem, options=options, answer=answer, difficulty=1 + i % 5).save()
    return bank


def build(members: int) -> World:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from exams.models import Exam, ExamSection
    from exams.services import publish_exam
    from school.models import Member, Organization

    tag = secrets.token_hex(3)  # runs against a kept PostgreSQL database do not collide
    t0 = time.perf_counter()
    root_index = _free_root_index()
    bulk_tree(f"峰值{tag}-", root_index, [4, 10], ["committee", "general_branch", "branch"])
    root = Organization.objects.get(path=path_segment(root_index))
    branches = list(Organization.objects.filter(path__startswith=root.path, depth=3).order_by("path"))
    User = get_user_model()
    owner = User.objects.create(username=f"peak-trainer-{tag}", is_superuser=True, is_staff=True)
    unusable = make_password(None)  # sessions are made here: nobody logs in with a password
    with transaction.atomic():
        users = User.objects.bulk_create([User(username=f"peak{tag}-{i}", password=unusable)
                                          for i in range(members)], batch_size=1000)
        created = Member.objects.bulk_create([Member(user=u, name=f"党员{i}", organization=branches[i % len(branches)])
                                              for i, u in enumerate(users)], batch_size=1000)
    bank = _bank(owner, tag)
    exam = Exam.objects.create(title=f"峰值考试{tag}", created_by=owner, pass_mark=Decimal(18), attempts_allowed=1,
                               time_limit_minutes=60, certificate_on_pass=True)
    for order, (qtype, count, points) in enumerate(SECTIONS):
        section = ExamSection.objects.create(exam=exam, order=order, qtype=qtype, count=count, points=Decimal(points))
        section.banks.add(bank)
        section.save()
    exam.target_organizations.set([root])
    publish_exam(exam)
    with transaction.atomic():
        sessions = [login_cookie(user) for user in users]
    print(f"# data: {members} members in {len(branches)} branches, {sum(c for _t, c, _p in SECTIONS)}-question exam, "
          f"sessions made, in {time.perf_counter() - t0:.1f}s", flush=True)
    return World(tag, exam.pk, sessions, [m.pk for m in created])


@dataclass
class Verdict:
    lost_answers: int = 0
    misgraded: int = 0
    lost_submits: int = 0
    details: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.details) < 10:
            self.details.append(text)


def verify(acked_answers: dict[tuple[int, int], Any], acked_submits: set[int], attempt_ids: set[int],
           after_submit: dict[tuple[int, int], Any]) -> Verdict:
    """``acked_answers``: (attempt, question) → the response the server acknowledged last (2xx), which must
    be stored, and graded once the attempt's submit was acknowledged (``acked_submits``); ``after_submit``:
    the responses of saves tried after the submit, which must not have changed anything."""
    from exams.models import Answer, Attempt, QuestionVersion
    from exams.services.grading import grade

    verdict = Verdict()
    attempts = {a.pk: a for a in Attempt.objects.filter(pk__in=attempt_ids).select_related("exam")}
    rows = {(a.attempt_id, a.version_id): a for a in Answer.objects.filter(attempt_id__in=attempt_ids)}
    for key, response in acked_answers.items():
        row = rows.get(key)
        graded = key[0] not in acked_submits or (row is not None and None not in (row.points, row.is_correct))
        if row is None or row.response != response or not graded:
            verdict.lost_answers += 1
            verdict.note(f"answer {key}: acknowledged {response!r}, stored {getattr(row, 'response', 'nothing')!r}")
    for key, response in after_submit.items():
        row = rows.get(key)
        if row is not None and row.response == response and acked_answers.get(key) != response:
            verdict.lost_answers += 1  # a save after the submit changed a graded paper
            verdict.note(f"answer {key}: changed after the submit")
    for pk in acked_submits:
        if attempts[pk].submitted_at is None:
            verdict.lost_submits += 1
            verdict.note(f"attempt {pk}: submit acknowledged, not submitted")
    versions = QuestionVersion.objects.in_bulk({key[1] for key in rows})
    sections: dict[int, list[Any]] = {}
    for pk, attempt in attempts.items():
        if attempt.submitted_at is None:
            continue
        if attempt.exam_id not in sections:
            sections[attempt.exam_id] = list(attempt.exam.sections.order_by("order", "id"))
        total = Decimal(0)
        for item in attempt.paper:
            row = rows.get((pk, item["v"]))
            if row is None:
                verdict.misgraded += 1  # a submitted paper has a graded row for every question
                verdict.note(f"attempt {pk}: no graded row for question {item['v']}")
                continue
            points, correct = grade(versions[item["v"]], row.response, item["p"],
                                    sections[attempt.exam_id][item["s"]].points, attempt.exam.multiple_policy)
            if (points, correct) != (row.points, row.is_correct):
                verdict.misgraded += 1
                verdict.note(f"answer {(pk, item['v'])}: graded {row.points}/{row.is_correct}, expected {points}/{correct}")
            total += row.points or 0
        if attempt.score != total:
            verdict.misgraded += 1
            verdict.note(f"attempt {pk}: score {attempt.score}, answers add up to {total}")
    return verdict
