"""Chinese text handling shared by both backends: jieba segmentation (dictionary loaded once per
process, cache under ``VAR_DIR``, a user dictionary of party terms), document-number normalization,
and highlighted snippets that escape everything but the ``<mark>`` tags they add."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.html import escape

USER_DICT = Path(__file__).with_name("userdict.txt")
_lock = threading.Lock()
_tokenizer: Any = None

# Single characters that carry no meaning in a query on their own.
STOP_TOKENS = frozenset("的了和与及或在是对等为以于之其中并由将把被从向也就都而着个有")
_WORD = re.compile(r"\w+")
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "(": "〔", ")": "〕", "（": "〔", "）": "〕",
                           "［": "〔", "］": "〕", "〖": "〔", "〗": "〕"})
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[【(（［〖]\s*(?:19|20)\d{2}\s*[〕\]】)）］〗]\s*\d{1,4}\s*号")


def tokenizer() -> Any:
    """The process-wide jieba tokenizer, initialized on first use (≈1 s, then cached on disk)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                cache_dir = Path(settings.VAR_DIR) / "cache" / "jieba"
                cache_dir.mkdir(parents=True, exist_ok=True)
                tok = jieba.Tokenizer()
                tok.tmp_dir = str(cache_dir)
                tok.cache_file = "jieba.cache"
                tok.initialize()
                tok.load_userdict(str(USER_DICT))
                _tokenizer = tok
    return _tokenizer


def normalize(text: str) -> str:
    """For comparisons: NFKC, lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def segment(text: str) -> list[str]:
    """Search-mode tokens (words plus the shorter words inside them), punctuation dropped. The same
    function runs over indexed text and over queries, so both sides agree."""
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    for piece in tokenizer().cut_for_search(text, HMM=True):
        tokens.extend(_WORD.findall(piece))
    return tokens


def segmented(text: str) -> str:
    """``segment`` joined by spaces: what the full-text tables store."""
    return " ".join(segment(text))


def query_tokens(text: str) -> list[str]:
    """Distinct meaningful tokens of a query, in order; stop characters go unless nothing else is left."""
    seen: dict[str, None] = {}
    for token in segment(text):
        seen.setdefault(token, None)
    tokens = list(seen)
    meaningful = [t for t in tokens if t not in STOP_TOKENS]
    return meaningful or tokens


def doc_number_key(value: str) -> str:
    """中发〔2019〕1号, 中发[2019]1号 and 中发（2019）1 号 all give the same key."""
    return normalize(value).translate(_BRACKETS)


def find_doc_number(text: str) -> str:
    match = DOC_NUMBER.search(unicodedata.normalize("NFKC", text))
    return doc_number_key(match.group(0)) if match else ""


def _match_spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping spans of ``needles`` in ``text`` (case-insensitive), longest needles first."""
    lowered = text.lower()
    taken: list[tuple[int, int]] = []
    for needle in sorted({n.lower() for n in needles if n}, key=len, reverse=True):
        start = lowered.find(needle)
        while start != -1:
            end = start + len(needle)
            if all(end <= a or start >= b for a, b in taken):
                taken.append((start, end))
            start = lowered.find(needle, end)
    return sorted(taken)


def highlight(text: str, needles: Iterable[str]) -> str:
    """``text`` HTML-escaped with every needle wrapped in <mark>."""
    out: list[str] = []
    pos = 0
    for start, end in _match_spans(text, needles):
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def snippet(text: str, needles: Iterable[str], width: int = 120) -> str:
    """A window of about ``width`` characters of ``text`` around its first match, highlighted."""
    needles = [n for n in needles if n]
    text = " ".join(text.split())
    spans = _match_spans(text, needles)
    if not spans:
        cut = text[:width]
        return escape(cut) + ("…" if len(text) > width else "")
    first = spans[0][0]
    start = max(0, first - width // 4)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    piece = highlight(text[start:end], needles)
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


def query_needles(q: str, tokens: list[str]) -> list[str]:
    """What to highlight for a query: the whole query and each of its tokens of two or more characters
    (single characters would light up half a page of Chinese)."""
    needles = [q.strip()] if q.strip() else []
    needles.extend(part for part in q.split() if part)
    needles.extend(t for t in tokens if len(t) >= 2)
    return needles
