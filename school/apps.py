from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolConfig(AppConfig):
    name = "school"
    verbose_name = _("Organizations and members")

    def ready(self) -> None:
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
