"""Every path that performs a sensitive action leaves an audit record with who, what and from where:
admin views, Wagtail's own screens, management commands, Celery tasks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from school import audit
from school.credits import tasks as credit_tasks
from school.credits.models import CreditRule, ScoreScheme
from school.models import AdminScope, AuditEvent
from school.permissions import TRAINER_GROUP
from tests.factories import id_number
from tests.school.builders import MEMBER_HEADERS, workbook

pytestmark = pytest.mark.django_db


def _events_after(mark: int, action: str | None = None) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(pk__gt=mark).order_by("pk")
    return list(qs.filter(action=action) if action else qs)


def _mark() -> int:
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_commands_record_imports_exports_and_recomputes_with_the_command_as_channel(personas, tmp_path: Path):
    mark = _mark()
    source = tmp_path / "members.xlsx"
    row = ["张三", id_number(7), "TA1", "正式党员", "", "", "", "", "", "", "在册", "zhangsan"]
    source.write_bytes(workbook(MEMBER_HEADERS, [row]).read())
    call_command("import_members", str(source), "--as-user", "admin_a")
    call_command("export_members", str(tmp_path / "out.xlsx"))
    call_command("recompute_scores", "--period", "2026-01")
    imported, exported = _events_after(mark, "member_import"), _events_after(mark, "member_export")
    assert [(e.actor_name, e.address) for e in imported] == [("admin_a", "manage.py import_members")]
    assert "新增 1" in imported[0].summary
    assert [(e.actor_name, e.address) for e in exported] == [("manage.py export_members",) * 2]
    recomputed = _events_after(mark, "scores_recomputed")
    assert [(e.address, e.data["periods"]) for e in recomputed] == [("manage.py recompute_scores", ["2026-01"])]


def test_a_failed_command_import_records_nothing(personas, tmp_path: Path):
    mark = _mark()
    source = tmp_path / "bad.xlsx"
    source.write_bytes(workbook(MEMBER_HEADERS, [["张三", id_number(8), "NOPE", "正式党员", "", "", "", "", "", "", "在册", "zhangsan"]]).read())
    with pytest.raises(Exception, match="nothing was imported"):
        call_command("import_members", str(source))
    assert _events_after(mark, "member_import") == []


def test_the_scheduled_recompute_is_recorded_as_a_celery_task(personas):
    mark = _mark()
    credit_tasks.recompute_scores_task.apply(args=(["2026-02"],))
    [event] = _events_after(mark, "scores_recomputed")
    assert event.address == "celery school.credits.tasks.recompute_scores_task"
    assert event.actor is None and event.data["periods"] == ["2026-02"]


def test_role_changes_in_wagtails_user_editor_are_recorded(personas, client_for):
    mark = _mark()
    trainers = Group.objects.get(name=TRAINER_GROUP)
    user = personas.member_a2.user
    url = reverse("wagtailusers_users:edit", args=[user.pk])
    form = {"username": user.username, "email": "xiaohong@example.org", "first_name": "红", "last_name": "小", "password1": "",
            "password2": "", "is_active": "on", "groups": [trainers.pk], "is_superuser": "on"}
    response = client_for(personas.superuser).post(url, form, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 302, response.context["form"].errors
    events = [(e.action, e.actor_name, e.address, e.summary) for e in _events_after(mark)]
    assert ("role_granted", "root", "10.0.0.9", "xiaohong → 讲师") in events
    assert ("role_granted", "root", "10.0.0.9", "xiaohong → 超级管理员") in events
    mark = _mark()
    client_for(personas.superuser).post(url, {**form, "groups": [], "is_superuser": ""})
    revoked = {e.summary for e in _events_after(mark, "role_revoked")}
    assert revoked == {"xiaohong ✕ 讲师", "xiaohong ✕ 超级管理员"}


def test_scope_grants_and_revocations_are_recorded_once(personas, client_for):
    mark = _mark()
    root = client_for(personas.superuser)
    root.post("/admin/school/roles/", {"username": "xiaohong", "organization": personas.a2.pk})
    scope = AdminScope.objects.get(user=personas.member_a2.user)
    root.post(f"/admin/school/roles/{scope.pk}/revoke/")
    events = [(e.action, e.summary, e.target_id) for e in _events_after(mark)]
    assert events == [("role_granted", "xiaohong → 组织管理员 第二党支部（TA2）", str(personas.a2.pk)),
                      ("role_revoked", "xiaohong ✕ 组织管理员 第二党支部（TA2）", str(personas.a2.pk))]


def test_score_rule_changes_in_the_admin_are_recorded_with_the_fields_changed(personas, client_for):
    mark = _mark()
    root = client_for(personas.superuser)
    form = {"code": "read", "name": "阅读文件", "source_type": "document", "basis": "fixed", "repeat": "once",
            "active": "on"}
    assert root.post(reverse("credit_rules:add"), form).status_code == 302
    rule = CreditRule.objects.get(code="read")
    assert root.post(reverse("credit_rules:edit", args=[rule.pk]), {**form, "name": "阅读政策文件"}).status_code == 302
    events = _events_after(mark, "score_rule_changed")
    assert [e.summary for e in events] == ["新增积分规则：阅读文件", "修改积分规则：阅读政策文件（名称）"]
    assert events[1].data["changes"] == {"name": ["阅读文件", "阅读政策文件"]}
    assert {e.actor_name for e in events} == {"root"}
    scheme = ScoreScheme.objects.create(name="默认方案")
    scheme.weight_credits = 50
    scheme.save()
    assert _events_after(mark, "score_rule_changed")[-1].data["changes"]["weight_credits"][1] == "50"


def test_exam_changes_are_recorded_only_once_members_have_attempted_it(personas):
    from exams.services import do_start_attempt
    from tests.exams.builders import fill_bank, make_bank, make_exam

    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 4)
    exam = make_exam(personas.trainer, bank, targets=[personas.district], sections=[
        {"qtype": "single", "count": 2, "points": Decimal(50), "title": "单选题"}])
    mark = _mark()
    old_pass_mark = f"{exam.pass_mark:.2f}"
    exam.title = "草稿改名"
    exam.save()
    assert _events_after(mark, "exam_changed") == []
    do_start_attempt(personas.member, exam)
    with audit.acting_as("shell", personas.trainer):
        exam.pass_mark = Decimal(90)
        exam.save()
        section = exam.sections.get()
        section.points = Decimal(10)
        section.save()
        exam.target_organizations.remove(personas.district)
    events = _events_after(mark, "exam_changed")
    assert [e.summary for e in events] == ["修改考试：草稿改名（及格分）", "修改考试题型设置：单选题（每题分值）",
                                           "修改考试：草稿改名（参考组织移除）"]
    assert events[0].data["changes"]["pass_mark"] == [old_pass_mark, "90"]
    assert {(e.actor_name, e.address) for e in events} == {("teacher", "shell")}


def test_exam_edits_in_the_admin_after_attempts_are_recorded(personas, client_for):
    from exams.services import do_start_attempt
    from tests.exams.builders import fill_bank, make_bank, make_exam

    bank = make_bank(personas.trainer)
    fill_bank(bank, "single", 4)
    exam = make_exam(personas.trainer, bank, targets=[personas.district], sections=[
        {"qtype": "single", "count": 2, "points": Decimal(50), "title": "单选题"}])
    do_start_attempt(personas.member, exam)
    mark = _mark()
    client = client_for(personas.trainer)
    edit = client.get(reverse("exams_exam:edit", args=[exam.pk]))
    form = edit.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(getattr(v, "pk", v)) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
            else:
                data.pop(name, None)
        elif value is not None:
            data[name] = str(getattr(value, "pk", value))
        del field
    for prefix, formset in form.formsets.items():
        data.update({f"{prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for child in formset.forms:
            for name in child.fields:
                value = child[name].value()
                key = f"{child.prefix}-{name}"
                if isinstance(value, list | tuple):
                    data[key] = [str(getattr(v, "pk", v)) for v in value]
                elif isinstance(value, bool):
                    if value:
                        data[key] = "on"
                elif value is not None:
                    data[key] = str(getattr(value, "pk", value))
    data["time_limit_minutes"] = "45"
    response = client.post(reverse("exams_exam:edit", args=[exam.pk]), data, REMOTE_ADDR="10.2.3.4")
    assert response.status_code == 302, response.content.decode()[:4000]
    events = _events_after(mark, "exam_changed")
    assert [(e.actor_name, e.address) for e in events] == [("teacher", "10.2.3.4")]
    assert events[0].data["changes"] == {"time_limit_minutes": ["60", "45"]}


def test_certificate_revocations_are_recorded_on_every_path(personas):
    from exams.models import Certificate
    from exams.services import do_start_attempt, do_submit_attempt, revoke_certificate
    from tests.exams.builders import fill_bank, make_bank, make_exam

    bank = make_bank(personas.trainer)
    fill_bank(bank, "judge", 1)
    exam = make_exam(personas.trainer, bank, targets=[personas.district], certificate_on_pass=True,
                     pass_mark=Decimal(0), sections=[{"qtype": "judge", "count": 1, "points": Decimal(100)}])
    attempt, _created = do_start_attempt(personas.member, exam)
    do_submit_attempt(attempt.pk)
    certificate = Certificate.objects.get(member=personas.member)
    mark = _mark()
    with audit.acting_as("manage.py shell"):
        revoke_certificate(certificate, "信息有误")
        revoke_certificate(certificate, "再次撤销")  # already revoked: nothing changes, nothing recorded
    [event] = _events_after(mark, "certificate_revoked")
    assert (event.address, event.target_id, event.data["reason"]) == ("manage.py shell", str(certificate.pk), "信息有误")


def test_superusers_filter_the_log_by_target_and_date(personas, client_for):
    audit.record("member_export", "导出党员 3 人", actor=personas.admin_a, target=personas.a1)
    audit.record("member_export", "导出党员 9 人", actor=personas.admin_a, target=personas.a2)
    root = client_for(personas.superuser)
    by_target = root.get(f"/admin/school/audit/?target=school.Organization:{personas.a1.pk}").content.decode()
    body = by_target.split("<tbody>")[1]
    assert "导出党员 3 人" in body and "导出党员 9 人" not in body
    by_words = root.get("/admin/school/audit/?target=9 人").content.decode().split("<tbody>")[1]
    assert "导出党员 9 人" in by_words and "导出党员 3 人" not in by_words
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    later = root.get(f"/admin/school/audit/?from={tomorrow}").content.decode().split("<tbody>")[1]
    assert "导出党员" not in later
