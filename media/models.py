"""Videos: an uploaded original (kept), what probing found, the HLS ladder made from it, its poster
and a state machine ``uploaded -> queued -> processing -> ready | failed``."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.search import index


def format_html_join_safe(items: list[SafeString]) -> SafeString:
    return mark_safe(" · ".join(items))  # noqa: S308 - each item was escaped by format_html


def original_upload_to(instance: Video, filename: str) -> str:
    suffix = Path(filename).suffix.lower()[:10]
    return f"videos/originals/{uuid.uuid4().hex}{suffix}"


def poster_upload_to(instance: Video, filename: str) -> str:
    return f"videos/posters/{instance.storage_key}/{Path(filename).name}"


class VideoState(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Queued")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Video(index.Indexed, models.Model):
    title = models.CharField(_("title"), max_length=200)
    original = models.FileField(_("original file"), upload_to=original_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    storage_key = models.CharField(max_length=32, unique=True, default="", editable=False)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    size_bytes = models.BigIntegerField(_("size in bytes"), default=0)
    duration = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    video_codec = models.CharField(_("video codec"), max_length=40, blank=True)
    audio_codec = models.CharField(_("audio codec"), max_length=40, blank=True)
    rotation = models.IntegerField(_("rotation"), default=0)
    poster = models.ImageField(_("poster"), upload_to=poster_upload_to, max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=VideoState.choices, default=VideoState.UPLOADED,
                             db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    failure_detail = models.TextField(_("technical detail"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    # The worker that holds the claim writes a heartbeat with its progress; a claim whose heartbeat is
    # older than MEDIA_PROCESSING_STALE_SECONDS belonged to a dead worker and may be taken over.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    # Lowest rung first: the rungs the ladder will have (names, lowest first) and whether the published
    # ones can be watched already (the lowest rung is ready; ``state`` stays processing until all are).
    planned_rungs = models.JSONField(_("planned rungs"), default=list, blank=True, editable=False)
    playable = models.BooleanField(_("playable"), default=False, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="uploaded_videos")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title"), index.FilterField("state")]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="media_video_progress_le_100"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.storage_key:
            self.storage_key = uuid.uuid4().hex
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_ready(self) -> bool:
        return self.state == VideoState.READY

    @property
    def is_playable(self) -> bool:
        """Ready, or still processing with its lowest rung published (lowest rung first)."""
        return self.state == VideoState.READY or (self.state == VideoState.PROCESSING and self.playable)

    @property
    def is_upgrading(self) -> bool:
        """Playable while higher rungs are still being made."""
        return self.is_playable and not self.is_ready

    def rung_states(self) -> list[tuple[str, str]]:
        """(rung name, state) for every planned rung, lowest first: ready, processing, waiting or failed.
        The lowest rung is made first, then the rest of the ladder in one run (``ladder.stages``)."""
        done = {rendition.name for rendition in self.renditions.all()}
        states: list[tuple[str, str]] = []
        for position, name in enumerate(self.planned_rungs or []):
            if self.state == VideoState.READY or (self.state == VideoState.PROCESSING and name in done):
                states.append((name, "ready"))
            elif self.state == VideoState.FAILED:
                states.append((name, "failed"))
            elif self.state == VideoState.PROCESSING and (position == 0 or done):
                states.append((name, "processing"))
            else:
                states.append((name, "waiting"))
        return states

    @property
    def is_audio_only(self) -> bool:
        return not self.video_codec and bool(self.audio_codec)

    @property
    def hls_dir(self) -> str:
        """Folder (relative to MEDIA_ROOT) that holds the finished ladder."""
        return f"videos/hls/{self.storage_key}"

    @property
    def master_playlist_url(self) -> str:
        return reverse("media:hls", kwargs={"pk": self.pk, "name": "master.m3u8"})

    @property
    def poster_url(self) -> str:
        if not self.poster:
            return ""
        return reverse("media:poster", kwargs={"pk": self.pk, "size": "full"})

    def thumbnail_url(self, size: str = "medium") -> str:
        if not self.poster:
            return ""
        return reverse("media:poster", kwargs={"pk": self.pk, "size": size})

    @property
    def player_renditions_id(self) -> str:
        return f"dps-renditions-{self.pk}"

    @property
    def player_renditions(self) -> list[dict[str, object]]:
        """Variant playlists for the quality menu of browsers that play HLS natively (Safari)."""
        return [
            {
                "label": rendition.label,
                "height": rendition.height,
                "bandwidth": rendition.bandwidth,
                "url": reverse("media:hls", kwargs={"pk": self.pk, "name": f"{rendition.name}/index.m3u8"}),
            }
            for rendition in self.renditions.all()
        ]

    @property
    def resolution_label(self) -> str:
        if self.width and self.height:
            return f"{self.width}×{self.height}"
        return ""

    resolution_label.fget.short_description = _("resolution")  # type: ignore[attr-defined]

    def duration_label(self) -> str:
        if not self.duration:
            return ""
        seconds = round(self.duration)
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else (
            f"{seconds // 60}:{seconds % 60:02d}")

    duration_label.short_description = _("duration")  # type: ignore[attr-defined]

    def status_html(self) -> SafeString:
        """State for the admin listing: progress while processing, the reason when failed."""
        label = self.get_state_display()
        if self.state == VideoState.PROCESSING:
            return format_html('<span data-video-status="processing"><progress max="100" value="{}"></progress> '
                               "{} {}%{}</span>", self.progress, label, self.progress, self.rung_states_html())
        if self.state == VideoState.FAILED:
            return format_html('<span data-video-status="failed"><b>{}</b>：{}</span>', label, self.failure_reason)
        return format_html('<span data-video-status="{}">{}</span>', self.state, label)

    status_html.short_description = _("state")  # type: ignore[attr-defined]

    def rung_states_html(self) -> SafeString:
        """Each rung's state, e.g. "360p 已完成 · 720p 转码中"; members can watch once the lowest is ready."""
        labels = {"ready": _("ready"), "processing": _("transcoding"), "waiting": _("waiting"),
                  "failed": _("failed")}
        items = [format_html('<span data-rung="{}" data-rung-state="{}">{} {}</span>', name, state, name,
                             labels[state]) for name, state in self.rung_states()]
        if not items:
            return format_html("")
        playable = format_html(" · <b>{}</b>", _("members can watch")) if self.is_upgrading else ""
        return format_html('<br><span class="dps-rungs">{}{}</span>', format_html_join_safe(items), playable)

    rung_states_html.short_description = _("renditions")  # type: ignore[attr-defined]


