"""Excel import and export of organizations and members (openpyxl).

Imports validate every row first and write only if all rows are valid, in one transaction; importing
the same file twice changes nothing. Exports use the same columns as the import templates.
"""

from .members import MEMBER_COLUMNS, export_members, import_members, member_template
from .organizations import ORGANIZATION_COLUMNS, export_organizations, import_organizations, organization_template
from .workbook import ImportResult, RowError, SpreadsheetError

__all__ = [
    "MEMBER_COLUMNS",
    "ORGANIZATION_COLUMNS",
    "ImportResult",
    "RowError",
    "SpreadsheetError",
    "export_members",
    "export_organizations",
    "import_members",
    "import_organizations",
    "member_template",
    "organization_template",
]
