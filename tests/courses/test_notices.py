"""通知公告 on the member site: targeted at organization subtrees, fan-out when published (also by the
schedule), unread badges, reading and 确认, 404 for everyone outside the targets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from wagtail.documents.models import Document

from courses.models import NoticeAttachment, NoticePage, NoticeRead
from courses.services.site import ensure_site_pages
from school.models import Notification, NotificationKind
from tests.courses.builders import make_course, make_notice, run_outbox

FANOUT = "courses.tasks.notify_notice_published"

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(personas: Any) -> NoticePage:
    notice = make_notice("关于开展七一主题党日活动的通知", targets=[personas.branch_group_a], confirm=True)
    assert run_outbox(FANOUT) == [2]  # queued by the publish, run by the worker
    return notice


def test_it_tells_every_member_of_the_targeted_subtree_once_when_published(personas: Any,
                                                                          notice: NoticePage) -> None:
    notes = Notification.objects.filter(kind=NotificationKind.NOTICE_PUBLISHED)
    assert set(notes.values_list("user_id", flat=True)) == {personas.member.user_id, personas.member_a2.user_id}
    assert notes.first().url == notice.url  # links to the notice
    notice.save_revision().publish()  # republished after a correction: nobody is told twice
    assert run_outbox(FANOUT) == [0] and notes.count() == 2
    assert run_outbox(FANOUT) == []


def test_it_shows_members_only_the_notices_of_their_organization(personas: Any, client_for: Any,
                                                                 notice: NoticePage) -> None:
    make_notice("某某党支部内部通知", targets=[personas.x1])
    board = ensure_site_pages().notices
    page = client_for(personas.member.user).get(board.url).content.decode()
    assert "关于开展七一主题党日活动的通知" in page and "某某党支部内部通知" not in page
    other = client_for(personas.member_x.user).get(board.url).content.decode()
    assert "某某党支部内部通知" in other and "关于开展七一主题党日活动的通知" not in other


def test_it_answers_404_to_a_member_outside_the_targets(personas: Any, client_for: Any, notice: NoticePage) -> None:
    assert client_for(personas.member_x.user).get(notice.url).status_code == 404
    assert client_for(personas.admin_x).get(notice.url).status_code == 404
    assert client_for(personas.member_x.user).post(f"/notice-confirm/{notice.pk}/").status_code == 404
    assert not NoticeRead.objects.exists()
    anonymous = client_for(None).get(notice.url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_it_keeps_a_notice_attachment_from_members_outside_the_targets(personas: Any, client_for: Any,
                                                                       notice: NoticePage) -> None:
    document = Document.objects.create(title="活动安排表", file=ContentFile(b"%PDF-1.4 test", name="plan.pdf"))
    NoticeAttachment.objects.create(page=notice, document=document)
    assert client_for(personas.member.user).get(document.url).status_code == 200
    assert client_for(personas.member_x.user).get(document.url).status_code == 404


def test_it_shows_unread_badges_and_marks_the_notice_read_when_opened(personas: Any, client_for: Any,
                                                                      notice: NoticePage) -> None:
    client = client_for(personas.member.user)
    home = client.get("/").content.decode()
    assert 'data-panel="notices"' in home and "关于开展七一主题党日活动的通知" in home
    assert 'data-nav-badge>1<' in home
    assert client.get(ensure_site_pages().notices.url).content.decode().count("data-unread-tag") == 1
    response = client.get(notice.url)
    assert response.status_code == 200 and "请各支部按时参加" in response.content.decode()
    read = NoticeRead.objects.get(notice=notice, member=personas.member)
    assert read.read_at is not None and read.confirmed_at is None
    assert not Notification.objects.filter(user_id=personas.member.user_id, read_at__isnull=True).exists()
    home = client.get("/").content.decode()
    assert "data-nav-badge" not in home and "data-unread" not in home
    client.get(notice.url)  # reading again keeps the first time
    assert NoticeRead.objects.get(pk=read.pk).read_at == read.read_at


def test_it_records_the_confirmation_once(personas: Any, client_for: Any, notice: NoticePage) -> None:
    client = client_for(personas.member.user)
    assert "data-confirm" in client.get(notice.url).content.decode()
    assert client.post(f"/notice-confirm/{notice.pk}/").status_code == 302
    first = NoticeRead.objects.get(notice=notice, member=personas.member).confirmed_at
    assert first is not None
    assert client.post(f"/notice-confirm/{notice.pk}/").status_code == 302
    assert NoticeRead.objects.get(notice=notice, member=personas.member).confirmed_at == first
    page = client.get(notice.url).content.decode()
    assert "data-confirmed" in page and "data-confirm>" not in page
    assert client.get(f"/notice-confirm/{notice.pk}/").status_code == 405


def test_it_refuses_to_confirm_a_notice_that_asks_for_none(personas: Any, client_for: Any) -> None:
    plain = make_notice("普通通知", targets=[personas.a1])
    response = client_for(personas.member.user).post(f"/notice-confirm/{plain.pk}/")
    assert response.status_code == 400 and "不需要确认" in response.content.decode()
    assert NoticeRead.objects.filter(confirmed_at__isnull=False).count() == 0


def test_it_publishes_a_scheduled_notice_and_tells_members_then(personas: Any, client_for: Any) -> None:
    later = timezone.now() + dt.timedelta(hours=1)
    notice = make_notice("定时发布的通知", targets=[personas.a1], go_live_at=later)
    assert run_outbox(FANOUT) == []
    notice.refresh_from_db()
    assert not notice.live and not Notification.objects.exists()
    assert client_for(personas.member.user).get("/notices/").content.decode().count("定时发布的通知") == 0
    revision = notice.latest_revision  # an hour later, as the beat's publish_scheduled finds it
    past = timezone.now() - dt.timedelta(seconds=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    call_command("publish_scheduled", verbosity=0)
    assert run_outbox(FANOUT) == [1]
    notice.refresh_from_db()
    assert notice.live
    assert list(Notification.objects.values_list("user_id", flat=True)) == [personas.member.user_id]
    assert "定时发布的通知" in client_for(personas.member.user).get("/notices/").content.decode()


def test_it_goes_through_the_same_moderation_workflow_as_courses(personas: Any) -> None:
    course = make_course()
    notice = make_notice("待审核的通知", targets=[personas.a1], publish=False)
    assert notice.get_workflow() is not None and notice.get_workflow() == course.get_workflow()
    board = ensure_site_pages().notices
    assert board.permissions_for_user(personas.trainer).can_add_subpage()
    assert not board.permissions_for_user(personas.trainer).can_publish_subpage()
    assert not NoticePage.objects.get(pk=notice.pk).live


def _editor_data(notice: NoticePage, targets: list[Any], **fields: Any) -> dict[str, Any]:
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    data: dict[str, Any] = nested_form_data({
        "title": fields.get("title", notice.title), "slug": notice.slug,
        "body": rich_text("<p>请各支部按时参加。</p>"), "attachments": inline_formset([]),
    })
    data["target_organizations"] = [org.pk for org in targets]
    return data


def test_the_notice_editor_picks_targets_with_the_chooser_within_the_editors_scope(
        personas: Any, client_for: Any) -> None:
    from school import services
    from tests.factories import make_user

    notice = make_notice("区委通知", targets=[personas.x1], publish=False)
    trainer_a = make_user("trainer_a")
    services.grant_trainer(trainer_a)
    services.grant_org_admin(trainer_a, personas.branch_group_a)
    client = client_for(trainer_a)
    url = f"/admin/pages/{notice.pk}/edit/"
    page = client.get(url).content.decode()
    assert "data-org-chooser" in page and f'value="{personas.x1.pk}" checked' in page
    revisions = notice.revisions.count()
    # An organization outside the editor's scope, posted by hand: refused in Chinese, nothing saved.
    refused = client.post(url, _editor_data(notice, [personas.other_committee], title="改了"))
    assert refused.status_code == 200, refused
    assert "不在您可选择的范围内" in refused.content.decode()
    assert notice.revisions.count() == revisions
    assert NoticePage.objects.get(pk=notice.pk).title == "区委通知"
    # X1 (chosen by someone with a wider scope) is kept; A1 is inside the scope: saved as a draft.
    kept = client.post(url, _editor_data(notice, [personas.x1, personas.a1]))
    assert kept.status_code == 302
    latest = NoticePage.objects.get(pk=notice.pk).get_latest_revision_as_object()
    assert set(latest.target_organizations.all()) == {personas.x1, personas.a1}
    # Without any target the notice reaches nobody: refused.
    empty = client.post(url, _editor_data(notice, []))
    assert empty.status_code == 200 and notice.revisions.count() == revisions + 1
