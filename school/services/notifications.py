"""The notification centre: every app tells members through ``do_notify`` (set-based fan-out: one
``INSERT … SELECT`` for any number of recipients), administrators remind members through
``request_reminders`` (a Celery task, at most once per member, item and day), and the bell reads
``unread_count`` (one lookup in a partial index). Copies by e-mail and SMS (for those who chose them, where the
site offers them) are sent by the Celery task ``deliver_notification_batch`` after commit, never in the request;
SMS wait out the quiet hours (``send_held_sms``, a beat entry)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from school import audit, outbox
from school.models import AuditAction, Notification, NotificationKind, NotificationPreference
from school.models.notifications import SmsState
from school.permissions import members_visible_to

logger = logging.getLogger(__name__)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def do_notify(recipients: QuerySet[Any] | Iterable[int], *, kind: str, title: str, body: str = "", url: str = "",
              dedupe_key: str = "") -> int:
    """Write one notification per recipient and return how many were written.

    ``recipients`` is a queryset of one column of user ids (``members.values("user_id")``) — the rows are
    written by one ``INSERT … SELECT`` in the database, never one query per member — or a list of user
    ids. With ``dedupe_key``, a user who already has a notification with that key gets none (safe twice).
    E-mail goes out after commit to those who asked for it (``deliver_notification_batch``).
    """
    if kind not in NotificationKind.values:
        raise ValueError(kind)
    if isinstance(recipients, QuerySet):
        source_sql, source_params = recipients.query.get_compiler(connection=connection).as_sql()
    else:
        ids = sorted({int(pk) for pk in recipients})
        if not ids:
            return 0
        placeholders = ", ".join(["(%s)"] * len(ids))
        source_sql, source_params = f"VALUES {placeholders}", tuple(ids)
    batch = uuid.uuid4().hex
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = Notification._meta.db_table
    # The CTE sits inside the INSERT, so drivers see an INSERT and report its row count. S608: the SQL is
    # our table name and a compiled queryset; every value is a parameter.
    sql = (
        f"INSERT INTO {table} (user_id, kind, title, body, url, dedupe_key, batch, created_at) "  # noqa: S608
        f"WITH src (uid) AS ({source_sql}) "
        f"SELECT DISTINCT src.uid, %s, %s, %s, %s, %s, %s, %s FROM src WHERE src.uid IS NOT NULL"
    )
    params = (*source_params, kind, title[:200], body, url[:500], dedupe_key, batch, now)
    if dedupe_key:
        sql += " ON CONFLICT DO NOTHING"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = max(cursor.rowcount, 0)
        if written and (_email_enabled() or _sms_enabled()):
            from school.tasks import deliver_notification_batch

            outbox.send_on_commit(deliver_notification_batch, batch)
    return written


def _email_enabled() -> bool:
    return bool(settings.NOTIFICATIONS_EMAIL)


def _sms_enabled() -> bool:
    return bool(settings.NOTIFICATIONS_SMS)


def deliver_batch(batch: str) -> tuple[int, int]:
    """The Celery side of one ``do_notify``: e-mail and SMS copies for those who chose them, (e-mailed, texted).
    SMS inside the quiet hours wait for ``send_held_sms``."""
    emailed = deliver_batch_by_email(batch) if _email_enabled() else 0
    texted = 0
    if _sms_enabled():
        mark_sms_wanted(batch)
        texted = send_held_sms(batch=batch)
    return emailed, texted


# --- SMS copies and quiet hours ---------------------------------------------------------------------

def quiet_hours() -> tuple[dt.time, dt.time]:
    start, end = settings.NOTIFICATIONS_SMS_QUIET_HOURS.split("-")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def in_quiet_hours(moment: dt.datetime | None = None) -> bool:
    """Whether ``moment`` (now) falls in the SMS quiet hours, in the site's time zone (wrapping midnight)."""
    start, end = quiet_hours()
    local = timezone.localtime(moment or timezone.now()).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def mark_sms_wanted(batch: str) -> int:
    """Rows of ``batch`` whose user chose SMS and has a mobile number become ``pending`` (one UPDATE)."""
    return (Notification.objects.filter(batch=batch, sms_state=SmsState.NONE,
                                        user__notification_preference__sms=True, user__member__phone__gt="")
            .update(sms_state=SmsState.PENDING))


