"""URLs of the exams app, mounted at the site root by school/urls.py."""

from django.urls import include, path

from .views import certificates, pages, practice

app_name = "exams"

urlpatterns = [
    path("api/v1/exams/", include("exams.api.urls")),
    path("exams/", pages.exam_list, name="list"),
    path("exams/<id:pk>/", pages.exam_detail, name="detail"),
    path("exams/<id:pk>/start/", pages.start, name="start"),
    path("exams/attempts/<id:pk>/", pages.attempt_page, name="attempt"),
    path("exams/attempts/<id:pk>/submit/", pages.submit, name="submit"),
    path("exams/attempts/<id:pk>/result/", pages.result, name="result"),
    path("exams/practice/", practice.practice_page, name="practice"),
    path("exams/practice/answer/", practice.practice_answer, name="practice_answer"),
    path("api/v1/exams/practice/", practice.PracticeToday.as_view(), name="api_practice"),
    path("certificates/<str:serial>/pdf/", certificates.certificate_pdf, name="certificate_pdf"),
    path("certificates/verify/<str:code>/", certificates.verify, name="certificate_verify"),
]
