from django.urls import path

from .admin_views import tasks, versions

app_name = "courses_admin"
urlpatterns = [
    path("tasks/", tasks.index, name="tasks"),
    path("tasks/add/", tasks.create, name="task_add"),
    path("tasks/<int:pk>/", tasks.detail, name="task_detail"),
    path("tasks/<int:pk>/export/", tasks.export, name="task_export"),
    path("superseded/", versions.index, name="superseded"),
    path("superseded/relink/", versions.relink, name="superseded_relink"),
]
