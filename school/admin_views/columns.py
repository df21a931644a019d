"""Listing columns shared by the apps' Wagtail listings (ModelViewSet ``list_display``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from wagtail.admin.ui.tables import Column


class YesNoColumn(Column):
    """A boolean field shown as 是 / 否 (Wagtail's default column prints ``True`` / ``False``), sortable by it."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        kwargs.setdefault("sort_key", name)
        super().__init__(name, **kwargs)

    def get_value(self, instance: Any) -> str:
        value = super().get_value(instance)
        if value is None:
            return ""
        return gettext("Yes") if value else gettext("No")
