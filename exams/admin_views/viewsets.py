"""The 考试 admin menu: banks, questions, exams, certificates (model viewsets) and the tool screens."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.admin.ui.tables import Column, DateColumn, NumberColumn
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.models import EditView, IndexView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from school import audit
from school.admin_views.columns import YesNoColumn
from school.models.audit import AuditAction
from school.permissions import is_org_admin, is_trainer

from ..models import Certificate, Exam, Question, QuestionBank
from . import urls as tool_urls
from .battles import BattleModeViewSet
from .forms import CertificateForm, ExamForm, QuestionBankForm, QuestionForm
from .policies import CertificatePolicy


class BankIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Any]:
        return super().get_base_queryset().select_related("owner").annotate(
            question_count=Count("questions", filter=Q(questions__is_active=True)),
            inactive_count=Count("questions", filter=Q(questions__is_active=False)))

    def get_list_more_buttons(self, instance: Any) -> list[Any]:
        buttons = super().get_list_more_buttons(instance)
        buttons.append(ListingMenuItem(_("Export to Excel"), reverse("exams_tools:export_bank", args=[instance.pk]),
                                icon_name="download", priority=40))
        buttons.append(ListingMenuItem(_("Import from Excel"), reverse("exams_tools:import") + f"?bank={instance.pk}",
                                icon_name="upload", priority=41))
        return buttons


class QuestionBankViewSet(ModelViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = _("Question banks")
    name = "exams_bank"
    form_fields = ["name", "description", "use"]
    list_display = [
        "name", "use",
        NumberColumn("question_count", label=_("active questions"), sort_key="question_count"),
        NumberColumn("inactive_count", label=_("inactive questions"), sort_key="inactive_count"),
        Column("owner", label=_("owner"), accessor=lambda bank: bank.owner.get_full_name() or bank.owner.username),
        DateColumn("created_at", label=_("created at"), sort_key="created_at"),
    ]
    search_fields = ["name", "description"]
    index_view_class = BankIndexView
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update: bool = False) -> Any:
        return QuestionBankForm



class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    name = "exams_question"
    list_display = ["stem", "bank", "qtype", "difficulty", "usage_count", YesNoColumn("is_active", label=_("active"))]
    list_filter = ["bank", "qtype", "difficulty", "is_active", "tags"]
    search_fields = ["stem", "source"]
    search_backend_name = None
    copy_view_enabled = False
    list_per_page = 50

    def get_form_class(self, for_update: bool = False) -> Any:
        return QuestionForm

    def get_edit_handler(self) -> Any:
        return ObjectList([
            FieldPanel("bank"), FieldPanel("qtype"), FieldPanel("stem"), FieldPanel("options_text"),
            FieldPanel("answer_text"), FieldPanel("difficulty"), FieldPanel("tags_text"), FieldPanel("source"),
            FieldPanel("explanation"), FieldPanel("is_active"),
        ]).bind_to_model(self.model)


# The tool screens of one exam, offered in the exam listing's "more" menu.
EXAM_LINKS = [
    (_("Publish"), "exams_tools:publish", "upload"),
    (_("Statistics"), "exams_tools:exam_statistics", "table"),
]


class ExamIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Any]:
        return super().get_base_queryset().select_related("created_by").prefetch_related("target_organizations")

    def get_list_more_buttons(self, instance: Any) -> list[Any]:
        buttons = super().get_list_more_buttons(instance)
        for label, url_name, icon in EXAM_LINKS:
            buttons.append(ListingMenuItem(label, reverse(url_name, args=[instance.pk]), icon_name=icon, priority=40))
        return buttons


class ExamEditView(EditView):
    """The exam editor carries a button to its review-and-publish page (submit for review, or publish)."""

    @cached_property
    def header_buttons(self) -> list[Any]:
        label = _("Publish") if self.object.status != Exam.Status.PUBLISHED else _("Publication")
        return [HeaderButton(label, url=reverse("exams_tools:publish", args=[self.object.pk]), icon_name="upload",
                             attrs={"data-exam-publish": ""})]


class ExamViewSet(ModelViewSet):
    model = Exam
    icon = "form"
    menu_label = _("Exams")
    name = "exams_exam"
    list_display = [
        "title", "status",
        Column("targets", label=_("target organizations"), accessor=lambda exam: "、".join(
            org.name for org in exam.target_organizations.all()) or _("Every organization")),
        Column("author", label=_("created by"),
               accessor=lambda exam: exam.created_by.get_full_name() or exam.created_by.username),
        DateColumn("published_at", label=_("published at"), sort_key="published_at"),
        DateColumn("closes_at", label=_("closes at"), sort_key="closes_at"),
    ]
    list_filter = ["status"]
    search_fields = ["title"]
    search_backend_name = None
    index_view_class = ExamIndexView
    edit_view_class = ExamEditView
    copy_view_enabled = False

    def get_edit_handler(self) -> Any:
        return ObjectList(self.panels, base_form_class=ExamForm).bind_to_model(self.model)

    panels = [
        FieldPanel("title"), FieldPanel("description"),
        MultiFieldPanel([FieldPanel("time_limit_minutes"), FieldPanel("pass_mark"), FieldPanel("attempts_allowed"),
                         FieldPanel("opens_at"), FieldPanel("closes_at")], heading=_("Rules")),
        MultiFieldPanel([FieldPanel("target_organizations"), FieldPanel("target_statuses")], heading=_("Who")),
        MultiFieldPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options"), FieldPanel("multiple_policy"),
                         FieldPanel("review_policy"), FieldPanel("certificate_on_pass")], heading=_("Paper")),
        InlinePanel("sections", heading=_("Blueprint"), label=_("Section"), panels=[
            FieldPanel("title"), FieldPanel("qtype"), FieldPanel("count"), FieldPanel("difficulty_min"),
            FieldPanel("difficulty_max"), FieldPanel("points"), FieldPanel("banks"), FieldPanel("tags"),
        ]),
    ]



class CertificateIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Any]:
        return CertificatePolicy(Certificate).instances_user_has_any_permission_for(self.request.user, ["view"])

    def get_list_more_buttons(self, instance: Any) -> list[Any]:
        buttons = []
        if instance.is_valid:  # a revoked certificate's PDF is refused on every path
            buttons.append(ListingMenuItem(_("Download"), reverse("exams:certificate_pdf", args=[instance.serial]),
                                           icon_name="download", priority=10))
            buttons.append(ListingMenuItem(_("Revoke"), reverse("exams_tools:revoke", args=[instance.pk]),
                                    icon_name="cross", priority=20))
        return buttons


def _certificates_in_scope(user: Any) -> QuerySet[Any]:
    return CertificatePolicy(Certificate).instances_user_has_any_permission_for(user, ["view"])


class CertificateEditView(EditView):
    """A certificate outside the administrator's subtrees answers 404 (Wagtail checks the model only).
    A corrected revocation reason is audited like the revocation itself."""

    def get_queryset(self) -> QuerySet[Any]:
        return _certificates_in_scope(self.request.user)

    def save_instance(self) -> Any:
        before = Certificate.objects.values_list("revoke_reason", flat=True).get(pk=self.object.pk)
        instance = super().save_instance()
        if instance.revoke_reason != before:
            audit.record(AuditAction.CERTIFICATE_REVOKED,
                         f"{instance.serial} {instance.member_name}: 撤销原因已修改", request=self.request,
                         target=instance, data={"reason": instance.revoke_reason, "previous_reason": before})
        return instance


class CertificateHistoryView(HistoryView):
    def get_base_object_queryset(self) -> QuerySet[Any]:
        return _certificates_in_scope(self.request.user)


class CertificateUsageView(UsageView):
    def get_base_object_queryset(self) -> QuerySet[Any]:
        return _certificates_in_scope(self.request.user)


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("Certificates")
    name = "exams_certificate"
    list_display = ["serial", "member_name", "organization_name", "exam_title", "score", "issued_at", "revoked_at"]
    list_filter = ["exam", "revoked_at"]
    search_fields = ["serial", "member_name", "code"]
    search_backend_name = None
    index_view_class = CertificateIndexView
    edit_view_class = CertificateEditView
    history_view_class = CertificateHistoryView
    usage_view_class = CertificateUsageView
    add_view_enabled = False
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update: bool = False) -> Any:
        return CertificateForm



class _ShownMenuItem(MenuItem):
    check: Any = None

    def is_shown(self, request: HttpRequest) -> bool:
        return bool(self.check(request.user))


class LinkViewSet(ViewSet):
    """A menu entry for one of the tool screens (their URLs live in ``ToolsViewSet``)."""

    target = ""
    check: Any = None

    @cached_property
    def menu_url(self) -> str:
        return reverse(self.target)

    @cached_property
    def menu_item_class(self) -> Any:
        return type(f"{self.name}MenuItem", (_ShownMenuItem,), {"check": staticmethod(self.check)})


class ToolsViewSet(LinkViewSet):
    name = "exams_tools"
    url_prefix = "exams-tools"
    menu_label = _("Import and export")
    icon = "upload"
    target = "exams_tools:import"
    check = staticmethod(is_trainer)

    def get_urlpatterns(self) -> list[Any]:
        return tool_urls.urlpatterns


def _stats_user(user: Any) -> bool:
    return is_trainer(user) or is_org_admin(user)


class ExamsGroup(ViewSetGroup):
    menu_label = _("Exams")
    menu_icon = "form"
    menu_order = 260
    items = (
        QuestionBankViewSet, QuestionViewSet, ExamViewSet, CertificateViewSet, ToolsViewSet,
        BattleModeViewSet("battle_modes", menu_label=_("Battle modes")),
        LinkViewSet("exams_statistics", menu_label=_("Statistics"), icon="table", target="exams_tools:statistics",
                    check=_stats_user),
        LinkViewSet("exams_review", menu_label=_("Exams awaiting review"), icon="upload",
                    target="exams_tools:review", check=is_org_admin),
        LinkViewSet("exams_bulk", menu_label=_("Download certificates"), icon="download",
                    target="exams_tools:bulk", check=is_org_admin),
        LinkViewSet("exams_layout", menu_label=_("Certificate layout"), icon="cog", target="exams_tools:layout",
                    check=is_trainer),
    )
