"""The member-facing search page (phone first)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .core import CONTENT_TYPES, VALIDITIES, SearchQuery, SearchUnavailable
from .params import InvalidSearch, parse_query
from .service import run_search


@require_GET
@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"validities": VALIDITIES, "content_types": CONTENT_TYPES, "nav_current": "library"}
    status = 200
    try:
        query = parse_query(request.GET)
    except InvalidSearch as exc:
        context.update(error=exc.message, query=SearchQuery(q=request.GET.get("q", "")[:100]))
        return render(request, "search/search.html", context, status=400)
    context["query"] = query
    if query.q or query.has_filters:
        try:
            context["results"] = run_search(query, request.user)
        except SearchUnavailable as exc:
            context["error"] = str(exc)
            status = 503
    params = request.GET.copy()
    params.pop("page", None)
    context["page_params"] = params.urlencode()
    return render(request, "search/search.html", context, status=status)
