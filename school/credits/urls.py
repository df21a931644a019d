from django.urls import path

from . import views

app_name = "credits_admin"
urlpatterns = [
    path("", views.index, name="index"),
    path("organizations/<int:pk>/", views.organization, name="organization"),
    path("organizations/<int:pk>/members/", views.members, name="members"),
    path("organizations/<int:pk>/idle/", views.idle, name="idle"),
    path("organizations/<int:pk>/idle/remind/", views.idle_remind, name="idle_remind"),
    path("organizations/<int:pk>/ranking/", views.organization_ranking, name="organization_ranking"),
    path("members/<int:pk>/", views.member, name="member"),
    path("organizations/<int:pk>/snapshots/", views.snapshot_list, name="snapshots"),
    path("organizations/<int:pk>/snapshots/take/", views.snapshot_create, name="snapshot_take"),
    path("snapshots/<int:pk>/", views.snapshot_detail, name="snapshot"),
    path("snapshots/<int:pk>/publish/", views.snapshot_publish, name="snapshot_publish"),
]
