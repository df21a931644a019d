from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.db.models import Max
from django.utils import timezone
from openpyxl import load_workbook

from exams.models import Attempt, Certificate, Exam, ExamOrgStat, Question, QuestionBank
from exams.services import do_save_answer, do_start_attempt, do_submit_attempt
from exams.services.excel import template_bytes
from exams.services.grading import to_displayed
from exams.services.reports import build_exam_report
from tests.school.builders import assert_rows_show

from .builders import fill_bank, make_bank, make_exam

pytestmark = pytest.mark.django_db


def take(member, exam, right: int) -> Attempt:
    attempt, _ = do_start_attempt(member, exam)
    for item in attempt.paper[:right]:
        version = attempt.paper and __import__("exams.models", fromlist=["QuestionVersion"]).QuestionVersion.objects.get(
            pk=item["v"])
        do_save_answer(attempt, item["v"], to_displayed(version.answer, item["p"])[0])
    return do_submit_attempt(attempt.pk)[0]


@pytest.fixture
def graded(personas):
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 5)
    exam = make_exam(personas.trainer, bank, certificate_on_pass=True, pass_mark=Decimal(6))
    take(personas.member, exam, 5)
    take(personas.member_a2, exam, 1)
    take(personas.member_x, exam, 3)
    return exam


def test_it_shows_the_exams_menu_and_viewsets_to_trainers_only(personas, client_for) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 3)
    trainer = client_for(personas.trainer)
    for url in ["/admin/exams_bank/", "/admin/exams_question/", "/admin/exams_exam/", "/admin/exams-tools/import/",
                "/admin/exams_question/?q=single", f"/admin/exams_question/?bank={bank.pk}&qtype=single"]:
        assert trainer.get(url).status_code == 200, url
    assert "/admin/exams_bank/" in trainer.get("/admin/").content.decode()
    member = client_for(personas.member.user)
    assert member.get("/admin/exams_question/").status_code in (302, 403)
    assert client_for(personas.admin_a).get("/admin/exams_question/").status_code in (302, 403)


def test_it_edits_a_question_in_the_admin_and_keeps_versions(personas, client_for) -> None:
    bank = make_bank(personas.trainer)
    trainer = client_for(personas.trainer)
    data = {"bank": bank.pk, "qtype": "single", "stem": "新题", "options_text": "甲\n乙\n丙", "answer_text": "B",
            "difficulty": 2, "tags_text": "党章、纪律", "source": "", "explanation": "", "is_active": "on"}
    assert trainer.post("/admin/exams_question/new/", data).status_code == 302
    q = Question.objects.get()
    assert q.options == ["甲", "乙", "丙"] and q.answer == [1] and q.versions.count() == 1
    assert sorted(q.tags.values_list("name", flat=True)) == ["党章", "纪律"]
    bad = trainer.post(f"/admin/exams_question/edit/{q.pk}/", {**data, "answer_text": "Z"})
    assert bad.status_code == 200 and "不存在的选项" in bad.content.decode()
    assert trainer.post(f"/admin/exams_question/edit/{q.pk}/", {**data, "stem": "改过的题"}).status_code == 302
    q.refresh_from_db()
    assert q.versions.count() == 2 and q.current_version is not None and q.current_version.stem == "改过的题"


def _cells(xlsx: bytes) -> list[list[list[object]]]:
    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


def test_it_imports_excel_in_the_admin_and_reports_row_errors(personas, client_for) -> None:
    bank = make_bank(personas.trainer)
    trainer = client_for(personas.trainer)
    template = trainer.get("/admin/exams-tools/import/template.xlsx")
    assert template.status_code == 200
    # The same sheet as the template the service builds (not the same bytes: an xlsx carries the time it was
    # written, and two builds a second apart differ).
    assert _cells(template.content) == _cells(template_bytes())
    upload = io.BytesIO(template_bytes())
    upload.name = "t.xlsx"
    assert trainer.post("/admin/exams-tools/import/", {"bank": bank.pk, "file": upload, "action": "import"}).status_code == 302
    assert bank.questions.count() == 4
    bad = io.BytesIO(b"garbage")
    bad.name = "bad.xlsx"
    page = trainer.post("/admin/exams-tools/import/", {"bank": bank.pk, "file": bad, "action": "import"})
    assert page.status_code == 200 and "缺少必填列" in page.content.decode()
    export = trainer.get(f"/admin/exams-tools/banks/{bank.pk}/export.xlsx")
    assert export.status_code == 200 and load_workbook(io.BytesIO(export.content)).worksheets[0].max_row == 5
    assert client_for(personas.admin_a).get(f"/admin/exams-tools/banks/{bank.pk}/export.xlsx").status_code in (302, 403)


