"""Wagtail's admin API (/admin/api/main/) shows each user only what the admin screens would."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupCollectionPermission

pytestmark = pytest.mark.django_db


def _png() -> ContentFile[bytes]:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="badge.png")


def test_it_lists_documents_and_images_only_within_the_users_collection_permissions(personas, client_for) -> None:
    root = Collection.get_first_root_node()
    shared = root.add_child(name="讲师资料")
    secret = get_document_model().objects.create(title="干部考察材料", file=ContentFile(b"%PDF-1.4", name="kaocha.pdf"))
    lesson = get_document_model().objects.create(title="讲义", collection=shared,
                                                 file=ContentFile(b"%PDF-1.4", name="jiangyi.pdf"))
    image = get_image_model().objects.create(title="内部照片", file=_png())
    group = Group.objects.create(name="资料选用")
    GroupCollectionPermission.objects.create(group=group, collection=shared,
                                             permission=Permission.objects.get(codename="choose_document"))
    personas.trainer.groups.add(group)

    def titles(user: object, endpoint: str) -> list[str]:
        response = client_for(user).get(f"/admin/api/main/{endpoint}/")
        assert response.status_code == 200
        return sorted(item["title"] for item in response.json()["items"])

    assert titles(personas.admin_a, "documents") == [] and titles(personas.admin_a, "images") == []
    admin = client_for(personas.admin_a)
    assert admin.get(f"/admin/api/main/documents/{secret.pk}/").status_code == 404
    assert admin.get(f"/admin/api/main/documents/find/?id={secret.pk}").status_code == 404
    assert admin.get(f"/admin/api/main/images/{image.pk}/").status_code == 404
    assert "kaocha.pdf" not in admin.get("/admin/api/main/documents/?search=干部").content.decode()
    assert titles(personas.trainer, "documents") == ["讲义"]  # the collection the trainer may choose from
    assert client_for(personas.trainer).get(f"/admin/api/main/documents/{lesson.pk}/").status_code == 200
    assert titles(personas.superuser, "documents") == ["干部考察材料", "讲义"]
    assert titles(personas.superuser, "images") == ["内部照片"]
    # Pages: Wagtail's explorer endpoint already lists only the pages the user may explore.
    from wagtail.models import Page

    pages = client_for(personas.admin_a).get("/admin/api/main/pages/").json()
    assert pages["items"] == [] and Page.objects.filter(depth__gt=1).exists()
