"""Display preferences of the member site (长辈模式), remembered per user."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from school.models import DisplayPreference


def elder_mode(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        return bool(user.display_preference.elder_mode)
    except DisplayPreference.DoesNotExist:
        return False


@transaction.atomic
def do_set_elder_mode(user: Any, on: bool) -> DisplayPreference:
    preference, _created = DisplayPreference.objects.update_or_create(user=user, defaults={"elder_mode": on})
    user.display_preference = preference
    return preference
