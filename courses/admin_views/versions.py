"""已被新版本取代: lessons and study tasks that link a superseded version of a policy document, with a one-click
relink to the current version (trainers fix lessons, organization administrators the tasks of their scope)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from school.permissions import is_org_admin, is_trainer

from ..services.versions import LESSON, TASK, RelinkRefused, do_relink_superseded, superseded_links


def _allowed(request: HttpRequest) -> None:
    if not (is_trainer(request.user) or is_org_admin(request.user)):
        raise PermissionDenied


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    return render(request, "courses/admin/superseded.html", {"links": superseded_links(request.user)})


@require_POST
def relink(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    kind = request.POST.get("kind", "")
    try:
        owner_id, old_id = int(request.POST.get("owner", "")), int(request.POST.get("old", ""))
    except ValueError:
        owner_id = old_id = 0
    if kind not in (LESSON, TASK) or not owner_id or not old_id:
        return render(request, "courses/admin/superseded.html", {
            "links": superseded_links(request.user), "error": _("Choose a link to relink.")}, status=400)
    try:
        link = do_relink_superseded(request.user, kind=kind, owner_id=owner_id, old_id=old_id)
    except RelinkRefused as exc:
        return render(request, "courses/admin/superseded.html", {
            "links": superseded_links(request.user), "error": str(exc)}, status=404)
    messages.success(request, _("“%(owner)s” now links %(document)s.")
                     % {"owner": link.owner_title, "document": link.current.chooser_label()})
    return redirect("courses_admin:superseded")
