"""Resumable uploads over the tus 1.0 protocol, driven by the tuspy client against a live server.

王老师 (the trainer) uploads a lecture in pieces, the connection is cut and the upload resumes; bad input
(wrong offset, too large, not a video, a bad checksum) is refused with a status and a Chinese message and
leaves nothing behind; members and organization administrators may not upload; nobody sees another's upload.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from media import tasks
from media.models import Upload, UploadState, Video, VideoState
from media.services import registration
from tests.factories import Personas
from tests.media import builders

pytestmark = pytest.mark.django_db(transaction=True)
CSRF = "u24csrftokenu24csrftokenu24csrf0"  # 32 characters: Django accepts an unmasked secret in the header


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(registration, "_enqueue_after_commit", lambda video_id: sent.append(video_id))
    return sent


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.MEDIA_ROOT.mkdir()
    return Path(settings.MEDIA_ROOT)


def headers_for(user: Any) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF}",
            "X-CSRFToken": CSRF}


def endpoint(live_server: Any) -> str:
    return live_server.url + reverse("media:upload_create")


def tus_for(live_server: Any, user: Any) -> tus_client.TusClient:
    return tus_client.TusClient(endpoint(live_server), headers=headers_for(user))


def lecture(tmp_path: Path, name: str = "lecture.mp4", padding: int = 3 * 1024 * 1024) -> Path:
    """A real clip followed by padding, so that it takes several PATCH requests."""
    path = builders.clip(tmp_path / name, seconds=1)
    with path.open("ab") as handle:
        handle.write(os.urandom(padding))
    return path


def partial_files(media_root: Path) -> list[Path]:
    return sorted((media_root / "videos" / "partial").glob("*.part"))


def test_a_trainer_uploads_in_pieces_and_the_video_is_registered_and_queued(
    live_server: Any, personas: Personas, tmp_path: Path, media_root: Path, _no_broker: list[int],
) -> None:
    source = lecture(tmp_path)
    client = tus_for(live_server, personas.trainer)
    uploader = client.uploader(str(source), chunk_size=1024 * 1024, metadata={"filename": "党课第一讲.mp4",
                                                                              "title": "党课第一讲"},
                               upload_checksum=True)
    uploader.upload()

    video = Video.objects.get()
    assert (video.title, video.original_name, video.state) == ("党课第一讲", "党课第一讲.mp4", VideoState.QUEUED)
    assert video.checksum == hashlib.sha256(source.read_bytes()).hexdigest()
    assert video.size_bytes == source.stat().st_size
    assert Path(video.original.path).read_bytes() == source.read_bytes()
    assert video.uploaded_by == personas.trainer
    assert _no_broker == [video.pk]
    upload = Upload.objects.get()
    assert (upload.state, upload.offset, upload.video) == (UploadState.DONE, upload.length, video)
    assert partial_files(media_root) == []  # moved into originals with a rename, not copied


def test_options_announce_the_extensions_and_the_size_limit(live_server: Any, personas: Personas) -> None:
    response = requests.options(endpoint(live_server), headers=headers_for(personas.trainer), timeout=10)
    assert response.status_code == 204, response.text
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {"creation", "termination", "checksum", "expiration"}
    assert int(response.headers["Tus-Max-Size"]) == settings.MEDIA_MAX_UPLOAD_BYTES


def cut_patch(url: str, headers: dict[str, str], body: bytes, declared: int, offset: int = 0) -> None:
    """Send a PATCH that declares ``declared`` bytes, send only ``body``, then drop the connection."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "localhost", parts.port, timeout=10)
    connection.putrequest("PATCH", parts.path)
    for name, value in {**headers, "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
                        "Content-Type": "application/offset+octet-stream", "Content-Length": str(declared)}.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(body)
    connection.sock.close()


def wait_for_offset(url: str, headers: dict[str, str], expected: int) -> int:
    import time

    offset = -1
    for _ in range(50):
        offset = int(requests.head(url, headers={**headers, "Tus-Resumable": "1.0.0"}, timeout=10)
                     .headers["Upload-Offset"])
        if offset == expected:
            break
        time.sleep(0.1)
    return offset


