"""Who may see which course, lesson or document (asks school.permissions; nothing else decides).

Rules: content must be live with live ancestors; a course with ``allowed_organizations`` is private to
members of those subtrees (everyone else gets 404), a notice to members of its target subtrees (so are the
files it links); trainers and superusers see all live content.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet
from wagtail.models import Page

from school.models import Organization
from school.permissions import admin_paths, is_trainer, member_of

# A restriction no organization path matches (a notice without targets is for nobody).
NOBODY = "!"
_GATE_TTL = 30  # seconds; a page's publication state or restriction change is seen within this time


def _gate(page_id: int) -> tuple[bool, list[str]] | None:
    """(all ancestors and the page live, org paths the enclosing course is restricted to) or None if gone."""
    key = f"courses:gate:{page_id}"
    cached = cache.get(key)
    if cached is not None:
        return (bool(cached[0]), list(cached[1])) if cached else None
    page = Page.objects.filter(pk=page_id).only("path", "depth", "live").first()
    if page is None:
        cache.set(key, [], _GATE_TTL)
        return None
    ancestor_paths = [page.path[: i * page.steplen] for i in range(3, page.depth)]  # below the site root
    live = page.live and not Page.objects.filter(path__in=ancestor_paths, live=False).exists()
    from .models import CoursePage

    course = CoursePage.objects.filter(path__in=[*ancestor_paths, page.path]).first()
    paths: list[str] = []
    if course is not None:
        paths = list(Organization.objects.filter(pk__in=course.allowed_organizations.values("pk"))
                     .values_list("path", flat=True))
    else:
        from .models import NoticePage

        notice = NoticePage.objects.filter(pk=page_id).first()
        if notice is not None:  # a notice (and the files it links) is for its target subtrees only
            paths = [org.path for org in notice.target_organizations.all()] or [NOBODY]
    value = (live, paths)
    cache.set(key, list(value), _GATE_TTL)
    return value


def forget_page(page_id: int) -> None:
    cache.delete(f"courses:gate:{page_id}")


def can_view_page(user: Any, page: Page) -> bool:
    return can_view_page_id(user, page.pk)


def can_view_page_id(user: Any, page_id: int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    gate = _gate(page_id)
    if gate is None:
        return False
    live, restricted_to = gate
    if not live:
        return False
    if not restricted_to or user.is_superuser or is_trainer(user):
        return True
    member = member_of(user)
    if member is None:
        return False
    org_path = member.organization.path
    return any(org_path.startswith(path) for path in restricted_to)


def page_open_to_organization(page_id: int, org_path: str) -> bool:
    """Whether every member of the organization's subtree may open the page: it is live with live ancestors,
    and its course is open to everyone or restricted to organizations whose subtree holds this one."""
    gate = _gate(page_id)
    if gate is None:
        return False
    live, restricted_to = gate
    return live and (not restricted_to or any(org_path.startswith(path) for path in restricted_to))


def pages_assignable_by(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The pages of ``qs`` that ``user`` could assign in a study task to some organization of their scope
    (``page_open_to_organization``): none under an unpublished page, and none of a private course that no
    organization of the scope may open in full (superusers may pick the course's own organizations)."""
    from .models import CoursePage

    hidden = [Q(path__startswith=path) for path in
              Page.objects.filter(live=False, numchild__gt=0).values_list("path", flat=True)]
    roots = None if user.is_superuser else admin_paths(user)
    if roots is not None:
        allowed: dict[str, list[str]] = {}
        for course_path, org_path in CoursePage.objects.filter(allowed_organizations__isnull=False).values_list(
                "path", "allowed_organizations__path"):
            allowed.setdefault(course_path, []).append(org_path)
        for course_path, paths in allowed.items():
            if not any(path.startswith(root) or root.startswith(path) for path in paths for root in roots):
                hidden.append(Q(path__startswith=course_path))
    for q in hidden:
        qs = qs.exclude(q)
    return qs


def courses_visible_to(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Filter a CoursePage queryset down to the courses ``user`` may open."""
    if user.is_superuser or is_trainer(user):
        return qs
    member = member_of(user)
    open_q = Q(allowed_organizations__isnull=True)
    if member is None:
        return qs.filter(open_q).distinct()
    paths = [*member.organization.ancestor_paths(), member.organization.path]
    return qs.filter(open_q | Q(allowed_organizations__path__in=paths)).distinct()


def can_download_document(user: Any, document: Any) -> bool:
    """A Wagtail document (a lesson's attachment, a policy document's PDF, a file linked from a page) may
    be downloaded by whoever may see one of the pages that use it; trainers and superusers get any."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or is_trainer(user):
        return True
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    from .models import LessonAttachment, NoticeAttachment, PolicyDocumentPage

    page_type = ContentType.objects.get_for_model(Page)
    page_ids = set(LessonAttachment.objects.filter(document=document).values_list("page_id", flat=True))
    page_ids.update(NoticeAttachment.objects.filter(document=document).values_list("page_id", flat=True))
    page_ids.update(PolicyDocumentPage.objects.filter(pdf=document).values_list("pk", flat=True))
    page_ids.update(int(object_id) for object_id in ReferenceIndex.get_references_to(document).filter(
        base_content_type=page_type).values_list("object_id", flat=True))
    return any(can_view_page_id(user, page_id) for page_id in sorted(page_ids))


def lesson_video_access(user: Any, video: Any) -> bool | None:
    """media's check (``media.access``): a video used by lessons may be watched by whoever may see one of
    those lessons; a video no lesson uses is not courses' to judge (None)."""
    from .models import VideoLessonPage

    lessons = list(VideoLessonPage.objects.filter(video=video).only("id", "path", "depth", "live"))
    if not lessons:
        return None
    return any(can_view_page(user, lesson) for lesson in lessons)
