"""The notification "an exam opened to you": sent when a published exam becomes available to the member's
organization (published while open, or its opening time passed), once per member, linking to the exam."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from exams.models import Exam
from exams.services.opening import notify_opened_exams
from school.models import Notification, NotificationKind
from tests.courses.builders import run_outbox
from tests.exams.builders import fill_bank, make_bank, make_exam

pytestmark = pytest.mark.django_db

TASK = "exams.tasks.notify_exam_opened"


@pytest.fixture
def bank(personas: Any) -> Any:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    return bank


def opened() -> set[int]:
    return set(Notification.objects.filter(kind=NotificationKind.EXAM_OPENED).values_list("user_id", flat=True))


def test_it_tells_the_target_subtree_when_an_open_exam_is_published(personas: Any, client_for: Any,
                                                                    bank: Any) -> None:
    exam = make_exam(personas.trainer, bank, targets=[personas.a1], title="第一支部党章测试")
    assert run_outbox(TASK) == [1]
    assert opened() == {personas.member.user_id}
    note = Notification.objects.get(kind=NotificationKind.EXAM_OPENED)
    assert "第一支部党章测试" in note.title and note.url == f"/exams/{exam.pk}/"
    assert client_for(personas.member.user).get(note.url).status_code == 200  # the link leads to the exam
    Exam.objects.filter(pk=exam.pk).update(status=Exam.Status.DRAFT)
    from exams.services import publish_exam

    publish_exam(Exam.objects.get(pk=exam.pk))  # republished: nobody is told twice
    assert run_outbox(TASK) == [0] and Notification.objects.count() == 1


def test_it_waits_for_the_opening_time_and_tells_members_once_then(personas: Any, bank: Any) -> None:
    exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a],
                     opens_at=timezone.now() + dt.timedelta(hours=2))
    assert run_outbox(TASK) == [0] and not opened()
    assert notify_opened_exams() == 0  # not yet
    Exam.objects.filter(pk=exam.pk).update(opens_at=timezone.now() - dt.timedelta(minutes=1))
    assert notify_opened_exams() == 2
    assert opened() == {personas.member.user_id, personas.member_a2.user_id}
    assert notify_opened_exams() == 0  # the beat's next run (or a second beat) sends nothing again


def test_it_tells_only_the_target_statuses_and_never_a_closed_or_draft_exam(personas: Any, bank: Any) -> None:
    personas.member_a2.political_status = "probationary"
    personas.member_a2.save()
    make_exam(personas.trainer, bank, targets=[personas.branch_group_a], target_statuses=["probationary"])
    assert run_outbox(TASK) == [1] and opened() == {personas.member_a2.user_id}
    make_exam(personas.trainer, bank, targets=[personas.x1], title="已结束", opens_at=timezone.now() - dt.timedelta(days=2),
              closes_at=timezone.now() - dt.timedelta(days=1))
    make_exam(personas.trainer, bank, targets=[personas.x1], title="草稿", publish=False,
              opens_at=timezone.now() - dt.timedelta(days=1))
    assert run_outbox(TASK) == [0]
    assert notify_opened_exams() == 0 and personas.member_x.user_id not in opened()
