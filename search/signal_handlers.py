"""Receivers: Wagtail publish/unpublish/move/delete -> after commit -> a Celery task.
``register_signal_handlers()`` connects them, from ``SearchConfig.ready()``.

``post_save`` of a live page of an indexed type is followed too, because importers (courses'
``import_documents``) create live pages without Wagtail's publish signal; the indexed types are those
registered through ``school.hooks.SEARCH_SOURCES`` (``search.sources``). The tasks are idempotent, so
a page queued twice costs only time; a broker failure keeps the task in school's task outbox, never
raised into the publishing request."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .sources import source_models


def _queue(task_name: str, page_id: int) -> None:
    """Through the task outbox: the row is written in the publishing transaction and the task sent
    after commit; a broker outage keeps it for the outbox flush, never failing the publish."""
    from school import outbox

    from . import tasks

    outbox.send_on_commit(getattr(tasks, task_name), page_id)


def on_published(sender: Any, instance: Page, **kwargs: Any) -> None:
    _queue("index_page", instance.pk)


def on_moved(sender: Any, instance: Page, **kwargs: Any) -> None:
    _queue("index_page", instance.pk)


def on_saved(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    # Pages first: the sources are asked only for a live page, not on every save of every model.
    if not raw and isinstance(instance, Page) and instance.live and isinstance(instance, source_models()):
        _queue("index_page", instance.pk)


def on_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, Page):
        _queue("remove_page", instance.pk)


def register_signal_handlers() -> None:
    page_published.connect(on_published, dispatch_uid="search_page_published")
    page_unpublished.connect(on_published, dispatch_uid="search_page_unpublished")
    post_page_move.connect(on_moved, dispatch_uid="search_page_moved")
    post_save.connect(on_saved, dispatch_uid="search_page_saved")
    post_delete.connect(on_deleted, dispatch_uid="search_page_deleted")
