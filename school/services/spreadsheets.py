"""Imports and exports of members and organizations: the actions that views, the Celery task and the
management commands all call. Each writes its own audit row (so no caller writes one, and none can
forget it); who and through which channel come from the request or the command's ``audit.acting_as``."""

from __future__ import annotations

import datetime as dt
import logging
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from school import audit, outbox
from school.excel import export_members, import_members, import_organizations
from school.excel.workbook import ImportResult
from school.models import AuditAction, Member, MemberImport

logger = logging.getLogger(__name__)


def do_export_members(members: QuerySet[Member], *, full_identifiers: bool = False, destination: str = "",
                      details: dict[str, Any] | None = None) -> bytes:
    """The workbook of ``members`` (ID and phone numbers masked unless ``full_identifiers``), audited with
    the count, where it went (a command's file) and ``details`` (the filters)."""
    count = members.count()
    content = export_members(members.iterator(chunk_size=2000), full_identifiers=full_identifiers)
    summary = f"导出党员 {count} 人" + (f"到 {destination}" if destination else "")
    if full_identifiers:
        summary += "（含完整身份证号和手机号）"
    data: dict[str, Any] = {**(details or {}), "full": full_identifiers}
    if destination:
        data["file"] = destination
    audit.record(AuditAction.MEMBER_EXPORT_FULL if full_identifiers else AuditAction.MEMBER_EXPORT, summary, data=data)
    return content


@transaction.atomic
def do_import_members(source: IO[bytes] | str, *, user: Any, file_name: str, actor: Any = None,
                      target: MemberImport | None = None) -> ImportResult:
    """All rows or none (``ImportResult.errors`` says why); a successful import is audited in the same
    transaction. ``user``'s scope limits the organizations the file may name."""
    result = import_members(source, user=user)
    if result.ok:
        audit.record(AuditAction.MEMBER_IMPORT,
                     f"党员导入 {file_name}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}",
                     actor=actor, target=target,
                     data={"file": file_name, "created": result.created, "updated": result.updated})
    return result


@transaction.atomic
def do_import_organizations(source: IO[bytes] | str, *, user: Any, file_name: str) -> ImportResult:
    result = import_organizations(source, user=user)
    if result.ok:
        audit.record(AuditAction.ORGANIZATION_IMPORT,
                     f"组织导入 {file_name}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}",
                     data={"file": file_name, "created": result.created, "updated": result.updated})
    return result


def do_submit_member_import(upload: UploadedFile, *, user: Any) -> MemberImport:
    """Store an uploaded member spreadsheet (audited) and have a worker check and apply it after commit
    (``school.tasks.process_member_import`` -> ``run_member_import``)."""
    from school.tasks import process_member_import

    with transaction.atomic():
        record = MemberImport.objects.create(file=upload, original_name=upload.name or "members.xlsx",
                                             uploaded_by=user)
        audit.record(AuditAction.MEMBER_IMPORT, f"上传党员导入文件 {record.original_name}", target=record)
        outbox.send_on_commit(process_member_import, record.pk)
    return record


def _fail_import(import_id: int, reason: object) -> MemberImport | None:
    with translation.override(settings.LANGUAGE_CODE):
        text = str(reason)
    MemberImport.objects.filter(pk=import_id, state__in=[MemberImport.State.PENDING, MemberImport.State.RUNNING]
                                ).update(state=MemberImport.State.FAILED, finished_at=timezone.now(),
                                         errors=[{"row": None, "column": "", "message": text}])
    return MemberImport.objects.filter(pk=import_id).first()


def sweep_stuck_member_imports(older_than: dt.timedelta = dt.timedelta(hours=2)) -> list[int]:
    """Beat: imports still waiting or running long after their upload (their worker died, or the
    message was lost) end as failed with a reason; the uploader sends the file again."""
    stuck = list(MemberImport.objects.filter(
        state__in=[MemberImport.State.PENDING, MemberImport.State.RUNNING],
        created_at__lt=timezone.now() - older_than).values_list("pk", flat=True)[:1000])
    for import_id in stuck:
        _fail_import(import_id, _("The import did not finish in time and was stopped; nothing was imported. "
                                  "Please upload the file again."))
    return stuck


def run_member_import(import_id: int) -> MemberImport | None:
    """The worker's half of ``do_submit_member_import``. Safe to run twice: a finished import is skipped."""
    claimed = MemberImport.objects.filter(
        pk=import_id, state__in=[MemberImport.State.PENDING, MemberImport.State.RUNNING]
    ).update(state=MemberImport.State.RUNNING)
    if not claimed:
        return None
    record = MemberImport.objects.select_related("uploaded_by").get(pk=import_id)
    try:
        with translation.override(settings.LANGUAGE_CODE), record.file.open("rb") as fh:
            result = do_import_members(fh, user=record.uploaded_by, file_name=record.original_name,
                                       actor=record.uploaded_by, target=record)
    except FileNotFoundError:
        logger.exception("member import %s: file %s missing", import_id, record.file.name)
        return _fail_import(import_id, _("The uploaded file is missing from storage (do all servers share the "
                                         "same upload folder?). Please upload it again."))
    except Exception:  # any other failure ends the import with a reason instead of leaving it "running"
        logger.exception("member import %s failed", import_id)
        return _fail_import(import_id, _("The import stopped because of an internal error; nothing was imported. "
                                         "Please upload the file again or ask the administrator."))
    record.state = MemberImport.State.DONE if result.ok else MemberImport.State.FAILED
    record.errors = [e.as_dict() for e in result.errors[:1000]]
    record.created, record.updated, record.unchanged = result.created, result.updated, result.unchanged
    record.created_logins = result.created_logins
    record.finished_at = timezone.now()
    record.save()
    return record
