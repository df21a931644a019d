"""Member and organization rosters the way offices send them: legacy .xls, .ods, GBK CSV, a merged title
row above the header, the column names offices use, dates and phone numbers as people type them."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from school.excel import import_members, import_organizations
from school.models import Member, Organization
from tests.factories import id_number
from tests.school.builders import MEMBER_HEADERS, csv_bytes, ods_bytes, titled_xlsx, workbook, xls_bytes

pytestmark = pytest.mark.django_db

OFFICE_HEADERS = ["序号", "姓名", "公民身份号码", "所在组织编码", "政治面貌", "性别", "入党时间", "联系电话"]


def office_rows(n=3, org="TA1"):
    return [[str(i + 1), f"办公{i}", id_number(700 + i), org, "正式党员", "女", "2010年7月1日", f"+86 139 0000 {i:04d}"]
            for i in range(n)]


def assert_imported(result, n=3):
    assert result.ok, result.errors
    assert result.created == n
    member = Member.objects.get(name="办公1")
    assert member.phone == "13900000001" and member.join_date == dt.date(2010, 7, 1)


def test_it_imports_an_xls_roster_with_a_merged_title_row(personas):
    content = xls_bytes([OFFICE_HEADERS, *office_rows()], title="XX党支部党员花名册")
    assert_imported(import_members(io.BytesIO(content), user=personas.admin_a))


def test_it_imports_an_xlsx_with_a_title_row_and_ignores_the_total_row_below(personas):
    rows = [*office_rows(), [], ["合计", "3 人"], ["备注：以上人员均已核实"]]
    assert_imported(import_members(titled_xlsx("XX党支部党员花名册", OFFICE_HEADERS, rows), user=personas.admin_a))


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_it_imports_csv_in_the_encodings_offices_save(personas, encoding):
    content = csv_bytes([["XX党支部党员花名册"], OFFICE_HEADERS, *office_rows()], encoding=encoding)
    assert_imported(import_members(io.BytesIO(content), user=personas.admin_a))


def test_it_sniffs_a_semicolon_or_tab_delimiter(personas):
    content = csv_bytes([OFFICE_HEADERS, *office_rows()], encoding="gbk", delimiter="\t")
    assert_imported(import_members(io.BytesIO(content), user=personas.admin_a))


def test_it_imports_an_ods_roster(personas):
    assert_imported(import_members(io.BytesIO(ods_bytes([OFFICE_HEADERS, *office_rows()])), user=personas.admin_a))


def test_it_accepts_full_width_and_spaced_headers(personas):
    headers = ["姓　名", " 身份证号码 ", "所在组织编码*", "政治面貌", "性别", "入党日期", "手机号码"]
    rows = [[r[1], r[2], r[3], r[4], r[5], r[6], r[7]] for r in office_rows()]
    assert_imported(import_members(workbook(headers, rows), user=personas.admin_a))


@pytest.mark.parametrize("value", ["2010-07-01", "2010/7/1", "2010.07.01", "2010年7月1日", "20100701", 40360,
                                   dt.date(2010, 7, 1)])
def test_it_reads_dates_the_ways_offices_type_them(personas, value):
    rows = [["办公1", id_number(701), "TA1", "正式党员", "女", "", "", value, "", "", "", ""]]
    result = import_members(workbook(MEMBER_HEADERS, rows), user=personas.admin_a)
    assert result.ok, result.errors
    assert Member.objects.get(name="办公1").join_date == dt.date(2010, 7, 1)


@pytest.mark.parametrize("value", [1.10101194912310e17, "1.10101E+17"])
def test_it_explains_an_id_number_excel_stored_as_a_number(personas, value):
    rows = [["办公1", value, "TA1", "正式党员", "女", "", "", "", "", "", "", ""]]
    result = import_members(io.BytesIO(xls_bytes([MEMBER_HEADERS, *rows])), user=personas.admin_a)
    assert not result.ok
    error = result.errors[0]
    assert (error.row, error.column) == (2, "身份证号")
    assert "存成了数字" in error.message and "文本" in error.message
    assert not Member.objects.filter(name="办公1").exists()


def test_it_accepts_a_lower_case_x_in_id_numbers(personas):
    number = next(id_number(i) for i in range(800, 900) if id_number(i).endswith("X"))
    rows = [["办公1", number.lower(), "TA1", "正式党员", "", "", "", "", "", "", "", ""]]
    result = import_members(workbook(MEMBER_HEADERS, rows), user=personas.admin_a)
    assert result.ok, result.errors


def test_it_imports_organizations_from_a_gbk_csv(personas):
    content = csv_bytes([["组织架构"], ["组织编码", "党组织名称", "组织类别", "上级组织编码"], ["TA9", "新支部", "党支部", "TA"]],
                        encoding="gbk")
    result = import_organizations(io.BytesIO(content), user=personas.admin_a)
    assert result.ok, result.errors
    assert Organization.objects.get(code="TA9").name == "新支部"


BAD_FILES = {
    "empty.xlsx": b"",
    "damaged.xlsx": b"PK\x03\x04\x14\x00broken",
    "damaged.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    "binary.csv": bytes(range(256)) * 4,
    "latin.csv": "Name;Ville\nJosé;Zürich\n".encode("latin-1"),
    "report.docx": b"PK\x03\x04" + b"\x00" * 100,
    "photo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    "headers-only.csv": ",".join(MEMBER_HEADERS).encode(),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_it_reports_bad_files_from_the_command_without_a_traceback(personas, tmp_path, capsys, name):
    path = tmp_path / name
    path.write_bytes(BAD_FILES[name])
    for command in ("import_members", "import_organizations"):
        with pytest.raises(CommandError, match="nothing was imported"):
            call_command(command, str(path))
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.strip()
    assert not Member.objects.filter(name__startswith="办公").exists()


@pytest.mark.parametrize("name, content", [
    ("花名册.xls", xls_bytes([OFFICE_HEADERS, *office_rows()], title="XX党支部党员花名册")),
    ("花名册.csv", csv_bytes([["XX党支部党员花名册"], OFFICE_HEADERS, *office_rows()], encoding="gbk")),
])
def test_it_imports_an_office_roster_uploaded_in_the_admin(personas, client_for, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from school.models import MemberImport
    from school.services import run_member_import

    response = client_for(personas.admin_a).post("/admin/school/members/import/",
                                                 {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert "/import/" in response["Location"], response["Location"]
    record = MemberImport.objects.get()
    run_member_import(record.pk)
    record.refresh_from_db()
    assert (record.state, record.created) == ("done", 3), record.errors
    assert Member.objects.get(name="办公1").phone == "13900000001"
