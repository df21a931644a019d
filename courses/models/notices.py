"""通知公告: notices are Wagtail pages (content lives in courses; they go through the same moderation
workflow and scheduled publishing as courses) under one notice board (/notices/), each targeted at one or
more organization subtrees; ``NoticeRead`` records who opened (and, where required, confirmed) which."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PagePermissionTester
from wagtail.search import index

from ..forms import NoticePageForm


class NoticeIndexPage(Page):
    """The notice board (通知公告): lists the notices targeted at the member's organization."""

    intro: models.TextField[Any, Any] = models.TextField(_("introduction"), blank=True)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.NoticePage"]
    max_count = 1
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    template = "courses/notice_index_page.html"

    class Meta:
        verbose_name = _("notice board")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from courses.services.notices import notice_rows_for

        context = super().get_context(request, *args, **kwargs)
        context.update({"notice_rows": notice_rows_for(request.user), "nav_current": "notices"})
        return context


class NoticePage(Page):
    body = RichTextField(_("text"))
    requires_confirmation: models.BooleanField[Any, Any] = models.BooleanField(
        _("confirmation required"), default=False,
        help_text=_("Members confirm (回执) that they have read the notice; the read tracking counts confirmations."))
    target_organizations = ParentalManyToManyField(
        "school.Organization", verbose_name=pgettext_lazy("notice", "target organizations"), blank=False, related_name="+",
        help_text=_("Members of these organizations and everything below them receive the notice."))

    parent_page_types = ["courses.NoticeIndexPage"]
    subpage_types: list[str] = []
    base_form_class = NoticePageForm
    template = "courses/notice_page.html"
    content_panels = [
        *Page.content_panels,
        FieldPanel("body"),
        InlinePanel("attachments", label=_("Attached files")),
        FieldPanel("target_organizations"),
        FieldPanel("requires_confirmation"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def permissions_for_user(self, user: Any) -> PagePermissionTester:
        """Wagtail asks this before every admin action on the page (edit, history, revisions, compare, revert,
        preview, delete, move, unpublish, lock, workflow): an organization administrator gets no permission
        at all on a notice with a target outside their subtrees. The verdict is kept on this instance (one
        request's page): Wagtail asks several times per row of a listing."""
        from courses.services.notices import can_edit_notice

        tester = super().permissions_for_user(user)
        verdicts: dict[int, bool] = self.__dict__.setdefault("_editable_by", {})
        if user.pk not in verdicts:
            verdicts[user.pk] = can_edit_notice(user, self)
        if not verdicts[user.pk]:
            tester.permissions = set()
        return tester

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Log in first; a notice not targeted at the member's organization answers 404; opening it marks
        it read (and the bell's message about it)."""
        from courses.services.notices import can_view_notice, do_mark_notice_read

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view_notice(request.user, self):
            raise Http404
        do_mark_notice_read(request.user, self)
        response: HttpResponse = super().serve(request, *args, **kwargs)
        return response

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        from courses.services.notices import read_state

        context = super().get_context(request, *args, **kwargs)
        context.update({"read": read_state(request.user, self), "nav_current": "notices",
                        "attachments": [a.document for a in self.attachments.select_related("document")]})
        return context


class NoticeAttachment(Orderable):
    page = ParentalKey(NoticePage, related_name="attachments", on_delete=models.CASCADE)
    document: models.ForeignKey[Any, Any] = models.ForeignKey("wagtaildocs.Document", verbose_name=_("file"),
                                                              on_delete=models.CASCADE, related_name="+")
    panels = [FieldPanel("document")]

    class Meta(Orderable.Meta):
        verbose_name = _("attached file")


class NoticeRead(models.Model):
    """One member opened one notice (``read_at``) and, where the notice asks for it, confirmed it."""

    notice = models.ForeignKey(NoticePage, on_delete=models.CASCADE, related_name="reads")
    member = models.ForeignKey("school.Member", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("read at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice read")
        constraints = [models.UniqueConstraint(fields=["notice", "member"], name="courses_notice_read_once")]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.member_id}"
