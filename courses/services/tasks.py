"""Study tasks: scope, progress per member and per organization, reminders."""

from __future__ import annotations

from typing import Any

from school.models import Member


def tasks_for_member(member: Member) -> list[Any]:
    return []
