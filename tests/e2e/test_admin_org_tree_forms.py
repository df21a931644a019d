"""Desktop (1280×800): the organization chooser and the exam's way to publication in Chromium. A trainer finds
two of six groups all called 第一党小组 by their parents, ticks 参考政治面貌 in Chinese, saves, and submits the exam
from the editor's publish button; the administrator of the subtree publishes it from 待审核考试; the
administrator browses the tree level by level in the member form. Screenshots: test-artifacts/admin-forms-*.png"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from exams.models import Exam
from tests.e2e.conftest import choose_organization, login, shot
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import PASSWORD, make_org

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_page() -> Any:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_a_trainer_targets_groups_by_their_parents_and_an_admin_publishes(
        personas: Any, live_server: Any, desktop: Any) -> None:
    for n, parent in enumerate([personas.a1, personas.a2, personas.x1]):
        for m in range(2):
            branch = make_org(parent, f"第{n}{m}片区", f"G{n}{m}", "branch")
            make_org(branch, "第一党小组", f"G{n}{m}1", "group")
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, publish=False, title="小组党章测试")

    page = desktop()
    login(page, live_server.url, "teacher", PASSWORD)
    page.goto(f"{live_server.url}/admin/exams_exam/edit/{exam.pk}/")
    chooser = page.locator("#id_target_organizations-chooser")
    chooser.locator("[data-org-results] li").first.wait_for()  # the roots, fetched on load
    chooser.locator("[data-org-search]").fill("第一党小组")
    results = chooser.locator("[data-org-results] li")
    results.nth(5).wait_for()
    assert results.count() == 6
    chooser.scroll_into_view_if_needed()
    shot(page, "admin-forms-1-exam-chooser-search")
    choose_organization(page, "id_target_organizations", "第一党小组", "第一党支部 / 第00片区")
    choose_organization(page, "id_target_organizations", "第一党小组", "第二党支部 / 第10片区")
    page.get_by_label("预备党员").check()
    page.get_by_label("正式党员").check()
    shot(page, "admin-forms-2-exam-who")
    page.locator("button[type=submit]", has_text="保存").first.click()
    page.wait_for_url("**/admin/exams_exam/**")
    exam.refresh_from_db()
    assert sorted(exam.target_organizations.values_list("code", flat=True)) == ["G001", "G101"]
    assert exam.target_statuses == ["full", "probationary"]

    page.goto(f"{live_server.url}/admin/exams_exam/edit/{exam.pk}/")
    page.locator("[data-exam-publish]").click()
    page.wait_for_url(f"**/exams-tools/exams/{exam.pk}/publish/")
    assert page.get_by_role("link", name="返回编辑考试").is_visible()
    page.get_by_role("button", name="提交审核").click()
    page.get_by_text("等待管理员审核发布").wait_for()
    shot(page, "admin-forms-3-exam-submitted")
    assert Exam.objects.get(pk=exam.pk).status == Exam.Status.IN_REVIEW

    admin = desktop()
    login(admin, live_server.url, "admin_a", PASSWORD)
    admin.goto(f"{live_server.url}/admin/exams-tools/review/")
    shot(admin, "admin-forms-4-review-list")
    admin.get_by_role("link", name="审核发布").first.click()
    admin.get_by_role("button", name="发布").click()
    admin.get_by_text("考试已发布").first.wait_for()
    shot(admin, "admin-forms-5-exam-published")
    assert Exam.objects.get(pk=exam.pk).status == Exam.Status.PUBLISHED

    admin.goto(f"{live_server.url}/admin/school/members/add/")
    member_chooser = admin.locator("#id_organization-chooser")
    member_chooser.locator("[data-org-results] li", has_text="机关党总支").locator("[data-org-toggle]").click()
    member_chooser.locator("[data-org-results] li", has_text="第二党支部").locator("[data-org-toggle]").click()
    member_chooser.locator("[data-org-results] li", has_text="第10片区").wait_for()
    assert member_chooser.locator("[data-org-results] li", has_text="某某党支部").count() == 0  # out of scope
    member_chooser.locator("[data-org-results] li", has_text="第二党支部").locator("input").check()
    member_chooser.locator("[data-org-results] li", has_text="第一党支部").first.locator("input").check()
    chosen = member_chooser.locator("[data-org-chosen] input:checked")
    assert chosen.count() == 1  # one organization for a member: the second tick replaces the first
    member_chooser.scroll_into_view_if_needed()
    shot(admin, "admin-forms-6-member-tree")


def test_the_changed_lists_and_choosers_look_right(personas: Any, live_server: Any, desktop: Any,
                                                  tmp_path: Any, wagtail_site: Any) -> None:
    """Screenshots of the bank and exam lists, the course editor's 限定组织, the study-task form, the reading
    lesson's documents and the video chooser, with the facts each must show."""
    from courses.models import PolicyDocumentPage
    from courses.services import ensure_site_pages, import_documents
    from media.services import process_video, register_video_from_path
    from tests.courses.builders import make_course, make_reading
    from tests.media import builders as media_builders

    bank = make_bank(personas.trainer, "党章题库")
    fill_bank(bank, "single", 6)
    make_exam(personas.trainer, bank, title="支部考试", targets=[personas.a1, personas.a2])
    course = make_course("机关专题", allowed=[personas.a2])
    ensure_site_pages()
    assert import_documents([{"title": "中国共产党纪律处分条例", "category": "条例", "issuer": "中共中央",
                              "version_note": f"{year}年版", "kind": "党内法规及党政规范性文件",
                              "date": f"{year}-10-12", "body": "第一条"} for year in (2018, 2023)]).ok
    lesson = make_reading(course, "第一课 纪律")
    clip = media_builders.clip(tmp_path / "v.mp4", seconds=3)
    video = register_video_from_path(clip, title="廉政教育微课")
    assert process_video(video.pk) == "ready"

    page = desktop()
    login(page, live_server.url, "teacher", PASSWORD)
    page.goto(f"{live_server.url}/admin/exams_bank/")
    assert "启用试题数" in page.content()
    shot(page, "admin-forms-7-bank-list")
    page.goto(f"{live_server.url}/admin/exams_exam/")
    assert "第一党支部、第二党支部" in page.content()
    shot(page, "admin-forms-8-exam-list")
    page.goto(f"{live_server.url}/admin/pages/{course.pk}/edit/")
    chooser = page.locator("#id_allowed_organizations-chooser")
    chooser.scroll_into_view_if_needed()
    chooser.locator("[data-org-results] li").first.wait_for()
    assert chooser.locator("[data-org-chosen] li", has_text="第二党支部").is_visible()
    shot(page, "admin-forms-9-course-restricted")
    page.goto(f"{live_server.url}/admin/pages/{lesson.pk}/edit/")
    current = page.get_by_label("中国共产党纪律处分条例（2023年版 · 现行有效）")
    current.scroll_into_view_if_needed()
    assert PolicyDocumentPage.objects.count() == 2
    assert page.get_by_label("中国共产党纪律处分条例（2018年版 · 已修订）").is_visible()
    shot(page, "admin-forms-10-lesson-documents")
    page.goto(f"{live_server.url}/admin/pages/add/courses/videolessonpage/{course.pk}/")
    page.locator("#id_video-chooser [data-chooser-action-choose], #id_video-chooser .action-choose").first.click()
    modal = page.locator(".modal-dialog")
    modal.get_by_text("廉政教育微课").wait_for()
    modal.locator("img[src*='/poster/small.jpg']").wait_for()
    assert "0:03" in modal.inner_text() and "可播放" in modal.inner_text()
    shot(page, "admin-forms-11-video-chooser")

    admin = desktop()
    login(admin, live_server.url, "admin_a", PASSWORD)
    admin.goto(f"{live_server.url}/admin/courses/tasks/add/")
    task_chooser = admin.locator("#id_organization-chooser")
    task_chooser.locator("[data-org-search]").fill("党支部")
    task_chooser.locator("[data-org-results] li", has_text="第二党支部").wait_for()
    assert task_chooser.locator("[data-org-results] li", has_text="某某党支部").count() == 0
    task_chooser.scroll_into_view_if_needed()
    shot(admin, "admin-forms-12-task-organization")
