from __future__ import annotations

import re
from typing import Any

from django.test import Client
from wagtail.models import Page, Workflow

from courses.models import CourseCatalogPage, CoursePage, StudyProgress
from courses.services import ensure_site_pages
from tests.courses.builders import make_course, make_reading, make_video_lesson


def test_it_creates_the_site_pages_once_at_fixed_urls(db: None) -> None:
    first = ensure_site_pages()
    second = ensure_site_pages()
    assert first.catalog.pk == second.catalog.pk and first.library.pk == second.library.pk
    assert first.catalog.url == "/courses/" and first.library.url == "/library/"
    assert CourseCatalogPage.objects.count() == 1


def test_it_lists_courses_with_category_tag_and_text_filters(personas: Any, client_for: Any) -> None:
    party = make_course("学习贯彻党章", category="constitution")
    party.tags.add("党章")
    party.save_revision().publish()
    make_course("党史专题", category="history")
    client = client_for(personas.member.user)
    html = client.get("/courses/").content.decode()
    assert "学习贯彻党章" in html and "党史专题" in html and "党章党规" in html and "二十大精神" in html
    html = client.get("/courses/", {"category": "history"}).content.decode()
    assert "党史专题" in html and "学习贯彻党章" not in html
    html = client.get("/courses/", {"tag": "党章"}).content.decode()
    assert "学习贯彻党章" in html and "党史专题" not in html
    html = client.get("/courses/", {"q": "党史"}).content.decode()
    assert "党史专题" in html and "学习贯彻党章" not in html


def test_it_hides_private_courses_from_members_outside_the_subtree(personas: Any, client_for: Any) -> None:
    private = make_course("A总支专题", allowed=[personas.branch_group_a])
    assert "A总支专题" in client_for(personas.member.user).get("/courses/").content.decode()
    assert "A总支专题" not in client_for(personas.member_x.user).get("/courses/").content.decode()
    assert client_for(personas.member_x.user).get(private.url).status_code == 404
    assert client_for(personas.member.user).get(private.url).status_code == 200
    assert client_for(personas.trainer).get(private.url).status_code == 200


def test_it_shows_a_course_with_ordered_lessons_and_progress(personas: Any, client_for: Any, course: Any) -> None:
    first = make_reading(course, "第一课 总纲")
    make_video_lesson(course, "第二课 视频")
    StudyProgress.objects.create(member=personas.member, page=first, kind="reading", duration=60,
                                 required_seconds=60, watched_seconds=60, completed_at="2026-01-01T00:00:00Z")
    html = client_for(personas.member.user).get(course.url).content.decode()
    lessons = html[html.index('<ol class="lessons">'):]
    assert lessons.index("第一课 总纲") < lessons.index("第二课 视频")
    assert "已完成 1 / 2 课时" in html and "2.0 学时" in html
    assert lessons.count("已完成") == 1 and "未开始" in lessons and "视频 1:40 · 需观看 90%" in lessons
    assert "图文，约 1 分钟" in lessons
    # 继续学习: the first lesson is complete, so the next one
    continue_card = html[html.index("data-continue"):html.index('<ol class="lessons">')]
    assert "继续学习" in continue_card and "第二课 视频" in continue_card


def test_it_serves_reading_and_video_lessons_with_the_tracker(personas: Any, client_for: Any, course: Any) -> None:
    reading = make_reading(course)
    video = make_video_lesson(course)
    client = client_for(personas.member.user)
    html = client.get(reading.url).content.decode()
    assert "data-study-tracker" in html and 'data-kind="reading"' in html and "先锋队" in html
    html = client.get(video.url).content.decode()
    assert 'data-kind="video"' in html and "data-video-id" in html and "90%" in html
    assert client_for(None).get(reading.url).status_code == 302


def test_it_hides_lessons_of_an_unpublished_course(personas: Any, client_for: Any, course: Any) -> None:
    lesson = make_reading(course)
    course.unpublish()
    assert client_for(personas.member.user).get(lesson.url).status_code == 404


