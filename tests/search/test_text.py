"""Segmentation, normalization, highlighting and FTS5 escaping."""

from __future__ import annotations

import pytest

from search.backends.embedded import fts5_match, retrieval_tokens
from search.params import InvalidSearch, parse_query
from search.text import doc_number_key, find_doc_number, highlight, query_tokens, segment, snippet, tokenizer


def test_it_keeps_party_terms_whole_with_the_user_dictionary() -> None:
    assert "廉洁自律" in segment("中国共产党廉洁自律准则")
    assert {"廉洁", "自律", "廉洁自律"} <= set(query_tokens("廉洁自律"))
    assert "党内法规" in segment("党章是最根本的党内法规")


def test_it_loads_the_dictionary_once_per_process_with_its_cache_under_var(settings: object) -> None:
    first = tokenizer()
    assert tokenizer() is first
    assert "cache" in first.tmp_dir and first.cache_file == "jieba.cache"


def test_it_drops_punctuation_and_stop_characters_from_queries() -> None:
    assert query_tokens('"(廉洁*自律) NEAR/2') == ["廉洁", "自律", "near", "2"]
    assert query_tokens("的") == ["的"]  # nothing else left: keep it
    assert query_tokens('"*{\\') == []


def test_it_normalizes_document_numbers_whatever_the_brackets() -> None:
    assert doc_number_key("中发[2019]1号") == doc_number_key("中发〔2019〕1号") == doc_number_key("中发（2019）1 号")
    assert find_doc_number("请查 中纪发〔2013〕4号 的原文") == "中纪发〔2013〕4号"
    assert find_doc_number("廉洁自律") == ""


def test_it_quotes_every_token_for_fts5() -> None:
    assert fts5_match(["廉洁", "NEAR", 'a"b']) == '"廉洁" OR "NEAR" OR "a""b"'


def test_it_retrieves_with_rare_tokens_only() -> None:
    frequency = {"国家": 5000, "负责": 3000, "档案馆": 12, "档案": 80}
    assert retrieval_tokens(["国家", "负责", "档案馆", "档案"], frequency, 20_000) == ["档案馆", "档案"]
    assert retrieval_tokens(["国家", "负责"], frequency, 20_000) == ["负责", "国家"]
    assert retrieval_tokens(["未见"], frequency, 20_000) == ["未见"]


def test_it_escapes_everything_but_its_own_marks() -> None:
    assert highlight("<b>廉洁</b>自律", ["廉洁"]) == "&lt;b&gt;<mark>廉洁</mark>&lt;/b&gt;自律"
    assert snippet("甲" * 200 + "廉洁自律" + "乙" * 200, ["廉洁自律"], width=40).count("<mark>") == 1


def test_it_cuts_long_queries_and_explains_bad_pages() -> None:
    assert len(parse_query({"q": "廉" * 10_000}).q) == 100
    with pytest.raises(InvalidSearch) as exc:
        parse_query({"page": "0"})
    assert exc.value.param == "page" and "页码" in exc.value.message
