"""URLs of the media app, mounted at the site root by school/urls.py."""

from django.urls import path

from . import views

app_name = "media"
urlpatterns = [
    path("videos/<int:pk>/", views.preview, name="preview"),
    path("videos/<int:pk>/hls/<path:name>", views.hls_file, name="hls"),
    path("videos/<int:pk>/poster/<str:size>.jpg", views.poster, name="poster"),
    # MEDIA_URL + "images/…": Wagtail's rendition URLs; only rendition files (views/images.py).
    path("uploads/images/<str:name>", views.rendition, name="rendition"),
]