def send_held_sms(*, batch: str | None = None, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Send pending SMS copies (of one batch, or all), unless it is quiet hours now. Each row is claimed
    (pending -> sent, a conditional UPDATE) before its message goes out, so running twice or in two
    workers never texts anyone twice; a provider error marks the row failed (it is logged, not retried:
    the in-site notification is there anyway). Returns how many were sent."""
    from school.accounts.sms import NotificationSms, SmsError, get_backend

    now = now or timezone.now()
    if in_quiet_hours(now):
        return 0
    rows = Notification.objects.filter(sms_state=SmsState.PENDING)
    if batch is not None:
        rows = rows.filter(batch=batch)
    backend = get_backend()
    sent = 0
    for pk, title, phone in rows.order_by("created_at", "pk").values_list("pk", "title", "user__member__phone")[:limit]:
        if not Notification.objects.filter(pk=pk, sms_state=SmsState.PENDING).update(
                sms_state=SmsState.SENT, sms_sent_at=timezone.now()):
            continue  # another run took it
        try:
            backend.send(NotificationSms(phone=phone or "", title=title))
        except SmsError:
            logger.exception("notification %s: SMS not sent", pk)
            Notification.objects.filter(pk=pk).update(sms_state=SmsState.FAILED)
            continue
        sent += 1
    return sent


def deliver_batch_by_email(batch: str) -> int:
    """E-mail the notifications of ``batch`` to users who asked for e-mail and have an address; each row
    is claimed (``emailed_at``) before sending, so running twice sends nothing twice."""
    rows = list(Notification.objects.filter(batch=batch, emailed_at__isnull=True,
                                            user__notification_preference__email=True)
                .exclude(user__email="").select_related("user"))
    sent = 0
    for note in rows:
        claimed = Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
        if claimed:
            site = str(getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip("/")
            body = note.body + (f"\n\n{site}{note.url}" if note.url and site else "")
            send_mail(note.title, body, None, [note.user.email], fail_silently=True)
            sent += 1
    return sent


def do_open(user: Any, notification_id: int) -> Notification | None:
    """The user opens one of their notifications: it is marked read. None when it is not theirs."""
    note = Notification.objects.filter(pk=notification_id, user_id=user.pk).first()
    if note is not None and note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    return note


def do_set_preferences(user: Any, *, email: bool | None = None, sms: bool | None = None) -> NotificationPreference:
    """Change the channels the user chose besides the bell (None leaves a channel as it was)."""
    changes = {key: value for key, value in (("email", email), ("sms", sms)) if value is not None}
    preference, _created = NotificationPreference.objects.update_or_create(user_id=user.pk, defaults=changes)
    return preference


def wants_email(user: Any) -> bool:
    return NotificationPreference.objects.filter(user_id=user.pk, email=True).exists()


def wants_sms(user: Any) -> bool:
    return NotificationPreference.objects.filter(user_id=user.pk, sms=True).exists()


def do_mark_all_read(user: Any) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())


# --- reminders from administrators (一键提醒) ---------------------------------------------------------

def reminder_key(item_key: str, day: dt.date) -> str:
    return f"reminder:{item_key}:{day.isoformat()}"


@dataclass(frozen=True)
class ReminderStatus:
    count: int
    at: dt.datetime | None


def reminder_status(item_key: str) -> ReminderStatus:
    """How many members the latest reminder about ``item_key`` reached, and when it was sent."""
    rows = Notification.objects.filter(kind=NotificationKind.REMINDER, dedupe_key__startswith=f"reminder:{item_key}:")
    last = rows.aggregate(at=Max("created_at"))["at"]
    if last is None:
        return ReminderStatus(0, None)
    batch = rows.filter(created_at=last).values_list("batch", flat=True).first() or ""
    return ReminderStatus(rows.filter(batch=batch).count(), last)


def request_reminders(actor: Any, member_ids: Iterable[int], *, item_key: str, title: str, url: str) -> int:
    """Queue one reminder task for the listed members (the task checks the actor's scope again).
    Returns how many members were listed."""
    ids = sorted({int(pk) for pk in member_ids})
    if not ids:
        return 0
    from school.tasks import remind_members

    outbox.send_on_commit(remind_members, int(actor.pk), ids, item_key, title, url)
    return len(ids)


def do_remind(actor: Any, member_ids: Iterable[int], *, item_key: str, title: str, url: str) -> int:
    """Remind the listed members inside the actor's scope about ``item_key``; a member reminded about it
    today is skipped. Audited. Returns how many were reminded now."""
    ids = sorted({int(pk) for pk in member_ids})
    today = timezone.localdate()
    members = members_visible_to(actor).filter(pk__in=ids, user__is_active=True)
    with transaction.atomic():
        sent = do_notify(members.values("user_id"), kind=NotificationKind.REMINDER, title=title,
                         body=_("An administrator reminds you: %(title)s") % {"title": title}, url=url,
                         dedupe_key=reminder_key(item_key, today))
        if sent:  # a repeated run (nobody left to remind today) leaves no second audit row
            audit.record(AuditAction.MEMBERS_REMINDED, _("Reminded %(count)d members: %(title)s") % {
            "count": sent, "title": title}, actor=actor,
                data={"item": item_key, "listed": len(ids), "sent": sent})
    return sent
