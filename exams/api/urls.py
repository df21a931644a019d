from django.urls import path

from . import views

urlpatterns = [
    path("", views.ExamList.as_view(), name="api_exams"),
    path("<id:pk>/start/", views.StartAttempt.as_view(), name="api_exam_start"),
    path("attempts/<id:pk>/", views.AttemptDetail.as_view(), name="api_attempt"),
    path("attempts/<id:pk>/answers/", views.SaveAnswer.as_view(), name="api_attempt_answer"),
    path("attempts/<id:pk>/marks/", views.MarkQuestion.as_view(), name="api_attempt_mark"),
    path("attempts/<id:pk>/submit/", views.SubmitAttempt.as_view(), name="api_attempt_submit"),
    path("attempts/<id:pk>/result/", views.AttemptResult.as_view(), name="api_attempt_result"),
]
