"""The policy document library (党内法规与规范性文件, 法律法规) as Wagtail pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page
from wagtail.search import index

from courses.documents.articles import Outline, outline

from .gate import MemberOnlyPageMixin

_YEAR_RE = re.compile(r"(1[89]\d\d|20\d\d)")


class DocumentCategory(models.TextChoices):
    CONSTITUTION = "党章", _("Party Constitution")
    GUIDELINE = "准则", _("Guideline")
    REGULATION = "条例", _("Regulation")
    PROVISION = "规定", _("Provision")
    MEASURE = "办法", _("Measure")
    RULE = "规则", _("Rule")
    DETAILED_RULE = "细则", _("Detailed rule")
    NORMATIVE = "规范性文件", _("Normative document")
    LAW = "法律法规", _("Law or administrative regulation")


class Validity(models.TextChoices):
    CURRENT = "current", _("In force")
    REVISED = "revised", _("Revised")
    REPEALED = "repealed", _("Repealed")


class PolicyDocumentLibraryPage(MemberOnlyPageMixin, Page):
    intro: models.TextField[Any, Any] = models.TextField(_("introduction"), blank=True)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.PolicyDocumentPage"]
    max_count = 1
    content_panels = [*Page.content_panels, FieldPanel("intro")]
    template = "courses/library_page.html"

    class Meta:
        verbose_name = _("policy document library")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The list's search box searches with the site search (same engine, ranking and versions), limited to
        documents and to the category and validity chosen here."""
        q = request.GET.get("q", "").strip()[:100]
        if q:
            params = {"q": q, "type": "document"}
            params.update({name: request.GET[name] for name in ("category", "validity") if request.GET.get(name)})
            return redirect(f"{reverse('search')}?{urlencode(params)}")
        return super().serve(request, *args, **kwargs)

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        qs = PolicyDocumentPage.objects.child_of(self).live().order_by("-issue_date", "title")
        category = request.GET.get("category", "")
        if category in DocumentCategory.values:
            qs = qs.filter(category=category)
        validity = request.GET.get("validity", "")
        if validity in Validity.values:
            qs = qs.filter(validity=validity)
        else:  # older versions only when asked for by validity, or from a document's 历史版本
            versions = PolicyDocumentPage.objects.child_of(self).live().only(
                "id", "title", "validity", "issue_date", "effective_date", "version_label")
            qs = qs.filter(pk__in=[p.pk for p in PolicyDocumentPage.current_versions(versions)])
        q = ""
        page = Paginator(qs.only("id", "title", "url_path", "path", "depth", "category", "doc_number", "issuer",
                                 "issue_date", "effective_date", "validity", "version_label"), 30).get_page(request.GET.get("page"))
        context.update({"documents": page, "categories": DocumentCategory.choices, "validities": Validity.choices,
                        "current": {"category": category, "validity": validity, "q": q}})
        return context


