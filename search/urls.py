"""URLs of the search app, mounted at the site root by school/urls.py (give each path its own prefix)."""

from django.urls import path

from . import api, views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("api/v1/search/", api.SearchView.as_view(), name="api-search"),
]