def test_a_cut_connection_keeps_what_arrived_and_the_upload_resumes_from_there(
    live_server: Any, personas: Personas, tmp_path: Path, media_root: Path,
) -> None:
    source = lecture(tmp_path)
    data = source.read_bytes()
    client = tus_for(live_server, personas.trainer)
    uploader = client.uploader(str(source), metadata={"filename": "lecture.mp4"})
    url = uploader.create_url()  # created, nothing sent yet
    headers = headers_for(personas.trainer)

    half = len(data) // 2
    cut_patch(url, headers, data[:half], declared=len(data))
    assert wait_for_offset(url, headers, half) == half  # the bytes before the cut were kept and acknowledged

    resumed = client.uploader(str(source), url=url)  # a new client asks for the offset and sends the rest
    assert resumed.offset == half
    resumed.upload()
    video = Video.objects.get()
    assert Path(video.original.path).read_bytes() == data


def test_a_wrong_offset_is_409_and_changes_nothing(live_server: Any, personas: Personas, tmp_path: Path,
                                                   media_root: Path) -> None:
    source = lecture(tmp_path)
    client = tus_for(live_server, personas.trainer)
    uploader = client.uploader(str(source), chunk_size=1024 * 1024)
    uploader.upload_chunk()
    headers = {**headers_for(personas.trainer), "Tus-Resumable": "1.0.0", "Upload-Offset": "10",
               "Content-Type": "application/offset+octet-stream"}
    response = requests.patch(str(uploader.url), data=b"x" * 100, headers=headers, timeout=10)
    assert response.status_code == 409
    assert "字节" in response.text, response.text
    assert Upload.objects.get().offset == 1024 * 1024


def test_a_file_over_the_limit_is_refused_at_creation_with_413(
    live_server: Any, personas: Personas, settings: Any, media_root: Path,
) -> None:
    settings.MEDIA_MAX_UPLOAD_BYTES = 1024 * 1024
    headers = {**headers_for(personas.trainer), "Tus-Resumable": "1.0.0", "Upload-Length": str(5 * 1024 * 1024)}
    response = requests.post(endpoint(live_server), headers=headers, timeout=10)
    assert response.status_code == 413
    assert "最多" in response.text and "5.0\xa0MB" in response.text, response.text
    assert not Upload.objects.exists() and partial_files(media_root) == []


def test_a_file_that_is_not_a_video_is_refused_as_soon_as_its_first_bytes_arrive(
    live_server: Any, personas: Personas, tmp_path: Path, media_root: Path,
) -> None:
    fake = tmp_path / "lecture.mp4"
    fake.write_bytes(b"%PDF-1.7 not a video at all\n" * 200_000)  # about 5.6 MB
    uploader = tus_for(live_server, personas.trainer).uploader(str(fake), chunk_size=1024 * 1024)
    with pytest.raises(TusCommunicationError) as refused:
        uploader.upload()
    assert refused.value.status_code == 415
    assert "不是视频或音频" in refused.value.response_content.decode()
    assert uploader.offset == 0  # refused at the first piece, not after 5 MB
    assert not Upload.objects.exists() and partial_files(media_root) == [] and not Video.objects.exists()


def test_a_part_with_a_wrong_checksum_is_discarded_with_460(
    live_server: Any, personas: Personas, tmp_path: Path, media_root: Path,
) -> None:
    source = lecture(tmp_path)
    uploader = tus_for(live_server, personas.trainer).uploader(str(source), chunk_size=1024 * 1024)
    uploader.upload_chunk()
    wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()  # noqa: S324 - tus names sha1
    headers = {**headers_for(personas.trainer), "Tus-Resumable": "1.0.0", "Upload-Offset": str(1024 * 1024),
               "Content-Type": "application/offset+octet-stream", "Upload-Checksum": f"sha1 {wrong}"}
    response = requests.patch(str(uploader.url), data=b"y" * 1000, headers=headers, timeout=10)
    assert response.status_code == 460
    assert "校验" in response.text, response.text
    assert Upload.objects.get().offset == 1024 * 1024
    assert partial_files(media_root)[0].stat().st_size == 1024 * 1024


