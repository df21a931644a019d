"""URLs of the courses app, mounted at the site root by school/urls.py (give each path its own prefix).
The catalog (/courses/) and the library (/library/) themselves are Wagtail pages."""

from django.urls import path

from .api import progress
from .views import notices, study_tasks

app_name = "courses"
urlpatterns = [
    path("api/v1/ping/", progress.PingView.as_view(), name="ping"),
    path("api/v1/progress/<id:page_id>/start/", progress.ProgressStartView.as_view(), name="progress_start"),
    path("api/v1/progress/<id:page_id>/heartbeat/", progress.ProgressHeartbeatView.as_view(),
         name="progress_heartbeat"),
    path("tasks/", study_tasks.my_tasks, name="my_tasks"),
    path("notice-confirm/<id:page_id>/", notices.confirm, name="notice_confirm"),
]
