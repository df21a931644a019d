"""Organization administrators write notices (通知公告) in the Wagtail admin: add and edit on the notice
board, submit to the same moderation workflow as the trainers' courses (never publish), targets within
their subtrees; notices of other subtrees are neither listed in their page explorer nor opened in the editor."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from courses.models import NoticePage
from courses.services.notices import notice_editing_scoped
from courses.services.site import ensure_site_pages
from school.permissions import ORG_ADMIN_GROUP
from tests.courses.builders import make_notice
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _form(title: str, slug: str, targets: list[Any], action: str) -> dict[str, Any]:
    data: dict[str, Any] = nested_form_data({
        "title": title, "slug": slug, "body": rich_text("<p>请各支部按时参加。</p>"),
        "attachments": inline_formset([]), action: action.removeprefix("action-")})
    data["target_organizations"] = [org.pk for org in targets]
    return data


def test_an_organization_administrator_writes_a_notice_and_submits_it_for_moderation(
        personas: Any, client_for: Any) -> None:
    board = ensure_site_pages().notices
    client = client_for(personas.admin_a)
    add_url = f"/admin/pages/add/courses/noticepage/{board.pk}/"
    form = client.get(add_url)
    assert form.status_code == 200 and "提交给审核员审批" in form.content.decode()
    response = client.post(add_url, _form("A总支学习通知", "a-study", [personas.a1], "action-submit"))
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = NoticePage.objects.get(slug="a-study")
    assert not notice.live and notice.current_workflow_state is not None  # waiting for the moderators
    assert notice.owner == personas.admin_a
    # Publishing directly is the moderators' (as for the trainers' courses): still not live.
    client.post(f"/admin/pages/{notice.pk}/edit/", _form("A总支学习通知", "a-study", [personas.a1], "action-publish"))
    notice.refresh_from_db()
    assert not notice.live
    # A target outside the scope, posted by hand: refused, nothing created.
    refused = client.post(add_url, _form("越权通知", "x-notice", [personas.x1], "action-submit"))
    assert refused.status_code == 200 and "不在您可选择的范围内" in refused.content.decode()
    assert not NoticePage.objects.filter(slug="x-notice").exists()


def test_the_page_explorer_lists_only_notices_within_the_administrators_scope(personas: Any, client_for: Any) -> None:
    make_notice("A总支通知", targets=[personas.branch_group_a])
    make_notice("另一区委通知", targets=[personas.x1])
    make_notice("联合通知", targets=[personas.a1, personas.x1])  # partly outside both scopes
    board = ensure_site_pages().notices
    url = f"/admin/pages/{board.pk}/"
    seen_a = client_for(personas.admin_a).get(url).content.decode()
    assert "A总支通知" in seen_a and "另一区委通知" not in seen_a and "联合通知" not in seen_a
    seen_x = client_for(personas.admin_x).get(url).content.decode()
    assert "另一区委通知" in seen_x and "A总支通知" not in seen_x and "联合通知" not in seen_x
    seen_trainer = client_for(personas.trainer).get(url).content.decode()
    assert all(title in seen_trainer for title in ("A总支通知", "另一区委通知", "联合通知"))


def test_an_administrator_cannot_open_or_copy_a_notice_of_another_subtree(personas: Any, client_for: Any) -> None:
    notice = make_notice("A总支通知", targets=[personas.branch_group_a])
    edit_url = f"/admin/pages/{notice.pk}/edit/"
    assert client_for(personas.admin_a).get(edit_url).status_code == 200
    client = client_for(personas.admin_x)
    for url in (edit_url, f"/admin/pages/{notice.pk}/copy/"):
        refused = client.get(url)
        assert refused.status_code == 302 and refused["Location"] == "/admin/", url
    revisions = notice.revisions.count()
    posted = client.post(edit_url, _form("改了", notice.slug, [personas.other_committee], "action-submit"))
    assert posted.status_code == 302 and posted["Location"] == "/admin/"
    assert notice.revisions.count() == revisions
    assert NoticePage.objects.get(pk=notice.pk).title == "A总支通知"


def test_no_admin_screen_of_a_notice_of_another_subtree_opens_for_an_administrator(
        personas: Any, client_for: Any) -> None:
    """History, revisions, compare, preview, delete, unpublish, move, lock: Wagtail asks the notice's
    permissions, which are none for X's administrator; A's administrator and the trainer still open them."""
    notice = make_notice("A总支通知", targets=[personas.branch_group_a])
    notice.save_revision()  # a second revision, to compare
    first, second = notice.revisions.order_by("pk").values_list("pk", flat=True)
    urls = [f"/admin/pages/{notice.pk}/history/",
            f"/admin/pages/{notice.pk}/revisions/compare/{first}...{second}/",
            f"/admin/pages/{notice.pk}/revisions/{first}/view/",
            f"/admin/pages/{notice.pk}/delete/", f"/admin/pages/{notice.pk}/unpublish/",
            f"/admin/pages/{notice.pk}/move/"]
    refused = client_for(personas.admin_x)
    for url in urls:
        response = refused.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url
    assert refused.post(f"/admin/pages/{notice.pk}/unpublish/").status_code == 302
    assert refused.post(f"/admin/pages/{notice.pk}/delete/").status_code == 302
    assert NoticePage.objects.get(pk=notice.pk).live
    for persona in (personas.admin_a, personas.trainer):
        response = client_for(persona).get(f"/admin/pages/{notice.pk}/history/")
        assert response.status_code == 200 and "A总支通知" in response.content.decode()


def test_the_admin_page_search_finds_only_notices_within_the_administrators_scope(
        personas: Any, client_for: Any) -> None:
    notices = {notice.title: notice for notice in (make_notice("A总支学习通知", targets=[personas.branch_group_a]),
                                                   make_notice("另一区委学习通知", targets=[personas.x1]))}
    seen = {}
    for persona in ("admin_a", "admin_x", "trainer"):
        client = client_for(getattr(personas, persona))
        for title in ("A总支学习通知", "另一区委学习通知"):
            for path in ("/admin/pages/search/", "/admin/pages/search/results/"):
                response = client.get(path, {"q": title})
                assert response.status_code == 200
                seen[persona, title, path] = f"/admin/pages/{notices[title].pk}/" in response.content.decode()
    assert {key for key, found in seen.items() if found} == {
        (persona, title, path) for persona, title in [("admin_a", "A总支学习通知"), ("admin_x", "另一区委学习通知"),
                                                       ("trainer", "A总支学习通知"), ("trainer", "另一区委学习通知")]
        for path in ("/admin/pages/search/", "/admin/pages/search/results/")}


def test_only_administrators_without_other_page_roles_are_limited(personas: Any) -> None:
    moderator = make_user("moderator")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    assert notice_editing_scoped(personas.admin_a)
    assert not notice_editing_scoped(personas.trainer) and not notice_editing_scoped(personas.superuser)
    assert not notice_editing_scoped(moderator)


def test_existing_sites_get_the_permission_from_the_data_migration(personas: Any) -> None:
    board = ensure_site_pages().notices
    granted = GroupPagePermission.objects.filter(group__name=ORG_ADMIN_GROUP, page=board)
    assert set(granted.values_list("permission__codename", flat=True)) == {"add_page", "change_page"}
    granted.delete()
    migration = importlib.import_module("courses.migrations.0004_org_admins_write_notices")
    migration.grant(apps, None)
    migration.grant(apps, None)  # safe to run twice
    assert sorted(granted.values_list("permission__codename", flat=True)) == ["add_page", "change_page"]


def test_the_notice_board_listing_asks_the_scope_once_per_notice(personas: Any, client_for: Any) -> None:
    """Wagtail asks a page's permissions several times per row of a listing; the scope check behind them is
    answered once per notice and request: ten more notices cost at most three queries each (Wagtail's own two
    per row, and the notice's targets for an organization administrator), not the 12–32 of asking each time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    board = ensure_site_pages().notices
    counts: dict[str, list[int]] = {"trainer": [], "admin_a": []}
    for batch in range(2):
        for n in range(10):
            make_notice(f"第{batch}批通知{n}", targets=[personas.branch_group_a])
        for persona, seen in counts.items():
            client = client_for(getattr(personas, persona))
            client.get(f"/admin/pages/{board.pk}/")
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/admin/pages/{board.pk}/").status_code == 200
            seen.append(len(queries))
    assert all(later - earlier <= 30 for earlier, later in counts.values()), counts
