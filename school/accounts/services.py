"""Account actions (``do_*``): each owns its transaction, its audit row and its after-commit effects."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from school import audit, outbox, sensitive
from school.excel.workbook import Column, build_workbook
from school.models import (
    AccountState,
    ActivationCode,
    ActivationSheet,
    AuditAction,
    Member,
    Organization,
    SmsCode,
)
from school.permissions import admin_paths, members_visible_to

from .codes import code_hash, new_activation_code, new_sms_code
from .sms import SmsError, SmsMessage, get_backend

SHEET_COLUMNS = [
    Column("organization", "组织", width=28),
    Column("name", "姓名", width=12),
    Column("username", "登录名", width=20),
    Column("code", "激活码", width=16),
    Column("valid_until", "有效期至", width=18),
]
_CHUNK = 1000


class AccountRefused(Exception):
    """The administrator may not act on this account (a superuser, or an administrator not below them)."""


# ---- who may issue codes for whom ------------------------------------------------------------------------


def _is_superuser(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def may_manage_account(admin: Any, member: Member) -> bool:
    """Within the administrator's subtree (callers check that first, 404 otherwise), the account is
    neither a superuser's nor that of an administrator at or above the administrator's own level."""
    target = member.user
    if target.is_superuser:
        return False
    target_paths = admin_paths(target)
    if not target_paths:
        return True
    if _is_superuser(admin):
        return True
    own = admin_paths(admin)
    return all(any(p.startswith(o) and p != o for o in own) for p in target_paths)


def issuable_members(admin: Any, members: QuerySet[Member]) -> QuerySet[Member]:
    """Of ``members`` (already scoped), those the administrator may issue codes for."""
    from school.models import AdminScope

    qs = members.exclude(user__is_superuser=True).exclude(account_state=AccountState.DISABLED)
    admins = list(AdminScope.objects.filter(user_id__in=qs.values("user_id")).values_list("user_id", flat=True))
    if admins:
        refused = {m.user_id for m in Member.objects.select_related("user").filter(user_id__in=admins)
                   if not may_manage_account(admin, m)}
        qs = qs.exclude(user_id__in=refused)
    return qs


# ---- activation sheets -----------------------------------------------------------------------------------


@transaction.atomic
def do_request_activation_sheet(admin: Any, *, members: QuerySet[Member], organization: Organization | None,
                                description: str) -> ActivationSheet:
    """Record which members get codes (the caller scoped ``members``); a worker issues and writes the sheet."""
    from school.tasks import issue_activation_codes

    ids = list(issuable_members(admin, members).order_by("organization__path", "name", "pk")
               .values_list("pk", flat=True))
    sheet = ActivationSheet.objects.create(issued_by=admin, organization=organization, member_ids=ids,
                                           total=len(ids))
    audit.record(AuditAction.ACTIVATION_CODES_ISSUED, f"发放激活码：{description}，共 {len(ids)} 人",
                 actor=admin, target=sheet, data={"members": len(ids)})
    outbox.send_on_commit(issue_activation_codes, sheet.pk)
    return sheet


def _issue(member_ids: list[int], *, issued_by: Any, sheet: ActivationSheet | None,
           now: dt.datetime, expires: dt.datetime) -> list[str]:
    """Revoke the members' earlier codes and give each a new one; returns the plain codes in order."""
    ActivationCode.objects.filter(member_id__in=member_ids, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now)
    plain = [new_activation_code() for _ in member_ids]
    ActivationCode.objects.bulk_create(
        [ActivationCode(member_id=m, code_hash=code_hash(c), sheet=sheet, issued_by=issued_by, expires_at=expires)
         for m, c in zip(member_ids, plain, strict=True)], batch_size=_CHUNK)
    return plain


