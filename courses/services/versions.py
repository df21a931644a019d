"""Versions of policy documents: which lessons and study tasks link a superseded version (已被新版本取代), and
the one-click relink to the current version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from school.permissions import can_manage_organization, is_trainer

from ..models import PolicyDocumentPage, ReadingLessonPage, StudyTask, StudyTaskItem

LESSON = "lesson"
TASK = "task"


class RelinkRefused(ValueError):
    """The link is not the user's to change, or there is nothing to relink (message in Chinese)."""


@dataclass(frozen=True)
class SupersededLink:
    kind: str  # LESSON or TASK
    owner_id: int  # the lesson page or the study task
    owner_title: str
    old: PolicyDocumentPage
    current: PolicyDocumentPage


def _current_of(documents: list[PolicyDocumentPage]) -> dict[int, PolicyDocumentPage]:
    """Superseded document id -> the current version of its title (documents that are current are left out)."""
    titles = {d.title for d in documents}
    versions = list(PolicyDocumentPage.objects.live().filter(title__in=titles))
    current = {c.title: c for c in PolicyDocumentPage.current_versions(versions)}
    out: dict[int, PolicyDocumentPage] = {}
    for doc in documents:
        newest = current.get(doc.title)
        if newest is None and doc.successor_id and doc.successor and doc.successor.live:
            newest = doc.successor  # repealed in favour of a document with another title
        if newest is not None and newest.pk != doc.pk:
            out[doc.pk] = newest
    return out


def superseded_links(user: Any) -> list[SupersededLink]:
    """The links the user may fix: lessons for trainers (and superusers), tasks of organizations they manage."""
    links: list[SupersededLink] = []
    if is_trainer(user):
        through = ReadingLessonPage.policy_documents.through.objects.select_related("readinglessonpage", "policydocumentpage")
        pairs = [(row.readinglessonpage, row.policydocumentpage) for row in through]
        current = _current_of([doc for _lesson, doc in pairs])
        links.extend(SupersededLink(LESSON, lesson.pk, lesson.title, doc, current[doc.pk])
                     for lesson, doc in pairs if doc.pk in current)
    items = list(StudyTaskItem.objects.filter(page__in=PolicyDocumentPage.objects.values("pk"))
                 .select_related("task", "task__organization"))
    items = [i for i in items if can_manage_organization(user, i.task.organization)]
    if items:
        docs = PolicyDocumentPage.objects.in_bulk([i.page_id for i in items])
        current = _current_of(list(docs.values()))
        links.extend(SupersededLink(TASK, i.task_id, i.task.title, docs[i.page_id], current[i.page_id])
                     for i in items if i.page_id in current)
    return sorted(links, key=lambda link: (link.kind, link.owner_title, link.old.title))


def do_relink_superseded(user: Any, *, kind: str, owner_id: int, old_id: int) -> SupersededLink:
    """Points the lesson or task at the current version instead of ``old_id``. A lesson gets a new published
    revision (Wagtail logs it with the user); raises ``RelinkRefused`` when the link is not the user's to fix."""
    link = next((x for x in superseded_links(user) if (x.kind, x.owner_id, x.old.pk) == (kind, owner_id, old_id)), None)
    if link is None:
        raise RelinkRefused(_("This link does not exist, is already current or is not yours to change."))
    with transaction.atomic():
        if kind == LESSON:
            lesson = ReadingLessonPage.objects.select_for_update().get(pk=owner_id)
            documents = [d for d in lesson.policy_documents.all() if d.pk != old_id]
            if link.current not in documents:
                documents.append(link.current)
            lesson.policy_documents.set(documents)
            lesson.save_revision(user=user, log_action=True).publish(user=user, skip_permission_checks=True)
        else:
            task = StudyTask.objects.select_for_update().get(pk=owner_id)
            item = task.items.get(page_id=old_id)
            if task.items.filter(page_id=link.current.pk).exists():
                item.delete()
            else:
                item.page_id = link.current.pk
                item.save(update_fields=["page"])
    return link
