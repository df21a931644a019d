"""A believable demo district: one committee, sub-committees and general branches, ~30 branches,
~600 members with Chinese names. Deterministic (fixed random seed) so demos look the same."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from . import sensitive
from .hooks import DEMO_SEEDERS, collect
from .models import Member, Membership, Organization
from .models.members import AccountState, Education, Gender, PoliticalStatus
from .services import create_organization, grant_org_admin, grant_trainer

DEMO_PASSWORD = "demo12345"  # noqa: S105 - printed for the demo on purpose
ROOT_CODE = "D01"
DEMO_NOT_ACTIVATED_PER_BRANCH = 3  # per branch (of at least 6 members): left 未激活 to try activation

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国志文斌辉鹏宇浩然晨欣怡佳琪子涵梓轩思雨雪梅海燕立新春生德福永庆兰凤云飞"
POSITIONS = ["", "", "", "科员", "教师", "医生", "社区工作者", "工程师", "会计", "支部委员", "退休干部"]
UNITS = [
    ("committee", "城关街道党工委", ["幸福社区党支部", "和平社区党支部", "东风社区党支部", "新华社区党支部", "街道机关党支部"]),
    ("committee", "开发区党工委", ["管委会机关党支部", "园区企业联合党支部", "科技企业党支部", "物流企业党支部", "非公企业第一党支部"]),
    ("general_branch", "区委机关党总支", ["区委办公室党支部", "组织部党支部", "宣传部党支部", "统战部党支部", "政法委党支部"]),
    ("general_branch", "区教育系统党总支", ["第一中学党支部", "实验小学党支部", "第二中学党支部", "职业学校党支部", "教育局机关党支部"]),
    ("general_branch", "区卫健系统党总支", ["区人民医院党支部", "中医院党支部", "疾控中心党支部", "妇幼保健院党支部", "卫健局机关党支部"]),
    ("general_branch", "区退休干部党总支", ["离退休第一党支部", "离退休第二党支部", "离退休第三党支部", "离退休第四党支部", "老干部活动中心党支部"]),
]


@dataclass
class DemoData:
    root: Organization
    branches: list[Organization]
    members: list[Member]
    password_hash: str
    users: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, username, password)


def demo_id_number(rng: random.Random, birth: dt.date) -> str:
    first17 = f"110105{birth:%Y%m%d}{rng.randint(100, 999)}"
    return first17 + sensitive.id_number_check_digit(first17)


def demo_logins() -> list[tuple[str, str, str]]:
    return [
        ("系统管理员 superuser", "admin", DEMO_PASSWORD),
        ("区委组织部 committee administrator", "quwei", DEMO_PASSWORD),
        ("党总支管理员 general-branch administrator", "jiguan", DEMO_PASSWORD),
        ("讲师 trainer", "jiangshi", DEMO_PASSWORD),
        ("党员 member", "dangyuan", DEMO_PASSWORD),
    ]


def is_seeded() -> bool:
    return Organization.objects.filter(code=ROOT_CODE).exists()


@transaction.atomic
def build_demo(members_per_branch: int = 20, seed: int = 2026) -> tuple[DemoData, list[str]]:
    rng = random.Random(seed)
    User = get_user_model()
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 per user would take minutes
    root = create_organization(parent=None, name="中共示范区委员会", code=ROOT_CODE, kind="committee",
                               contact_person="组织部", contact_phone="010-12345678")
    branches: list[Organization] = []
    units: list[Organization] = []
    for i, (kind, unit_name, branch_names) in enumerate(UNITS, start=1):
        unit = create_organization(parent=root, name=unit_name, code=f"{ROOT_CODE}{i:02d}", kind=kind)
        units.append(unit)
        for j, branch_name in enumerate(branch_names, start=1):
            branch = create_organization(parent=unit, name=branch_name, code=f"{unit.code}{j:02d}", kind="branch")
            branches.append(branch)
            if j == 1:
                create_organization(parent=branch, name="第一党小组", code=f"{branch.code}G1", kind="group")
    statuses = [PoliticalStatus.FULL] * 14 + [PoliticalStatus.PROBATIONARY] * 3 + [
        PoliticalStatus.CANDIDATE, PoliticalStatus.ACTIVIST, PoliticalStatus.ACTIVIST]
    users: list[Any] = []
    pending: list[Member] = []
    seen_names: set[str] = set()
    for b, branch in enumerate(branches):
        for k in range(members_per_branch):
            username = "dangyuan" if (b, k) == (0, 0) else f"dy{b + 1:02d}{k + 1:03d}"
            name = "张伟" if (b, k) == (0, 0) else _name(rng, seen_names)
            birth = dt.date(rng.randint(1950, 2002), rng.randint(1, 12), rng.randint(1, 28))
            status = rng.choice(statuses)
            join = None
            if status in (PoliticalStatus.FULL, PoliticalStatus.PROBATIONARY):
                join = dt.date(min(birth.year + rng.randint(18, 40), 2025), rng.randint(1, 12), rng.randint(1, 28))
            # The last members of each branch are as the Excel import leaves them: 未激活, no password yet.
            not_activated = members_per_branch > 5 and k >= members_per_branch - DEMO_NOT_ACTIVATED_PER_BRANCH
            users.append(User(username=username, password="!" if not_activated else password_hash))
            member = Member(
                account_state=AccountState.PENDING if not_activated else AccountState.ACTIVE,
                name=name, organization=branch, political_status=status, join_date=join,
                gender=rng.choice([Gender.MALE, Gender.FEMALE]), ethnicity=rng.choice(["汉族"] * 9 + ["回族", "满族", "蒙古族"]),
                education=rng.choice(list(Education.values)), position=rng.choice(POSITIONS),
                phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
            )
            member.set_id_number(demo_id_number(rng, birth))
            pending.append(member)
    User.objects.bulk_create(users, batch_size=500)
    for user, member in zip(users, pending, strict=True):
        member.user = user
    Member.objects.bulk_create(pending, batch_size=500)
    # on the roll (one open spell each) since long before the demo's months of study
    Membership.objects.bulk_create([Membership(member=m, organization=m.organization, valid_from=dt.date(2000, 1, 1))
                                    for m in pending], batch_size=500)

    admin = User.objects.create(username="admin", password=password_hash, is_superuser=True, is_staff=True)
    quwei = User.objects.create(username="quwei", password=password_hash, first_name="组织部")
    grant_org_admin(quwei, root)
    jiguan = User.objects.create(username="jiguan", password=password_hash, first_name="机关党总支")
    grant_org_admin(jiguan, units[2])
    jiangshi = User.objects.create(username="jiangshi", password=password_hash, first_name="王老师")
    grant_trainer(jiangshi)
    demo = DemoData(root=root, branches=branches, members=list(Member.objects.filter(user__in=users)),
                    password_hash=password_hash,
                    users={"admin": admin, "quwei": quwei, "jiguan": jiguan, "jiangshi": jiangshi},
                    logins=demo_logins())
    lines = [f"组织 {Organization.objects.count()} 个，党员 {len(pending)} 名"]
    lines.append(_not_activated_line(members_per_branch))
    lines.extend(str(line) for line in collect(DEMO_SEEDERS, demo))
    return demo, lines


def _not_activated_line(members_per_branch: int) -> str:
    example = (Member.objects.select_related("user").filter(account_state=AccountState.PENDING)
               .order_by("user__username").first())
    if example is None:
        return "未激活党员：无"
    id_number = example.id_number
    return (f"未激活党员：每个支部最后 {DEMO_NOT_ACTIVATED_PER_BRANCH} 名（共 "
            f"{Member.objects.filter(account_state=AccountState.PENDING).count()} 名）。试用「激活账号」："
            f"{example.name} / 身份证号 {id_number.reveal() if id_number else ''} / 手机号 {example.phone}"
            f"（登录名 {example.user.username}；开发环境的短信验证码见 /accounts/dev/sms/）")


def _name(rng: random.Random, seen: set[str]) -> str:
    for _attempt in range(20):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
        if name not in seen:
            seen.add(name)
            return name
    return name
