"""On a phone: an administrator imports members and issues the activation sheet; one member logs in with
the code from the sheet and chooses a password; another activates by ID number + phone with the SMS
code; a third resets a forgotten password. Screenshots: test-artifacts/accounts-*.png."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from school.accounts import services as accounts
from school.accounts import sms
from school.models import ActivationSheet, MemberImport, SmsCode
from school.services.spreadsheets import run_member_import
from tests.e2e.conftest import PHONE, shot
from tests.factories import PASSWORD, id_number
from tests.school.builders import MEMBER_HEADERS, workbook

pytestmark = pytest.mark.django_db(transaction=True)
NEW_PASSWORD = "Hong-Qi-2024"


def _tap_targets_ok(page: Any) -> None:
    """Every visible button, input and link in the page's card is at least 44 px tall, and nothing
    sticks out sideways on a 390-px screen."""
    small = page.evaluate("""() => [...document.querySelectorAll('.card button, .card input:not([type=hidden]), .card a')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.outerHTML.slice(0, 80))""")
    assert small == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _new_phone(browser: Any) -> Any:
    page = browser.new_context(locale="zh-CN", **PHONE).new_page()
    page.set_default_timeout(15_000)
    return page


def _deliver_last_code() -> str:
    """What the worker does with the queued SMS (the locmem backend keeps it); returns the code sent."""
    row = SmsCode.objects.latest("pk")
    accounts.deliver_code(row.pk, last_try=True)
    return sms.outbox[-1].code


def test_it_takes_imported_members_from_the_activation_sheet_to_their_home_page(personas, live_server, browser,
                                                                                 wagtail_site, tmp_path):
    sms.outbox.clear()
    base = live_server.url
    admin = _new_phone(browser)
    admin.goto(f"{base}/admin/login/")
    admin.fill("#id_username", "admin_a")
    admin.fill("#id_password", PASSWORD)
    admin.click("button[type=submit]")
    admin.wait_for_url(f"{base}/admin/")

    # 1. import three members (blank 登录名: the phone number becomes the login name)
    rows = [[name, id_number(700 + i), "TA1", "正式党员", "男", "汉族", "大学本科", "2010-07-01", "", phone, "在册", ""]
            for i, (name, phone) in enumerate([("李新", "13712340001"), ("王激活", "13712340002"),
                                               ("赵忘记", "13712340003")])]
    upload = tmp_path / "党员.xlsx"
    upload.write_bytes(workbook(MEMBER_HEADERS, rows).getvalue())
    admin.goto(f"{base}/admin/school/members/import/")
    admin.set_input_files("input[type=file]", str(upload))
    admin.click("form[enctype] button.button")
    admin.wait_for_url("**/members/import/*/")
    run_member_import(MemberImport.objects.get().pk)  # the worker's part
    admin.reload()
    assert "登录名为空：以手机号作为登录名" in admin.content()
    shot(admin, "accounts-01-import-result")

    # 2. pick the not-yet-activated members of 第一党支部 and issue the sheet
    admin.goto(f"{base}/admin/school/members/?account=pending&organization={personas.a1.pk}")
    assert "未激活" in admin.content()
    for name in ("李新", "王激活", "赵忘记"):
        admin.check(f"input[name=member][aria-label={name}]")
    shot(admin, "accounts-02-members-pending")
    admin.click("button[form=issue-selected]")
    admin.wait_for_url("**/accounts/issue/**")
    shot(admin, "accounts-03-issue")
    admin.click("text=发放激活码并生成表格")
    admin.wait_for_url("**/accounts/sheets/*/")
    accounts.run_activation_sheet(ActivationSheet.objects.get().pk)  # the worker's part
    admin.reload()
    shot(admin, "accounts-04-sheet-ready")
    with admin.expect_download() as download:
        admin.click("text=下载激活码表")
    ws = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    table = [[c.value for c in r] for r in ws.iter_rows()]
    assert table[0] == ["组织", "姓名", "登录名", "激活码", "有效期至"]
    codes = {r[1]: r[3] for r in table[1:]}
    assert set(codes) == {"李新", "王激活", "赵忘记"}

    # 3. 李新 logs in with the code from the sheet, must choose a password, lands on the home page
    member = _new_phone(browser)
    member.goto(f"{base}/accounts/login/")
    assert "忘记密码" in member.content() and "激活账号" in member.content()
    _tap_targets_ok(member)
    shot(member, "accounts-05-login")
    member.fill("#id_username", "13712340001")
    member.fill("#id_password", codes["李新"])
    member.click(".card button.primary")
    member.wait_for_url("**/accounts/password/choose/")
    _tap_targets_ok(member)
    member.goto(f"{base}/me/")
    member.wait_for_url("**/accounts/password/choose/")  # nothing else before a password
    member.fill("#id_new_password1", "12345678")
    member.fill("#id_new_password2", "12345678")
    member.click(".card button.primary")
    assert member.locator(".error").first.is_visible()
    shot(member, "accounts-06-choose-password-refused")
    member.fill("#id_new_password1", NEW_PASSWORD)
    member.fill("#id_new_password2", NEW_PASSWORD)
    member.click(".card button.primary")
    member.wait_for_url(f"{base}/")
    assert "李新" in member.locator("h1").inner_text()
    shot(member, "accounts-07-home")

    # 4. 王激活 activates by ID number + the last 4 digits of the phone, with the SMS code
    second = _new_phone(browser)
    second.goto(f"{base}/accounts/login/")
    second.click("text=激活账号")
    second.wait_for_url("**/accounts/activate/")
    second.fill("#id_name", "王激活")
    second.fill("#id_id_number", id_number(701))
    second.fill("#id_phone", "0002")
    _tap_targets_ok(second)
    shot(second, "accounts-08-activate")
    second.click(".card button.primary")
    second.wait_for_url("**/accounts/verify/")
    assert "如果信息与登记一致" in second.content()
    code = _deliver_last_code()
    assert sms.outbox[-1].phone == "13712340002"
    second.fill("#id_code", code)
    second.fill("#id_new_password1", NEW_PASSWORD)
    second.fill("#id_new_password2", NEW_PASSWORD)
    _tap_targets_ok(second)
    shot(second, "accounts-09-verify")
    second.click(".card button.primary")
    second.wait_for_url(f"{base}/")
    assert "王激活" in second.locator("h1").inner_text()

    # 5. 赵忘记 forgot: resets by login name (= phone) with the SMS code
    third = _new_phone(browser)
    third.goto(f"{base}/accounts/login/")
    third.click("text=忘记密码")
    third.wait_for_url("**/accounts/password/forgot/")
    third.fill("#id_identifier", "13712340003")
    _tap_targets_ok(third)
    shot(third, "accounts-10-forgot")
    third.click(".card button.primary")
    third.wait_for_url("**/accounts/verify/")
    third.fill("#id_code", "000000" if _deliver_last_code() != "000000" else "111111")
    third.fill("#id_new_password1", NEW_PASSWORD)
    third.fill("#id_new_password2", NEW_PASSWORD)
    third.click(".card button.primary")
    assert "验证码错误或已失效" in third.content()
    shot(third, "accounts-11-wrong-code")
    third.fill("#id_code", sms.outbox[-1].code)
    third.fill("#id_new_password1", NEW_PASSWORD)
    third.fill("#id_new_password2", NEW_PASSWORD)
    third.click(".card button.primary")
    third.wait_for_url(f"{base}/")
    assert "赵忘记" in third.locator("h1").inner_text()
    shot(third, "accounts-12-home-after-reset")
    third.context.close()
    second.context.close()
    member.context.close()
    admin.context.close()
