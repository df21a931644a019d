"""Query understanding and the party-affairs ranking of the embedded backend: current versions first, article and
chapter references, aliases and synonyms (from the data file and from the admin), intra-party regulations above
state laws for party queries. (The Elasticsearch query bodies for the same behaviour: test_elastic.py.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from search.backends import SearchBackend, get_backend
from search.core import Passage, SearchDocument, SearchResults, Viewer
from search.models import QueryTerm
from search.params import parse_query
from search.query import ArticleRef, understand
from tests.search.builders import make_doc

EVERYONE = Viewer()
DISCIPLINE = "中国共产党纪律处分条例"


def search(backend: SearchBackend, **params: str) -> SearchResults:
    return backend.search(parse_query(params), EVERYONE)


def regulation(year: int, validity: str, art29: str, **fields: Any) -> SearchDocument:
    fields.setdefault("issue_date", dt.date(year, 1, 1))
    return make_doc(DISCIPLINE, [("第一条", "为维护党的章程和其他党内法规，严肃党的纪律，制定本条例。"), ("第二十九条", art29)],
                    category="条例", validity=validity, version=f"{year}年版", **fields)


def party_library() -> list[SearchDocument]:
    """Three versions of the discipline regulation (the oldest matches 廉洁自律 best), the party constitution
    with chapters, a law with the same article numbers, and a notice about dues."""
    constitution = make_doc("中国共产党章程", category="党章", validity="current", issue_date=dt.date(2017, 10, 24))
    constitution.passages = [
        Passage(text="第四条　党员享有下列权利：参加党的有关会议，阅读党的有关文件。", label="第四条",
                chapter="第一章 党员", anchor="art-4"),
        Passage(text="第五条　发展党员，必须经过党的支部，坚持个别吸收的原则。", label="第五条", chapter="第一章 党员",
                anchor="art-5"),
        Passage(text="第十二条　党的中央和地方各级委员会在必要时召集代表会议。", label="第十二条",
                chapter="第二章 党的组织制度", anchor="art-12"),
        Passage(text="第十九条　党的全国代表大会每五年举行一次。", label="第十九条", chapter="第三章 党的中央组织",
                anchor="art-19"),
    ]
    return [
        regulation(1997, "revised", "党员违反廉洁自律规定，廉洁自律问题突出的，给予警告处分。廉洁自律。"),
        regulation(2018, "revised", "党员拒不执行党组织决定的，给予警告处分。", issue_date=None),
        regulation(2023, "current", "对于违犯党纪的党员，坚持惩前毖后、治病救人，廉洁自律方面从轻处理。",
                   effective_date=dt.date(2024, 1, 1)),
        constitution,
        make_doc("中华人民共和国环境保护法", [("第十二条", "每年6月5日为环境日。党员和公民都应当保护环境。"),
                                            ("第二十九条", "国家在重点生态功能区划定生态保护红线。")],
                 category="法律法规", validity="current", issue_date=dt.date(2014, 4, 24)),
        make_doc("关于党费收缴、使用和管理的规定", [("第一条", "党员应当按月交纳党费，党费收缴标准按月工资收入计算。")],
                 category="规定", validity="current", issue_date=dt.date(2008, 2, 18)),
    ]


@pytest.fixture
def engine(settings: Any, db: None) -> SearchBackend:
    settings.ELASTICSEARCH_URL = None
    backend = get_backend()
    backend.index(party_library())
    return backend


def test_it_reads_article_and_chapter_references_in_numerals_and_digits(db: None) -> None:
    assert understand("第十二条").article == ArticleRef("条", 12)
    assert understand("第12条").article == ArticleRef("条", 12)
    assert understand("第１２条").article == ArticleRef("条", 12)
    plan = understand("处分条例 第二十九条")
    assert plan.article is not None and plan.article.label == "第二十九条"
    assert plan.titles == [DISCIPLINE]
    assert understand("党章第三章").article == ArticleRef("章", 3)
    assert understand("处分条例 1997年版").year == 1997
    assert understand("中发〔2019〕1号").year is None


def test_it_shows_the_current_version_first_even_when_an_older_one_matches_better(engine: SearchBackend) -> None:
    hits = search(engine, q="廉洁自律").hits
    hit = next(h for h in hits if h.title == DISCIPLINE)
    assert hit.version == "2023年版" and hit.validity == "current" and hit.current_version
    assert hit.other_versions == 2
    assert [h.title for h in hits].count(DISCIPLINE) == 1


def test_it_shows_an_older_version_when_the_query_names_its_year_or_validity(engine: SearchBackend) -> None:
    hit = search(engine, q="纪律处分条例 1997").hits[0]
    assert (hit.title, hit.version, hit.current_version) == (DISCIPLINE, "1997年版", False)
    revised = search(engine, q="廉洁自律", validity="revised").hits
    assert [(h.title, h.version) for h in revised] == [(DISCIPLINE, "1997年版")]


def test_it_opens_the_named_article_of_the_current_version(engine: SearchBackend) -> None:
    hit = search(engine, q="处分条例 第二十九条").hits[0]
    assert (hit.title, hit.article_label, hit.version, hit.anchor) == (DISCIPLINE, "第二十九条", "2023年版", "art-2")
    hit = search(engine, q="党章第12条").hits[0]
    assert (hit.title, hit.article_label) == ("中国共产党章程", "第十二条")


def test_it_lists_party_regulations_before_state_laws_for_an_article_alone(engine: SearchBackend) -> None:
    hits = search(engine, q="第十二条").hits
    assert [h.title for h in hits] == ["中国共产党章程", "中华人民共和国环境保护法"]
    assert all(h.article_label == "第十二条" for h in hits)
    assert [h.title for h in search(engine, q="第二十九条").hits] == [DISCIPLINE, "中华人民共和国环境保护法"]


def test_it_shows_the_chapter_a_query_names(engine: SearchBackend) -> None:
    hit = search(engine, q="党章 第三章").hits[0]
    assert (hit.title, hit.article_label, hit.anchor) == ("中国共产党章程", "第三章 党的中央组织", "ch-3")


def test_it_understands_everyday_wording_through_synonyms(engine: SearchBackend) -> None:
    assert search(engine, q="交党费").hits[0].title == "关于党费收缴、使用和管理的规定"
    hit = search(engine, q="入党 程序").hits[0]
    assert (hit.title, hit.article_label) == ("中国共产党章程", "第五条")


def test_it_uses_aliases_and_synonyms_administrators_add(engine: SearchBackend) -> None:
    assert not any(h.title == "中国共产党章程" for h in search(engine, q="根本大法").hits)
    QueryTerm.objects.create(kind=QueryTerm.Kind.ALIAS, term="根本大法", expansion="中国共产党章程")
    assert search(engine, q="根本大法").hits[0].title == "中国共产党章程"
    assert not search(engine, q="缴纳会费").hits
    QueryTerm.objects.create(kind=QueryTerm.Kind.SYNONYM, term="缴纳会费", expansion="交纳党费")
    assert search(engine, q="缴纳会费").hits[0].title == "关于党费收缴、使用和管理的规定"


def test_it_ranks_intra_party_regulations_above_state_laws_for_party_queries(engine: SearchBackend) -> None:
    titles = [h.title for h in search(engine, q="党员都应当").hits]
    assert len(titles) >= 3 and titles[-1] == "中华人民共和国环境保护法"
    # Not a party query: the law that holds the whole phrase comes first.
    assert search(engine, q="公民都应当保护环境").hits[0].title == "中华人民共和国环境保护法"
