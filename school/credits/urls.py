from django.urls import path

from . import views

app_name = "credits_admin"
urlpatterns = [
    path("", views.index, name="index"),
    path("organizations/<int:pk>/", views.organization, name="organization"),
    path("organizations/<int:pk>/members/", views.members, name="members"),
    path("organizations/<int:pk>/idle/", views.idle, name="idle"),
    path("organizations/<int:pk>/ranking/", views.organization_ranking, name="organization_ranking"),
    path("members/<int:pk>/", views.member, name="member"),
]
