from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from school.models import Organization, OrganizationKind
from school.permissions import can_create_root_organization, organizations_visible_to

from .workbook import Column, ImportResult, RowError, SpreadsheetError, build_workbook, cell_text, read_rows

ORGANIZATION_COLUMNS = [
    Column("code", "组织编码", required=True, width=16, kind="text"),
    Column("name", "组织名称", required=True, width=30),
    Column("kind", "组织类别", required=True, width=10),
    Column("parent_code", "上级组织编码", width=16, kind="text"),
    Column("contact_person", "联系人", width=10),
    Column("contact_phone", "联系电话", width=16, kind="text"),
]
KIND_LABELS = {
    "党委": OrganizationKind.COMMITTEE,
    "党总支": OrganizationKind.GENERAL_BRANCH,
    "党支部": OrganizationKind.BRANCH,
    "党小组": OrganizationKind.GROUP,
}
_KIND_TO_LABEL: dict[str, str] = {str(v): k for k, v in KIND_LABELS.items()}


def organization_template() -> bytes:
    rows = [
        ["D01", "中共某某区委", "党委", "", "李明", "010-12345678"],
        ["D0101", "区委机关第一党支部", "党支部", "D01", "王芳", "13800138000"],
    ]
    return build_workbook("组织架构", ORGANIZATION_COLUMNS, rows)


def export_organizations(organizations: Iterable[Organization]) -> bytes:
    orgs = list(organizations)
    parent_codes = dict(
        Organization.objects.filter(path__in={o.path[: -o.steplen] for o in orgs if o.depth > 1}).values_list(
            "path", "code"
        )
    )
    rows = (
        [o.code, o.name, _KIND_TO_LABEL.get(o.kind, ""), parent_codes.get(o.path[: -o.steplen], ""),
         o.contact_person, o.contact_phone]
        for o in orgs
    )
    return build_workbook("组织架构", ORGANIZATION_COLUMNS, rows)


def import_organizations(source: IO[bytes] | str, *, user: Any) -> ImportResult:
    """Create or update organizations, parents before children; all rows or none."""
    result = ImportResult()
    try:
        raw_rows = list(read_rows(source, ORGANIZATION_COLUMNS, max_rows=settings.MEMBER_IMPORT_MAX_ROWS))
    except SpreadsheetError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    errors = result.errors
    rows: dict[str, dict[str, Any]] = {}
    for number, raw in raw_rows:
        code = cell_text(raw.get("code"))
        name = cell_text(raw.get("name"))
        kind = KIND_LABELS.get(cell_text(raw.get("kind")))
        if not code:
            errors.append(RowError(number, "组织编码", _("Organization code is required.")))
            continue
        if code in rows:
            errors.append(RowError(number, "组织编码", _("The code %(code)s is already in row %(row)d.")
                                   % {"code": code, "row": rows[code]["row"]}))
            continue
        if not name:
            errors.append(RowError(number, "组织名称", _("Organization name is required.")))
        if kind is None:
            errors.append(RowError(number, "组织类别", _("Unknown kind “%(value)s”; use one of %(choices)s.")
                                   % {"value": cell_text(raw.get("kind")), "choices": "、".join(KIND_LABELS)}))
        rows[code] = {
            "row": number, "name": name[:200], "kind": kind, "parent_code": cell_text(raw.get("parent_code")),
            "contact_person": cell_text(raw.get("contact_person"))[:50],
            "contact_phone": cell_text(raw.get("contact_phone"))[:30],
        }
    if not rows and not errors:
        errors.append(RowError(0, "", _("The file has no data rows.")))
    visible = organizations_visible_to(user)
    known = {o.code: o for o in Organization.objects.filter(code__in={*rows, *(r["parent_code"] for r in rows.values())})}
    in_scope = set(visible.filter(code__in=list(known)).values_list("code", flat=True))
    for code, row in rows.items():
        parent = row["parent_code"]
        if code in known and code not in in_scope:
            errors.append(RowError(row["row"], "组织编码", _("The organization %(code)s is outside your scope.")
                                   % {"code": code}))
        if not parent:
            if not can_create_root_organization(user) and not (code in known and known[code].depth == 1):
                errors.append(RowError(row["row"], "上级组织编码", _("Only a system administrator may create top-level organizations.")))
        elif parent == code:
            errors.append(RowError(row["row"], "上级组织编码", _("An organization cannot be its own parent.")))
        elif parent not in rows and parent not in in_scope:
            errors.append(RowError(row["row"], "上级组织编码", _("Unknown parent organization %(code)s (or outside your scope).")
                                   % {"code": parent}))
    order = _parents_first(rows, errors)
    if errors:
        errors.sort(key=lambda e: e.row)
        return result
    _apply(order, rows, known, result)
    return result


def _parents_first(rows: dict[str, dict[str, Any]], errors: list[RowError]) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    for start in rows:
        stack = [start]
        while stack:
            code = stack[-1]
            if state.get(code) == 2:
                stack.pop()
                continue
            parent = rows[code]["parent_code"]
            if parent in rows and state.get(parent) != 2:
                if state.get(parent) == 1:
                    errors.append(RowError(rows[code]["row"], "上级组织编码", _("The parent codes form a cycle.")))
                    return order
                state[code] = 1
                stack.append(parent)
                continue
            state[code] = 2
            order.append(code)
            stack.pop()
    return order


@transaction.atomic
def _apply(order: list[str], rows: dict[str, dict[str, Any]], known: dict[str, Organization],
           result: ImportResult) -> None:
    from school.services import create_organization, move_organization, update_organization

    for code in order:
        row = rows[code]
        parent = Organization.objects.get(code=row["parent_code"]) if row["parent_code"] else None
        fields = {k: row[k] for k in ("name", "kind", "contact_person", "contact_phone")}
        current = Organization.objects.filter(code=code).first()
        if current is None:
            create_organization(parent=parent, code=code, **fields)
            result.created += 1
            continue
        changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
        current_parent = current.get_parent()
        moved = parent is not None and (current_parent is None or current_parent.pk != parent.pk)
        if changed:
            update_organization(current, **changed)
        if moved:
            assert parent is not None
            move_organization(current, parent)
        if changed or moved:
            result.updated += 1
        else:
            result.unchanged += 1
