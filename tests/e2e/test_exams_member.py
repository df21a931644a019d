"""A member takes a small exam on a phone, passes, downloads the certificate and checks it online."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exams.models import Attempt, Certificate, QuestionVersion
from exams.services.grading import to_displayed
from tests.e2e.conftest import answer_correctly, login, shot
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lets_a_member_pass_an_exam_and_verify_the_certificate(personas, live_server, phone_page):
    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 3)
    fill_bank(bank, "judge", 2, start=10)
    exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a], certificate_on_pass=True,
                     title="党章知识小测验", pass_mark=Decimal(60), sections=[
                         {"qtype": "single", "count": 3, "points": Decimal(20), "title": "单选题"},
                         {"qtype": "judge", "count": 2, "points": Decimal(20), "title": "判断题"}])
    page = phone_page
    login(page, live_server.url, "xiaoming", PASSWORD)
    page.click("[data-nav=exams]")
    page.wait_for_url("**/exams/")
    shot(page, "exams-01-list")
    page.click(f"[data-exam='{exam.pk}'] a.button")
    page.click("#start-exam")
    page.wait_for_url("**/exams/attempts/*/")
    assert page.locator("#remaining").inner_text() != "--:--"
    shot(page, "exams-02-paper")
    attempt = Attempt.objects.get(member=personas.member, exam=exam)
    answer_correctly(page, attempt)
    assert attempt.answers.count() == 5  # autosaved before the submit
    page.reload()  # resume: the saved answers are still checked
    first = attempt.paper[0]
    first_letter = to_displayed(QuestionVersion.objects.get(pk=first["v"]).answer, first["p"])[0]
    assert page.is_checked(f"input[name=q_{first['v']}][value={first_letter}]")
    page.click("#submit-paper")
    page.click("#confirm-ok")  # the confirmation dialog (all answered)
    page.wait_for_url("**/result/")
    assert page.locator("#verdict").inner_text().startswith("通过")
    assert page.locator("#score").inner_text() == "100"
    shot(page, "exams-03-result")
    with page.expect_download() as download_info:
        page.click("#certificate-link")
    path = download_info.value.path()
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    certificate = Certificate.objects.get(member=personas.member)
    page.goto(f"{live_server.url}/certificates/verify/{certificate.code}/")
    assert page.locator("#verify-status").inner_text() == "证书有效。"
    assert certificate.serial in page.content()
    shot(page, "exams-04-verify")
