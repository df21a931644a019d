from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses and documents")

    def ready(self) -> None:
        from media.access import register_video_access_check

        from .access import lesson_video_access
        from .credits import register_credit_sources
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
        register_credit_sources()
        register_video_access_check(lesson_video_access)
