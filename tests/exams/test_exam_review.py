"""Exams reach members like courses do: the trainer submits the exam for review from its editor, an administrator
whose scope covers every organization the exam is for publishes it (or returns it with a reason); a trainer
cannot publish and an administrator of another subtree cannot even see it. Each step leaves an audit row."""

from __future__ import annotations

from typing import Any

import pytest

from exams.models import Exam
from school.models import AuditAction, AuditEvent
from tests.factories import Personas

from .builders import fill_bank, make_bank, make_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(personas: Personas) -> Exam:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    return make_exam(personas.trainer, bank, publish=False, title="支部党章测试", targets=[personas.a1, personas.a2])


def url(exam: Exam, step: str = "publish") -> str:
    return f"/admin/exams-tools/exams/{exam.pk}/{step}/"


def status(exam: Exam) -> str:
    return str(Exam.objects.values_list("status", flat=True).get(pk=exam.pk))


def audited(action: str, exam: Exam) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_id=str(exam.pk)))


def test_it_goes_from_the_editor_through_review_to_publication(personas: Personas, client_for: Any,
                                                               draft: Exam) -> None:
    trainer, admin_a = client_for(personas.trainer), client_for(personas.admin_a)
    editor = trainer.get(f"/admin/exams_exam/edit/{draft.pk}/").content.decode()
    assert f'href="{url(draft)}"' in editor and "data-exam-publish" in editor  # the editor's publish button
    page = trainer.get(url(draft)).content.decode()
    assert "提交审核" in page and f'href="/admin/exams_exam/edit/{draft.pk}/"' in page  # links back to the editor
    assert "中共测试区委 / 机关党总支" in page and "第一党支部" in page
    # A trainer cannot publish, even by posting to the publish URL.
    assert trainer.post(url(draft)).status_code == 302 and status(draft) == Exam.Status.DRAFT
    assert not audited(AuditAction.EXAM_PUBLISHED, draft)
    submitted = trainer.post(url(draft, "submit"), follow=True).content.decode()
    assert status(draft) == Exam.Status.IN_REVIEW and "已提交审核" in submitted and "等待管理员审核发布" in submitted
    [event] = audited(AuditAction.EXAM_SUBMITTED, draft)
    assert event.actor == personas.trainer
    assert trainer.post(url(draft, "submit"), follow=True).status_code == 200  # twice: refused, nothing changes
    assert len(audited(AuditAction.EXAM_SUBMITTED, draft)) == 1
    # The administrator of A finds it among the exams awaiting review and publishes it.
    listing = admin_a.get("/admin/exams-tools/review/").content.decode()
    assert "支部党章测试" in listing and url(draft) in listing
    review = admin_a.get(url(draft)).content.decode()
    assert "待审核" in review and 'action="' + url(draft) + '"' in review
    published = admin_a.post(url(draft), follow=True)
    assert published.status_code == 200 and "考试已发布" in published.content.decode()
    assert status(draft) == Exam.Status.PUBLISHED
    [event] = audited(AuditAction.EXAM_PUBLISHED, draft)
    assert event.actor == personas.admin_a and event.data["changes"]["status"] == ["in_review", "published"]
    assert "支部党章测试" not in admin_a.get("/admin/exams-tools/review/").content.decode()


def test_an_administrator_out_of_scope_cannot_see_or_publish_it(personas: Personas, client_for: Any,
                                                                draft: Exam) -> None:
    client_for(personas.trainer).post(url(draft, "submit"))
    admin_x = client_for(personas.admin_x)
    assert admin_x.get(url(draft)).status_code == 404
    assert admin_x.post(url(draft)).status_code == 404
    assert admin_x.post(url(draft, "return"), {"reason": "不行"}).status_code == 404
    assert "支部党章测试" not in admin_x.get("/admin/exams-tools/review/").content.decode()
    assert status(draft) == Exam.Status.IN_REVIEW
    # An exam for organizations of two committees needs a publisher over both: here, the superuser.
    draft.target_organizations.add(personas.x1)
    assert client_for(personas.admin_a).post(url(draft)).status_code == 404
    assert status(draft) == Exam.Status.IN_REVIEW
    assert client_for(personas.superuser).post(url(draft)).status_code == 302
    assert status(draft) == Exam.Status.PUBLISHED
    # Members never reach the admin.
    assert client_for(personas.member.user).get(url(draft)).status_code == 302


def test_an_exam_for_everyone_is_published_by_a_superuser_only(personas: Personas, client_for: Any,
                                                               draft: Exam) -> None:
    draft.target_organizations.clear()
    client_for(personas.trainer).post(url(draft, "submit"))
    assert client_for(personas.admin_a).get(url(draft)).status_code == 404
    page = client_for(personas.superuser).get(url(draft)).content.decode()
    assert "全部组织" in page
    assert client_for(personas.superuser).post(url(draft)).status_code == 302
    assert status(draft) == Exam.Status.PUBLISHED


def test_the_reviewer_returns_it_with_a_reason_the_trainer_reads(personas: Personas, client_for: Any,
                                                                 draft: Exam) -> None:
    trainer, admin_a = client_for(personas.trainer), client_for(personas.admin_a)
    trainer.post(url(draft, "submit"))
    blank = admin_a.post(url(draft, "return"), {"reason": "  "})
    assert blank.status_code == 400 and "必需字段" in blank.content.decode()
    assert status(draft) == Exam.Status.IN_REVIEW
    assert trainer.post(url(draft, "return"), {"reason": "自己退回"}).status_code == 302
    assert status(draft) == Exam.Status.IN_REVIEW  # the trainer may not return it: Wagtail's permission denied
    assert admin_a.post(url(draft, "return"), {"reason": "第3题表述有误"}).status_code == 302
    assert status(draft) == Exam.Status.DRAFT
    [event] = audited(AuditAction.EXAM_RETURNED, draft)
    assert event.actor == personas.admin_a and event.data == {"reason": "第3题表述有误"}
    page = trainer.get(url(draft)).content.decode()
    assert "admin_a" in page and "退回：第3题表述有误" in page and "提交审核" in page


def test_a_blueprint_that_cannot_be_met_is_neither_submitted_nor_published(personas: Personas, client_for: Any,
                                                                          draft: Exam) -> None:
    draft.sections.update(count=9)
    trainer = client_for(personas.trainer)
    page = trainer.get(url(draft)).content.decode()
    assert "题库中只有5道" in page
    assert "题库中只有5道" in trainer.post(url(draft, "submit"), follow=True).content.decode()
    assert status(draft) == Exam.Status.DRAFT
    assert "题库中只有5道" in client_for(personas.superuser).post(url(draft), follow=True).content.decode()
    assert status(draft) == Exam.Status.DRAFT and not audited(AuditAction.EXAM_SUBMITTED, draft)
