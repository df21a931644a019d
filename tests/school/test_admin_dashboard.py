"""The admin dashboard: each role's to-dos in place of Wagtail's welcome, scoped to what the user may see,
and the platform's name, logo and colours on the dashboard and the login page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import lxml.html
import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import Page, Site, Workflow

from courses.models import CoursePage
from courses.services import ensure_site_pages
from courses.services.study_tasks import create_task
from media.models import Video, VideoState
from school import services
from tests.courses.builders import make_course
from tests.factories import Personas, make_org, make_user

pytestmark = pytest.mark.django_db


def todos(client: Client) -> dict[str, list[str]]:
    """The dashboard's to-do kinds (by key) with the labels of their items, as the page shows them."""
    response = client.get("/admin/")
    assert response.status_code == 200
    root = lxml.html.document_fromstring(response.content.decode())
    assert root.xpath("//section[@id='school-todos-section']"), "the to-do panel is missing"
    return {todo.get("data-todo"): [a.text_content().strip() for a in todo.xpath(".//ul//a")]
            for todo in root.xpath("//li[@data-todo]")}


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def work(personas: Personas) -> dict[str, object]:
    """Something waiting for each role: videos, a course in moderation, study tasks inside and outside A."""
    site = ensure_site_pages()
    Video.objects.create(title="转码失败的党课", original="videos/originals/f.mp4", state=VideoState.FAILED,
                         uploaded_by=personas.trainer)
    Video.objects.create(title="正在转码的党课", original="videos/originals/p.mp4", state=VideoState.PROCESSING,
                         uploaded_by=personas.trainer)
    Video.objects.create(title="可播放的党课", original="videos/originals/r.mp4", state=VideoState.READY,
                         uploaded_by=personas.trainer)
    draft = CoursePage(title="待审核的新课", summary="草稿", credit_hours=1, live=False)
    site.catalog.add_child(instance=draft)
    draft.save_revision(user=personas.trainer)
    workflow = Workflow.objects.filter(active=True).first()
    assert workflow is not None
    workflow.start(draft, personas.trainer)
    course = make_course("七月专题")
    today = timezone.localdate()
    create_task(title="A支部七月学习", organization=personas.a1, starts_on=today - dt.timedelta(days=10),
                ends_on=today + dt.timedelta(days=3), pages=[course], created_by=personas.admin_a)
    create_task(title="A支部年度学习", organization=personas.a1, starts_on=today,
                ends_on=today + dt.timedelta(days=60), pages=[course], created_by=personas.admin_a)
    create_task(title="X委七月学习", organization=personas.x1, starts_on=today, ends_on=today + dt.timedelta(days=2),
                pages=[course], created_by=personas.admin_x)
    return {"draft": draft}


def test_it_shows_the_trainer_the_videos_to_fix(personas: Personas, work: dict[str, object]) -> None:
    shown = todos(login(personas.trainer))
    assert shown["videos_failed"] == ["转码失败的党课"]
    assert shown["videos_transcoding"] == ["正在转码的党课"]
    assert set(shown) == {"videos_failed", "videos_transcoding"}  # not the ready video, no tasks, nothing to review


def test_it_shows_an_organization_administrator_only_the_tasks_due_in_their_subtree(
        personas: Personas, work: dict[str, object]) -> None:
    shown = todos(login(personas.admin_a))
    assert shown == {"study_tasks_due": ["A支部七月学习"]}  # not the yearly task, not committee X's
    assert todos(login(personas.admin_x)) == {"study_tasks_due": ["X委七月学习"]}


def test_it_shows_the_superuser_the_pages_to_review_and_everything_else(
        personas: Personas, work: dict[str, object]) -> None:
    shown = todos(login(personas.superuser))
    assert shown["moderation_review"] == ["待审核的新课"]
    assert shown["study_tasks_due"] == ["X委七月学习", "A支部七月学习"]  # the nearest deadline first
    assert set(shown) == {"moderation_review", "videos_failed", "videos_transcoding", "study_tasks_due"}


