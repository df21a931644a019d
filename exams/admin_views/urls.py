from django.urls import path

from . import tools

urlpatterns = [
    path("import/", tools.import_questions, name="import"),
    path("import/template.xlsx", tools.template, name="template"),
    path("import/example.docx", tools.docx_template, name="docx_template"),
    path("banks/<id:pk>/export.xlsx", tools.export_bank, name="export_bank"),
    path("exams/<id:pk>/publish/", tools.publish, name="publish"),
    path("exams/<id:pk>/submit/", tools.submit_for_review, name="submit"),
    path("exams/<id:pk>/return/", tools.return_to_author, name="return"),
    path("review/", tools.review_index, name="review"),
    path("statistics/", tools.statistics_index, name="statistics"),
    path("statistics/<id:pk>/", tools.statistics, name="exam_statistics"),
    path("certificates/<id:pk>/revoke/", tools.revoke, name="revoke"),
    path("certificates/bulk/", tools.bulk_download, name="bulk"),
    path("layout/", tools.layout, name="layout"),
]