class Rendition(models.Model):
    """One rung of the HLS ladder (or the audio-only rendition, ``height`` 0)."""

    video = models.ForeignKey(Video, related_name="renditions", on_delete=models.CASCADE)
    name = models.CharField(max_length=20)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    bandwidth = models.PositiveIntegerField(help_text="peak bits per second, as in the master playlist")
    average_bandwidth = models.PositiveIntegerField(default=0)
    playlist = models.CharField(max_length=255, help_text="path relative to MEDIA_ROOT")

    class Meta:
        ordering = ["video", "-height", "-bandwidth"]
        constraints = [models.UniqueConstraint(fields=["video", "name"], name="media_rendition_unique_name")]

    def __str__(self) -> str:
        return f"{self.video_id} {self.name}"

    @property
    def label(self) -> str:
        return f"{self.height}p" if self.height else f"{round(self.bandwidth / 1000)}k"


class UploadState(models.TextChoices):
    RECEIVING = "receiving", _("Receiving")
    DONE = "done", _("Done")


class Upload(models.Model):
    """A resumable (tus) upload in progress: the bytes received so far are in ``partial_path`` (relative to
    MEDIA_ROOT); ``offset`` is the last acknowledged byte count. Once complete, the file becomes a
    ``Video``'s original and the row is kept (state ``done``) until the cleanup, so that a client asking
    for the offset after a lost final answer learns that the upload finished."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="video_uploads")
    length = models.BigIntegerField(_("size in bytes"))
    offset = models.BigIntegerField(_("bytes received"), default=0)
    filename = models.CharField(_("original file name"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    expected_sha256 = models.CharField(max_length=64, blank=True)
    container = models.CharField(max_length=20, blank=True, help_text="what the first bytes look like (sniff.py)")
    partial_path = models.CharField(max_length=255)
    state = models.CharField(max_length=16, choices=UploadState.choices, default=UploadState.RECEIVING)
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(offset__gte=0) & models.Q(offset__lte=models.F("length")),
                                   name="media_upload_offset_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} {self.offset}/{self.length}"


class ChunkKind(models.TextChoices):
    VIDEO = "video", _("Video chunk")
    AUDIO = "audio", _("Audio")
    FINISH = "finish", _("Stitching")


class ChunkState(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class VideoChunk(models.Model):
    """One step of a chunked transcode (long sources): a video chunk that makes the rungs of its stage,
    the audio of every rung, or the stitching of a stage that runs once the stage's chunks are done.
    Rows belong to one claim of the video (``run_token`` = the video's ``claim_token``); each step is
    claimed on its own with a token and a heartbeat, like a video, so a dead worker loses only its step."""

    video = models.ForeignKey(Video, related_name="chunks", on_delete=models.CASCADE)
    run_token = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=ChunkKind.choices)
    index = models.PositiveIntegerField(default=0)
    stage = models.PositiveSmallIntegerField(
        default=0, help_text="which rungs (ladder.stages): 0 = the lowest rung, published first; 1 = the rest")
    source = models.CharField(max_length=255, blank=True, help_text="chunk file, relative to the work folder")
    state = models.CharField(max_length=12, choices=ChunkState.choices, default=ChunkState.PENDING)
    claim_token = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    failure_detail = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video", "run_token", "stage", "kind", "index"]
        constraints = [
            models.UniqueConstraint(fields=["video", "run_token", "kind", "stage", "index"],
                                    name="media_chunk_unique_step"),
        ]

    def __str__(self) -> str:
        return f"{self.video_id} {self.kind} {self.index}"