def run_activation_sheet(sheet_id: int) -> ActivationSheet | None:
    """The worker's part: issue the codes chunk by chunk (progress in ``done``) and write the sheet.
    Safe to run twice: a finished sheet is skipped; a redelivered one re-issues (revoking the codes of
    the interrupted run, which nobody has seen)."""
    claimed = ActivationSheet.objects.filter(
        pk=sheet_id, state__in=[ActivationSheet.State.PENDING, ActivationSheet.State.RUNNING]
    ).update(state=ActivationSheet.State.RUNNING, done=0)
    if not claimed:
        return None
    sheet = ActivationSheet.objects.select_related("issued_by").get(pk=sheet_id)
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.ACCOUNTS_ACTIVATION_CODE_DAYS)
    valid_until = timezone.localtime(expires).strftime("%Y-%m-%d %H:%M")
    scoped = members_visible_to(sheet.issued_by)
    rows: list[list[str]] = []
    ids: list[int] = list(sheet.member_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk_ids = ids[start : start + _CHUNK]
        with transaction.atomic():
            found = {row[0]: row for row in issuable_members(sheet.issued_by, scoped.filter(pk__in=chunk_ids))
                     .order_by().values_list("pk", "organization__name", "name", "user__username")}
            members = [found[i] for i in chunk_ids if i in found]
            plain = _issue([m[0] for m in members], issued_by=sheet.issued_by, sheet=sheet, now=now,
                           expires=expires)
            ActivationSheet.objects.filter(pk=sheet.pk).update(done=F("done") + len(chunk_ids))
        rows.extend([org, name, username, c, valid_until]
                    for (_pk, org, name, username), c in zip(members, plain, strict=True))
    content = build_workbook("激活码", SHEET_COLUMNS, rows)
    sheet.refresh_from_db()
    sheet.file.save(f"activation-{sheet.pk}.xlsx", ContentFile(content), save=False)
    sheet.state = ActivationSheet.State.DONE
    sheet.skipped = len(ids) - len(rows)
    sheet.valid_until = expires
    sheet.finished_at = timezone.now()
    sheet.save()
    return sheet


@transaction.atomic
def do_reset_member(admin: Any, member: Member) -> tuple[str, dt.datetime]:
    """An administrator resets a member's password to a new activation code (shown once). Refused for
    superusers and administrators at or above the administrator's level."""
    if not may_manage_account(admin, member):
        raise AccountRefused
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.ACCOUNTS_ACTIVATION_CODE_DAYS)
    (code,) = _issue([member.pk], issued_by=admin, sheet=None, now=now, expires=expires)
    user = member.user
    user.set_unusable_password()  # the old password stops working; its sessions end (new session hash)
    user.save(update_fields=["password"])
    Member.objects.filter(pk=member.pk).update(account_state=AccountState.PENDING)
    audit.record(AuditAction.PASSWORD_RESET, f"重置 {member.name} 的密码为新的激活码", actor=admin, target=member)
    return code, expires


@transaction.atomic
def do_set_account_disabled(admin: Any, member: Member, *, disabled: bool) -> None:
    """Disable (cannot log in, sessions end: the backend refuses inactive users) or enable an account."""
    if not may_manage_account(admin, member):
        raise AccountRefused
    user = member.user
    user.is_active = not disabled
    user.save(update_fields=["is_active"])
    if disabled:
        state = AccountState.DISABLED
    else:
        state = AccountState.ACTIVE if user.has_usable_password() else AccountState.PENDING
    Member.objects.filter(pk=member.pk).update(account_state=state)
    member.account_state = state
    audit.record(AuditAction.ACCOUNT_DISABLED if disabled else AuditAction.ACCOUNT_ENABLED,
                 f"{'停用' if disabled else '启用'} {member.name} 的账号", actor=admin, target=member)


def sync_transferred(members: Iterable[Member]) -> None:
    """A member marked 已转出 can no longer log in (called by the member services after saving)."""
    ids = [m.pk for m in members if m.status == "transferred" and m.account_state != AccountState.DISABLED]
    if not ids:
        return
    Member.objects.filter(pk__in=ids).update(account_state=AccountState.DISABLED)
    get_user_model()._default_manager.filter(member__pk__in=ids).update(is_active=False)


