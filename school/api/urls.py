from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("organizations/", views.OrganizationList.as_view(), name="api-organizations"),
    path("organizations/<id:pk>/", views.OrganizationDetail.as_view(), name="api-organization"),
    path("members/", views.MemberList.as_view(), name="api-members"),
    path("members/<id:pk>/", views.MemberDetail.as_view(), name="api-member"),
]