class PolicyDocumentPage(MemberOnlyPageMixin, Page):
    category: models.CharField[Any, Any] = models.CharField(_("category"), max_length=20, choices=DocumentCategory.choices,
                                default=DocumentCategory.NORMATIVE, db_index=True)
    doc_number: models.CharField[Any, Any] = models.CharField(_("document number"), max_length=100, blank=True, help_text=_("e.g. 中发〔2019〕1号"))
    issuer: models.CharField[Any, Any] = models.CharField(_("issuing body"), max_length=200, blank=True)
    issue_date: models.DateField[Any, Any] = models.DateField(_("issue date"), null=True, blank=True)
    effective_date: models.DateField[Any, Any] = models.DateField(_("effective date"), null=True, blank=True)
    validity: models.CharField[Any, Any] = models.CharField(_("validity"), max_length=10, choices=Validity.choices, default=Validity.CURRENT,
                                db_index=True)
    version_label: models.CharField[Any, Any] = models.CharField(_("version"), max_length=50, blank=True, help_text=_("e.g. 2023年版"))
    body: models.TextField[Any, Any] = models.TextField(_("full text"), help_text=_("Plain text; lines starting with 第…章 / 第…条 become "
                                                         "chapters and articles with their own anchors."))
    history: models.TextField[Any, Any] = models.TextField(_("history"), blank=True)
    pdf: models.ForeignKey[Any, Any] = models.ForeignKey("wagtaildocs.Document", verbose_name=_("PDF attachment"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    successor: models.ForeignKey[Any, Any] = models.ForeignKey("self", verbose_name=_("revised by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="predecessors",
                                  help_text=_("The newer version that replaces this one."))
    source: models.CharField[Any, Any] = models.CharField(_("source"), max_length=255, blank=True)
    # title + version, set by the importer so that importing the same file twice changes nothing.
    import_key: models.CharField[Any, Any] = models.CharField(max_length=255, unique=True, null=True, blank=True, editable=False)

    parent_page_types = ["courses.PolicyDocumentLibraryPage"]
    subpage_types: list[str] = []
    template = "courses/document_page.html"

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([
            FieldPanel("category"), FieldPanel("doc_number"), FieldPanel("issuer"), FieldPanel("issue_date"),
            FieldPanel("effective_date"), FieldPanel("validity"), FieldPanel("version_label"),
            FieldPanel("successor"),
        ], heading=_("Document facts")),
        FieldPanel("body"),
        FieldPanel("pdf"),
        FieldPanel("history"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("body"),
        index.SearchField("doc_number"),
        index.FilterField("category"),
        index.FilterField("validity"),
    ]

    class Meta:
        verbose_name = _("policy document")
        verbose_name_plural = _("policy documents")

    @cached_property
    def outline(self) -> Outline:
        return outline(self.body)

    def progress_spec(self) -> tuple[str, float, float]:
        """(kind, timeline length, seconds required) for the progress engine: reading time."""
        seconds = float(getattr(settings, "COURSES_DOCUMENT_READING_SECONDS", 60))
        return "document", seconds, seconds

    @property
    def version_year(self) -> int | None:
        """The year of this version: of its version note (2023年版), else of its effective or issue date."""
        match = _YEAR_RE.search(self.version_label or "")
        if match:
            return int(match.group(1))
        day = self.effective_date or self.issue_date
        return day.year if day else None

    def version_sort_key(self) -> tuple[int, int, int]:
        """Versions of one title in order: in force before revised or repealed, then the latest date (effective,
        else issued, else 1 January of the version note's year)."""
        day = self.effective_date or self.issue_date
        ordinal = day.toordinal() if day else (dt.date(self.version_year, 1, 1).toordinal() if self.version_year else 0)
        return (1 if self.validity == Validity.CURRENT else 0, ordinal, self.pk or 0)

    @staticmethod
    def current_versions(pages: Iterable[PolicyDocumentPage]) -> list[PolicyDocumentPage]:
        """Of each title among ``pages``, the current version (现行有效 with the latest date)."""
        groups: dict[str, list[PolicyDocumentPage]] = {}
        for page in pages:
            groups.setdefault(page.title, []).append(page)
        return [max(group, key=PolicyDocumentPage.version_sort_key) for group in groups.values()]

    def current_version(self) -> PolicyDocumentPage:
        """The current version of this document's title (itself when it is the current one)."""
        versions = [self, *PolicyDocumentPage.objects.live().filter(title=self.title).exclude(pk=self.pk)]
        return PolicyDocumentPage.current_versions(versions)[0]

    @property
    def is_superseded(self) -> bool:
        """已被新版本取代: revised or repealed with a successor, or an older version of a title with a newer one in force."""
        if self.validity != Validity.CURRENT and self.successor_id:
            return True
        return self.current_version().pk != self.pk

    @property
    def version_display(self) -> str:
        """版本 as choosers show it: the version note, else the year."""
        if self.version_label:
            return str(self.version_label)
        year = self.version_year
        return f"{year}年" if year else ""

    def chooser_label(self) -> str:
        """中国共产党纪律处分条例（2023年版 · 现行有效）: how choosers and lists name a version."""
        parts = [p for p in (self.version_display, str(self.get_validity_display())) if p]
        return f"{self.title}（{' · '.join(parts)}）"

    def versions(self) -> list[PolicyDocumentPage]:
        """All versions of this regulation (same title), newest first."""
        return list(PolicyDocumentPage.objects.live().filter(title=self.title).exclude(pk=self.pk)
                    .order_by("-issue_date", "-pk").only("id", "title", "url_path", "path", "depth", "version_label",
                                                          "issue_date", "validity"))

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        successor = self.successor if self.successor_id and self.successor and self.successor.live else None
        context.update({"outline": self.outline, "successor": successor, "other_versions": self.versions()})
        return context
