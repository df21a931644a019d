from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from courses.models import LessonAttachment, PolicyDocumentPage, StudyProgress
from courses.services import ensure_site_pages, import_documents
from courses.services.study_tasks import create_task, tasks_for_member
from media.access import can_watch
from tests.courses.builders import make_course, make_reading, make_video, make_video_lesson


def test_it_lets_only_members_who_may_see_a_lesson_watch_its_video(personas: Any) -> None:
    private = make_course("A总支专题", allowed=[personas.branch_group_a])
    lesson = make_video_lesson(private)
    assert can_watch(personas.member.user, lesson.video)
    assert not can_watch(personas.member_x.user, lesson.video)
    assert can_watch(personas.trainer, lesson.video)
    unused = make_video("未用于课程的视频")
    assert not can_watch(personas.member_x.user, unused)  # not in a lesson: courses abstains, and videos fail closed


def test_it_counts_reading_a_document_as_study_in_a_task(personas: Any, client_for: Any, clock: Any,
                                                         settings: Any) -> None:
    settings.COURSES_DOCUMENT_READING_SECONDS = 30
    ensure_site_pages()
    import_documents([{"title": "中国共产党廉洁自律准则", "category": "准则", "date": "2015-10-12",
                       "body": "第一条 坚持公私分明。\n第二条 坚持崇廉拒腐。"}])
    document = PolicyDocumentPage.objects.get()
    today = timezone.localdate()
    create_task(title="廉洁自律学习", organization=personas.district, starts_on=today,
                ends_on=today + dt.timedelta(days=5), pages=[document])
    client = client_for(personas.member.user)
    html = client.get(document.url).content.decode()
    assert "data-study-tracker" in html and 'data-kind="document"' in html
    session = client.post(f"/api/v1/progress/{document.pk}/start/").json()["session"]
    clock.advance(30)
    response = client.post(f"/api/v1/progress/{document.pk}/heartbeat/",
                           json.dumps({"session": session, "seq": 1, "start": 0, "position": 30}),
                           content_type="application/json")
    assert response.json()["completed"] is True
    assert StudyProgress.objects.get(page=document).kind == "document"
    [row] = tasks_for_member(personas.member)
    assert row.complete and row.earned == row.required


def test_it_serves_a_lessons_attachment_only_to_those_who_may_see_the_lesson(personas: Any, client_for: Any) -> None:
    lesson = make_reading(make_course("A总支专题", allowed=[personas.branch_group_a]))
    document = get_document_model().objects.create(title="A总支学习材料", file=ContentFile(b"%PDF-1.4 A", "a.pdf"))
    LessonAttachment.objects.create(page=lesson, document=document)
    lesson.save_revision().publish()
    url = document.url
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for user in (personas.member_x.user, personas.admin_x, personas.admin_a):
        assert client_for(user).get(url).status_code == 404
    for user in (personas.member.user, personas.member_a2.user, personas.trainer, personas.superuser):
        response = client_for(user).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 A"
    unused = get_document_model().objects.create(title="未用的文件", file=ContentFile(b"%PDF-1.4 B", "b.pdf"))
    assert client_for(personas.member.user).get(unused.url).status_code == 404
    assert client_for(personas.trainer).get(unused.url).status_code == 200
