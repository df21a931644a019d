"""The member's phone journey of issue 17, in Chromium at 390×844, with a screenshot of every step in
test-artifacts/phone-*.png: continue a lesson from the home page, finish it and go to the next; take an exam
with the answer card and a mark, confirm "还有 2 题未作答", review with 解析; re-practise a wrong question
from 错题本; find the certificate under 我的证书; see the branch ranking; switch 长辈模式 on and repeat the
lesson journey."""

from __future__ import annotations

from typing import Any

import pytest

from exams.models import Attempt, Certificate, QuestionVersion, WrongAnswer
from exams.services.grading import to_displayed
from tests.e2e.conftest import PHONE, login, shot
from tests.e2e.member_world import EXAM_OPEN, build_member_world
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def step(page: Any, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    shot(page, f"phone-{name}")


def finish_lesson(page: Any) -> None:
    """The tracker reports the visible seconds every 15 s; the lesson needs 2."""
    page.wait_for_function("() => document.querySelector('[data-study-tracker]')?.dataset.completed === 'true'",
                           timeout=40_000)
    page.locator("[data-lesson-done]").wait_for(state="visible")


def answer_correctly(page: Any, version: QuestionVersion) -> None:
    if version.qtype == "fill":
        for i, accepted in enumerate(version.answer):
            page.fill(f"input[name=blank_{i}]", accepted[0])
    else:
        for letter in to_displayed(version.answer, []):
            page.check(f"input[name=response][value={letter}]")
    page.click("form button[type=submit].button")


def test_it_walks_the_member_phone_journey(personas, wagtail_site, live_server, browser) -> None:
    world = build_member_world(personas)
    context = browser.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, live_server.url, "xiaoming", PASSWORD)

    # 1. 继续学习 from the home page, finish the lesson, 下一课
    continue_card = page.locator("[data-panel=continue]")
    assert "第一课 党章总纲" in continue_card.inner_text() and "上次学到" in continue_card.inner_text()
    step(page, "01-home")
    page.click("#continue-home")
    finish_lesson(page)
    assert "本课已完成" in page.locator("[data-lesson-done]").inner_text()
    step(page, "02-lesson-done")
    page.click("#next-lesson")
    page.wait_for_function("() => document.querySelector('h1').innerText.startsWith('第二课')")
    step(page, "03-next-lesson")
    page.goto(f"{live_server.url}/tasks/")  # the task with its course's own progress, in 学时
    course_row = page.locator(f"[data-task='{world.ids['task']}'] .task-item")
    assert course_row.count() == 1 and "学时" in course_row.inner_text()
    step(page, "03b-study-task")

    # 2. an exam: one question per screen, the answer card, a mark, the confirmation, the review with 解析
    page.goto(f"{live_server.url}/exams/")
    page.locator(f"[data-exam='{world.ids['open_exam']}'] a.button").click()
    page.click("#start-exam")
    page.wait_for_url("**/exams/attempts/*/")
    attempt = Attempt.objects.get(member=personas.member, exam_id=world.ids["open_exam"])
    page.click("[data-view=single]")
    questions = page.locator("fieldset[data-question]")
    assert questions.count() == 5 and page.locator("fieldset[data-question]:visible").count() == 1
    labels = page.locator(".qtype").all_inner_texts()
    assert {"单选题", "多选题", "判断题", "填空题"} <= set(labels)
    page.locator("fieldset[data-question]:visible label.option").first.click()  # question 1
    page.locator("fieldset[data-question]:visible [data-step='1']").click()
    with page.expect_response(lambda r: "/marks/" in r.url and r.status == 200):  # stored with the attempt
        page.locator("fieldset[data-question]:visible [data-mark]").click()  # mark question 2, leave it
    step(page, "04-exam-marked")
    page.wait_for_function("() => document.getElementById('save-status').textContent === '已保存'")
    page.reload()  # as on another device: the mark and the answer come back from the server
    page.click("#open-card")
    card = page.locator("#answer-card")
    assert card.locator(".cell.answered").count() == 1 and card.locator(".cell.marked").count() == 1
    assert page.locator("fieldset[data-marked='true'] [data-mark][aria-pressed='true']").count() == 1
    step(page, "05-answer-card")
    card.locator(".cell").nth(3).click()  # jump to question 4
    visible = page.locator("fieldset[data-question]:visible")
    assert visible.get_attribute("data-number") == "4"
    visible.locator("label.option").first.click()
    page.click("#open-card")
    card.locator(".cell").nth(2).click()  # back to question 3
    page.locator("fieldset[data-question]:visible label.option").first.click()
    page.wait_for_function("() => document.getElementById('save-status').textContent === '已保存'")
    page.click("#submit-paper")
    assert page.locator("#confirm-text").inner_text() == "还有 2 题未作答，确定交卷吗？"
    step(page, "06-confirm-submit")
    page.click("#confirm-ok")
    page.wait_for_url("**/result/")
    attempt.refresh_from_db()
    assert not attempt.is_open and attempt.answers.exclude(response=None).count() == 3
    assert "各部分得分" in page.content() and page.locator(".explanation").count() >= 1
    assert "解析" in page.locator(".review").first.inner_text()
    step(page, "07-result-review")

    # 3. 错题本: re-practise the practice question answered wrongly this morning
    page.goto(f"{live_server.url}/me/")
    page.click("#link-wrong-book")
    page.wait_for_url("**/wrong-book/")
    step(page, "08-wrong-book")
    entry = WrongAnswer.objects.get(pk=world.ids["wrong"])
    page.locator(f"[data-entry='{entry.pk}'] a.button").click()
    answer_correctly(page, QuestionVersion.objects.get(pk=world.ids["wrong_version"]))
    assert "回答正确" in page.locator("#feedback").inner_text()
    entry.refresh_from_db()
    assert entry.streak == 1
    step(page, "09-wrong-practised")

    # 4. 我的证书 and 5. the branch ranking, both from 我的学习
    page.goto(f"{live_server.url}/me/")
    page.click("#link-my-certificates")
    certificate = Certificate.objects.get(member=personas.member)
    row = page.locator(f"[data-serial='{certificate.serial}']")
    assert "有效" in row.inner_text() and "下载" in row.inner_text()
    step(page, "10-my-certificates")
    page.goto(f"{live_server.url}/me/")
    page.click("#link-ranking")
    assert "我的支部 · 第一党支部" in page.content()
    assert "我的名次：第 1 名" in page.locator("#my-rank-1").inner_text()
    step(page, "11-ranking")

    # 6. 长辈模式 on, then the lesson journey again
    page.goto(f"{live_server.url}/")
    page.click("#elder-toggle")
    page.wait_for_load_state()
    assert "elder" in (page.locator("body").get_attribute("class") or "")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    step(page, "12-elder-home")
    assert "第二课" in page.locator("[data-panel=continue]").inner_text()
    page.click("#continue-home")
    finish_lesson(page)
    step(page, "13-elder-lesson-done")
    page.click("#back-to-course")
    assert page.locator(".lesson-done").count() == 2 and "已完成" in page.locator(".lessons").inner_text()
    step(page, "14-elder-course")
    context.close()
    assert EXAM_OPEN
