"""The admin's page search (``/admin/pages/search/``) hiding what the page explorer hides.

Wagtail's page search lists every page the user may explore. The explorer's listing and the search inside it
pass their pages through the ``construct_explorer_page_queryset`` hooks (courses uses one to hide the
notices an organization administrator may not edit), but the page search does not, so an administrator
would find other subtrees' notices by title there. This view is Wagtail's search, built by Wagtail's own page
viewset, whose results and per-type counts go through the same hooks; ``school/urls.py`` mounts it at
Wagtail's address, ahead of Wagtail's admin URLs."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.pages.search import SearchView
from wagtail.admin.viewsets.pages import base_page_viewset
from wagtail.models import Page


class PageSearchView(SearchView):
    all_pages: Any  # set by Wagtail's get_queryset before it annotates: what the per-type counts count

    def annotate_queryset(self, pages: Any) -> Any:
        pages = super().annotate_queryset(pages)
        root = Page.get_first_root_node()
        for hook in hooks.get_hooks("construct_explorer_page_queryset"):
            pages = hook(root, pages, self.request)
            self.all_pages = hook(root, self.all_pages, self.request)
        return pages


@cache
def _view(results_only: bool) -> Any:
    return base_page_viewset.construct_view(PageSearchView, results_only=results_only)


@require_admin_access
def search(request: HttpRequest) -> HttpResponse:
    response: HttpResponse = _view(False)(request)
    return response


@require_admin_access
def search_results(request: HttpRequest) -> HttpResponse:
    response: HttpResponse = _view(True)(request)
    return response
