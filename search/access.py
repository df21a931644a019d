"""Who may see what in search results, from school.permissions: a viewer sees unrestricted live
content, and restricted content when their organization (or a subtree they administer) lies under
one of the organizations the content is for; superusers and trainers see all live content
(the rule of ``courses.access``)."""

from __future__ import annotations

from typing import Any

from school.models import Organization
from school.permissions import admin_paths, is_trainer, member_of

from .core import Viewer


def viewer_for(user: Any) -> Viewer:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Viewer()
    if user.is_superuser or is_trainer(user):  # as courses.access: trainers see every live page
        return Viewer(sees_everything=True)
    paths: set[str] = set()
    member = member_of(user)
    own: list[str] = [member.organization.path] if member is not None else []
    for path in [*own, *admin_paths(user)]:
        steplen = Organization.steplen
        paths.update(path[:i] for i in range(steplen, len(path) + 1, steplen))
    return Viewer(paths=tuple(sorted(paths)))
