from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses and documents")

    def ready(self) -> None:
        from . import signal_handlers

        signal_handlers.connect()
        from . import credits

        credits.connect()
