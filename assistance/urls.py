from django.urls import path

from assistance.views import households, pages, procedure

app_name = "assistance"
urlpatterns = [
    path("", pages.worklist, name="worklist"),
    path("households/", households.household_list, name="households"),
    path("households/new/", households.household_new, name="household-new"),
    path("households/<int:pk>/", households.household_detail, name="household"),
    path("households/<int:pk>/edit/", households.household_edit, name="household-edit"),
    path("households/<int:pk>/classify/", households.household_classify, name="household-classify"),
    path("households/<int:pk>/apply/", households.household_apply, name="household-apply"),
    path("households/<int:pk>/warn/", households.household_warn, name="household-warn"),
    path("households/<int:pk>/visit/", households.household_visit, name="household-visit"),
    path("households/<int:pk>/aid/", households.household_aid, name="household-aid"),
    path("households/<int:pk>/end/", households.household_end, name="household-end"),
    path("households/<int:pk>/phone/", households.household_phone, name="household-phone"),
    path("persons/<int:pk>/unmask/", households.person_unmask, name="person-unmask"),
    path("applications/<int:pk>/", procedure.application_detail, name="application"),
    path("applications/<int:pk>/<slug:action>/", procedure.application_action, name="application-action"),
    path("warnings/<int:pk>/", procedure.warning_detail, name="warning"),
    path("warnings/<int:pk>/<slug:action>/", procedure.warning_action, name="warning-action"),
    path("referrals/", procedure.referral_list, name="referrals"),
    path("referrals/<int:pk>/", procedure.referral_detail, name="referral"),
    path("dashboard/", pages.dashboard, name="dashboard"),
    path("standards/", pages.standards, name="standards"),
    path("rescreen/", pages.rescreen, name="rescreen"),
    path("rescreen/start/", pages.rescreen_start, name="rescreen-start"),
    path("rescreen/<int:pk>/review/", pages.rescreen_review, name="rescreen-review"),
    path("payments/", pages.payment_lists, name="payment-lists"),
    path("payments/<int:pk>/", pages.payment_list, name="payment-list"),
    path("import/", pages.import_page, name="import"),
    path("import/template.xlsx", pages.import_template, name="import-template"),
    path("import/<int:pk>/", pages.import_batch, name="import-batch"),
    path("import/<int:pk>/errors.xlsx", pages.import_errors, name="import-errors"),
    path("export/provincial.xlsx", pages.export_provincial, name="export-provincial"),
    path("publicity/<int:village_id>/", pages.publicity_print, name="publicity-print"),
]
