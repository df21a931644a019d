"""Protected files go through one helper (school.protected_files): streamed by Django in development,
handed to nginx through X-Accel-Redirect in production, with their type and Content-Disposition."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

pytestmark = pytest.mark.django_db


def _document(title: str, name: str, content: bytes) -> Any:
    document = get_document_model()(title=title)
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


def test_it_hands_a_document_to_nginx_with_its_name_and_type(personas, client, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    document = _document("学习材料", "学习材料.docx", b"PK\x03\x04 not really a docx")
    client.force_login(personas.trainer)

    response = client.get(document.url)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"].startswith("/protected-media/documents/")
    assert response["X-Accel-Redirect"].endswith("%E5%AD%A6%E4%B9%A0%E6%9D%90%E6%96%99.docx")  # percent-encoded
    assert response.content == b""
    assert response.get("Content-Length", "0") == "0"  # nginx sends the length of the file it sends
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''%E5%AD%A6" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_it_streams_the_document_itself_without_a_web_server(personas, client, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = ""
    document = _document("通知", "notice.pdf", b"%PDF-1.4\n%%EOF\n")
    client.force_login(personas.trainer)

    response = client.get(document.url)

    assert response.status_code == 200
    assert not response.has_header("X-Accel-Redirect")
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert not response.has_header("Content-Encoding")


def test_it_names_the_file_for_apache_by_its_path(personas, client, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    settings.MEDIA_ACCEL_REDIRECT_HEADER = "X-Sendfile"
    document = _document("通知", "notice.txt", b"hello")
    client.force_login(personas.trainer)

    response = client.get(document.url)

    assert response["X-Sendfile"] == str(document.file.path)
    assert not response.has_header("X-Accel-Redirect")


def test_it_answers_404_for_a_document_a_member_may_not_see(personas, client, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    response = client.get("/documents/999999/missing.pdf")
    assert response.status_code == 404
    assert not response.has_header("X-Accel-Redirect")
