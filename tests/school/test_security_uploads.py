"""Uploaded files are never served from a path a user chooses, never from MEDIA_ROOT wholesale, and
never rendered as a page of this site (documents, images, videos, imports)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from media.models import Video, VideoState

pytestmark = pytest.mark.django_db

EVIL_HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
EVIL_SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (40, 30), "red").save(out, "PNG")
    return out.getvalue()


def _document(name: str, content: bytes) -> Any:
    document = get_document_model()(title=name)
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


@pytest.mark.parametrize("name, content", [("evil.html", EVIL_HTML), ("evil.svg", EVIL_SVG),
                                           ("evil.xhtml", EVIL_HTML)])
def test_an_html_or_svg_document_downloads_as_a_sandboxed_attachment(personas, client, name, content):
    document = _document(name, content)  # got into the library some other way than the admin form
    client.force_login(personas.trainer)  # may download any document (courses.access)
    response = client.get(document.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert b"".join(response.streaming_content) == content


def test_a_pdf_document_opens_inline_but_may_load_nothing(personas, client):
    document = _document("notice.pdf", b"%PDF-1.4\n%%EOF\n")
    client.force_login(personas.trainer)
    response = client.get(document.url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_refuses_html_documents_and_svg_images(personas, client_for):
    trainer = client_for(personas.superuser)
    documents = get_document_model().objects.count()
    response = trainer.post("/admin/documents/add/", {
        "title": "x", "file": SimpleUploadedFile("x.html", EVIL_HTML, "text/html"), "collection": 1})
    assert response.status_code == 200 and get_document_model().objects.count() == documents
    images = get_image_model().objects.count()
    response = trainer.post("/admin/images/add/", {
        "title": "x", "file": SimpleUploadedFile("x.svg", EVIL_SVG, "image/svg+xml"), "collection": 1})
    assert response.status_code == 200 and get_image_model().objects.count() == images


def test_media_root_is_not_served_only_rendition_files_are(personas, client_for):
    image = get_image_model()(title="封面", file=ImageFile(io.BytesIO(_png()), name="cover.png"))
    image.save()
    rendition = image.get_rendition("fill-20x10")
    assert rendition.url.startswith("/uploads/images/")
    member = client_for(personas.member.user)
    response = member.get(rendition.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    assert client_for(None).get(rendition.url).status_code == 404  # anonymous
    root = Path(settings.MEDIA_ROOT)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "images" / "planted.png").write_bytes(_png())  # a file that is no rendition
    (root / "imports").mkdir(exist_ok=True)
    (root / "imports" / "members.xlsx").write_bytes(b"PK\x03\x04secret")
    for url in (f"/uploads/{image.file.name}", "/uploads/images/planted.png", "/uploads/imports/members.xlsx",
                "/uploads/images/..%2Foriginal_images%2Fcover.png", "/uploads/images/%2E%2E/imports/members.xlsx",
                "/uploads/", "/uploads/images/"):
        assert member.get(url).status_code == 404, url


def test_every_file_view_answers_404_to_path_traversal(personas, client_for, tmp_path: Path):
    root = Path(settings.MEDIA_ROOT)
    (root / "videos" / "hls" / "k").mkdir(parents=True)
    (root / "videos" / "hls" / "k" / "master.m3u8").write_text("#EXTM3U\n")
    (root / "secret.txt").write_text("secret")
    video = Video.objects.create(title="v", original="videos/originals/x.mp4", duration=10, state=VideoState.READY,
                                 storage_key="k", poster="videos/hls/k/poster.jpg")
    document = _document("notice.txt", b"hello")
    trainer = client_for(personas.trainer)
    assert trainer.get(f"/videos/{video.pk}/hls/master.m3u8").status_code == 200
    for url in (f"/videos/{video.pk}/hls/../../../secret.txt", f"/videos/{video.pk}/hls/..%2F..%2F..%2Fsecret.txt",
                f"/videos/{video.pk}/hls/%2e%2e/%2e%2e/%2e%2e/secret.txt", f"/videos/{video.pk}/hls//etc/passwd",
                f"/videos/{video.pk}/hls/x/../../../../secret.txt", f"/videos/{video.pk}/poster/..%2F..%2Fsecret.jpg",
                f"/videos/{video.pk}/poster/../../secret.jpg",
                f"/documents/{document.pk}/../secret.txt", f"/documents/{document.pk}/..%2Fsecret.txt",
                f"/documents/{document.pk}/%2E%2E%2F%2E%2E%2Fsecret.txt", f"/documents/{document.pk}/secret.txt",
                "/certificates/..%2F..%2Fsecret.txt/pdf/", "/uploads/images/..%5Csecret.txt"):
        response = trainer.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert b"secret" not in response.content, url
