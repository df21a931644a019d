"""Data changes of the courses app, as typed functions (each one transaction)."""

from .documents import ImportResult, RowError, import_documents
from .progress import HeartbeatResult, ProgressError, progress_by_page, record_heartbeat, start_session
from .site import ensure_site_pages

__all__ = [
    "HeartbeatResult",
    "ImportResult",
    "ProgressError",
    "RowError",
    "ensure_site_pages",
    "import_documents",
    "progress_by_page",
    "record_heartbeat",
    "start_session",
]
