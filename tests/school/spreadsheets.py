"""Builds member and organization workbooks for the import tests (not a test module)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

MEMBER_HEADERS = ["姓名", "身份证号", "所在组织编码", "政治面貌", "性别", "民族", "学历", "入党日期", "职务", "手机号", "状态", "登录名"]
ORG_HEADERS = ["组织编码", "组织名称", "组织类别", "上级组织编码", "联系人", "联系电话"]


def workbook(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "import.xlsx"
    return buffer


def read(content: bytes) -> list[list[Any]]:
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]
