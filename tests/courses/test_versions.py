"""Versions of policy documents: the current version, choosers and lists that name versions, the admin's list of
lessons and tasks linking a superseded version with its one-click relink, and the importer's successor fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

import lxml.html
import pytest
from django.utils import timezone

from courses.models import PolicyDocumentPage, ReadingLessonPage, Validity
from courses.services import ensure_site_pages, import_documents
from courses.services.study_tasks import create_task
from tests.courses.builders import make_course, make_reading

TITLE = "中国共产党纪律处分条例"


def version(year: int, **extra: Any) -> dict[str, Any]:
    return {"title": TITLE, "category": "条例", "issuer": "中共中央", "version_note": f"{year}年版",
            "kind": "党内法规及党政规范性文件", "body": f"第一条 {year}年版的条例。", **extra}


@pytest.fixture
def versions(db: None) -> dict[int, PolicyDocumentPage]:
    ensure_site_pages()
    # 2018 without a date (as in the corpus): its year comes from the version note.
    assert import_documents([version(2015, date="2015-10-12"), version(2023, date="2023-12-19"), version(2018)]).ok
    return {p.version_year or 0: p for p in PolicyDocumentPage.objects.filter(title=TITLE)}


def test_it_finds_the_current_version_and_names_each_version(versions: dict[int, PolicyDocumentPage]) -> None:
    old, newest = versions[2015], versions[2023]
    assert old.current_version().pk == newest.pk and versions[2018].current_version().pk == newest.pk
    assert old.is_superseded and not newest.is_superseded
    assert newest.chooser_label() == "中国共产党纪律处分条例（2023年版 · 现行有效）"
    assert old.chooser_label() == "中国共产党纪律处分条例（2015年版 · 已修订）"


def test_it_offers_the_current_version_first_with_version_and_validity_in_the_lesson_chooser(
        versions: dict[int, PolicyDocumentPage], personas: Any) -> None:
    lesson = make_reading(make_course())
    form_class = ReadingLessonPage.get_edit_handler().get_form_class()
    form = form_class(instance=lesson, for_user=personas.trainer)
    labels = [str(label) for _value, label in form.fields["policy_documents"].choices]
    assert labels[0] == "中国共产党纪律处分条例（2023年版 · 现行有效）"
    assert "中国共产党纪律处分条例（2018年版 · 已修订）" in labels and TITLE not in labels


def test_the_lesson_editor_ticks_documents_by_version_and_validity(
        versions: dict[int, PolicyDocumentPage], personas: Any, client_for: Any) -> None:
    lesson = make_reading(make_course())
    lesson.policy_documents.set([versions[2023]])
    lesson.save_revision().publish()
    page = client_for(personas.trainer).get(f"/admin/pages/{lesson.pk}/edit/").content.decode()
    document = lxml.html.fromstring(page)
    boxes = document.xpath('//input[@type="checkbox" and @name="policy_documents"]')
    labels = {box.get("value"): box.getparent().text_content().strip() for box in boxes}
    assert labels == {str(versions[2023].pk): "中国共产党纪律处分条例（2023年版 · 现行有效）",
                      str(versions[2018].pk): "中国共产党纪律处分条例（2018年版 · 已修订）",
                      str(versions[2015].pk): "中国共产党纪律处分条例（2015年版 · 已修订）"}
    assert [box.get("value") for box in boxes if box.get("checked") is not None] == [str(versions[2023].pk)]


def test_it_lists_a_lesson_linking_a_superseded_version_and_relinks_it_in_one_click(
        versions: dict[int, PolicyDocumentPage], personas: Any, client_for: Any) -> None:
    lesson = make_reading(make_course())
    lesson.policy_documents.set([versions[2015]])
    lesson.save_revision().publish()
    trainer = client_for(personas.trainer)
    page = trainer.get("/admin/courses/superseded/").content.decode()
    assert "已被新版本取代" in page and "中国共产党纪律处分条例（2015年版 · 已修订）" in page
    response = trainer.post("/admin/courses/superseded/relink/",
                            {"kind": "lesson", "owner": lesson.pk, "old": versions[2015].pk})
    assert response.status_code == 302
    lesson = ReadingLessonPage.objects.get(pk=lesson.pk)
    assert [d.pk for d in lesson.policy_documents.all()] == [versions[2023].pk]
    assert "没有课时或学习任务链接已被取代的版本" in trainer.get("/admin/courses/superseded/").content.decode()
    again = trainer.post("/admin/courses/superseded/relink/", {"kind": "lesson", "owner": lesson.pk,
                                                                "old": versions[2015].pk})
    assert again.status_code == 404 and "已是现行版本" in again.content.decode()


def test_it_relinks_a_study_task_only_for_an_administrator_of_its_organization(
        versions: dict[int, PolicyDocumentPage], personas: Any, client_for: Any) -> None:
    today = timezone.localdate()
    task = create_task(title="条例学习", organization=personas.a1, starts_on=today, ends_on=today,
                       pages=[versions[2018]], created_by=personas.admin_a)
    data = {"kind": "task", "owner": task.pk, "old": versions[2018].pk}
    outsider = client_for(personas.admin_x)
    assert "条例学习" not in outsider.get("/admin/courses/superseded/").content.decode()
    assert outsider.post("/admin/courses/superseded/relink/", data).status_code == 404
    assert list(task.items.values_list("page_id", flat=True)) == [versions[2018].pk]
    assert client_for(personas.admin_a).post("/admin/courses/superseded/relink/", data).status_code == 302
    assert list(task.items.values_list("page_id", flat=True)) == [versions[2023].pk]
    bad = client_for(personas.admin_a).post("/admin/courses/superseded/relink/", {"kind": "task", "owner": "x"})
    assert bad.status_code == 400 and "请选择要改链的链接" in bad.content.decode()
    assert client_for(personas.member.user).get("/admin/courses/superseded/").status_code in (302, 403)


def test_it_imports_validity_and_successor_so_a_newer_file_slots_in_as_current(db: None) -> None:
    ensure_site_pages()
    assert import_documents([{"title": "中国共产党章程", "category": "党章", "date": "2017-10-24", "body": "第一条 党员。"}]).ok
    assert import_documents([{"title": "中国共产党章程", "category": "党章", "date": "2022-10-22", "version_note": "2022年修正",
                              "body": "第一条 党员。"}]).ok
    old = PolicyDocumentPage.objects.get(title="中国共产党章程", issue_date=dt.date(2017, 10, 24))
    assert old.validity == Validity.REVISED and old.successor is not None and old.successor.version_year == 2022
    result = import_documents([{"title": "旧的党费规定", "category": "规定", "body": "第一条 党费。",
                                "validity": "已废止", "successor": "中国共产党章程"}])
    assert result.ok
    repealed = PolicyDocumentPage.objects.get(title="旧的党费规定")
    assert repealed.validity == Validity.REPEALED and repealed.successor_id == old.successor.pk
    bad = import_documents([{"title": "另一个规定", "category": "规定", "body": "第一条", "successor": "不存在的文件"}])
    assert [(e.column, e.message) for e in bad.errors] == [("successor", "没有标题为不存在的文件的文件。")]
    assert not PolicyDocumentPage.objects.filter(title="另一个规定").exists()


def test_it_lists_only_current_versions_unless_asked_and_searches_with_the_site_search(
        versions: dict[int, PolicyDocumentPage], personas: Any, client_for: Any) -> None:
    client = client_for(personas.member.user)
    html = client.get("/library/").content.decode()
    assert html.count(TITLE) == 1 and "2023年版" in html and "2015年版" not in html
    revised = client.get("/library/", {"validity": "revised"}).content.decode()
    assert "2015年版" in revised and "2018年版" in revised and "2023年版" not in revised
    response = client.get("/library/", {"q": "党费", "category": "条例"})
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=%E5%85%9A%E8%B4%B9&type=document&category=%E6%9D%A1%E4%BE%8B"


def test_it_names_versions_in_the_study_task_form_with_superseded_ones_last(
        versions: dict[int, PolicyDocumentPage], personas: Any) -> None:
    from courses.forms import StudyTaskForm

    field: Any = StudyTaskForm(user=personas.admin_a).fields["pages"]
    labels = [str(label) for _value, label in field.choices]
    newest = labels.index("中国共产党纪律处分条例（2023年版 · 现行有效）")
    assert newest < labels.index("中国共产党纪律处分条例（2015年版 · 已修订）")
    assert set(labels[-2:]) == {"中国共产党纪律处分条例（2015年版 · 已修订）", "中国共产党纪律处分条例（2018年版 · 已修订）"}
