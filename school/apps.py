from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolConfig(AppConfig):
    name = "school"
    verbose_name = _("Organizations and members")

    def ready(self) -> None:
        from . import audit, audit_signals
        from .security import throttle  # noqa: F401  (connects the login signal receivers)

        audit_signals.connect()
        from .accounts.signal_handlers import register_signal_handlers as register_account_handlers

        register_account_handlers()
        audit.connect_celery()
