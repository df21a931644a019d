"""Helpers of bench/search.py that need Django: loading the corpus and the naive LIKE baseline."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from django.db.models import Q

from .backends import get_backend
from .core import Passage, SearchDocument
from .models import SearchEntry, SearchPassage

_ARTICLE = re.compile(r"^\s*(第[一二三四五六七八九十百千零〇两\d]+条)")


def _split(body: str) -> list[Passage]:
    """Temporary splitter (until courses' import_documents is merged): one passage per article."""
    passages: list[Passage] = []
    label, chapter = "", ""
    lines: list[str] = []
    for line in body.splitlines():
        match = _ARTICLE.match(line)
        if match:
            if lines:
                passages.append(Passage(text="\n".join(lines), label=label, chapter=chapter,
                                        anchor=f"a{len(passages) + 1}"))
            label, lines = match.group(1), [line.strip()]
        elif line.strip():
            if re.match(r"^\s*第[一二三四五六七八九十百]+[章节编]", line) and not lines:
                chapter = line.strip()
            lines.append(line.strip())
    if lines:
        passages.append(Passage(text="\n".join(lines), label=label, chapter=chapter, anchor=f"a{len(passages) + 1}"))
    return passages


def load_corpus(corpus: Path) -> int:
    docs = []
    for i, line in enumerate(corpus.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        rec = json.loads(line)
        date = dt.date.fromisoformat(rec["date"]) if rec.get("date") else None
        docs.append(SearchDocument(
            page_id=i, content_type="document", title=rec["title"], url=f"/library/{i}/",
            passages=_split(rec["body"]), doc_number=rec.get("doc_number") or "", category=rec.get("category") or "",
            issuer=rec.get("issuer") or "", issue_date=date, validity="current",
        ))
    return get_backend().rebuild(docs)


def like_baseline(q: str, limit: int) -> list[str]:
    """What a naive implementation does: LIKE '%q%' over titles and article text."""
    ids = SearchPassage.objects.filter(text__contains=q).values("entry_id")
    return list(SearchEntry.objects.filter(Q(title__contains=q) | Q(pk__in=ids)).values_list("title", flat=True)[:limit])
