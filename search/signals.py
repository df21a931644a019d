"""Wagtail publish/unpublish/move/delete -> after commit -> a Celery task. Connected in apps.ready().

``post_save`` of a live page of an indexed type is followed too, because importers (courses'
``import_documents``) create live pages without Wagtail's publish signal. The tasks are idempotent, so
a page queued twice costs only time; a broker failure is logged, never raised into the publishing request."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .sources import SOURCE_MODELS

logger = logging.getLogger(__name__)


def _queue(task_name: str, page_id: int) -> None:
    def send() -> None:
        from . import tasks

        try:
            getattr(tasks, task_name).delay(page_id)
        except Exception:
            logger.exception("could not queue %s(%s); run `manage.py search_index --update` later", task_name, page_id)

    transaction.on_commit(send, robust=True)


def on_published(sender: Any, instance: Page, **kwargs: Any) -> None:
    _queue("index_page", instance.pk)


def on_moved(sender: Any, instance: Page, **kwargs: Any) -> None:
    _queue("index_page", instance.pk)


def on_saved(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if not raw and isinstance(instance, SOURCE_MODELS) and instance.live:
        _queue("index_page", instance.pk)


def on_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, Page):
        _queue("remove_page", instance.pk)


def connect() -> None:
    page_published.connect(on_published, dispatch_uid="search_page_published")
    page_unpublished.connect(on_published, dispatch_uid="search_page_unpublished")
    post_page_move.connect(on_moved, dispatch_uid="search_page_moved")
    post_save.connect(on_saved, dispatch_uid="search_page_saved")
    post_delete.connect(on_deleted, dispatch_uid="search_page_deleted")
