from .imports import MemberImport
from .members import Education, Gender, Member, MemberStatus, PoliticalStatus
from .organizations import Organization, OrganizationKind
from .roles import AdminScope

__all__ = [
    "AdminScope",
    "Education",
    "Gender",
    "Member",
    "MemberImport",
    "MemberStatus",
    "Organization",
    "OrganizationKind",
    "PoliticalStatus",
]
