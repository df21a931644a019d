"""URLs of the exams app, mounted at the site root by school/urls.py."""

from django.urls import include, path

from .views import battles, certificates, pages, practice, records, wrong_book

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
    path("exams/wrong-book/", wrong_book.wrong_book, name="wrong_book"),
    path("exams/wrong-book/<id:pk>/", wrong_book.wrong_practice, name="wrong_practice"),
    path("exams/wrong-book/<id:pk>/answer/", wrong_book.wrong_answer, name="wrong_answer"),
    path("battles/", battles.lobby, name="battles"),
    path("battles/history/", battles.history, name="battle_history"),
    path("battles/private/", battles.create_private, name="battle_private"),
    path("battles/join/<str:token>/", battles.join, name="battle_join"),
    path("battles/<id:pk>/", battles.battle_page, name="battle"),
    path("battles/<id:pk>/qr.svg", battles.battle_qr, name="battle_qr"),
    path("battles/<id:pk>/leave/", battles.leave, name="battle_leave"),
    path("battles/<id:pk>/result/", battles.result, name="battle_result"),
    path("exams/mine/", records.my_exams, name="my_exams"),
    path("certificates/mine/", records.my_certificates, name="my_certificates"),
    path("api/v1/exams/practice/", practice.PracticeToday.as_view(), name="api_practice"),
    path("certificates/<str:serial>/pdf/", certificates.certificate_pdf, name="certificate_pdf"),
    path("certificates/verify/<str:code>/", certificates.verify, name="certificate_verify"),
]
