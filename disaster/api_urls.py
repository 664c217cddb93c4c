from django.urls import include, path
from rest_framework.routers import SimpleRouter

from disaster import api

router = SimpleRouter()
router.register("events", api.EventViewSet, basename="disaster-event")
router.register("reports", api.ReportViewSet, basename="disaster-report")
router.register("proposals", api.ProposalViewSet, basename="disaster-proposal")

urlpatterns = [
    path("assess/", api.AssessView.as_view(), name="disaster-assess"),
    path("", include(router.urls)),
]
