"""Indexing follows Wagtail: publish, unpublish, move, delete -> after commit -> Celery task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from wagtail.models import Page

from courses.models import CourseCatalogPage, CoursePage, PolicyDocumentPage, ReadingLessonPage
from courses.services.site import ensure_site_pages
from search import tasks
from search.access import viewer_for
from search.backends import get_backend
from search.core import SearchUnavailable, Viewer
from search.params import parse_query
from tests.factories import Personas

BODY = "第一章　总则\n第一条　为了加强党员教育管理，制定本规定。\n第二条　党支部应当定期组织党员学习党内法规。\n"


@pytest.fixture
def run_tasks(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[tuple[str, int]]:
    """Tasks run in-process when queued (after commit), and are recorded."""
    settings.ELASTICSEARCH_URL = None
    calls: list[tuple[str, int]] = []
    for name in ("index_page", "remove_page"):
        task = getattr(tasks, name)

        def delay(page_id: int, _name: str = name, _task: Any = task) -> None:
            calls.append((_name, page_id))
            _task.apply(args=(page_id,))

        monkeypatch.setattr(task, "delay", delay)
    return calls


EVERYTHING = Viewer(sees_everything=True)


def titles(q: str, viewer: Viewer = EVERYTHING) -> list[str]:
    return [hit.title for hit in get_backend().search(parse_query({"q": q}), viewer).hits]


def draft_document(title: str = "党员教育管理规定") -> PolicyDocumentPage:
    library = ensure_site_pages().library
    page = PolicyDocumentPage(title=title, body=BODY, category="规定", issue_date=dt.date(2024, 1, 1), live=False)
    library.add_child(instance=page)
    return page


def test_it_indexes_a_document_when_it_is_published(personas: Personas, run_tasks: list[tuple[str, int]],
                                                    django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    page = draft_document()
    assert titles("党员教育管理") == []
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    assert ("index_page", page.pk) in run_tasks
    hit = get_backend().search(parse_query({"q": "定期组织党员学习"}), viewer_for(personas.member.user)).hits[0]
    assert hit.title == "党员教育管理规定" and hit.article_label == "第二条"
    assert hit.article_url == page.url + "#art-2" and hit.chapter


def test_it_removes_a_document_when_it_is_unpublished_or_deleted(
        personas: Personas, run_tasks: list[tuple[str, int]],
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    page = draft_document()
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    page.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert ("index_page", page.pk) in run_tasks
    assert titles("党员教育管理") == []
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    assert titles("党员教育管理") == ["党员教育管理规定"]
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=page.pk).delete()
    assert ("remove_page", page.pk) in run_tasks
    assert titles("党员教育管理") == []


def test_it_follows_a_lesson_moved_into_a_restricted_course(
        personas: Personas, run_tasks: list[tuple[str, int]],
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    catalog: CourseCatalogPage = ensure_site_pages().catalog
    with django_capture_on_commit_callbacks(execute=True):
        open_course = catalog.add_child(instance=CoursePage(title="党史学习", summary="面向全体党员"))
        closed = CoursePage(title="支部书记培训", summary="只给另一区委")
        catalog.add_child(instance=closed)
        closed.allowed_organizations.set([personas.other_committee])
        closed.save_revision().publish()
        lesson = ReadingLessonPage(title="遵义会议的历史意义", summary="遵义会议", body="<p>遵义会议是伟大转折</p>")
        open_course.add_child(instance=lesson)
        lesson.save_revision().publish()
    member = viewer_for(personas.member.user)
    assert titles("遵义会议", member) == ["遵义会议的历史意义"]
    with django_capture_on_commit_callbacks(execute=True):
        Page.objects.get(pk=lesson.pk).move(closed, pos="last-child")
    assert titles("遵义会议", member) == []
    assert titles("遵义会议", viewer_for(personas.member_x.user)) == ["遵义会议的历史意义"]
    assert titles("遵义会议", viewer_for(personas.trainer)) == ["遵义会议的历史意义"]


def test_it_publishes_even_when_the_broker_is_down(personas: Personas, monkeypatch: pytest.MonkeyPatch,
                                                   django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    def down(page_id: int) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.index_page, "delay", down)
    page = draft_document()
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    page.refresh_from_db()
    assert page.live


def test_it_retries_indexing_while_the_engine_is_down(personas: Personas, settings: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    settings.ELASTICSEARCH_URL = None
    page = draft_document()
    page.save_revision().publish()

    attempts: list[int] = []

    def down(*args: Any) -> int:
        attempts.append(1)
        raise SearchUnavailable("engine down")

    monkeypatch.setattr(type(get_backend()), "index", down)
    task: Any = tasks.index_page
    assert SearchUnavailable in task.autoretry_for and task.retry_backoff
    result = tasks.index_page.apply(args=(page.pk,))  # eager: the retries run at once instead of after backoff
    assert len(attempts) == tasks.index_page.max_retries + 1
    assert isinstance(result.result, SearchUnavailable)
    monkeypatch.undo()
    settings.ELASTICSEARCH_URL = None
    assert tasks.index_page.apply(args=(page.pk,)).state == "SUCCESS"
    assert titles("党员教育管理") == ["党员教育管理规定"]


def test_it_rebuilds_and_updates_the_index_from_the_command(personas: Personas, settings: Any) -> None:
    settings.ELASTICSEARCH_URL = None
    page = draft_document()
    page.save_revision().publish()
    get_backend().rebuild([])
    out = StringIO()
    call_command("search_index", "--rebuild", stdout=out)
    assert "1 pages" in out.getvalue()
    assert titles("党员教育管理") == ["党员教育管理规定"]
    PolicyDocumentPage.objects.filter(pk=page.pk).update(title="党员教育管理办法", last_published_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    call_command("search_index", "--update", stdout=out)
    assert "1 pages indexed, 0 removed" in out.getvalue()
    assert titles("党员教育管理") == ["党员教育管理办法"]
    call_command("search_index", "--update", stdout=out)
    assert out.getvalue().rstrip().splitlines()[-1].startswith("search: embedded index updated: 0 pages indexed")


def test_it_indexes_the_demo_content(personas: Personas, settings: Any) -> None:
    from search.wagtail_hooks import seed_search_index

    settings.ELASTICSEARCH_URL = None
    draft_document().save_revision().publish()
    lines = seed_search_index(None)
    assert "indexed 1 pages" in lines[0]
    assert titles("党员教育管理") == ["党员教育管理规定"]
