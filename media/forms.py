"""The admin upload form: size limit from settings, content sniffing, a clear error for what is refused."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .sniff import sniff_file

TOO_BIG = _("The file is %(size)s; at most %(limit)s may be uploaded.")
NOT_MEDIA = _(
    "This file is not a video or audio file (its content was checked, not its name). "
    "Upload MP4, MOV, MKV, WebM, AVI, MPEG-TS, MP3, M4A or WAV."
)


def too_big_message(size: int) -> str:
    return str(TOO_BIG % {"size": filesizeformat(size), "limit": filesizeformat(settings.MEDIA_MAX_UPLOAD_BYTES)})


class VideoUploadForm(WagtailAdminModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "original" in self.fields:
            self.fields["original"].widget.attrs["accept"] = "video/*,audio/*"
            self.fields["original"].help_text = _("Video or audio, at most %(limit)s.") % {
                "limit": filesizeformat(settings.MEDIA_MAX_UPLOAD_BYTES)
            }
        if "title" in self.fields:
            self.fields["title"].required = False
            self.fields["title"].help_text = _("Leave empty to use the file name.")

    def clean_original(self) -> Any:
        upload = self.cleaned_data.get("original")
        if upload is None or not hasattr(upload, "size"):
            return upload
        if upload.size > settings.MEDIA_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_big_message(upload.size), code="too_big")
        if sniff_file(upload) is None:
            raise forms.ValidationError(NOT_MEDIA, code="not_media")
        return upload
