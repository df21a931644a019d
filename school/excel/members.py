from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from school import sensitive
from school.models import Member, Membership, Organization
from school.models.members import Education, Gender, MemberStatus, PoliticalStatus
from school.permissions import members_visible_to, organizations_visible_to

from .workbook import (
    Column,
    IdentifierLost,
    ImportResult,
    RowError,
    SpreadsheetError,
    build_workbook,
    cell_date,
    cell_identifier,
    cell_phone,
    cell_text,
    read_rows,
)

User = get_user_model()

MEMBER_COLUMNS = [
    Column("name", "姓名", required=True, width=10),
    Column("id_number", "身份证号", required=True, width=22, kind="text"),
    Column("organization_code", "所在组织编码", required=True, width=16, kind="text"),
    Column("political_status", "政治面貌", required=True, width=12),
    Column("gender", "性别", width=6),
    Column("ethnicity", "民族", width=8),
    Column("education", "学历", width=12),
    Column("join_date", "入党日期", width=12),
    Column("position", "职务", width=16),
    Column("phone", "手机号", width=14, kind="text"),
    Column("status", "状态", width=8),
    Column("username", "登录名", width=14, kind="text"),
]

# Files carry Chinese labels whatever the interface language is.
POLITICAL_STATUS_LABELS = {
    "正式党员": PoliticalStatus.FULL,
    "预备党员": PoliticalStatus.PROBATIONARY,
    "发展对象": PoliticalStatus.CANDIDATE,
    "入党积极分子": PoliticalStatus.ACTIVIST,
}
GENDER_LABELS = {"男": Gender.MALE, "女": Gender.FEMALE}
EDUCATION_LABELS = {
    "研究生": Education.POSTGRADUATE,
    "大学本科": Education.BACHELOR,
    "本科": Education.BACHELOR,
    "大学专科": Education.COLLEGE,
    "大专": Education.COLLEGE,
    "中专": Education.VOCATIONAL,
    "高中": Education.HIGH_SCHOOL,
    "初中及以下": Education.BELOW,
}
STATUS_LABELS = {"在册": MemberStatus.ACTIVE, "已转出": MemberStatus.TRANSFERRED}


def _label(mapping: dict[str, Any], value: str) -> str:
    for label, key in mapping.items():
        if key == value:
            return label
    return ""


def member_template() -> bytes:
    example = [
        "张三", "11010519491231002X", "D0101", "正式党员", "男", "汉族", "大学本科",
        dt.date(2001, 7, 1), "支部书记", "13800138000", "在册", "",
    ]
    return build_workbook("党员信息", MEMBER_COLUMNS, [example])


def export_members(members: Iterable[Member], *, full_identifiers: bool = False) -> bytes:
    def rows() -> Iterable[list[Any]]:
        for m in members:
            id_value = m.id_number
            id_text = (id_value.reveal() if full_identifiers else id_value.masked) if id_value else ""
            yield [
                m.name,
                id_text,
                m.organization.code,
                _label(POLITICAL_STATUS_LABELS, m.political_status),
                _label(GENDER_LABELS, m.gender),
                m.ethnicity,
                _label(EDUCATION_LABELS, m.education),
                m.join_date,
                m.position,
                m.phone if full_identifiers else m.phone_masked,
                _label(STATUS_LABELS, m.status),
                m.user.username,
            ]

    return build_workbook("党员信息", MEMBER_COLUMNS, rows())


class _Row:
    __slots__ = ("derived", "digest", "fields", "id_number", "number", "username")

    def __init__(self, number: int, id_number: str, username: str, fields: dict[str, Any]) -> None:
        self.number = number
        self.id_number = id_number
        self.digest = sensitive.digest(id_number)
        self.username = username
        self.fields = fields
        self.derived = ""  # how a blank 登录名 was filled: "phone" or "generated"


