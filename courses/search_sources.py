"""What the courses app's pages look like to the site search, registered through ``school.hooks.SEARCH_SOURCES``
(``courses/wagtail_hooks.py``): policy documents (one passage per article, the text before the first article in
paragraphs), courses and lessons (summary and text), with the visibility rules of ``courses.access`` (a course
restricted to organizations, and its lessons, are seen only by those subtrees; a page under an unpublished
ancestor is not live)."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.utils import translation
from django.utils.html import strip_tags
from wagtail.models import Page

from school.hooks import Passage, SearchDocument, SearchSource
from school.models import Organization

from .documents import outline
from .models import CoursePage, LessonPage, PolicyDocumentPage

SOURCE_MODELS: tuple[type[Page], ...] = (PolicyDocumentPage, CoursePage, LessonPage)
CHUNK_CHARS = 400


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Paragraph groups of about ``size`` characters (a text not written in articles)."""
    out: list[str] = []
    current = ""
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if current and len(current) + len(line) > size:
            out.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out


def document_passages(body: str) -> list[Passage]:
    parsed = outline(body)
    passages = [Passage(text=piece) for piece in chunks(parsed.preamble)]
    for heading in parsed.headings:
        if heading.text.strip():
            passages.extend(Passage(text=piece, label=heading.full, chapter=heading.full, anchor=heading.anchor)
                            for piece in chunks(heading.text))
    passages.extend(Passage(text=a.text if a.text.startswith(a.label) else f"{a.label}　{a.text}", label=a.label,
                            chapter=a.chapter, anchor=a.anchor) for a in parsed.articles)
    return passages


def _live(page: Page) -> bool:
    if not page.live:
        return False
    ancestors = [page.path[: i * page.steplen] for i in range(2, page.depth)]
    return not Page.objects.filter(path__in=ancestors, live=False).exists()


def _course_paths(course: CoursePage) -> list[str]:
    return sorted(Organization.objects.filter(pk__in=course.allowed_organizations.values("pk"))
                  .values_list("path", flat=True))


def _category_label(course: CoursePage) -> str:
    """A course's category as members read it (党章党规, not "constitution"): facets and filters use this text."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(course.get_category_display()) if course.category else ""


def document_for(page: Page) -> SearchDocument | None:
    """The search document of a page, or None when search does not index pages of its type."""
    specific = page.specific
    common = {"page_id": page.pk, "title": page.title, "url": page.get_url() or page.url_path,
              "live": _live(page), "updated_at": page.last_published_at or page.latest_revision_created_at}
    if isinstance(specific, PolicyDocumentPage):
        return SearchDocument(
            content_type="document", passages=document_passages(specific.body), doc_number=specific.doc_number,
            category=specific.category, issuer=specific.issuer, issue_date=specific.issue_date,
            effective_date=specific.effective_date, validity=specific.validity,
            version=specific.version_label, **common)
    if isinstance(specific, CoursePage):
        return SearchDocument(content_type="course", category=_category_label(specific), issuer=specific.trainer_display,
                              passages=[Passage(text=p) for p in chunks(specific.summary)], summary=specific.summary,
                              visibility=_course_paths(specific), **common)
    if isinstance(specific, LessonPage):
        course = specific.course()
        text = "\n".join(filter(None, [specific.summary, strip_tags(str(getattr(specific, "body", "") or "")),
                                       strip_tags(str(getattr(specific, "notes", "") or ""))]))
        return SearchDocument(content_type="lesson", passages=[Passage(text=p) for p in chunks(text)],
                              summary=specific.summary, category=_category_label(course) if course else "",
                              visibility=_course_paths(course) if course else [], **common)
    return None


def live_documents() -> Iterator[SearchDocument]:
    """Every live page of the three types, one type after the other in tree order."""
    for model in SOURCE_MODELS:
        qs = model.objects.live().order_by("path")
        if model is LessonPage:
            qs = qs.specific()
        for page in qs.iterator(chunk_size=200):
            doc = document_for(page)
            if doc is not None:
                yield doc


PAGES = SearchSource(models=SOURCE_MODELS, document=document_for, documents=live_documents)
