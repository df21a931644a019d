from .audit import AuditAction, AuditEvent
from .imports import MemberImport
from .members import Education, Gender, Member, MemberStatus, PoliticalStatus
from .organizations import Organization, OrganizationKind
from .roles import AdminScope

__all__ = [
    "AdminScope",
    "AuditAction",
    "AuditEvent",
    "Education",
    "Gender",
    "Member",
    "MemberImport",
    "MemberStatus",
    "Organization",
    "OrganizationKind",
    "PoliticalStatus",
]
