import pytest
from django.contrib.auth import get_user_model

from school.excel import import_members
from school.models import Member, MemberImport
from school.services import run_member_import
from tests.factories import id_number
from tests.school.builders import MEMBER_HEADERS, read, workbook

pytestmark = pytest.mark.django_db


def rows(n=3, org="TA1"):
    return [[f"导入{i}", id_number(500 + i), org, "正式党员", "男", "汉族", "大学本科", "2010-07-01", "", f"1390000{i:04d}", "在册", ""]
            for i in range(n)]


def test_it_offers_a_template_with_chinese_headers(personas, client_for):
    response = client_for(personas.admin_a).get("/admin/school/members/template/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert read(response.content)[0] == MEMBER_HEADERS


def test_it_imports_members_and_a_second_import_changes_nothing(personas):
    result = import_members(workbook(MEMBER_HEADERS, rows()), user=personas.admin_a)
    assert (result.ok, result.created, result.updated) == (True, 3, 0)
    member = Member.objects.get(name="导入1")
    assert member.organization.code == "TA1" and member.user.username == "13900000001"
    assert not member.user.has_usable_password()
    before = list(Member.objects.values_list("pk", "updated_at"))
    again = import_members(workbook(MEMBER_HEADERS, rows()), user=personas.admin_a)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert list(Member.objects.values_list("pk", "updated_at")) == before


def test_it_updates_changed_rows_by_id_number(personas):
    import_members(workbook(MEMBER_HEADERS, rows()), user=personas.admin_a)
    changed = rows()
    changed[0][2] = "TA2"
    changed[0][3] = "预备党员"
    result = import_members(workbook(MEMBER_HEADERS, changed), user=personas.admin_a)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    member = Member.objects.get(name="导入0")
    assert (member.organization.code, member.political_status) == ("TA2", "probationary")


def test_it_reports_every_bad_row_in_chinese_and_writes_nothing(personas):
    bad = rows(8)
    bad[1][2] = "NOPE"                      # unknown organization
    bad[2][1] = bad[0][1]                   # duplicate ID number
    bad[3][7] = "去年夏天"                   # bad date
    bad[4][3] = "群众"                       # bad status
    bad[5][1] = bad[5][1][:17] + ("1" if bad[5][1][17] != "1" else "2")  # wrong check digit
    bad[6][2] = "X1"                        # another committee's branch
    bad[7][0] = ""                          # missing name
    result = import_members(workbook(MEMBER_HEADERS, bad), user=personas.admin_a)
    assert not result.ok
    by_row = {(e.row, e.column): e.message for e in result.errors}
    assert "NOPE" in by_row[(3, "所在组织编码")]
    assert "第 2 行" in by_row[(4, "身份证号")] or "2" in by_row[(4, "身份证号")]
    assert "2001-07-01" in by_row[(5, "入党日期")]
    assert "正式党员" in by_row[(6, "政治面貌")]
    assert "校验位" in by_row[(7, "身份证号")]
    assert "X1" in by_row[(8, "所在组织编码")]
    assert (9, "姓名") in by_row
    assert not Member.objects.filter(name__startswith="导入").exists()
    assert not get_user_model().objects.filter(username__startswith="139").exists()


def test_it_refuses_people_registered_outside_the_scope(personas):
    raw = personas.member_x.id_number.reveal()
    row = ["小刚", raw, "TA1", "正式党员", "", "", "", "", "", "", "", ""]
    result = import_members(workbook(MEMBER_HEADERS, [row]), user=personas.admin_a)
    assert not result.ok and "范围" in result.errors[0].message
    personas.member_x.refresh_from_db()
    assert personas.member_x.organization.code == "X1"


@pytest.mark.parametrize("content, expected", [
    (b"PK\x03\x04 a damaged workbook", "不是可以读取的表格"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 a damaged .xls", "不是可以读取的表格"),
    (b"not a workbook", "缺少必填列"),  # read as a one-column CSV without the template's headers
    (None, "缺少必填列"),
])
def test_it_refuses_files_that_are_not_member_workbooks(personas, content, expected):
    import io

    source = io.BytesIO(content) if content else workbook(["名字", "电话"], [["a", "b"]])
    result = import_members(source, user=personas.admin_a)
    assert not result.ok and expected in result.errors[0].message


def test_it_takes_uploads_in_the_admin_and_applies_them_in_a_task(personas, client_for, django_capture_on_commit_callbacks):
    client = client_for(personas.admin_a)
    upload = workbook(MEMBER_HEADERS, rows(2))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/admin/school/members/import/", {"file": upload})
    assert response.status_code == 302
    record = MemberImport.objects.get()
    assert record.state == "pending" and len(callbacks) == 1
    run_member_import(record.pk)
    record.refresh_from_db()
    assert (record.state, record.created) == ("done", 2)
    assert run_member_import(record.pk) is None  # a second delivery does nothing
    page = client.get(f"/admin/school/members/import/{record.pk}/").content.decode()
    assert "已导入" in page
    other = client_for(personas.admin_x).get(f"/admin/school/members/import/{record.pk}/")
    assert other.status_code == 404


def test_it_shows_the_row_errors_of_a_refused_upload(personas, client_for):
    client = client_for(personas.admin_a)
    bad = rows(1, org="NOPE")
    client.post("/admin/school/members/import/", {"file": workbook(MEMBER_HEADERS, bad)})
    record = MemberImport.objects.get()
    run_member_import(record.pk)
    page = client.get(f"/admin/school/members/import/{record.pk}/").content.decode()
    assert "NOPE" in page and "未导入任何数据" in page
    assert not Member.objects.filter(name__startswith="导入").exists()


def test_it_refuses_a_non_excel_upload_at_once(personas, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("members.xlsx", b"<html>not excel</html>")
    response = client_for(personas.admin_a).post("/admin/school/members/import/", {"file": fake})
    assert response.status_code == 200
    assert "不是表格文件" in response.content.decode()
    assert not MemberImport.objects.exists()


def test_it_fails_an_import_whose_file_is_missing_with_a_reason(personas, client_for):
    from pathlib import Path

    client = client_for(personas.admin_a)
    client.post("/admin/school/members/import/", {"file": workbook(MEMBER_HEADERS, rows(1))})
    record = MemberImport.objects.get()
    Path(record.file.path).unlink()  # uploaded on another machine whose folder is not shared

    run_member_import(record.pk)

    record.refresh_from_db()
    assert record.state == "failed" and record.finished_at is not None
    assert "找不到" in record.errors[0]["message"]
    page = client.get(f"/admin/school/members/import/{record.pk}/").content.decode()
    assert "找不到" in page


def test_it_sweeps_imports_left_running_by_a_dead_worker(personas, client_for):
    import datetime as dt

    from django.utils import timezone

    from school.tasks import sweep_stuck_member_imports

    client = client_for(personas.admin_a)
    client.post("/admin/school/members/import/", {"file": workbook(MEMBER_HEADERS, rows(1))})
    client.post("/admin/school/members/import/", {"file": workbook(MEMBER_HEADERS, rows(1))})
    stuck, fresh = MemberImport.objects.order_by("pk")
    MemberImport.objects.filter(pk=stuck.pk).update(state="running",
                                                    created_at=timezone.now() - dt.timedelta(hours=3))

    assert sweep_stuck_member_imports.apply().get() == [stuck.pk]

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == "failed" and "未能按时完成" in stuck.errors[0]["message"]
    assert fresh.state == "pending"
