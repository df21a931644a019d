"""The pages satisfy their Content Security Policy in Chromium: a member walks the member site (the
video player with hls.js included) and a superuser walks the Wagtail admin (page editor with its
preview, video upload, exam editor, statistics with ECharts) and Swagger UI; every
``securitypolicyviolation`` event, console error and page error is collected — there must be none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import PolicyDocumentPage, VideoLessonPage
from courses.services import ensure_site_pages, import_documents
from courses.services.study_tasks import create_task
from media.services import process_video
from media.services.registration import register_video_from_path
from tests.courses.builders import make_course, make_reading
from tests.e2e.conftest import PHONE, login, shot
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import PASSWORD
from tests.media.builders import clip

pytestmark = pytest.mark.django_db(transaction=True)

COLLECT = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watcher:
    """Console errors and page errors of every frame, and CSP violations of the main frame."""

    def __init__(self, context: Any) -> None:
        self.problems: list[str] = []
        self.expected_failures: set[str] = set()
        context.add_init_script(COLLECT)
        context.on("page", self._watch)

    def _watch(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("response", self._response)

    def _console(self, msg: Any) -> None:
        # A failed load is reported with its URL by _response (the console message has none).
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {msg.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.url not in self.expected_failures:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def visit(self, page: Any, url: str, name: str, ready: str | None = None, status: int = 200) -> None:
        if status != 200:
            self.expected_failures.add(url)
        response = page.goto(url)
        assert response is not None and response.status == status, (url, response and response.status)
        page.wait_for_load_state("networkidle")
        if ready:
            page.wait_for_function(ready, timeout=20_000)
        self.check(page, name)

    def check(self, page: Any, name: str) -> None:
        for frame in page.frames:
            try:
                found = frame.evaluate("window.__violations || []")
            except Exception:  # a frame that went away while navigating
                found = []
            self.problems.extend(f"{name} ({frame.url}): {v}" for v in found)
        shot(page, f"csp-{name}")
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def content(personas: Any, tmp_path: Path, wagtail_site: Any) -> dict[str, Any]:
    ensure_site_pages()
    video = register_video_from_path(clip(tmp_path / "lesson.mp4", size="320x180", seconds=3), title="党课视频",
                                     queue=False)
    assert process_video(video.pk) == "ready"
    course = make_course("党史学习教育")
    lesson = VideoLessonPage(title="第一课 伟大建党精神", video=video, required_share=90)
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    make_reading(course)
    import_documents([{"title": "中国共产党廉洁自律准则", "category": "准则", "date": "2015-10-12",
                       "body": "第一条 坚持公私分明。\n第二条 坚持崇廉拒腐。"}])
    document = PolicyDocumentPage.objects.get()
    today = timezone.localdate()
    create_task(title="党史学习", organization=personas.district, starts_on=today,
                ends_on=today + dt.timedelta(days=5), pages=[course])
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 2)
    exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a], title="党章小测验",
                     pass_mark=Decimal(50), sections=[{"qtype": "single", "count": 2, "points": Decimal(50),
                                                      "title": "单选题"}])
    return {"course": course, "lesson": lesson, "document": document, "exam": exam, "video": video}


def test_member_pages_satisfy_the_policy(personas: Any, live_server: Any, browser: Any,
                                         content: dict[str, Any]) -> None:
    context = browser.new_context(locale="zh-CN", **PHONE)
    watcher = Watcher(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    watcher.visit(page, f"{base}/accounts/login/", "member-login")
    login(page, base, "xiaoming", PASSWORD)
    watcher.visit(page, f"{base}/", "member-home")
    watcher.visit(page, f"{base}{content['course'].get_parent().url}", "member-catalog")
    watcher.visit(page, f"{base}{content['course'].url}", "member-course")
    watcher.visit(page, f"{base}{content['lesson'].url}", "member-video-lesson",
                  ready="() => document.querySelector('video').readyState >= 1")
    src = page.evaluate("document.querySelector('video').currentSrc")
    assert src.startswith("blob:"), "hls.js must be feeding the player through Media Source"
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5", timeout=20_000)
    watcher.check(page, "member-video-playing")
    watcher.visit(page, f"{base}{content['document'].get_parent().url}", "member-library")
    watcher.visit(page, f"{base}{content['document'].url}", "member-document")
    watcher.visit(page, f"{base}/search/?q=廉洁自律", "member-search")
    watcher.visit(page, f"{base}/tasks/", "member-tasks")
    watcher.visit(page, f"{base}/me/", "member-my-study")
    watcher.visit(page, f"{base}/accounts/password/", "member-password")
    watcher.visit(page, f"{base}/exams/", "member-exams")
    watcher.visit(page, f"{base}/exams/{content['exam'].pk}/", "member-exam")
    page.click("#start-exam")
    page.wait_for_url("**/exams/attempts/*/")
    page.wait_for_load_state("networkidle")
    page.locator("input[type=radio]").first.check()
    page.wait_for_function("() => document.getElementById('save-status').textContent === '已保存'")
    watcher.check(page, "member-attempt")
    page.click("#submit-paper")
    page.click("#confirm-ok")  # the confirmation dialog (all answered)
    page.wait_for_url("**/result/")
    watcher.check(page, "member-result")
    watcher.visit(page, f"{base}/this-page-does-not-exist/", "member-404", status=404)
    assert page.locator("h1").inner_text() == "页面不存在"
    context.close()


def test_admin_pages_and_api_docs_satisfy_their_policy(personas: Any, live_server: Any, browser: Any,
                                                       content: dict[str, Any]) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    watcher = Watcher(context)
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = live_server.url
    login(page, base, "root", PASSWORD)
    watcher.visit(page, f"{base}/admin/", "admin-dashboard")
    watcher.visit(page, f"{base}/admin/pages/{content['lesson'].pk}/edit/", "admin-page-editor")
    page.click("[data-side-panel-toggle=preview]")
    preview = page.frame_locator("#w-preview-iframe")
    try:
        preview.get_by_text("伟大建党精神").first.wait_for()
    except Exception:
        shot(page, "csp-debug-preview")
        print("FRAMES", [(f.url, f.content()[:3000]) for f in page.frames])
        print("PROBLEMS", watcher.problems)
        raise
    page.wait_for_load_state("networkidle")
    watcher.check(page, "admin-page-preview")
    watcher.visit(page, f"{base}{reverse('wagtailsnippets_media_video:add')}", "admin-video-upload")
    watcher.visit(page, f"{base}{reverse('wagtailsnippets_media_video:upload')}", "admin-video-resumable-upload")
    watcher.visit(page, f"{base}{reverse('exams_exam:edit', args=[content['exam'].pk])}", "admin-exam-editor")
    watcher.visit(page, f"{base}/admin/stats/organizations/{personas.district.pk}/", "admin-statistics",
                  ready="() => document.querySelectorAll('.credits-chart canvas').length >= 1")
    watcher.visit(page, f"{base}/admin/school/audit/", "admin-audit-log")
    watcher.visit(page, f"{base}/api/docs/", "api-docs", ready="() => !!document.querySelector('.swagger-ui .info')")
    context.close()