@dataclass(frozen=True)
class ActivationCounts:
    organization: Organization
    pending: int
    active: int
    disabled: int

    @property
    def total(self) -> int:
        return self.pending + self.active + self.disabled

    @property
    def rate(self) -> str:
        """激活率 among members who can log in (disabled accounts are not counted)."""
        able = self.pending + self.active
        return f"{self.active * 100 / able:.1f}%" if able else "—"


def activation_counts(organization: Organization) -> ActivationCounts:
    counts = dict(Member.objects.filter(Organization.subtree_q(organization.path, "organization__path"))
                  .values_list("account_state").annotate(n=Count("pk")).values_list("account_state", "n"))
    return ActivationCounts(organization, counts.get(AccountState.PENDING, 0), counts.get(AccountState.ACTIVE, 0),
                            counts.get(AccountState.DISABLED, 0))


# ---- choosing a password ---------------------------------------------------------------------------------


@transaction.atomic
def do_choose_password(user: Any, password: str, *, how: str) -> None:
    """Set the member's password: the account is activated. ``how`` goes to the audit log."""
    user.set_password(password)
    user.save(update_fields=["password"])
    member = Member.objects.filter(user_id=user.pk).first()
    if member is not None:
        Member.objects.filter(pk=member.pk).update(account_state=AccountState.ACTIVE, must_change_password=False)
    audit.record(AuditAction.ACCOUNT_ACTIVATED if how != "reset" else AuditAction.PASSWORD_RESET,
                 {"code": "首次登录设置密码", "activate": "短信验证激活账号", "reset": "短信验证重置密码"}[how],
                 actor=user, target=member)


# ---- SMS verification codes ------------------------------------------------------------------------------


class TooManyRequests(Exception):
    """This address asked too often (says nothing about any account)."""


def _count(key: str, seconds: int) -> int:
    try:
        if cache.add(key, 1, seconds):
            return 1
        try:
            return int(cache.incr(key))
        except ValueError:
            cache.add(key, 1, seconds)
            return 1
    except Exception:
        return 0  # cache down: fail open, the database limits below still hold


def _flow_key(kind: str, value: str) -> str:
    return f"accounts-flow:{kind}:{hashlib.sha256(value.lower().encode()).hexdigest()[:32]}"


def flow_locked(identifier: str, address: str) -> bool:
    try:
        return ((bool(identifier) and (cache.get(_flow_key("id", identifier)) or 0)
                 >= settings.ACCOUNTS_FLOW_FAILURES_PER_IDENTIFIER)
                or (bool(address) and (cache.get(_flow_key("addr", address)) or 0)
                    >= settings.ACCOUNTS_FLOW_FAILURES_PER_ADDRESS))
    except Exception:
        return False


def flow_failed(identifier: str, address: str) -> None:
    if identifier:
        _count(_flow_key("id", identifier), settings.LOGIN_LOCKOUT_SECONDS)
    if address:
        _count(_flow_key("addr", address), settings.LOGIN_LOCKOUT_SECONDS)


def _check_address_cap(address: str) -> None:
    """Every request for a code counts against the address, known account or not."""
    if address and _count(_flow_key("sms-addr", address), 86400) > settings.SMS_DAILY_PER_ADDRESS:
        raise TooManyRequests


@dataclass(frozen=True)
class CodeRequest:
    sms_id: int | None  # None: nothing was sent (unknown account, or a limit); the user is not told


def do_request_code(purpose: str, member: Member | None, *, address: str) -> CodeRequest:
    """Make and send (through Celery) a 6-digit code to the member's mobile number (or e-mail).
    Limits: one per number per SMS_RESEND_SECONDS, SMS_DAILY_PER_NUMBER a day per number, and
    SMS_DAILY_PER_ADDRESS a day per address (TooManyRequests). Unknown accounts cost the same work."""
    from school.tasks import send_verification_code

    _check_address_cap(address)
    code = new_sms_code()
    hashed, encrypted = code_hash(code), sensitive.encrypt(code)  # done for unknown accounts too (timing)
    if member is None or member.account_state == AccountState.DISABLED:
        return CodeRequest(None)
    phone = member.phone
    email = "" if phone else member.user.email
    if not phone and not email:
        return CodeRequest(None)
    now = timezone.now()
    recent = SmsCode.objects.filter(phone=phone, email=email, created_at__gte=now - dt.timedelta(days=1))
    if (recent.filter(created_at__gte=now - dt.timedelta(seconds=settings.SMS_RESEND_SECONDS)).exists()
            or recent.count() >= settings.SMS_DAILY_PER_NUMBER):
        return CodeRequest(None)
    with transaction.atomic():
        SmsCode.objects.filter(member=member, purpose=purpose, used_at__isnull=True).update(expires_at=now)
        row = SmsCode.objects.create(
            member=member, purpose=purpose, phone=phone, email=email, address=address[:64], code_hash=hashed,
            code_encrypted=encrypted, expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS))
        outbox.send_on_commit(send_verification_code, row.pk)
    return CodeRequest(row.pk)