def test_a_whole_file_checksum_that_does_not_match_discards_the_upload(
    live_server: Any, personas: Personas, tmp_path: Path, media_root: Path,
) -> None:
    source = lecture(tmp_path, padding=1000)
    uploader = tus_for(live_server, personas.trainer).uploader(str(source), metadata={"sha256": "0" * 64})
    with pytest.raises(TusCommunicationError) as refused:
        uploader.upload()
    assert refused.value.status_code == 460
    assert not Upload.objects.exists() and partial_files(media_root) == [] and not Video.objects.exists()


def test_cancel_deletes_the_partial_file(live_server: Any, personas: Personas, tmp_path: Path,
                                         media_root: Path) -> None:
    source = lecture(tmp_path)
    uploader = tus_for(live_server, personas.trainer).uploader(str(source), chunk_size=1024 * 1024)
    uploader.upload_chunk()
    assert len(partial_files(media_root)) == 1
    headers = {**headers_for(personas.trainer), "Tus-Resumable": "1.0.0"}
    assert requests.delete(str(uploader.url), headers=headers, timeout=10).status_code == 204
    assert not Upload.objects.exists() and partial_files(media_root) == []
    assert requests.head(str(uploader.url), headers=headers, timeout=10).status_code == 404


def test_only_trainers_upload_and_nobody_touches_another_users_upload(
    live_server: Any, personas: Personas, tmp_path: Path, media_root: Path,
) -> None:
    source = lecture(tmp_path)
    for user in (personas.member.user, personas.admin_a):
        headers = {**headers_for(user), "Tus-Resumable": "1.0.0", "Upload-Length": "100"}
        response = requests.post(endpoint(live_server), headers=headers, timeout=10)
        assert response.status_code == 403, user
        assert "讲师" in response.text
    anonymous = requests.post(endpoint(live_server), headers={"Tus-Resumable": "1.0.0", "Upload-Length": "100"},
                              timeout=10)
    assert anonymous.status_code == 403
    assert not Upload.objects.exists()

    uploader = tus_for(live_server, personas.trainer).uploader(str(source), chunk_size=1024 * 1024)
    uploader.upload_chunk()
    # The superuser may upload too, but another user's upload is not theirs to see, continue or cancel (404).
    other = {**headers_for(personas.superuser), "Tus-Resumable": "1.0.0"}
    assert requests.head(str(uploader.url), headers=other, timeout=10).status_code == 404
    assert requests.delete(str(uploader.url), headers=other, timeout=10).status_code == 404
    response = requests.patch(str(uploader.url), data=b"z" * 10, timeout=10, headers={
        **other, "Upload-Offset": str(1024 * 1024), "Content-Type": "application/offset+octet-stream"})
    assert response.status_code == 404
    assert Upload.objects.get().offset == 1024 * 1024


def test_without_the_csrf_token_a_write_is_refused(live_server: Any, personas: Personas, media_root: Path) -> None:
    headers = headers_for(personas.trainer)
    del headers["X-CSRFToken"]
    response = requests.post(endpoint(live_server), headers={**headers, "Tus-Resumable": "1.0.0",
                                                            "Upload-Length": "100"}, timeout=10)
    assert response.status_code == 403
    assert not Upload.objects.exists()


def test_beat_cleans_uploads_abandoned_for_a_day_and_keeps_recent_ones(
    personas: Personas, media_root: Path,
) -> None:
    from media.services.uploads import do_create_upload

    old = do_create_upload(owner=personas.trainer, length=1000, metadata={"filename": "old.mp4"})
    recent = do_create_upload(owner=personas.trainer, length=1000, metadata={"filename": "recent.mp4"})
    Upload.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(hours=25))
    stray = media_root / "videos" / "partial" / "stray.part"  # a file whose row was never written
    stray.write_bytes(b"x")
    day_ago = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(stray, (day_ago, day_ago))

    assert tasks.clean_abandoned_uploads() == 2
    assert list(Upload.objects.values_list("pk", flat=True)) == [recent.pk]
    assert partial_files(media_root) == [media_root / recent.partial_path]
    assert tasks.clean_abandoned_uploads() == 0  # safe to run twice

    schedule = settings.CELERY_BEAT_SCHEDULE["media-clean-abandoned-uploads"]
    assert schedule["task"] == "media.tasks.clean_abandoned_uploads"
    assert schedule["options"]["expires"] <= schedule["schedule"]  # type: ignore[index]


