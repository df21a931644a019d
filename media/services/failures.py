"""Why a video failed, in words for the uploader (translated; the default language is Chinese)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Rejected(Exception):
    """The source cannot become a lesson video. ``reason`` is shown to the uploader."""

    def __init__(self, reason: StrOrPromise, detail: str = "") -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.detail = detail


EMPTY = _("The file is empty (0 bytes). Please upload it again.")
MISSING = _("The original file is missing from storage.")
UNREADABLE = _("The file is not a video or audio file that can be read, or it is damaged.")
IMAGE = _("The file is an image, not a video.")
NO_STREAMS = _("The file contains neither video nor audio.")
NO_DURATION = _("The length of the file cannot be determined; it may be damaged or incomplete.")
TOO_LONG = _("The video is %(minutes)d minutes long; at most %(limit)d minutes are accepted.")
TOO_LARGE = _(
    "The video is %(width)d×%(height)d pixels, more than the %(limit)s pixels accepted (e.g. 4096×2160). "
    "Please export it at a lower resolution."
)
INCOMPLETE = _(
    "The file is incomplete (the upload or copy may have been interrupted): only %(done).1f of "
    "%(total).1f seconds could be read."
)
TRANSCODE_FAILED = _("Transcoding failed. Please check the file, or ask the administrator with the details below.")
STALLED = _("Transcoding made no progress for %(seconds)d seconds and was stopped. Requeue the video; if it "
             "stops again, check the file.")
INTERNAL = _("An internal error stopped the transcoding. It can be requeued; the administrator has the details.")
