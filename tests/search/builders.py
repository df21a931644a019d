"""Search documents for the tests (not a test module): a small library of made-up regulations."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from search.core import Passage, SearchDocument

_ids = itertools.count(10_000)


def article(label: str, text: str, n: int, chapter: str = "") -> Passage:
    return Passage(text=f"{label}　{text}", label=label, chapter=chapter, anchor=f"art-{n}")


def make_doc(title: str, articles: list[tuple[str, str]] | None = None, **fields: Any) -> SearchDocument:
    page_id = fields.pop("page_id", next(_ids))
    fields.setdefault("url", f"/library/{page_id}/")
    passages = [article(label, text, i) for i, (label, text) in enumerate(articles or [], start=1)]
    return SearchDocument(page_id=page_id, content_type=fields.pop("content_type", "document"), title=title,
                          passages=passages, **fields)


def library() -> list[SearchDocument]:
    """Five documents: a short code of conduct, a long regulation in two versions, a law, a notice."""
    return [
        make_doc("中国共产党廉洁自律准则", [
            ("第一条", "中国共产党全体党员和各级党员领导干部必须坚定共产主义理想和中国特色社会主义信念。"),
            ("第二条", "坚持公私分明，先公后私，克己奉公。自觉提升思想道德境界。"),
        ], category="准则", issuer="中共中央", issue_date=dt.date(2015, 10, 12), validity="current"),
        make_doc("中国共产党纪律处分条例", [
            ("第一条", "为维护党的章程和其他党内法规，严肃党的纪律，纯洁党的组织，制定本条例。"),
            ("第十二条", "对于违犯党纪的党员，应当坚持惩前毖后、治病救人的方针，区别不同情况给予处理。"),
            ("第二十七条", "党员违反廉洁自律规定的，视情节轻重给予警告或者严重警告处分。"),
        ], category="条例", issuer="中共中央", issue_date=dt.date(2023, 12, 19), validity="current",
            doc_number="中发〔2023〕20号"),
        make_doc("中国共产党纪律处分条例", [
            ("第一条", "为维护党的章程和其他党内法规，严肃党的纪律，制定本条例。"),
        ], category="条例", issuer="中共中央", issue_date=dt.date(2018, 8, 18), validity="revised"),
        make_doc("中华人民共和国档案法", [
            ("第一条", "为了加强档案管理，规范档案收集、整理工作，制定本法。"),
            ("第三十七条", "档案馆负责档案数字资源的收集、存储和提供利用。"),
        ], category="法律", issuer="全国人民代表大会常务委员会", issue_date=dt.date(2020, 6, 20), validity="current"),
        make_doc("关于严禁公款购买印制寄送贺年卡等物品的通知", [
            ("", "各级党政机关严禁用公款购买、印制、邮寄、赠送贺年卡、明信片、年历等物品。"),
        ], category="规范性文件", issuer="中共中央纪律检查委员会", issue_date=dt.date(2013, 10, 31),
            validity="current", doc_number="中纪发〔2013〕4号"),
    ]
