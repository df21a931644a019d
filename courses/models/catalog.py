"""The course catalog: catalog page > course > lessons (reading or video), in that order of the tree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from school.hooks import FINAL_EXAM_LINK, first_answer
from school.permissions import member_of

from ..forms import CoursePageForm, ReadingLessonPageForm
from .gate import MemberOnlyPageMixin


class CourseCategory(models.TextChoices):
    CONSTITUTION = "constitution", _("Party Constitution and regulations")
    THEORY = "theory", _("Theory")
    HISTORY = "history", _("Party history")
    CONGRESS20 = "congress20", _("Spirit of the 20th Party Congress")
    PROFESSIONAL = "professional", _("Professional knowledge")


class CourseCatalogPage(MemberOnlyPageMixin, Page):
    intro: models.TextField[Any, Any] = models.TextField(_("introduction"), blank=True)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    template = "courses/catalog_page.html"

    class Meta:
        verbose_name = _("course catalog")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from courses.access import courses_visible_to

        context = super().get_context(request, *args, **kwargs)
        qs = courses_visible_to(request.user, CoursePage.objects.child_of(self).live())
        category = request.GET.get("category", "")
        if category in CourseCategory.values:
            qs = qs.filter(category=category)
        tag = request.GET.get("tag", "").strip()[:100]
        if tag:
            qs = qs.filter(tags__name=tag)
        q = request.GET.get("q", "").strip()[:100]
        if q:
            qs = qs.filter(models.Q(title__icontains=q) | models.Q(summary__icontains=q))
        courses = list(qs.select_related("cover").distinct().order_by("path"))
        tags = CoursePageTag.objects.filter(content_object__in=[c.pk for c in courses]).values_list(
            "tag__name", flat=True).distinct()
        context.update({"courses": courses, "categories": CourseCategory.choices,
                        "tags": sorted(set(tags)), "current": {"category": category, "tag": tag, "q": q}})
        return context


class CoursePageTag(TaggedItemBase):
    content_object = ParentalKey("courses.CoursePage", related_name="tagged_items", on_delete=models.CASCADE)


class CoursePage(MemberOnlyPageMixin, Page):
    category: models.CharField[Any, Any] = models.CharField(_("category"), max_length=20, choices=CourseCategory.choices,
                                default=CourseCategory.THEORY, db_index=True)
    cover: models.ForeignKey[Any, Any] = models.ForeignKey("wagtailimages.Image", verbose_name=_("cover"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    summary: models.TextField[Any, Any] = models.TextField(_("summary"), blank=True)
    trainer: models.ForeignKey[Any, Any] = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("trainer"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    trainer_name: models.CharField[Any, Any] = models.CharField(_("trainer name"), max_length=100, blank=True,
                                    help_text=_("Shown to members; defaults to the trainer's name."))
    credit_hours: models.DecimalField[Any, Any] = models.DecimalField(_("credit hours"), max_digits=5, decimal_places=1, default=Decimal("1.0"),
                                       validators=[MinValueValidator(Decimal("0"))])
    # The exams app is built separately: the course only remembers the id of its final exam.
    final_exam_id: models.PositiveIntegerField[Any, Any] = models.PositiveIntegerField(_("final exam id"), null=True, blank=True)
    allowed_organizations = ParentalManyToManyField(
        "school.Organization", verbose_name=_("restricted to organizations"), blank=True, related_name="+",
        help_text=_("Leave empty for every member; otherwise only members of these organizations' subtrees."))
    tags = ClusterTaggableManager(through=CoursePageTag, blank=True)

    parent_page_types = ["courses.CourseCatalogPage"]
    subpage_types = ["courses.ReadingLessonPage", "courses.VideoLessonPage"]
    template = "courses/course_page.html"
    base_form_class = CoursePageForm

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("category"), FieldPanel("tags"), FieldPanel("cover"), FieldPanel("summary")],
                        heading=_("Presentation")),
        MultiFieldPanel([FieldPanel("trainer"), FieldPanel("trainer_name"), FieldPanel("credit_hours"),
                         FieldPanel("final_exam_id")], heading=_("Teaching")),
        FieldPanel("allowed_organizations"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.FilterField("category")]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    @property
    def trainer_display(self) -> str:
        if self.trainer_name:
            return self.trainer_name
        if self.trainer_id and self.trainer:
            return self.trainer.get_full_name() or self.trainer.get_username()
        return ""

    def lessons(self) -> list[LessonPage]:
        return list(LessonPage.objects.child_of(self).live().order_by("path").specific())

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from courses.services.continue_learning import lesson_facts, resume_point
        from courses.services.progress import progress_by_page

        context = super().get_context(request, *args, **kwargs)
        lessons = self.lessons()
        progress = progress_by_page(request.user, [lesson.pk for lesson in lessons])
        rows = [(lesson, progress.get(lesson.pk)) for lesson in lessons]
        done = sum(1 for _lesson, p in rows if p is not None and p.completed_at is not None)
        context.update({"lesson_rows": rows, "lessons_done": done, "lessons_total": len(rows),
                        "lesson_facts": [lesson_facts(lesson, p) for lesson, p in rows],
                        "course_complete": bool(rows) and done == len(rows),
                        "resume": resume_point(member_of(request.user), self),
                        "final_exam": first_answer(FINAL_EXAM_LINK, request, self.final_exam_id)
                        if self.final_exam_id else None})
        return context


class LessonPage(MemberOnlyPageMixin, Page):
    """What reading and video lessons share; the progress engine works on this (``progress_spec``)."""

    summary: models.TextField[Any, Any] = models.TextField(_("summary"), blank=True)

    is_creatable = False
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")

    def progress_spec(self) -> tuple[str, float, float]:
        """(kind, timeline length in seconds, seconds that must be covered to complete)."""
        specific = self.specific
        if specific is self or not hasattr(specific, "progress_spec"):
            return "reading", 0.0, 0.0
        result: tuple[str, float, float] = specific.progress_spec()
        return result

    def course(self) -> CoursePage | None:
        parent = self.get_parent()
        return parent.specific if parent is not None and isinstance(parent.specific, CoursePage) else None

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from courses.services.progress import progress_by_page

        context = super().get_context(request, *args, **kwargs)
        course = self.course()
        siblings = course.lessons() if course else []
        index_of = next((i for i, s in enumerate(siblings) if s.pk == self.pk), -1)
        kind, duration, required = self.progress_spec()
        context.update({
            "course": course,
            "progress": progress_by_page(request.user, [self.pk]).get(self.pk),
            "previous_lesson": siblings[index_of - 1] if index_of > 0 else None,
            "next_lesson": siblings[index_of + 1] if 0 <= index_of < len(siblings) - 1 else None,
            "progress_kind": kind, "duration": duration, "required_seconds": required,
            # A lesson's share of its course's 学时 (the split the credit ledger uses, courses/credits.py).
            "lesson_hours": (course.credit_hours / len(siblings)).quantize(Decimal("0.01")) if course and siblings
            else None,
        })
        return context


class ReadingLessonPage(LessonPage):
    body = RichTextField(_("text"))
    min_reading_seconds: models.PositiveIntegerField[Any, Any] = models.PositiveIntegerField(
        _("minimum reading time (seconds)"), default=120, validators=[MinValueValidator(1), MaxValueValidator(86400)])
    policy_documents = ParentalManyToManyField("courses.PolicyDocumentPage", verbose_name=_("policy documents"),
                                               blank=True, related_name="+")

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []
    base_form_class = ReadingLessonPageForm
    template = "courses/reading_lesson_page.html"
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("min_reading_seconds"),
        FieldPanel("policy_documents"),
        InlinePanel("attachments", label=_("Attached files")),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    class Meta:
        verbose_name = _("reading lesson")

    def progress_spec(self) -> tuple[str, float, float]:
        seconds = float(self.min_reading_seconds)
        return "reading", seconds, seconds


class LessonAttachment(Orderable):
    page = ParentalKey(ReadingLessonPage, related_name="attachments", on_delete=models.CASCADE)
    document: models.ForeignKey[Any, Any] = models.ForeignKey("wagtaildocs.Document", verbose_name=_("file"), on_delete=models.CASCADE,
                                 related_name="+")
    panels = [FieldPanel("document")]

    class Meta(Orderable.Meta):
        verbose_name = _("attached file")


class VideoLessonPage(LessonPage):
    video: models.ForeignKey[Any, Any] = models.ForeignKey("media.Video", verbose_name=_("video"), null=True, blank=False,
                              on_delete=models.PROTECT, related_name="+")
    required_share: models.PositiveSmallIntegerField[Any, Any] = models.PositiveSmallIntegerField(
        _("required watched share (%)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(100)])
    notes = RichTextField(_("notes"), blank=True)

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []
    template = "courses/video_lesson_page.html"
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("video"),
        FieldPanel("required_share"),
        FieldPanel("notes"),
    ]

    class Meta:
        verbose_name = _("video lesson")

    def progress_spec(self) -> tuple[str, float, float]:
        duration = float(self.video.duration or 0) if self.video_id and self.video else 0.0
        return "video", duration, duration * self.required_share / 100
