"""Journey 2, the member 小明 on a phone: sees the new study task (assigned by the organization
administrator in the admin first), watches the lesson to completion, takes the course's final exam,
passes, downloads the certificate, opens its verification page and sees points and rank updated."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from courses.models import StudyProgress
from exams.models import Attempt, Certificate
from school.credits.models import CreditEntry
from tests.e2e.conftest import PHONE, answer_correctly
from tests.e2e.journey_steps import (
    COURSE,
    EXAM,
    LESSON,
    TASK,
    assign_task_and_note_baseline,
    prepare_after_trainer,
    shot,
)
from tests.e2e.story import Story
from tests.factories import PASSWORD

pytestmark = pytest.mark.journey("member")


def my_credits(page: Any) -> dict[str, str]:
    """The 我的积分 panel of 我的学习 as {label: value}."""
    pairs: dict[str, str] = page.eval_on_selector(
        "[data-panel=credits] dl",
        "dl => Object.fromEntries([...dl.querySelectorAll('dt')].map(dt => "
        "[dt.innerText.trim(), dt.nextElementSibling.innerText.trim()]))")
    return pairs


def tracker(page: Any, attribute: str, value: str, timeout: float = 15_000) -> None:
    page.wait_for_function("([a, v]) => document.querySelector('[data-study-tracker]')?.getAttribute(a) === v",
                           arg=[attribute, value], timeout=timeout)


def test_it_takes_a_member_from_the_study_task_to_a_verified_certificate(journey: Story, browser: Any) -> None:
    if "trainer" not in journey.done:
        prepare_after_trainer(journey)
        print("journey 2: the trainer's end state was prepared through services")
    assign_task_and_note_baseline(browser, journey)
    cast = journey.cast

    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{journey.url}/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", "xiaoming")
    page.fill("#id_password", PASSWORD)
    shot(page, 2, "04-member-login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{journey.url}/")
    tasks_panel = page.locator("[data-panel=tasks]")
    assert TASK in tasks_panel.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling on the phone"
    shot(page, 2, "05-home-with-task")

    page.click("[data-nav=my_study]")
    page.wait_for_url("**/me/")
    before = my_credits(page)
    assert before["总计"] == "0" and before["本组织排名"] == "2 / 2"  # 李四 of the same branch studied earlier
    shot(page, 2, "06-my-study-before")

    page.goto(f"{journey.url}/")
    tasks_panel.get_by_role("link", name=TASK).click()
    page.wait_for_url("**/tasks/")
    task = page.locator(f"[data-task='{journey.ids['task']}']")
    assert "已获 0.00 / 1.00 学时" in task.inner_text()
    shot(page, 2, "07-my-tasks")
    task.get_by_role("link", name=COURSE).click()
    page.wait_for_url("**/courses/**")
    shot(page, 2, "08-course")
    page.get_by_role("link", name=LESSON).click()
    tracker(page, "data-session", "live")
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    shot(page, 2, "09-lesson")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    tracker(page, "data-completed", "true", timeout=30_000)
    assert page.locator("[data-progress-text]").inner_text() == "已完成"
    shot(page, 2, "10-lesson-completed")
    progress = StudyProgress.objects.get(member=cast.member, page_id=journey.ids["lesson"])
    assert progress.completed_at is not None

    page.locator(".crumbs a", has_text=COURSE).click()
    final_exam = page.locator("[data-final-exam]")
    assert EXAM in final_exam.inner_text()
    shot(page, 2, "11-course-completed")
    final_exam.get_by_role("link").click()
    page.wait_for_url(f"**/exams/{journey.ids['exam']}/")
    page.click("#start-exam")
    page.wait_for_url("**/exams/attempts/*/")
    attempt = Attempt.objects.get(member=cast.member, exam_id=journey.ids["exam"])
    answer_correctly(page, attempt)
    shot(page, 2, "12-exam-answered")
    page.click("#submit-paper")
    page.click("#confirm-ok")  # the confirmation dialog (all answered)
    page.wait_for_url("**/result/")
    assert page.locator("#verdict").inner_text().startswith("通过")
    assert page.locator("#score").inner_text() == "100"
    shot(page, 2, "13-exam-passed")

    certificate = Certificate.objects.get(member=cast.member, exam_id=journey.ids["exam"])
    with page.expect_download() as download:
        page.click("#certificate-link")
    content = journey.work / download.value.suggested_filename
    download.value.save_as(content)
    data = content.read_bytes()
    assert data.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert cast.member.name in text and certificate.serial in text and EXAM in text
    page.click("#verify-link")
    page.wait_for_url(f"**/certificates/verify/{certificate.code}/")
    assert page.locator("#verify-status").inner_text() == "证书有效。"
    assert certificate.serial in page.content() and cast.member.name in page.content()
    shot(page, 2, "14-certificate-verified")

    page.click("[data-nav=my_study]")
    page.wait_for_url("**/me/")
    after = my_credits(page)
    entries = CreditEntry.objects.filter(member=cast.member)  # awarded by the eager Celery award tasks
    assert sorted(e.source_type for e in entries) == ["course", "exam", "lesson"]
    earned = sum(e.points for e in entries)
    assert earned > 0 and after["总计"] == f"{earned:.2f}" and after["本组织排名"] == "1 / 2"
    shot(page, 2, "15-my-study-after")
    page.goto(f"{journey.url}/tasks/")
    assert "已完成" in page.locator(f"[data-task='{journey.ids['task']}']").inner_text()
    shot(page, 2, "16-task-completed")
    journey.ids["certificate"] = certificate.pk
    context.close()
