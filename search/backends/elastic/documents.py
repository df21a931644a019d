"""elasticsearch-dsl ``Document`` classes: policy documents with their articles as nested passages,
and courses/lessons. Text fields use the analyzers ``school_index`` / ``school_search``, defined in the
index settings from ``SEARCH_ES_ANALYZER``: ``cjk`` (built in), ``smartcn`` or ``ik`` (plugins)."""

from __future__ import annotations

from typing import Any

from elasticsearch_dsl import Boolean, Date, Document, InnerDoc, Integer, Keyword, Long, Nested, Text

from ...core import SearchDocument
from ...query import version_date
from ...text import doc_number_key, normalize
from ..ranking import version_rank

INDEX_ANALYZER = "school_index"
SEARCH_ANALYZER = "school_search"
# Phrase clauses run on ``.phrase`` subfields analysed the same way at index and search time: with ik,
# ``ik_max_word`` (index) and ``ik_smart`` (search) give token positions that do not line up, so a phrase
# query on the main field rarely matches.
PHRASE_ANALYZER = "school_phrase"
CHARS_ANALYZER = "school_chars"


def analysis(kind: str) -> dict[str, Any]:
    """Index settings' ``analysis`` block for the configured Chinese analysis."""
    if kind == "ik":
        analyzers = {INDEX_ANALYZER: {"type": "custom", "tokenizer": "ik_max_word", "filter": ["lowercase"]},
                     SEARCH_ANALYZER: {"type": "custom", "tokenizer": "ik_smart", "filter": ["lowercase"]}}
    elif kind == "smartcn":
        analyzers = {name: {"type": "custom", "tokenizer": "smartcn_tokenizer", "filter": ["lowercase", "smartcn_stop"]}
                     for name in (INDEX_ANALYZER, SEARCH_ANALYZER)}
    else:  # cjk: overlapping bigrams, works on every cluster
        analyzers = {name: {"type": "custom", "tokenizer": "standard", "filter": ["cjk_width", "lowercase", "cjk_bigram"]}
                     for name in (INDEX_ANALYZER, SEARCH_ANALYZER)}
    analyzers[PHRASE_ANALYZER] = dict(analyzers[SEARCH_ANALYZER])
    # single characters (the standard tokenizer splits Chinese into characters): a one-character query
    # finds titles that contain it, which cjk bigrams cannot
    analyzers[CHARS_ANALYZER] = {"type": "custom", "tokenizer": "standard", "filter": ["cjk_width", "lowercase"]}
    return {"analyzer": analyzers}


def _text(**kwargs: Any) -> Text:
    return Text(analyzer=INDEX_ANALYZER, search_analyzer=SEARCH_ANALYZER, **kwargs)


def _phrase() -> Text:
    return Text(analyzer=PHRASE_ANALYZER)


class PassageDoc(InnerDoc):
    label = Keyword()
    chapter = _text()
    anchor = Keyword(index=False)
    text = _text(term_vector="with_positions_offsets", fields={"phrase": _phrase()})


class BaseDoc(Document):
    key = Keyword()
    page_id = Integer()
    content_type = Keyword()
    title = _text(fields={"raw": Keyword(), "phrase": _phrase(), "chars": Text(analyzer=CHARS_ANALYZER)})
    title_key = Keyword()
    category = Keyword()
    issuer = Keyword(fields={"text": _text()})
    url = Keyword(index=False)
    summary = _text()
    lead = Text(index=False)  # the start of the first passage: the snippet of a hit that matched by title only
    live = Boolean()
    restricted = Boolean()
    visibility = Keyword()
    issue_date = Date()
    year = Integer()
    updated_at = Date()
    passages = Nested(PassageDoc)


class PolicyDocumentDoc(BaseDoc):
    """A policy document; ``passages`` are its articles (label 第十二条, chapter, anchor, text)."""

    doc_number = Keyword(fields={"text": _text()})
    doc_number_key = Keyword()
    effective_date = Date()
    validity = Keyword()
    version = Keyword()  # 2023年版
    version_year = Integer()  # of the version note, else of the effective or issue date
    # which version of a title is its current one, as ranking.version_order: in force first, then the latest
    # version date (one number, so that a top_hits sort on it picks what the embedded backend picks)
    version_order = Long()


class CourseDoc(BaseDoc):
    """A course or a lesson (content_type "course" / "lesson"); passages are summary and text chunks."""

    validity = Keyword()


def doc_class(content_type: str) -> type[BaseDoc]:
    return PolicyDocumentDoc if content_type == "document" else CourseDoc


def to_es(doc: SearchDocument) -> BaseDoc:
    fields: dict[str, Any] = {
        "key": doc.key, "page_id": doc.page_id, "content_type": doc.content_type, "title": doc.title,
        "title_key": f"document:{normalize(doc.title)}" if doc.content_type == "document" else doc.key,
        "category": doc.category, "issuer": doc.issuer, "url": doc.url, "summary": doc.summary, "live": doc.live,
        "restricted": bool(doc.visibility), "visibility": sorted(set(doc.visibility)), "issue_date": doc.issue_date,
        "year": doc.year, "updated_at": doc.updated_at, "validity": doc.validity,
        "lead": doc.passages[0].text[:300] if doc.passages else "",
        "passages": [PassageDoc(label=p.label, chapter=p.chapter, anchor=p.anchor, text=p.text) for p in doc.passages],
    }
    if doc.content_type == "document":
        day = version_date(doc)
        fields.update(doc_number=doc.doc_number, doc_number_key=doc_number_key(doc.doc_number),
                      effective_date=doc.effective_date, version=doc.version, version_year=day.year if day else None,
                      version_order=version_rank(doc.validity in ("", "current"), day))
    es_doc = doc_class(doc.content_type)(**fields)
    es_doc.meta.id = doc.key
    return es_doc
