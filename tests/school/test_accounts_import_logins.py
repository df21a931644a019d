"""The member import says which login names it created and how (a blank 登录名 becomes the phone number)."""

import pytest

from school.models import AccountState, Member, MemberImport
from school.services.spreadsheets import run_member_import
from tests.factories import id_number
from tests.school.builders import MEMBER_HEADERS, workbook

pytestmark = pytest.mark.django_db


def test_it_lists_the_created_login_names_and_how_they_were_made(personas, client_for,
                                                                django_capture_on_commit_callbacks):
    rows = [
        ["有名字", id_number(601), "TA1", "正式党员", "男", "汉族", "", "", "", "13900000001", "在册", "youmingzi"],
        ["用手机", id_number(602), "TA1", "正式党员", "女", "汉族", "", "", "", "13900000002", "在册", ""],
        ["都没有", id_number(603), "TA1", "正式党员", "女", "汉族", "", "", "", "", "在册", ""],
    ]
    admin = client_for(personas.admin_a)
    with django_capture_on_commit_callbacks(execute=False):
        admin.post("/admin/school/members/import/", {"file": workbook(MEMBER_HEADERS, rows)})
    record = MemberImport.objects.get()
    run_member_import(record.pk)
    generated = Member.objects.get(name="都没有").user.username
    page = admin.get(f"/admin/school/members/import/{record.pk}/").content.decode()
    assert "新建的登录账号" in page
    assert "youmingzi" in page and "文件中填写" in page
    assert "13900000002" in page and "登录名为空：以手机号作为登录名" in page
    assert generated in page and "系统生成" in page
    assert "发放激活码" in page and "激活账号" in page
    assert set(Member.objects.filter(name__in=["有名字", "用手机", "都没有"]).values_list("account_state", flat=True)) == {
        AccountState.PENDING}
