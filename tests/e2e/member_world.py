"""A member's world for the phone tests and the member-pages benchmark (not a test module): a course with
lessons (one half studied), a library document, an exam passed with a certificate, an open exam, daily
practice with a wrong answer in the 错题本, credits and a branch ranking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

COURSE = "党章学习"
EXAM_PASSED = "党章知识测验"
EXAM_OPEN = "党史知识考试"


@dataclass
class MemberWorld:
    pages: dict[str, str] = field(default_factory=dict)  # name -> path of every member page
    ids: dict[str, int] = field(default_factory=dict)


def build_member_world(personas: Any) -> MemberWorld:
    from courses.models import StudyProgress
    from courses.services import ensure_site_pages
    from exams.models import Attempt, Certificate, QuestionVersion, WrongAnswer
    from exams.services import do_start_attempt, do_submit_attempt
    from exams.services.attempts import do_save_answer
    from exams.services.grading import to_displayed
    from exams.services.practice import do_answer_practice, practice_day
    from school.credits.services import post_credit
    from tests.courses.builders import make_course, make_reading, make_video_lesson
    from tests.exams.builders import fill_bank, make_bank, make_exam, make_question
    from tests.school.builders import fake_sources, make_rule

    world = MemberWorld()
    ensure_site_pages()
    course = make_course(COURSE)
    first = make_reading(course, "第一课 党章总纲", seconds=2)
    second = make_reading(course, "第二课 党员的义务和权利", seconds=2)
    video = make_video_lesson(course, "第三课 党的历史（视频）")
    StudyProgress.objects.create(member=personas.member, page=first, kind="reading", duration=2, required_seconds=2,
                                 watched_seconds=1, position=1)
    world.ids.update(course=course.pk, first=first.pk, second=second.pk, video=video.pk)

    bank = make_bank(personas.trainer, "党章题库")
    fill_bank(bank, "single", 4)
    fill_bank(bank, "multiple", 2, start=10)
    for n in range(3):
        make_question(bank, "judge", 20 + n, options=["对", "错"], answer=[n % 2])
    fill_bank(bank, "fill", 1, start=30)
    passed = make_exam(personas.trainer, bank, targets=[personas.branch_group_a], title=EXAM_PASSED,
                       certificate_on_pass=True, pass_mark=Decimal(60), shuffle_options=False,
                       sections=[{"qtype": "single", "count": 2, "points": Decimal(50), "title": "单选题"}])
    attempt, _created = do_start_attempt(personas.member, passed)
    for item in attempt.paper:
        version = QuestionVersion.objects.get(pk=item["v"])
        do_save_answer(attempt, version.pk, to_displayed(version.answer, item["p"])[0])
    do_submit_attempt(attempt.pk)
    certificate = Certificate.objects.get(attempt=attempt)
    open_exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a], title=EXAM_OPEN,
                          pass_mark=Decimal(60), closes_at=timezone.now() + dt.timedelta(days=7), sections=[
                              {"qtype": "single", "count": 2, "points": Decimal(20), "title": "单选题"},
                              {"qtype": "multiple", "count": 1, "points": Decimal(20), "title": "多选题"},
                              {"qtype": "judge", "count": 1, "points": Decimal(20), "title": "判断题"},
                              {"qtype": "fill", "count": 1, "points": Decimal(20), "title": "填空题"}])
    world.ids.update(passed_exam=passed.pk, attempt=attempt.pk, open_exam=open_exam.pk)

    day = practice_day(personas.member)
    version = QuestionVersion.objects.get(pk=day.version_ids[0])
    right = to_displayed(version.answer, [])[0] if version.qtype != "fill" else ""
    letters = "ABCDEFGH"[:max(2, len(version.options or []))]  # a 判断题 has only A and B
    wrong = "错" if version.qtype == "fill" else next(letter for letter in letters if letter not in right)
    response: Any = [wrong] * version.blanks if version.qtype == "fill" else (
        [wrong] if version.qtype == "multiple" else wrong)
    do_answer_practice(personas.member, version.pk, response)
    entry = WrongAnswer.objects.get(member=personas.member)
    world.ids.update(wrong=entry.pk, wrong_version=version.pk)

    with fake_sources() as fake:
        make_rule("lesson_done", "lesson", points="2")
        make_rule("exam_pass", "exam", points="5")
        fake.complete("lesson", personas.member.pk, first.pk)
        fake.complete("exam", personas.member.pk, passed.pk)
        fake.complete("lesson", personas.member_a2.pk, first.pk)
        post_credit(personas.member.pk, "lesson", first.pk, timezone.now())
        post_credit(personas.member.pk, "exam", passed.pk, timezone.now())
        post_credit(personas.member_a2.pk, "lesson", first.pk, timezone.now())

    from courses.services.study_tasks import create_task

    today = timezone.localdate()
    task = create_task(title="党章专题学习任务", organization=personas.branch_group_a, starts_on=today,
                       ends_on=today + dt.timedelta(days=10), pages=[course], created_by=personas.admin_a)
    world.ids.update(task=task.pk)

    library = ensure_site_pages().library
    world.pages.update({
        "首页": "/",
        "我的学习": "/me/",
        "课程": "/courses/",
        "课程详情": course.url,
        "图文课": first.url,
        "视频课": video.url,
        "文库": library.url,
        "学习任务": "/tasks/",
        "搜索": f"/search/?q={COURSE}",
        "考试": "/exams/",
        "考试说明": f"/exams/{open_exam.pk}/",
        "考试成绩与解析": f"/exams/attempts/{attempt.pk}/result/",
        "每日答题": "/exams/practice/",
        "错题本": "/exams/wrong-book/",
        "重练": f"/exams/wrong-book/{entry.pk}/",
        "我的考试": "/exams/mine/",
        "我的证书": "/certificates/mine/",
        "证书验证": f"/certificates/verify/{certificate.code}/",
        "积分明细": "/me/credits/",
        "排行榜": "/me/ranking/",
        "修改密码": "/accounts/password/",
    })
    assert Attempt.objects.filter(member=personas.member).count() == 1
    return world


def open_attempt_page(personas: Any, world: MemberWorld) -> str:
    """Start the open exam (the paper page exists only while an attempt is open)."""
    from exams.models import Exam
    from exams.services import do_start_attempt

    attempt, _created = do_start_attempt(personas.member, Exam.objects.get(pk=world.ids["open_exam"]))
    world.ids["open_attempt"] = attempt.pk
    return f"/exams/attempts/{attempt.pk}/"
