"""Models of the courses app (re-exported: ``from courses.models import CoursePage``)."""

from .catalog import (
    CourseCatalogPage,
    CourseCategory,
    CoursePage,
    CoursePageTag,
    LessonAttachment,
    LessonPage,
    ReadingLessonPage,
    VideoLessonPage,
)
from .documents import DocumentCategory, PolicyDocumentLibraryPage, PolicyDocumentPage, Validity
from .notices import NoticeAttachment, NoticeIndexPage, NoticePage, NoticeRead
from .progress import ProgressKind, StudyProgress
from .study_tasks import StudyTask, StudyTaskItem, TaskReminder

__all__ = [
    "CourseCatalogPage",
    "CourseCategory",
    "CoursePage",
    "CoursePageTag",
    "DocumentCategory",
    "LessonAttachment",
    "LessonPage",
    "NoticeAttachment",
    "NoticeIndexPage",
    "NoticePage",
    "NoticeRead",
    "PolicyDocumentLibraryPage",
    "PolicyDocumentPage",
    "ProgressKind",
    "ReadingLessonPage",
    "StudyProgress",
    "StudyTask",
    "StudyTaskItem",
    "TaskReminder",
    "Validity",
    "VideoLessonPage",
]
