from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date

from school.models import AuditAction, AuditEvent

from .common import paginate


def index(request: HttpRequest) -> HttpResponse:
    """Superusers read and filter the audit log; nobody can change it."""
    if not (request.user.is_authenticated and request.user.is_superuser):
        raise PermissionDenied
    qs = AuditEvent.objects.all()
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        qs = qs.filter(action=action)
    actor = request.GET.get("actor", "").strip()[:150]
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    target = request.GET.get("target", "").strip()[:100]
    if target:
        # "exams.Exam:12" for one object, "exams.Exam" for a kind, else words of the summary (a name, a code)
        kind, _, pk = target.partition(":")
        if "." in kind and " " not in kind:
            qs = qs.filter(target_type__iexact=kind)
            if pk:
                qs = qs.filter(target_id=pk.strip())
        else:
            qs = qs.filter(summary__icontains=target)
    start = parse_date(request.GET.get("from", "") or "")
    end = parse_date(request.GET.get("to", "") or "")
    if start:
        qs = qs.filter(created_at__date__gte=start)
    if end:
        qs = qs.filter(created_at__date__lte=end)
    query = request.GET.copy()
    query.pop("p", None)
    return render(request, "school/admin/audit_log.html", {
        "page": paginate(request, qs, 100), "actions": AuditAction.choices, "action": action, "actor": actor, "target": target,
        "start": start or "", "end": end or "", "query": query.urlencode(),
    })
