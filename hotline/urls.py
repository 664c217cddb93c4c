from django.urls import path

from hotline.views import calls, incidents, intake, knowledge, orders, public, stats

app_name = "hotline"
urlpatterns = [
    path("intake/", intake.intake, name="intake"),
    path("intake/caller/", intake.caller_panel, name="intake-caller"),
    path("intake/suggest/", intake.suggest_panel, name="intake-suggest"),
    path("intake/townships/", intake.townships, name="intake-townships"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/export.xlsx", orders.order_export, name="orders-export"),
    path("inbox/", orders.inbox, name="inbox"),
    path("queues/", orders.queues, name="queues"),
    path("orders/<int:pk>/", orders.order_detail, name="order-detail"),
    path("orders/<int:pk>/caller/", orders.order_caller, name="order-caller"),
    path("orders/<int:pk>/act/<slug:action>/", orders.order_act, name="order-act"),
    path("calls/", calls.call_list, name="calls"),
    path("calls/import/", calls.call_import, name="calls-import"),
    path("calls/<int:pk>/callback/", calls.call_callback_view, name="call-callback"),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/<int:pk>/", incidents.incident_detail, name="incident-detail"),
    path("routing/", orders.routing_list, name="routing"),
    path("knowledge/", knowledge.entry_list, name="knowledge"),
    path("knowledge/new/", knowledge.entry_new, name="knowledge-new"),
    path("knowledge/<int:pk>/", knowledge.entry_detail, name="knowledge-detail"),
    path("knowledge/<int:pk>/edit/", knowledge.entry_edit, name="knowledge-edit"),
    path("knowledge/<int:pk>/reviewed/", knowledge.entry_reviewed, name="knowledge-reviewed"),
    path("knowledge/questions/", knowledge.question_list, name="questions"),
    path("knowledge/questions/<int:pk>/", knowledge.question_detail, name="question-detail"),
    path("stats/", stats.stats, name="stats"),
    path("stats/ranking.xlsx", stats.ranking_export, name="ranking-export"),
    path("kb/", public.kb_public, name="kb-public"),
]
