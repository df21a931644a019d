"""URLs of the exams app, mounted at the site root by school/urls.py."""

from django.urls import include, path

from .views import certificates, pages, practice, records, wrong_book

app_name = "exams"

urlpatterns = [
    path("api/v1/exams/", include("exams.api.urls")),
    path("exams/", pages.exam_list, name="list"),
    path("exams/<int:pk>/", pages.exam_detail, name="detail"),
    path("exams/<int:pk>/start/", pages.start, name="start"),
    path("exams/attempts/<int:pk>/", pages.attempt_page, name="attempt"),
    path("exams/attempts/<int:pk>/submit/", pages.submit, name="submit"),
    path("exams/attempts/<int:pk>/result/", pages.result, name="result"),
    path("exams/practice/", practice.practice_page, name="practice"),
    path("exams/practice/answer/", practice.practice_answer, name="practice_answer"),
    path("exams/wrong-book/", wrong_book.wrong_book, name="wrong_book"),
    path("exams/wrong-book/<int:pk>/", wrong_book.wrong_practice, name="wrong_practice"),
    path("exams/wrong-book/<int:pk>/answer/", wrong_book.wrong_answer, name="wrong_answer"),
    path("exams/mine/", records.my_exams, name="my_exams"),
    path("certificates/mine/", records.my_certificates, name="my_certificates"),
    path("api/v1/exams/practice/", practice.PracticeToday.as_view(), name="api_practice"),
    path("certificates/<str:serial>/pdf/", certificates.certificate_pdf, name="certificate_pdf"),
    path("certificates/verify/<str:code>/", certificates.verify, name="certificate_verify"),
]