def test_it_says_when_nothing_is_waiting(personas: Personas) -> None:
    other = make_org(personas.other_committee, "空闲党支部", "X9")
    idle = make_user("idle_admin")
    services.grant_org_admin(idle, other)
    client = login(idle)
    assert todos(client) == {}
    page = client.get("/admin/").content.decode()
    assert "暂无待办事项。" in page
    assert "Welcome to your new Wagtail site" not in page and "localhost" not in page


def test_it_names_the_site_and_brands_the_dashboard_and_login(personas: Personas) -> None:
    site = Site.objects.get(is_default_site=True)
    assert site.site_name == "数字党校" and site.root_page.title == "数字党校"
    root = Page.get_first_root_node()
    assert root is not None and root.title == "根目录"
    page = lxml.html.document_fromstring(login(personas.trainer).get("/admin/").content.decode())
    assert page.findtext(".//title").strip().endswith("数字党校")
    assert page.xpath("string(//h1)").strip() == "数字党校"
    assert page.xpath("//link[contains(@href, 'school/brand/admin.css')]")
    assert page.xpath("//template[@data-wagtail-sidebar-branding-logo]")
    login_page = Client().get("/admin/login/").content.decode()
    assert "登录数字党校管理后台" in login_page and "school/brand/logo.svg" in login_page
    assert "school/brand/admin.css" in login_page and "Sign in to Wagtail" not in login_page


@pytest.fixture
def notices(personas: Personas) -> dict[str, object]:
    """Notices published two days ago: A's read by one of its two members (50 %), A's read by both, X's read
    by nobody; and one to A published just now (members have had no time to read it yet)."""
    from courses.models import NoticePage, NoticeRead
    from tests.courses.builders import make_notice

    now = timezone.now()
    half = make_notice("A总支半数已读的通知", targets=[personas.branch_group_a])
    full = make_notice("A总支全部已读的通知", targets=[personas.branch_group_a])
    unread_x = make_notice("X委无人阅读的通知", targets=[personas.x1])
    make_notice("A总支刚发布的通知", targets=[personas.branch_group_a])
    NoticePage.objects.filter(pk__in=[half.pk, full.pk, unread_x.pk]).update(
        first_published_at=now - dt.timedelta(days=2))
    for notice, member in [(half, personas.member), (full, personas.member), (full, personas.member_a2)]:
        NoticeRead.objects.create(notice=notice, member=member, read_at=now)
    return {"half": half, "unread_x": unread_x}


def test_it_shows_administrators_the_notices_of_their_scope_few_members_have_read(
        personas: Personas, notices: dict[str, Any], settings: Any) -> None:
    settings.COURSES_NOTICE_LOW_READ_RATE = 60
    client = login(personas.admin_a)
    assert todos(client) == {"notices_low_read": ["A总支半数已读的通知"]}  # not the fully read, new or X's notice
    page = lxml.html.document_fromstring(client.get("/admin/").content.decode())
    link = page.xpath("//li[@data-todo='notices_low_read']//ul//a")[0]
    assert link.get("href") == f"/admin/courses/notices/{notices['half'].pk}/"  # its 阅读情况 page
    assert "已读 1 / 2 人（50%）" in link.getparent().text_content()
    assert client.get(link.get("href")).status_code == 200
    assert todos(login(personas.admin_x)) == {"notices_low_read": ["X委无人阅读的通知"]}
    assert todos(login(personas.superuser))["notices_low_read"] == ["X委无人阅读的通知", "A总支半数已读的通知"]
    assert "notices_low_read" not in todos(login(personas.trainer))  # no administrator scope
    settings.COURSES_NOTICE_LOW_READ_RATE = 50  # 50 % read is no longer "low"
    assert todos(login(personas.admin_a)) == {}
