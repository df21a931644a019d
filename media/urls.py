"""URLs of the media app, mounted at the site root by school/urls.py (give each path its own prefix)."""

from django.urls import path  # noqa: F401

urlpatterns: list[object] = []
