"""URLs of the media app, mounted at the site root by school/urls.py."""

from django.urls import path

from . import views

app_name = "media"
urlpatterns = [
    # tus resumable uploads (media/views/uploads.py)
    path("videos/uploads/", views.upload_collection, name="upload_create"),
    path("videos/uploads/<id:pk>", views.upload_resource, name="upload"),
    path("videos/<id:pk>/", views.preview, name="preview"),
    path("videos/<id:pk>/hls/<path:name>", views.hls_file, name="hls"),
    path("videos/<id:pk>/poster/<str:size>.jpg", views.poster, name="poster"),
    # MEDIA_URL + "images/…": Wagtail's rendition URLs; only rendition files (views/images.py).
    path("uploads/images/<str:name>", views.rendition, name="rendition"),
]
