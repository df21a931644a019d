from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolConfig(AppConfig):
    name = "school"
    verbose_name = _("Organizations and members")

    def ready(self) -> None:
        from django.urls import register_converter

        from .converters import IdConverter
        from .signal_handlers import register_signal_handlers

        register_converter(IdConverter, "id")  # before any URLconf is loaded: every project route uses <id:…>
        register_signal_handlers()
