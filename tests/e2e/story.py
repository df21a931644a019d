"""The three user journeys as one story (not a test module).

``test_journey_trainer.py`` → ``test_journey_member.py`` → ``test_journey_admin.py`` share one live
server and one database: the member watches the lesson the trainer published, the administrator sees
the member's result. pytest-django flushes the database after every test that uses its ``live_server``
or a transactional ``db``, so the journeys use neither: the ``story`` fixture starts its own live
server and the ``journey`` fixture unblocks the database for the test, and the story itself puts the
database back in its post-migration state (flush + the contents ``tests/conftest.py`` kept, as
``serialized_rollback`` does) when the last journey of the run is over or one fails.

A journey whose predecessor did not run in this story (the module was run alone, a ``-k``, or the
previous journey failed) starts from that predecessor's end state prepared through the same services
the UI calls (``prepare_after_trainer``/``prepare_after_member`` in ``tests/e2e/journey_steps.py``);
``story.prepared`` records which, and the test prints it.

Celery: tasks run eagerly in the process that queues them (``task_always_eager``), so the transcode and
the credit awards run through the real task functions inside the live server's request, after commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

from tests.factories import Personas

JOURNEYS = ("trainer", "member", "admin")
NEXT_ITEM = pytest.StashKey[Any]()
FAILED = pytest.StashKey[bool]()
# The test database's contents right after migrations, kept by tests/conftest.py's django_db_setup.
POST_MIGRATION: dict[str, str] = {}
TEST_DATABASE: dict[str, str] = {}


@dataclass
class Story:
    url: str
    media_root: Path
    work: Path
    personas: Personas | None = None
    ids: dict[str, int] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    prepared: list[str] = field(default_factory=list)

    @property
    def cast(self) -> Personas:
        assert self.personas is not None, "the story has not been set up"
        return self.personas

    def is_live(self) -> bool:
        """True while the database still holds this story (no other test flushed it)."""
        from school.models import Member

        return self.personas is not None and Member.objects.filter(pk=self.personas.member.pk).exists()

    def begin(self) -> None:
        if self.is_live():
            return
        self.reset()
        restore_post_migration_state()
        from tests.e2e.journey_steps import build_cast

        build_cast(self)

    def reset(self) -> None:
        self.personas = None
        self.ids.clear()
        self.baseline.clear()
        self.done.clear()
        self.prepared.clear()

    def end(self) -> None:
        """Leave the database as a fresh test database (post-migration contents only)."""
        self.reset()
        restore_post_migration_state()


def restore_post_migration_state() -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    connection = connections["default"]
    assert connection.settings_dict["NAME"] == TEST_DATABASE.get("default"), "only ever the test database"
    contents = POST_MIGRATION.get("default")
    assert contents is not None, "tests/conftest.py keeps the post-migration contents when journeys are collected"
    call_command("flush", verbosity=0, interactive=False, database="default", inhibit_post_migrate=True,
                 reset_sequences=False)  # the kept rows keep their ids; sequences stay past them
    # Content types first: signal handlers of the rows restored before them (Wagtail's, in app order) look
    # content types up, and one they do not find is created under a new id that the kept row then hits.
    rows = json.loads(contents)
    rows.sort(key=lambda row: row["model"] != "contenttypes.contenttype")
    ContentType.objects.clear_cache()  # this process cached the ids of the previous test's content types
    connection.creation.deserialize_db_from_string(json.dumps(rows))
    ContentType.objects.clear_cache()
    cache.clear()  # Wagtail caches the site's root paths, courses the page access checks


@pytest.fixture(scope="session")
def story(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost:0")
    root = tmp_path_factory.mktemp("journeys")
    (root / "uploads").mkdir()
    (root / "work").mkdir()
    the_story = Story(url=server.url, media_root=root / "uploads", work=root / "work")
    try:
        yield the_story
    finally:
        with django_db_blocker.unblock():
            if the_story.personas is not None:
                the_story.end()
            connections.close_all()
        server.stop()


@pytest.fixture
def journey(story: Story, request: pytest.FixtureRequest, settings: Any, django_db_blocker: Any) -> Iterator[Story]:
    """The story, for a test marked ``@pytest.mark.journey("<name>")``; the database is open during it."""
    from school.celery import app

    marker = request.node.get_closest_marker("journey")
    assert marker is not None and marker.args[0] in JOURNEYS, "mark the test with @pytest.mark.journey(<name>)"
    name = marker.args[0]
    settings.MEDIA_ROOT = str(story.media_root)
    eager = {"task_always_eager": app.conf.task_always_eager, "task_eager_propagates": app.conf.task_eager_propagates}
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    try:
        with django_db_blocker.unblock():
            story.begin()
            yield story
            next_item = request.node.stash.get(NEXT_ITEM, None)
            if request.node.stash.get(FAILED, False) or next_item is None \
                    or next_item.get_closest_marker("journey") is None:
                story.end()  # the next test gets a fresh database, as after any transactional test
            else:
                story.done.append(name)
            # asgiref keeps a connection per context, and the session's teardown may not run in this one:
            # close it here, or PostgreSQL refuses to drop the test database at the end.
            connections.close_all()
    finally:
        app.conf.update(**eager)


def order_journeys(items: list[pytest.Item]) -> None:
    """Run the journeys in story order, one after the other, where the first of them was collected."""
    journeys = [item for item in items if item.get_closest_marker("journey") is not None]
    if not journeys:
        return
    first = items.index(journeys[0])
    rest = [item for item in items if item.get_closest_marker("journey") is None]
    journeys.sort(key=lambda item: JOURNEYS.index(item.get_closest_marker("journey").args[0]))
    items[:] = rest[:first] + journeys + rest[first:]
