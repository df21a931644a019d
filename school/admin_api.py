"""Wagtail's admin API (``/admin/api/main/``), scoped like the admin screens it serves.

Wagtail's own admin uses only the pages endpoint (the sidebar's page explorer); Wagtail already limits it
to the pages the user may explore. Its documents and images endpoints, used by nothing in the admin,
list every document and image — titles, file names, download URLs — to anyone with admin access, an
organization administrator included. Here they list only what the user may add, change, delete or
choose under Wagtail's collection permissions (the same test as Wagtail's document and image
choosers): everything for superusers, nothing for a user without such permissions; the detail and
``find`` of anything else is a 404. Registered by ``construct_admin_api`` in ``wagtail_hooks.py``
(ordered after Wagtail's own registrations, which these replace)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry

SCOPE_ACTIONS = ["add", "change", "delete", "choose"]


def _in_scope(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if user.is_superuser:
        return queryset
    allowed = policy_registry.get_by_type(queryset.model).instances_user_has_any_permission_for(user, SCOPE_ACTIONS)
    return queryset.filter(pk__in=allowed.values("pk"))


class ScopedDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self) -> QuerySet[Any]:
        return _in_scope(super().get_queryset(), self.request.user)


class ScopedImagesAdminAPIViewSet(ImagesAdminAPIViewSet):
    def get_queryset(self) -> QuerySet[Any]:
        return _in_scope(super().get_queryset(), self.request.user)


def register_scoped_endpoints(router: WagtailAPIRouter) -> None:
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)
