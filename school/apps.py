from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolConfig(AppConfig):
    name = "school"
    verbose_name = _("Organizations and members")

    def ready(self) -> None:
        from django.urls import register_converter

        from . import audit, audit_signals
        from .converters import IdConverter
        from .security import throttle  # noqa: F401  (connects the login signal receivers)

        register_converter(IdConverter, "id")  # before any URLconf is loaded: every project route uses <id:…>
        audit_signals.connect()
        audit.connect_celery()
