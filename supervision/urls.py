from django.urls import path

from supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.board, name="board"),
    path("export.xlsx", views.board_export, name="export"),
    path("mine/", views.mine, name="mine"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task-complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task-reopen"),
    path("tasks/<int:pk>/schedule/", views.task_schedule, name="task-schedule"),
    path("obligations/<int:pk>/report/", views.report_file, name="report-file"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/correct/", views.report_correct, name="report-correct"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
]
