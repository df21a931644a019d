"""Every admin edit form of the project's models, opened on a fully populated object and submitted unchanged as a
browser would submit it (the rendered inputs, selects, textareas, checked boxes), changes nothing. A widget that
renders a value the browser cannot show (``value="2026/06/30"`` in ``<input type="date">``) submits it empty and
erases it: this test fails for every such field, in every form."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import lxml.html
from django.db import models
from django.test import Client
from django.urls import reverse
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import Page

from courses.models import PolicyDocumentPage, Validity
from courses.services import ensure_site_pages
from exams.models import CertificateLayout, Question
from exams.services import do_start_attempt
from exams.services.certificates import issue_certificate, revoke_certificate
from school.credits.models import CreditRuleVersion, ScoreScheme
from tests.courses.builders import make_course, make_reading, make_video, make_video_lesson
from tests.exams.builders import fill_bank, make_bank, make_exam
from tests.factories import Personas, id_number
from tests.school.builders import make_rule

# Bookkeeping that a save is meant to update.
BOOKKEEPING = {"updated_at", "changed_at", "changed_by", "modified_at", "latest_revision", "latest_revision_created_at",
               "draft_title", "has_unpublished_changes", "live_revision", "last_published_at", "locked",
               "locked_at", "locked_by"}
BLOCK_KEY = re.compile(r' data-block-key="[^"]*"')
# The HTML standard's value sanitization: a browser shows and submits an input's value only when it is valid for
# the input's type, else the empty string (a date input given "2026/06/30" is empty).
VALID_VALUE = {
    "date": re.compile(r"\d{4,}-\d\d-\d\d"),
    "datetime-local": re.compile(r"\d{4,}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,3})?)?"),
    "time": re.compile(r"\d\d:\d\d(:\d\d(\.\d{1,3})?)?"),
    "month": re.compile(r"\d{4,}-\d\d"),
    "week": re.compile(r"\d{4,}-W\d\d"),
    "number": re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?"),
    "range": re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?"),
}


def submitted(html: str, url: str) -> dict[str, list[str]]:
    """What a browser submits for the page's edit form: the form with the most fields."""
    document = lxml.html.fromstring(html, base_url=url)
    forms = [form for form in document.forms if (form.method or "").lower() == "post"]
    assert forms, f"{url}: no form"
    form = max(forms, key=lambda f: len(f.inputs))
    data: dict[str, list[str]] = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    for element in form.xpath(".//input[@name and @type]"):
        pattern = VALID_VALUE.get(element.get("type", "").lower())
        value = element.get("value", "")
        if pattern is not None and value and not pattern.fullmatch(value):
            name = element.get("name")
            data[name] = ["" if v == value else v for v in data.get(name, [])]
    for select in form.xpath(".//select[@name and not(@disabled)]"):  # no option selected: a browser sends the first
        if select.get("name") not in data and not select.multiple:
            options = select.xpath(".//option")
            if options:
                data[select.get("name")] = [options[0].get("value", options[0].text_content())]
    return data


def state(obj: models.Model) -> dict[str, Any]:
    obj = type(obj)._default_manager.get(pk=obj.pk)
    if isinstance(obj, Page):
        obj = obj.specific.get_latest_revision_as_object()
    values: dict[str, Any] = {}
    for field in obj._meta.get_fields():
        if field.name in BOOKKEEPING or (field.auto_created and not field.concrete):
            continue
        if isinstance(field, models.ManyToManyField):
            values[field.name] = sorted(item.pk for item in getattr(obj, field.name).all())
        elif getattr(field, "concrete", False) and not field.many_to_many:
            value = getattr(obj, field.attname)
            if isinstance(value, dt.datetime):  # a date-time input carries no microseconds
                value = value.replace(microsecond=0)
            elif isinstance(value, str):  # Draftail keys its blocks: the same text, not a change
                value = BLOCK_KEY.sub("", value)
            values[field.attname] = value
    return values


def populated(personas: Personas) -> list[tuple[str, models.Model]]:
    member = personas.member
    for name, value in {"join_date": dt.date(2026, 6, 30), "gender": "female", "ethnicity": "回族",
                        "education": "postgraduate", "position": "支部书记", "phone": "13800138000"}.items():
        setattr(member, name, value)
    member.set_id_number(id_number(7))
    member.save()
    org = personas.a1
    rule = make_rule("roundtrip", "exam", daily_cap="5")
    version = CreditRuleVersion.objects.filter(rule=rule).get()
    scheme = ScoreScheme.objects.first()
    bank = make_bank(personas.trainer)
    bank.description = "题库说明"
    bank.use = "both"
    bank.save()
    fill_bank(bank, "single", 3)
    fill_bank(bank, "fill", 1, start=40)
    exam = make_exam(personas.trainer, bank, targets=[personas.branch_group_a], pass_mark=Decimal(1),
                     sections=[{"qtype": "single", "count": 2, "points": Decimal(2)}])
    attempt, _created = do_start_attempt(personas.member, exam)
    certificate = issue_certificate(attempt)
    revoke_certificate(certificate, "测试撤销")
    layout = CertificateLayout.load()
    layout.title = "结业证书"
    layout.issuer = "某某区委党校"
    layout.save()
    course = make_course(allowed=[personas.branch_group_a])
    video = make_video()
    library = ensure_site_pages().library
    document = PolicyDocumentPage(title="中国共产党章程", doc_number="中发〔2019〕1号", issuer="中共中央",
                                  issue_date=dt.date(2022, 10, 22), effective_date=dt.date(2022, 10, 22),
                                  validity=Validity.CURRENT, body="<p>总纲</p>")
    library.add_child(instance=document)
    document.save_revision().publish()
    lesson = make_video_lesson(course)
    lesson.notes = "<p>本课笔记</p>"
    lesson.save_revision().publish()
    objects: list[tuple[str, models.Model]] = [
        (reverse("school_admin:member_edit", args=[member.pk]), member),
        (reverse("school_admin:organization_edit", args=[org.pk]), org),
    ]
    finder = AdminURLFinder(personas.superuser)
    for obj in [rule, version, scheme, bank, *Question.objects.filter(bank=bank), exam, certificate, layout, video, course,
                make_reading(course), lesson, document]:
        if obj is None:
            continue
        url = finder.get_edit_url(obj)
        assert url, f"no admin edit URL for {obj!r}"
        objects.append((url, obj))
    return objects


def test_it_changes_nothing_when_an_admin_edit_form_is_submitted_unchanged(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.superuser)
    checked = []
    for url, obj in populated(personas):
        before = state(obj)
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        data = submitted(page.content.decode(), url)
        response = client.post(url, data)
        assert response.status_code in (200, 302), (url, response.status_code)
        if response.status_code == 200:
            errors = lxml.html.fromstring(response.content).xpath(
                "//*[contains(@class, 'error-message') or contains(@class, 'errorlist')]")
            assert not errors, (url, [e.text_content().strip() for e in errors])
        after = state(obj)
        changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
        assert not changed, f"{url} ({type(obj).__name__}) changed: {changed}"
        checked.append(type(obj).__name__)
    assert len(checked) >= 12
