"""Member spreadsheets uploaded in the admin are processed by a worker, not inside the request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation

from . import audit
from .excel import import_members
from .models import AuditAction, MemberImport


def submit_member_import(upload: UploadedFile, *, user: Any) -> MemberImport:
    from . import tasks_outbox
    from .tasks import process_member_import

    with transaction.atomic():
        record = MemberImport.objects.create(file=upload, original_name=upload.name or "members.xlsx",
                                             uploaded_by=user)
        tasks_outbox.send_on_commit(process_member_import, record.pk)
    return record


def run_member_import(import_id: int) -> MemberImport | None:
    claimed = MemberImport.objects.filter(
        pk=import_id, state__in=[MemberImport.State.PENDING, MemberImport.State.RUNNING]
    ).update(state=MemberImport.State.RUNNING)
    if not claimed:
        return None
    record = MemberImport.objects.select_related("uploaded_by").get(pk=import_id)
    with translation.override(settings.LANGUAGE_CODE), record.file.open("rb") as fh:
        result = import_members(fh, user=record.uploaded_by)
    record.state = MemberImport.State.DONE if result.ok else MemberImport.State.FAILED
    record.errors = [e.as_dict() for e in result.errors[:1000]]
    record.created, record.updated, record.unchanged = result.created, result.updated, result.unchanged
    record.created_logins = result.created_logins
    record.finished_at = timezone.now()
    record.save()
    if result.ok:
        audit.record(AuditAction.MEMBER_IMPORT,
                     f"党员导入 {record.original_name}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}",
                     actor=record.uploaded_by, target=record)
    return record
