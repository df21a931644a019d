"""The backend-agnostic shapes of search: what gets indexed (``SearchDocument``), what a user asks
(``SearchQuery``) and what comes back (``SearchResults``). Both backends speak only these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

# What gets indexed is defined with the hook through which apps register their pages (school.hooks.SEARCH_SOURCES).
from school.hooks import Passage as Passage
from school.hooks import SearchDocument as SearchDocument

ContentType = Literal["document", "course", "lesson"]
CONTENT_TYPES: tuple[str, ...] = ("document", "course", "lesson")

# Validity status of a policy document (现行有效 / 已修订 / 已废止); "" for courses and lessons.
VALIDITY_CURRENT = "current"
VALIDITY_REVISED = "revised"
VALIDITY_REPEALED = "repealed"
VALIDITIES: tuple[str, ...] = (VALIDITY_CURRENT, VALIDITY_REVISED, VALIDITY_REPEALED)

ORDERS: tuple[str, ...] = ("relevance", "date")


@dataclass(frozen=True)
class Viewer:
    """Who is searching: ``paths`` are the tree paths of the viewer's organization and its ancestors;
    ``sees_everything`` for superusers. Anonymous viewers see only unrestricted content."""

    paths: tuple[str, ...] = ()
    sees_everything: bool = False


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    category: str = ""
    issuer: str = ""
    year_from: int | None = None
    year_to: int | None = None
    validity: str = ""
    content_type: str = ""
    order: str = "relevance"
    page: int = 1
    page_size: int = 10

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def has_filters(self) -> bool:
        return bool(self.category or self.issuer or self.year_from or self.year_to or self.validity or self.content_type)


@dataclass
class SearchHit:
    key: str
    content_type: str
    title: str
    url: str
    title_html: str = ""  # escaped, with <mark> around matches
    snippet_html: str = ""  # escaped, with <mark> around matches
    article_label: str = ""
    chapter: str = ""
    anchor: str = ""
    doc_number: str = ""
    category: str = ""
    issuer: str = ""
    issue_date: dt.date | None = None
    validity: str = ""
    score: float = 0.0
    other_versions: int = 0
    version: str = ""  # 2023年版
    current_version: bool = True  # False: an older version shown because the query named its year or validity

    @property
    def article_url(self) -> str:
        return f"{self.url}#{self.anchor}" if self.anchor else self.url


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class SearchResults:
    query: SearchQuery
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    message: str = ""

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))

    @property
    def has_next(self) -> bool:
        return self.query.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.query.page > 1


class SearchUnavailable(Exception):
    """The search engine could not be reached; indexing tasks retry on it, searches show a message."""