def test_it_adds_nav_items_and_study_panels(personas: Any, client_for: Any, course: Any) -> None:
    lesson = make_reading(course)
    StudyProgress.objects.create(member=personas.member, page=lesson, kind="reading", duration=60,
                                 required_seconds=60, watched_seconds=600)
    client = client_for(personas.member.user)
    home = client.get("/").content.decode()
    assert 'data-nav="courses"' in home and 'data-nav="library"' in home
    assert home.index('data-nav="courses"') < home.index('data-nav="library"')
    me = client.get("/me/").content.decode()
    assert "我的课程" in me and "累计学习 10 分钟" in me and course.title in me


def test_it_lets_trainers_submit_pages_for_moderation_but_not_publish(personas: Any, client: Client) -> None:
    catalog = ensure_site_pages().catalog
    client.force_login(personas.trainer)
    assert Workflow.objects.filter(active=True, name="审核员审批").exists()  # Wagtail's default, renamed
    form = client.get(f"/admin/pages/add/courses/coursepage/{catalog.pk}/").content.decode()
    assert "提交给审核员审批" in form and "Moderators approval" not in form
    response = client.post(f"/admin/pages/add/courses/coursepage/{catalog.pk}/", {
        "title": "新课程", "slug": "new-course", "category": "theory", "credit_hours": "1.0", "summary": "x",
        "tags": "", "action-submit": "submit"})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = CoursePage.objects.get(slug="new-course")
    assert not page.live and page.current_workflow_state is not None
    publish = client.post(f"/admin/pages/{page.pk}/edit/", {
        "title": "新课程", "slug": "new-course", "category": "theory", "credit_hours": "1.0", "summary": "x",
        "tags": "", "action-publish": "publish"})
    assert publish.status_code in (200, 302, 403)  # the edit form again, or a refusal: never published
    page.refresh_from_db()
    assert not page.live
    assert client.get(page.url or "/courses/new-course/").status_code in (404, 302)
    assert Page.objects.get(pk=page.pk).get_latest_revision() is not None


def test_it_links_the_final_exam_for_the_members_it_is_open_to(personas: Any, client_for: Any) -> None:
    from tests.exams.builders import fill_bank, make_bank, make_exam

    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, title="党章结业考试", targets=[personas.branch_group_a])
    course = make_course("党章学习", final_exam_id=exam.pk)
    html = client_for(personas.member.user).get(course.url).content.decode()
    assert "data-final-exam" in html and f'href="/exams/{exam.pk}/"' in html and "党章结业考试" in html
    other = client_for(personas.member_x.user).get(course.url).content.decode()  # not targeted: no link
    assert "本课程设有结业考试。" in other and f"/exams/{exam.pk}/" not in other
    exam.status = "draft"
    exam.save(update_fields=["status"])
    assert f"/exams/{exam.pk}/" not in client_for(personas.member.user).get(course.url).content.decode()


def test_it_lets_the_course_editor_choose_trainer_and_final_exam_by_name(personas: Any, client: Client) -> None:
    from tests.exams.builders import fill_bank, make_bank, make_exam

    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, title="党章结业考试")
    catalog = ensure_site_pages().catalog
    client.force_login(personas.trainer)
    url = f"/admin/pages/add/courses/coursepage/{catalog.pk}/"
    html = client.get(url).content.decode()
    assert f'<option value="{exam.pk}">党章结业考试（已发布）</option>' in html
    trainers = re.search(r'<select name="trainer".*?</select>', html, re.S)
    assert trainers is not None and f'<option value="{personas.trainer.pk}">王老师</option>' in trainers.group(0)
    assert f'value="{personas.member.user.pk}"' not in trainers.group(0)  # members are not trainers
    form = {"title": "党章学习", "slug": "dangzhang", "category": "theory", "credit_hours": "1.0", "summary": "x",
            "tags": "", "trainer": str(personas.trainer.pk), "final_exam_id": "999999"}
    refused = client.post(url, form)
    assert refused.status_code == 200 and "请从列表中选择结业考试。" in refused.content.decode()
    assert not CoursePage.objects.filter(slug="dangzhang").exists()
    saved = client.post(url, {**form, "final_exam_id": str(exam.pk)})
    assert saved.status_code == 302, saved.content.decode()[:500]
    course = CoursePage.objects.get(slug="dangzhang")
    assert (course.final_exam_id, course.trainer_id) == (exam.pk, personas.trainer.pk)
