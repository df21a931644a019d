"""Edit-handler panels shared by the apps' Wagtail forms."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from wagtail.admin.panels import FieldPanel

EMPTY = "—"


class ReadOnlyPanel(FieldPanel):
    """A read-only field that shows an empty value as "—" and a boolean as 是 / 否 (Wagtail's read-only
    FieldPanel prints Python's ``None``, ``True`` and, for an empty many-to-many, the word "None")."""

    def __init__(self, field_name: str, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(field_name, **kwargs)

    def format_value_for_display(self, value: Any) -> Any:
        if value is None or value == "":
            return EMPTY
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if callable(getattr(value, "all", "")):
            return ", ".join(str(obj) for obj in value.all()) or EMPTY
        return super().format_value_for_display(value)
