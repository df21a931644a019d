"""Wagtail admin for videos: a snippet viewset (listing with state and progress, the chooser that
lesson pages use through a plain ``FieldPanel`` on a ForeignKey to ``media.Video``), an upload view
that refuses oversize bodies before reading them, and the requeue action."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, SnippetViewSet

from school.admin_views.panels import ReadOnlyPanel

from . import services
from .access import can_manage_videos
from .forms import VideoUploadForm, too_big_message
from .models import Video, VideoState
from .services.uploads import can_upload_videos

REQUEUE_LABEL = _("Transcode again")


def requeue_url(video: Video) -> str:
    return reverse("wagtailsnippets_media_video:requeue", args=[video.pk])


class VideoIndexView(IndexView):
    def get_add_url(self) -> str:
        """"Add" opens the resumable upload page (the one-request form stays at ``add/``)."""
        return reverse("wagtailsnippets_media_video:upload")

    @property
    def add_item_label(self) -> str:
        return str(_("Upload a video"))

    def get_list_more_buttons(self, instance: Any) -> list[Any]:
        buttons = list(super().get_list_more_buttons(instance))
        if instance.state == VideoState.FAILED and can_manage_videos(self.request.user):
            buttons.append(MenuItem(REQUEUE_LABEL, url=requeue_url(instance), icon_name="rotate", priority=25))
        if instance.is_ready:
            buttons.append(MenuItem(_("Watch"), url=reverse("media:preview", args=[instance.pk]),
                                    icon_name="media", priority=15))
        return buttons


class VideoCreateView(CreateView):
    """Upload: ``title`` and ``original`` only; the rest is filled in by probing."""

    def get_panel(self) -> Any:
        return ObjectList([FieldPanel("title"), FieldPanel("original")], base_form_class=VideoUploadForm
                          ).bind_to_model(Video)

    def get_form_class(self) -> Any:
        return self.panel.get_form_class()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Refuse an oversize body from its declared length, before Django reads (and stores) it.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MEDIA_MAX_UPLOAD_BYTES + 64 * 1024:
            messages.error(request, too_big_message(length))
            response = self.get(request, *args, **kwargs)
            response.status_code = 413
            return response
        return super().post(request, *args, **kwargs)

    def save_instance(self) -> Video:
        upload = self.form.cleaned_data["original"]
        return services.register_video(title=self.form.cleaned_data.get("title") or "", file=upload,
                                       original_name=upload.name, uploaded_by=self.request.user)

    def get_success_message(self, instance: Any) -> str:
        return str(_("'%(title)s' was uploaded and is queued for transcoding.") % {"title": instance.title})


class VideoEditView(EditView):
    def get_header_buttons(self) -> list[Any]:
        buttons = list(super().get_header_buttons()) if hasattr(super(), "get_header_buttons") else []
        if self.object.state == VideoState.FAILED:
            buttons.append(HeaderButton(REQUEUE_LABEL, url=requeue_url(self.object), icon_name="rotate"))
        if self.object.is_ready:
            buttons.append(HeaderButton(_("Watch"), url=reverse("media:preview", args=[self.object.pk]),
                                        icon_name="media"))
        return buttons


def requeue_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation, POST requeues a failed video."""
    if not can_manage_videos(request.user):
        raise Http404
    video = get_object_or_404(Video, pk=pk)
    if request.method == "POST":
        if services.requeue_video(video):
            messages.success(request, _("'%(title)s' is queued for transcoding again.") % {"title": video.title})
        else:
            messages.error(request, _("Only failed videos can be transcoded again."))
        return redirect("wagtailsnippets_media_video:list")
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    context = {"video": video, "page_title": REQUEUE_LABEL, "page_subtitle": video.title, "header_icon": "rotate"}
    return TemplateResponse(request, "media/admin/requeue_confirm.html", context)


class ThumbnailColumn(Column):
    """The poster's small thumbnail (served by ``media:poster``, which checks who may see it)."""

    cell_template_name = "media/admin/thumbnail_cell.html"

    def get_cell_context_data(self, instance: Any, parent_context: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_cell_context_data(instance, parent_context)
        context["src"] = instance.thumbnail_url("small")
        return context


class VideoChooseColumns:
    """The video chooser lists thumbnail, title, length and state (a lesson needs a ready video)."""

    @property
    def columns(self) -> list[Any]:
        return [
            ThumbnailColumn("poster", label=_("poster")),
            *super().columns,  # type: ignore[misc]
            Column("duration", label=_("duration"), accessor=lambda video: video.duration_label() or "—"),
            Column("state", label=_("state"), accessor=lambda video: video.status_html()),
        ]


class VideoChooseView(VideoChooseColumns, ChooseView):
    pass


class VideoChooseResultsView(VideoChooseColumns, ChooseResultsView):
    pass


class VideoChooserViewSet(SnippetChooserViewSet):
    choose_view_class = VideoChooseView
    choose_results_view_class = VideoChooseResultsView


def resumable_upload_view(request: HttpRequest) -> HttpResponse:
    """The upload page: tus-js-client sends the file to ``media:upload_create`` in resumable pieces."""
    if not can_upload_videos(request.user):
        raise PermissionDenied
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    context = {
        "page_title": _("Upload a video"), "header_icon": "upload",
        "endpoint": reverse("media:upload_create"),
        "max_bytes": settings.MEDIA_MAX_UPLOAD_BYTES,
        "max_label": filesizeformat(settings.MEDIA_MAX_UPLOAD_BYTES),
        "chunk_bytes": settings.MEDIA_UPLOAD_CHUNK_BYTES,
        "edit_url_pattern": reverse("wagtailsnippets_media_video:edit", args=[0]).replace("/0/", "/{id}/"),
        "list_url": reverse("wagtailsnippets_media_video:list"),
        "plain_url": reverse("wagtailsnippets_media_video:add"),
    }
    return TemplateResponse(request, "media/admin/resumable_upload.html", context)


class VideoViewSet(SnippetViewSet):
    model = Video
    icon = "media"
    menu_label = _("Videos")
    menu_name = "videos"
    menu_order = 250
    add_to_admin_menu = True
    index_view_class = VideoIndexView
    add_view_class = VideoCreateView
    edit_view_class = VideoEditView
    copy_view_enabled = False
    list_display = ["title", "status_html", "duration_label", "resolution_label", "uploaded_by", "updated_at"]
    list_filter = ["state"]
    list_per_page = 50
    chooser_per_page = 20
    chooser_viewset_class = VideoChooserViewSet
    ordering = ["-created_at"]
    panels = [
        FieldPanel("title"),
        MultiFieldPanel(
            [
                ReadOnlyPanel("state"),
                ReadOnlyPanel("progress"),
                ReadOnlyPanel("failure_reason"),
                ReadOnlyPanel("duration"),
                ReadOnlyPanel("width"),
                ReadOnlyPanel("height"),
                ReadOnlyPanel("video_codec"),
                ReadOnlyPanel("audio_codec"),
                ReadOnlyPanel("original_name"),
                ReadOnlyPanel("size_bytes"),
                ReadOnlyPanel("checksum"),
            ],
            heading=_("Processing"),
        ),
    ]

    def get_urlpatterns(self) -> list[Any]:
        return [*super().get_urlpatterns(), path("requeue/<id:pk>/", requeue_view, name="requeue"),
                path("upload/", resumable_upload_view, name="upload")]
