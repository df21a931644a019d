"""Test data builders and the named personas every test module uses (not a test module itself)."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from school import sensitive, services
from school.models import Member, Organization

PASSWORD = "pw-for-tests-1"
_seq = itertools.count(1)


def id_number(seed: int | None = None, birth: dt.date = dt.date(1990, 5, 17)) -> str:
    n = next(_seq) if seed is None else seed
    first17 = f"110105{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + sensitive.id_number_check_digit(first17)


def make_org(parent: Organization | None, name: str, code: str, kind: str = "branch") -> Organization:
    return services.create_organization(parent=parent, name=name, code=code, kind=kind)


# Members made here have been on the roll (在册, a ``Membership`` spell) since this day, so that the ledger
# rows a test dates in past months count for them; pass ``registered_on`` for a member who joins later.
ON_THE_ROLL_SINCE = dt.date(2020, 1, 1)


def make_member(organization: Organization, username: str | None = None, name: str = "党员", **fields: Any) -> Member:
    n = next(_seq)
    fields.setdefault("id_number", id_number(n, dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28)))
    fields.setdefault("registered_on", ON_THE_ROLL_SINCE)
    return services.create_member(
        username=username or f"member{n}", name=name, organization=organization, password=PASSWORD, **fields
    )


def make_user(username: str, **fields: Any) -> Any:
    user = get_user_model()(username=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@dataclass
class Personas:
    """A district committee with general branch A (branches A1, A2) and another committee X (branch X1).

    member      小明, a full member of branch A1
    member_a2   小红, a member of branch A2
    member_x    小刚, a member of branch X1 (another committee)
    trainer     王老师, publishes content
    admin_a     administrator of general branch A
    admin_x     administrator of committee X
    superuser   the system administrator
    """

    district: Organization
    branch_group_a: Organization
    a1: Organization
    a2: Organization
    other_committee: Organization
    x1: Organization
    member: Member
    member_a2: Member
    member_x: Member
    trainer: Any
    admin_a: Any
    admin_x: Any
    superuser: Any


# The data migrations that give the role groups their permissions (module, function).
ROLE_MIGRATIONS = (("school.migrations.0002_role_groups", "create_groups"),
                   ("media.migrations.0002_trainer_permissions", "grant"))


def restore_role_groups() -> None:
    """The role groups with the permissions their data migrations gave them. A transactional test (the browser
    tests) ends with a flush that empties every table, these rows included, so the next one would start with
    trainers who cannot open the admin; the migrations' own functions put them back (they are idempotent)."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from school.permissions import TRAINER_GROUP

    if Group.objects.filter(name=TRAINER_GROUP, permissions__isnull=False).exists():
        return
    for module, function in ROLE_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


def build_personas() -> Personas:
    restore_role_groups()
    district = make_org(None, "中共测试区委", "T", "committee")
    group_a = make_org(district, "机关党总支", "TA", "general_branch")
    a1 = make_org(group_a, "第一党支部", "TA1")
    a2 = make_org(group_a, "第二党支部", "TA2")
    other = make_org(None, "中共另一区委", "X", "committee")
    x1 = make_org(other, "某某党支部", "X1")
    member = make_member(a1, "xiaoming", "小明", phone="13800138000")
    member_a2 = make_member(a2, "xiaohong", "小红")
    member_x = make_member(x1, "xiaogang", "小刚")
    trainer = make_user("teacher", first_name="王老师")
    services.grant_trainer(trainer)
    admin_a = make_user("admin_a")
    services.grant_org_admin(admin_a, group_a)
    admin_x = make_user("admin_x")
    services.grant_org_admin(admin_x, other)
    superuser = make_user("root", is_superuser=True, is_staff=True)
    return Personas(district, group_a, a1, a2, other, x1, member, member_a2, member_x, trainer, admin_a, admin_x,
                    superuser)
