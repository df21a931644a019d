from django.urls import path

from .admin_views import tasks

app_name = "courses_admin"
urlpatterns = [
    path("tasks/", tasks.index, name="tasks"),
    path("tasks/add/", tasks.create, name="task_add"),
    path("tasks/<id:pk>/", tasks.detail, name="task_detail"),
    path("tasks/<id:pk>/export/", tasks.export, name="task_export"),
]
