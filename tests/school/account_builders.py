"""Builders for the account tests (not a test module): imported members without a password, codes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from school import services
from school.accounts import services as accounts
from school.models import ActivationSheet, Member, Organization
from tests.factories import id_number


def imported_member(organization: Organization, username: str, name: str, **fields: Any) -> Member:
    """A member as the Excel import leaves them: no usable password, 未激活."""
    fields.setdefault("id_number", id_number())
    return services.create_member(username=username, name=name, organization=organization, **fields)


def issued_codes(admin: Any, members: list[Member]) -> dict[str, str]:
    """Issue codes for ``members`` as ``admin`` and run the worker's part; login name -> code."""
    sheet = accounts.do_request_activation_sheet(
        admin, members=Member.objects.filter(pk__in=[m.pk for m in members]), organization=None,
        description="test")
    accounts.run_activation_sheet(sheet.pk)
    sheet = ActivationSheet.objects.get(pk=sheet.pk)
    rows = sheet_rows(sheet)
    return {row["登录名"]: row["激活码"] for row in rows}


def sheet_rows(sheet: ActivationSheet) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    with sheet.file.open("rb") as fh:
        ws = load_workbook(fh, read_only=True).active
        assert ws is not None
        values = [[str(c) if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)
