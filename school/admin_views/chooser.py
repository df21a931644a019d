"""The organization chooser's data: the tree one level at a time, or search results by name or code, as
JSON, within what the user may choose (``school.permissions.organizations_choosable_by``). The widget is
``school.widgets.OrganizationChooser``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from school.models import Organization
from school.permissions import admin_paths, is_org_admin, is_trainer, organizations_choosable_by
from school.widgets import describe

PAGE_SIZE = 100  # children of one organization per request ("more" fetches the next ones)
SEARCH_SIZE = 50


def _number(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 10 else 0


@require_GET
def choose(request: HttpRequest) -> JsonResponse:
    user = request.user
    if not (is_trainer(user) or is_org_admin(user)):
        raise PermissionDenied
    scope = organizations_choosable_by(user)
    q = request.GET.get("q", "").strip()[:100]
    parent_id = request.GET.get("parent", "")
    offset = _number(request.GET.get("offset", ""))
    size = PAGE_SIZE
    message = ""
    if q:
        qs = scope.filter(Q(name__icontains=q) | Q(code__icontains=q))
        size = SEARCH_SIZE
    elif parent_id:
        parent = scope.filter(pk=_number(parent_id)).first()
        if parent is None:
            raise Http404
        qs = scope.filter(Organization.subtree_q(parent.path), depth=parent.depth + 1)
    elif paths := admin_paths(user):
        qs = Organization.objects.filter(path__in=paths)
    else:
        qs = scope.filter(depth=1)
    rows = list(qs.order_by("path")[offset:offset + size + 1])
    more = len(rows) > size
    if more and q:
        message = _("Showing the first %(count)d matches in tree order; type more of the name or code to narrow "
                    "them down.") % {"count": offset + size}
    return JsonResponse({"results": describe(rows[:size]), "more": more, "next_offset": offset + size,
                         "message": message}, json_dumps_params={"ensure_ascii": False})
