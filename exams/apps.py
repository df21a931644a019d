from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("Exams")

    def ready(self) -> None:
        from .credits import register_credit_sources
        from .signal_handlers import register_signal_handlers

        register_credit_sources()
        register_signal_handlers()
