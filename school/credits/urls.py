from django.urls import path

from . import views

app_name = "credits_admin"
urlpatterns = [
    path("", views.index, name="index"),
    path("organizations/<id:pk>/", views.organization, name="organization"),
    path("organizations/<id:pk>/recompute/", views.recompute_request, name="recompute"),
    path("organizations/<id:pk>/members/", views.members, name="members"),
    path("organizations/<id:pk>/idle/", views.idle, name="idle"),
    path("organizations/<id:pk>/idle/remind/", views.idle_remind, name="idle_remind"),
    path("organizations/<id:pk>/ranking/", views.organization_ranking, name="organization_ranking"),
    path("members/<id:pk>/", views.member, name="member"),
    path("organizations/<id:pk>/snapshots/", views.snapshot_list, name="snapshots"),
    path("organizations/<id:pk>/snapshots/take/", views.snapshot_create, name="snapshot_take"),
    path("snapshots/<id:pk>/", views.snapshot_detail, name="snapshot"),
    path("snapshots/<id:pk>/publish/", views.snapshot_publish, name="snapshot_publish"),
]
