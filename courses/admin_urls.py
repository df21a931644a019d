from django.urls import path

from .admin_views import notices, study_tasks, versions

app_name = "courses_admin"
urlpatterns = [
    path("tasks/", study_tasks.index, name="tasks"),
    path("tasks/add/", study_tasks.create, name="task_add"),
    path("tasks/<id:pk>/", study_tasks.detail, name="task_detail"),
    path("tasks/<id:pk>/export/", study_tasks.export, name="task_export"),
    path("tasks/<id:pk>/remind/", study_tasks.remind, name="task_remind"),
    path("notices/", notices.index, name="notices"),
    path("notices/<id:pk>/", notices.detail, name="notice_detail"),
    path("notices/<id:pk>/unread/", notices.unread, name="notice_unread"),
    path("notices/<id:pk>/unread/export/", notices.unread_export, name="notice_unread_export"),
    path("notices/<id:pk>/remind/", notices.remind, name="notice_remind"),
    path("superseded/", versions.index, name="superseded"),
    path("superseded/relink/", versions.relink, name="superseded_relink"),
]
