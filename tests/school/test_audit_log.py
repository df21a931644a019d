import pytest
from django.db import connection

from school.models import AuditEvent, MemberImport
from school.services import run_member_import
from tests.school.builders import MEMBER_HEADERS, workbook

pytestmark = pytest.mark.django_db


def test_it_records_exports_imports_and_role_changes_with_who_and_where(personas, client_for):
    before = AuditEvent.objects.count()  # the personas' own role grants
    admin = client_for(personas.admin_a)
    admin.get("/admin/school/members/export/", REMOTE_ADDR="10.1.2.3")
    admin.post("/admin/school/members/import/", {"file": workbook(MEMBER_HEADERS, [])})
    run_member_import(MemberImport.objects.get().pk)
    root = client_for(personas.superuser)
    root.get("/admin/school/members/export/?full=1")
    root.post("/admin/school/roles/", {"username": "xiaohong", "organization": personas.a2.pk})
    root.post("/admin/school/roles/trainer/", {"username": "xiaohong"})
    events = list(AuditEvent.objects.order_by("pk").values_list("actor_name", "action", "address"))[before:]
    assert events[0] == ("admin_a", "member_export", "10.1.2.3")
    assert ("admin_a", "member_import", "127.0.0.1") in events
    assert ("root", "member_export_full", "127.0.0.1") in events
    assert [a for _, a, _ in events].count("role_granted") == 2


def test_it_shows_the_log_to_superusers_only_with_filters(personas, client_for):
    client_for(personas.admin_a).get("/admin/school/members/export/")
    client_for(personas.superuser).post("/admin/school/roles/trainer/", {"username": "xiaohong"})
    page = client_for(personas.superuser).get("/admin/school/audit/?action=member_export").content.decode()
    assert "导出党员" in page and "讲师" not in page.split("<tbody>")[1]
    by_actor = client_for(personas.superuser).get("/admin/school/audit/?actor=root").content.decode()
    assert "讲师" in by_actor.split("<tbody>")[1]
    for user in (personas.admin_a, personas.member.user, personas.trainer):
        assert client_for(user).get("/admin/school/audit/").status_code in (302, 403)


def test_it_refuses_to_change_or_delete_events(personas):
    from school import audit

    event = audit.record("member_export", "导出党员 1 人", actor=personas.admin_a)
    event.summary = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="篡改")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    if connection.vendor == "postgresql":
        from django.db import DatabaseError, transaction

        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE school_auditevent SET summary = 'x'")
    assert AuditEvent.objects.get(pk=event.pk).summary == "导出党员 1 人"


def test_it_audits_each_member_export_and_import_once_whatever_the_channel(personas, client_for, tmp_path):
    """The do_* action writes the audit row: the admin view, the worker and the commands add none of their own."""
    from django.core.management import call_command

    from school.models.audit import AuditAction
    from tests.factories import id_number

    def count(action: str) -> int:
        return AuditEvent.objects.filter(action=action).count()

    exports, imports = count(AuditAction.MEMBER_EXPORT), count(AuditAction.MEMBER_IMPORT)
    client_for(personas.admin_a).get("/admin/school/members/export/")
    assert count(AuditAction.MEMBER_EXPORT) == exports + 1
    call_command("export_members", str(tmp_path / "out.xlsx"))
    assert count(AuditAction.MEMBER_EXPORT) == exports + 2
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_EXPORT).latest("pk").address == "manage.py export_members"

    row = ["新党员", id_number(77), personas.a1.code, "正式党员", "男", "汉族", "大学本科", "2010-07-01", "", "", "在册", ""]
    path = tmp_path / "in.xlsx"
    path.write_bytes(workbook(MEMBER_HEADERS, [row]).getvalue())
    call_command("import_members", str(path))
    assert count(AuditAction.MEMBER_IMPORT) == imports + 1
    client_for(personas.admin_a).post("/admin/school/members/import/", {"file": workbook(MEMBER_HEADERS, [row])})
    assert count(AuditAction.MEMBER_IMPORT) == imports + 2  # the upload
    run_member_import(MemberImport.objects.get().pk)
    assert count(AuditAction.MEMBER_IMPORT) == imports + 3  # the applied file (nothing new in it: unchanged 1)
