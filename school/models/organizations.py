from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

# Paths use treebeard's alphabet (digits and capital letters), so every descendant's path sorts
# between the node's own path and that path padded with the alphabet's last letter. A range on the
# unique path index finds a subtree on SQLite and PostgreSQL alike, where LIKE 'path%' may not use it.
_PATH_MAX = 255
_ALPHABET_LAST = "Z"


class OrganizationKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    GROUP = "group", _("Party group")


class Organization(MP_Node):
    name: models.CharField[str, str] = models.CharField(_("name"), max_length=200)
    code: models.CharField[str, str] = models.CharField(
        _("code"), max_length=64, unique=True, help_text=_("Unique organization code used in imports.")
    )
    kind: models.CharField[str, str] = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    contact_person: models.CharField[str, str] = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone: models.CharField[str, str] = models.CharField(_("contact phone"), max_length=30, blank=True)
    created_at: models.DateTimeField[Any, Any] = models.DateTimeField(auto_now_add=True)
    updated_at: models.DateTimeField[Any, Any] = models.DateTimeField(auto_now=True)

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def subtree_q(path: str, field: str = "path") -> Q:
        """Q for every row whose ``field`` (a tree path) lies in the subtree rooted at ``path``."""
        return Q(**{f"{field}__gte": path, f"{field}__lte": Organization.subtree_last(path)})

    @staticmethod
    def subtree_last(path: str) -> str:
        """The greatest path the subtree rooted at ``path`` can hold (its paths lie in [path, this])."""
        return path + _ALPHABET_LAST * (_PATH_MAX - len(path))

    def subtree(self) -> models.QuerySet[Organization]:
        return Organization.objects.filter(self.subtree_q(self.path))

    def ancestor_paths(self) -> list[str]:
        return [self.path[: i * self.steplen] for i in range(1, self.depth)]

    def is_in_subtree_of(self, other: Organization) -> bool:
        return self.path.startswith(other.path)

    @property
    def breadcrumb(self) -> str:
        names = list(
            Organization.objects.filter(path__in=self.ancestor_paths()).order_by("depth").values_list(
                "name", flat=True
            )
        )
        return " / ".join([*names, self.name])
