from .accounts import ActivationCode, ActivationSheet, SmsCode
from .audit import AuditAction, AuditEvent
from .imports import MemberImport
from .members import AccountState, Education, Gender, Member, Membership, MemberStatus, PoliticalStatus
from .notifications import Notification, NotificationKind, NotificationPreference
from .organizations import Organization, OrganizationKind
from .outbox import OutboxTask, PeriodicRun
from .preferences import DisplayPreference
from .roles import AdminScope

__all__ = [
    "AccountState",
    "ActivationCode",
    "ActivationSheet",
    "AdminScope",
    "AuditAction",
    "AuditEvent",
    "DisplayPreference",
    "Education",
    "Gender",
    "Member",
    "MemberImport",
    "MemberStatus",
    "Membership",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "Organization",
    "OrganizationKind",
    "OutboxTask",
    "PeriodicRun",
    "PoliticalStatus",
    "SmsCode",
]

# The credit ledger lives in school.credits; importing it here registers its models with the app.
from school.credits.models import (
    CreditEntry,
    CreditRule,
    CreditRuleVersion,
    MemberCredit,
    MemberMetric,
    OrganizationScore,
    RankingSnapshot,
    RankingSnapshotRow,
    RecomputeRequest,
    ScoreScheme,
)

__all__ += [
    "CreditEntry",
    "CreditRule",
    "CreditRuleVersion",
    "MemberCredit",
    "MemberMetric",
    "OrganizationScore",
    "RankingSnapshot",
    "RankingSnapshotRow",
    "RecomputeRequest",
    "ScoreScheme",
]
