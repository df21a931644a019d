from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from courses.models import DocumentCategory, PolicyDocumentPage, Validity
from courses.services import ensure_site_pages, import_documents

ROWS: list[dict[str, Any]] = [
    {"title": "中国共产党纪律处分条例", "category": "条例", "issuer": "中共中央", "date": "2018-08-18",
     "version_note": "2018年版", "kind": "党内法规及党政规范性文件",
     "body": "第一章 总则\n\n第一条 为了维护党章，制定本条例。\n\n第十二条 党员受到开除党籍处分，五年内不得重新入党。"},
    {"title": "中国共产党纪律处分条例", "category": "条例", "issuer": "中共中央", "date": "2023-12-19",
     "version_note": "2023年版", "kind": "党内法规及党政规范性文件",
     "body": "第一章 总则\n\n第一条 为了坚持和加强党的全面领导，制定本条例。"},
    {"title": "中央巡视组工作规则（试行）", "category": "规则", "issuer": "中共中央纪律检查委员会", "date": "2010-04-01",
     "doc_number": "中纪发〔2010〕13号", "kind": "党内法规及党政规范性文件", "body": "第一条 为规范巡视工作，制定本规则。"},
    {"title": "中华人民共和国居民身份证法", "category": "宪法相关法", "issuer": "全国人民代表大会常务委员会",
     "date": "2011-10-29", "kind": "国家法律", "history": "2003年6月28日通过", "body": "第一条 为了证明居住在中华人民共和国境内的公民的身份，制定本法。"},
]


@pytest.fixture
def library(db: None) -> Any:
    return ensure_site_pages().library


def test_it_imports_documents_with_facts_versions_and_categories(library: Any) -> None:
    result = import_documents(ROWS)
    assert (result.created, result.updated, result.errors) == (4, 0, [])
    old, new = PolicyDocumentPage.objects.filter(title="中国共产党纪律处分条例").order_by("issue_date")
    assert old.successor_id == new.pk and old.validity == Validity.REVISED
    assert new.successor_id is None and new.validity == Validity.CURRENT
    law = PolicyDocumentPage.objects.get(title="中华人民共和国居民身份证法")
    assert law.category == DocumentCategory.LAW and law.history == "2003年6月28日通过" and law.live
    rule = PolicyDocumentPage.objects.get(title="中央巡视组工作规则（试行）")
    assert rule.doc_number == "中纪发〔2010〕13号" and rule.get_parent().pk == library.pk


def test_it_is_idempotent_by_title_and_version(library: Any) -> None:
    import_documents(ROWS)
    again = import_documents(ROWS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert PolicyDocumentPage.objects.count() == 4
    changed = [dict(ROWS[2], issuer="中央纪委")]
    assert import_documents(changed).updated == 1
    assert PolicyDocumentPage.objects.get(doc_number="中纪发〔2010〕13号").issuer == "中央纪委"


def test_it_reports_row_errors_and_imports_nothing(library: Any) -> None:
    bad = [ROWS[0], {"title": "", "body": "x", "category": "条例"}, {"title": "某规定", "body": "第一条 x",
                                                                     "category": "小说", "date": "2020-13-45"}]
    result = import_documents(bad)
    assert not result.ok
    assert {(e.row, e.column) for e in result.errors} == {(2, "title"), (3, "category"), (3, "date")}
    messages = {e.column: e.message for e in result.errors}
    assert messages["title"] == "标题不能为空。" and messages["category"] == "未知分类：小说"
    assert PolicyDocumentPage.objects.count() == 0


def test_it_imports_jsonl_and_xlsx_files_from_the_command(library: Any, tmp_path: Path) -> None:
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS[:2]), encoding="utf-8")
    call_command("import_documents", str(jsonl))
    assert PolicyDocumentPage.objects.count() == 2
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["title", "category", "issuer", "date", "body", "doc_number"])
    sheet.append(["某某办法", "办法", "中共中央办公厅", "2020-01-02", "第一条 为了……，制定本办法。", "中办发〔2020〕1号"])
    xlsx = tmp_path / "docs.xlsx"
    book.save(xlsx)
    call_command("import_documents", str(xlsx))
    assert PolicyDocumentPage.objects.get(title="某某办法").doc_number == "中办发〔2020〕1号"
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"title": "x"\n', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_documents", str(broken))
    assert PolicyDocumentPage.objects.count() == 3


def test_it_shows_a_document_with_navigable_articles_to_members(personas: Any, client_for: Any, library: Any) -> None:
    import_documents(ROWS)
    old = PolicyDocumentPage.objects.filter(title="中国共产党纪律处分条例").order_by("issue_date").first()
    assert old is not None
    response = client_for(personas.member.user).get(old.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="art-12"' in html and 'href="#art-12"' in html and "第十二条" in html
    assert 'id="ch-1"' in html and "validity-revised" in html and "2023年版" in html


def test_it_lists_and_filters_the_library(personas: Any, client_for: Any, library: Any) -> None:
    import_documents(ROWS)
    client = client_for(personas.member.user)
    html = client.get("/library/", {"category": "规则"}).content.decode()
    assert "中央巡视组工作规则" in html and "居民身份证法" not in html
    response = client.get("/library/", {"q": "身份证"})  # the list's search box searches with the site search
    assert response.status_code == 302 and response["Location"].startswith("/search/?q=")


def test_it_requires_login_and_hides_unpublished_documents(personas: Any, client_for: Any, library: Any) -> None:
    import_documents(ROWS[2:3])
    page = PolicyDocumentPage.objects.get()
    anonymous = client_for(None).get(page.url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    page.unpublish()
    from courses.access import forget_page

    forget_page(page.pk)
    assert client_for(personas.member.user).get("/library/" + page.slug + "/").status_code == 404