def import_members(source: IO[bytes] | str, *, user: Any) -> ImportResult:
    """Validate every row, then create or update all members in one transaction, or nothing."""
    result = ImportResult()
    try:
        raw_rows = list(read_rows(source, MEMBER_COLUMNS, max_rows=settings.MEMBER_IMPORT_MAX_ROWS))
    except SpreadsheetError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    if not raw_rows:
        result.errors.append(RowError(0, "", _("The file has no data rows.")))
        return result

    codes = {cell_text(r.get("organization_code")) for _, r in raw_rows}
    orgs = {o.code: o for o in organizations_visible_to(user).filter(code__in=codes)}
    rows = [_validate_row(number, raw, orgs, result.errors) for number, raw in raw_rows]
    valid = [r for r in rows if r is not None]
    _check_duplicates(valid, result.errors)
    existing = _existing_members(valid, user, result.errors)
    _check_usernames(valid, existing, result.errors)
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    _apply(valid, existing, result)
    return result


def _validate_row(
    number: int, raw: dict[str, Any], orgs: dict[str, Organization], errors: list[RowError]
) -> _Row | None:
    before = len(errors)

    def err(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    name = cell_text(raw.get("name"))
    if not name:
        err("姓名", _("Name is required."))
    elif len(name) > 50:
        err("姓名", _("Name is longer than 50 characters."))
    try:
        id_number = sensitive.normalize_id_number(cell_identifier(raw.get("id_number")))
    except IdentifierLost as lost:
        id_number = ""
        err("身份证号", _("The ID number %(value)s was stored by Excel as a number and has lost its last digits; "
                         "format the column as text and type the numbers again.") % {"value": lost.args[0]})
    if not id_number:
        if not any(e.row == number and e.column == "身份证号" for e in errors[before:]):
            err("身份证号", _("ID number is required."))
    elif (problem := sensitive.id_number_error(id_number)) is not None:
        err("身份证号", problem)
    code = cell_text(raw.get("organization_code"))
    organization = orgs.get(code)
    if organization is None:
        err("所在组织编码", _("Unknown organization code %(code)s (or outside your scope).") % {"code": code or "—"})
    status_label = cell_text(raw.get("political_status"))
    political_status = POLITICAL_STATUS_LABELS.get(status_label)
    if political_status is None:
        err("政治面貌", _("Unknown political status “%(value)s”; use one of %(choices)s.")
            % {"value": status_label, "choices": "、".join(POLITICAL_STATUS_LABELS)})
    gender = _choice(raw, "gender", GENDER_LABELS, "性别", err)
    education = _choice(raw, "education", EDUCATION_LABELS, "学历", err)
    status = _choice(raw, "status", STATUS_LABELS, "状态", err) or MemberStatus.ACTIVE
    join_date: dt.date | None = None
    try:
        join_date = cell_date(raw.get("join_date"))
    except ValueError:
        err("入党日期", _("“%(value)s” is not a date; write it as 2001-07-01.") % {"value": cell_text(raw.get("join_date"))})
    else:
        if join_date and join_date > timezone.localdate():
            err("入党日期", _("The date is in the future."))
    phone = cell_phone(raw.get("phone"))
    if (problem := sensitive.phone_error(phone)) is not None:
        err("手机号", problem)
    given_username = cell_text(raw.get("username"))
    username = given_username or phone
    if len(errors) > before:
        return None
    row = _Row(
        number,
        id_number,
        username,
        {
            "name": name,
            "organization": organization,
            "political_status": political_status,
            "gender": gender,
            "ethnicity": cell_text(raw.get("ethnicity")) or "汉族",
            "education": education,
            "join_date": join_date,
            "position": cell_text(raw.get("position"))[:100],
            "phone": phone,
            "status": status,
        },
    )
    if not given_username:
        row.derived = "phone" if phone else "generated"
    return row


def _choice(raw: dict[str, Any], key: str, mapping: Mapping[str, str], header: str, err: Any) -> str:
    value = cell_text(raw.get(key))
    if not value:
        return ""
    if value not in mapping:
        err(header, _("Unknown value “%(value)s”; use one of %(choices)s.")
            % {"value": value, "choices": "、".join(mapping)})
        return ""
    return mapping[value]


def _check_duplicates(rows: list[_Row], errors: list[RowError]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        if row.digest in seen:
            errors.append(RowError(row.number, "身份证号", _("The same ID number is already in row %(row)d.")
                                   % {"row": seen[row.digest]}))
        else:
            seen[row.digest] = row.number


def _existing_members(rows: list[_Row], user: Any, errors: list[RowError]) -> dict[str, Member]:
    digests = [r.digest for r in rows]
    existing: dict[str, Member] = {}
    for chunk_start in range(0, len(digests), 500):
        chunk = digests[chunk_start : chunk_start + 500]
        for member in Member.objects.filter(id_number_digest__in=chunk).select_related("organization", "user"):
            assert member.id_number_digest is not None
            existing[member.id_number_digest] = member
    if existing:
        visible = set(
            members_visible_to(user).filter(pk__in=[m.pk for m in existing.values()]).values_list("pk", flat=True)
        )
        for row in rows:
            other = existing.get(row.digest)
            if other is not None and other.pk not in visible:
                errors.append(RowError(row.number, "身份证号", _(
                    "This person is registered in an organization outside your scope; ask that organization "
                    "to transfer them.")))
    return existing


def _check_usernames(rows: list[_Row], existing: dict[str, Member], errors: list[RowError]) -> None:
    wanted: dict[str, int] = {}
    for row in rows:
        if row.digest in existing or not row.username:
            continue
        if row.username in wanted:
            errors.append(RowError(row.number, "登录名", _("The login name %(name)s is already in row %(row)d.")
                                   % {"name": row.username, "row": wanted[row.username]}))
        wanted[row.username] = row.number
    names = list(wanted)
    taken: set[str] = set()
    for start in range(0, len(names), 500):
        taken.update(User.objects.filter(username__in=names[start : start + 500]).values_list("username", flat=True))
    for name in sorted(taken):
        errors.append(RowError(wanted[name], "登录名", _("The login name %(name)s is already taken.") % {"name": name}))


@transaction.atomic
def _apply(rows: list[_Row], existing: dict[str, Member], result: ImportResult) -> None:
    to_update: list[Member] = []
    new_rows: list[_Row] = []
    for row in rows:
        found = existing.get(row.digest)
        if found is None:
            new_rows.append(row)
            continue
        member = found
        changed = False
        for key, value in row.fields.items():
            current = member.organization_id if key == "organization" else getattr(member, key)
            target = value.pk if key == "organization" else value
            if current != target:
                setattr(member, key, value)
                changed = True
        if changed:
            member.updated_at = timezone.now()
            to_update.append(member)
        else:
            result.unchanged += 1
    if to_update:
        Member.objects.bulk_update(to_update, [*rows[0].fields, "updated_at"], batch_size=500)
        # a new organization or status (转出, back to 在册) takes effect today: their spells follow
        Membership.objects.follow(to_update, timezone.localdate())
        result.updated = len(to_update)
        from school.accounts.services import sync_transferred

        sync_transferred(to_update)  # 已转出 members can no longer log in
    if new_rows:
        users = [User(username=r.username or f"dy{r.digest[:12]}") for r in new_rows]
        result.created_logins = [
            {"row": r.number, "name": r.fields["name"], "username": u.username, "derived": r.derived}
            for r, u in zip(new_rows, users, strict=True)
        ]
        for u in users:
            u.set_unusable_password()
        User.objects.bulk_create(users, batch_size=500)
        # bulk_create sets primary keys on PostgreSQL and SQLite 3.35+
        members = []
        for row, u in zip(new_rows, users, strict=True):
            created = Member(user=u, **row.fields)
            created.set_id_number(row.id_number)
            members.append(created)
        Member.objects.bulk_create(members, batch_size=500)
        Membership.objects.follow(members, timezone.localdate())  # on the roll from today
        result.created = len(members)
