from django.urls import path

from subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("self-check/", views.selfcheck, name="selfcheck"),
    path("enterprises/", views.enterprise_list, name="enterprises"),
    path("enterprises/new/", views.enterprise_new, name="enterprise-new"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path("enterprises/<int:pk>/add/<str:kind>/", views.record_new, name="record-new"),
    path("enterprises/<int:pk>/apply/", views.enterprise_apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("match/", views.match_run, name="match"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/files/", views.attachment_upload, name="attach"),
    path("applications/<int:pk>/files/<int:att>/", views.attachment_download, name="attachment"),
    path("applications/<int:pk>/<str:action>/", views.application_action, name="action"),
    path("budgets/", views.budgets, name="budgets"),
    path("export/awards.xlsx", views.export_awards, name="export-awards"),
]
