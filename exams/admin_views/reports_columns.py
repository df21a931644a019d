from django.utils.translation import gettext_lazy as _

EXAM_LINKS = [
    (_("Publish"), "exams_tools:publish", "upload"),
    (_("Statistics"), "exams_tools:exam_statistics", "table"),
]