def deliver_code(sms_id: int, *, last_try: bool) -> None:
    """The worker's part: send the code, then erase its plain form. Safe to run twice (sent = skipped).
    Raises SmsError for a retry; on the last try the row is marked failed (the page then says so)."""
    row = SmsCode.objects.filter(pk=sms_id, state=SmsCode.State.QUEUED).first()
    if row is None or not row.code_encrypted:
        return
    code = sensitive.decrypt(row.code_encrypted) or ""
    try:
        if row.phone:
            get_backend().send(SmsMessage(row.phone, code, max(1, settings.SMS_CODE_TTL_SECONDS // 60)))
        else:
            send_mail("数字党校验证码", SmsMessage("", code, max(1, settings.SMS_CODE_TTL_SECONDS // 60)).text,
                      None, [row.email])
    except Exception as exc:
        if last_try:
            SmsCode.objects.filter(pk=row.pk).update(state=SmsCode.State.FAILED, code_encrypted="")
        raise SmsError(str(exc)) from exc
    SmsCode.objects.filter(pk=row.pk).update(state=SmsCode.State.SENT, code_encrypted="")


def code_state(sms_id: int | None) -> str:
    if sms_id is None:
        return SmsCode.State.QUEUED
    return SmsCode.objects.filter(pk=sms_id).values_list("state", flat=True).first() or SmsCode.State.QUEUED


def check_code(sms_id: int | None, purpose: str, code: str) -> Member | None:
    """The member whose code this is, or None (wrong, expired, used up, or no code was sent).
    A wrong guess counts against the code: after SMS_CODE_MAX_TRIES it is dead."""
    given = code_hash(code.strip())
    row = (SmsCode.objects.select_related("member__user").filter(pk=sms_id, purpose=purpose).first()
           if sms_id is not None else None)
    if row is None:
        hmac.compare_digest(given, given)
        return None
    alive = row.used_at is None and row.expires_at > timezone.now() and row.attempts < settings.SMS_CODE_MAX_TRIES
    if not alive:
        return None
    if not hmac.compare_digest(row.code_hash, given):
        SmsCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        return None
    return row.member


@transaction.atomic
def do_set_password_with_code(sms_id: int, purpose: str, code: str, password: str) -> Member | None:
    """Use the SMS code (once) and set the password: activates the account; other sessions end (the
    session hash changes with the password)."""
    member = check_code(sms_id, purpose, code)
    if member is None:
        return None
    if not SmsCode.objects.filter(pk=sms_id, used_at__isnull=True).update(used_at=timezone.now()):
        return None
    ActivationCode.objects.filter(member=member, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    do_choose_password(member.user, password, how=purpose)
    return member


def self_activation_member(name: str, id_number: str, phone: str) -> Member | None:
    """The not-yet-activated member with this name, ID number and mobile number (or its last 4 digits)."""
    digest = sensitive.digest(sensitive.normalize_id_number(id_number))
    member = Member.objects.select_related("user").filter(id_number_digest=digest).first()
    phone = phone.strip()
    if (member is None or member.name != name.strip() or member.account_state != AccountState.PENDING
            or not member.phone or len(phone) not in (4, 11)):
        return None
    matches = member.phone == phone if len(phone) == 11 else member.phone.endswith(phone)
    return member if matches else None