def test_it_publishes_from_the_admin_or_shows_the_shortfall(personas, client_for) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 3)
    exam = make_exam(personas.trainer, bank, publish=False, sections=[{"qtype": "single", "count": 5}],
                     pass_mark=Decimal(3))
    trainer = client_for(personas.trainer)
    page = trainer.get(f"/admin/exams-tools/exams/{exam.pk}/publish/")
    assert "题库中只有3道" in page.content.decode()
    trainer.post(f"/admin/exams-tools/exams/{exam.pk}/submit/")
    exam.refresh_from_db()
    assert exam.status == Exam.Status.DRAFT
    fill_bank(bank, "single", 2, start=10)
    assert trainer.post(f"/admin/exams-tools/exams/{exam.pk}/submit/").status_code == 302
    exam.refresh_from_db()
    assert exam.status == Exam.Status.IN_REVIEW  # trainers submit; an administrator publishes (test_exam_review)
    assert client_for(personas.superuser).post(f"/admin/exams-tools/exams/{exam.pk}/publish/").status_code == 302
    exam.refresh_from_db()
    assert exam.status == Exam.Status.PUBLISHED


def test_it_builds_scoped_statistics_and_the_same_excel(personas, client_for, graded) -> None:
    full = build_exam_report(graded, personas.trainer)
    summary = full.tables[0].rows[0]
    assert summary[:3] == [3, 2, "66.7%"]
    scoped = build_exam_report(graded, personas.admin_a)
    assert scoped.tables[0].rows[0][:2] == [2, 1]
    assert [r[0] for r in scoped.tables[2].rows] == ["第一党支部", "第二党支部"]
    page = client_for(personas.admin_a).get(f"/admin/exams-tools/statistics/{graded.pk}/")
    assert page.status_code == 200 and "某某党支部" not in page.content.decode()
    xlsx = client_for(personas.admin_a).get(f"/admin/exams-tools/statistics/{graded.pk}/?format=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    for table, ws in zip(scoped.tables, wb.worksheets[:-1], strict=True):
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        assert rows[0] == table.headers
        assert_rows_show(rows[1:], table.rows)  # "66.7%" is the number 0.667 shown as 0.0%
    # 数据更新于: when the newest attempt counted in the administrator's organizations was applied
    in_scope = [personas.a1, personas.a2]
    submitted = Attempt.objects.filter(exam=graded, member__organization__in=in_scope).aggregate(t=Max("submitted_at"))["t"]
    applied = ExamOrgStat.objects.filter(exam=graded, organization__in=in_scope).aggregate(t=Max("updated_at"))["t"]
    assert submitted is not None and applied is not None and submitted <= applied
    stamp = f"数据更新于 {timezone.localtime(applied):%Y-%m-%d %H:%M:%S}"
    assert stamp in page.content.decode()
    assert wb.worksheets[-1].title == "说明" and stamp in [r[0] for r in wb.worksheets[-1].iter_rows(values_only=True)]
    questions = full.tables[4].rows
    assert len(questions) == 5 and all(r[1] == 3 for r in questions)
    assert client_for(personas.member.user).get(f"/admin/exams-tools/statistics/{graded.pk}/").status_code in (302, 403)


def test_it_revokes_certificates_in_scope_and_zips_them(personas, client_for, graded) -> None:
    certificate = Certificate.objects.get(member=personas.member)
    assert Certificate.objects.count() == 2  # 小明 and 小刚 passed
    outsider = client_for(personas.admin_x)
    assert outsider.post(f"/admin/exams-tools/certificates/{certificate.pk}/revoke/", {"reason": "x"}).status_code == 404
    admin = client_for(personas.admin_a)
    listing = admin.get("/admin/exams_certificate/")
    assert listing.status_code == 200 and certificate.serial in listing.content.decode()
    assert "小刚" not in listing.content.decode()
    assert admin.post(f"/admin/exams-tools/certificates/{certificate.pk}/revoke/", {"reason": ""}).status_code == 200
    certificate.refresh_from_db()
    assert certificate.is_valid
    admin.post(f"/admin/exams-tools/certificates/{certificate.pk}/revoke/", {"reason": "考试作弊"})
    certificate.refresh_from_db()
    assert not certificate.is_valid and certificate.revoke_reason == "考试作弊"
    from school.models.audit import AuditEvent

    assert AuditEvent.objects.filter(action="certificate_revoked", target_id=str(certificate.pk)).exists()
    page = client_for(None).get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "已被撤销" in page and "考试作弊" not in page
    x_cert = Certificate.objects.get(member=personas.member_x)
    zipped = client_for(personas.admin_x).get(f"/admin/exams-tools/certificates/bulk/?organization={personas.other_committee.pk}")
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert names == [f"{x_cert.serial}.pdf"]
    assert admin.get(f"/admin/exams-tools/certificates/bulk/?organization={personas.other_committee.pk}").status_code == 404


def test_it_lists_banks_for_trainers(personas, client_for) -> None:
    QuestionBank.objects.create(name="另一个题库", owner=personas.trainer)
    assert "另一个题库" in client_for(personas.trainer).get("/admin/exams_bank/").content.decode()


def test_it_creates_an_exam_with_a_blueprint_in_the_admin(personas, client_for) -> None:
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 4)
    data = {
        "title": "新考试", "description": "", "time_limit_minutes": 30, "pass_mark": "6", "attempts_allowed": 1,
        "opens_at": "", "closes_at": "", "target_organizations": [personas.a1.pk], "target_statuses": ["full"],
        "shuffle_questions": "on", "shuffle_options": "on", "multiple_policy": "all", "review_policy": "after_submit",
        "sections-TOTAL_FORMS": "1", "sections-INITIAL_FORMS": "0", "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000", "sections-0-title": "单选", "sections-0-qtype": "single",
        "sections-0-count": "4", "sections-0-difficulty_min": "1", "sections-0-difficulty_max": "5",
        "sections-0-points": "2", "sections-0-banks": [bank.pk], "sections-0-id": "", "sections-0-DELETE": "",
    }
    response = client_for(personas.trainer).post("/admin/exams_exam/new/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    exam = Exam.objects.get(title="新考试")
    assert exam.created_by == personas.trainer and exam.status == Exam.Status.DRAFT
    section = exam.sections.get()
    assert list(section.banks.all()) == [bank] and exam.total_points == 8
    assert exam.target_statuses == ["full"] and list(exam.target_organizations.all()) == [personas.a1]
    assert client_for(personas.superuser).post(f"/admin/exams-tools/exams/{exam.pk}/publish/").status_code == 302
    exam.refresh_from_db()
    assert exam.status == Exam.Status.PUBLISHED


def test_it_answers_404_for_another_subtrees_certificate_on_every_certificate_screen(personas, client_for,
                                                                                      graded) -> None:
    certificate = Certificate.objects.get(member=personas.member)
    outsider, admin = client_for(personas.admin_x), client_for(personas.admin_a)
    screens = [f"/admin/exams_certificate/edit/{certificate.pk}/", f"/admin/exams_certificate/history/{certificate.pk}/",
               f"/admin/exams_certificate/history-results/{certificate.pk}/",
               f"/admin/exams_certificate/usage/{certificate.pk}/"]
    for url in screens:
        assert outsider.get(url).status_code == 404, url
        assert admin.get(url).status_code == 200, url
    assert outsider.post(screens[0], {"revoke_reason": "改掉"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "" and certificate.is_valid


def test_it_keeps_a_valid_certificates_reason_empty_and_audits_a_corrected_reason(personas, client_for,
                                                                                  graded) -> None:
    from school.models.audit import AuditEvent

    certificate = Certificate.objects.get(member=personas.member)
    admin = client_for(personas.admin_a)
    edit = f"/admin/exams_certificate/edit/{certificate.pk}/"
    refused = admin.post(edit, {"revoke_reason": "随便写写"})
    assert refused.status_code == 200 and "此证书有效" in refused.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid and certificate.revoke_reason == ""
    admin.post(f"/admin/exams-tools/certificates/{certificate.pk}/revoke/", {"reason": "考试作弊"})
    assert admin.post(edit, {"revoke_reason": ""}).status_code == 200
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "考试作弊"
    assert admin.post(edit, {"revoke_reason": "考试中替考"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "考试中替考"
    corrected = AuditEvent.objects.filter(action="certificate_revoked", target_id=str(certificate.pk)).order_by("pk")
    assert corrected.count() == 2
    assert corrected.last().data == {"reason": "考试中替考", "previous_reason": "考试作弊"}
    assert corrected.last().actor == personas.admin_a
