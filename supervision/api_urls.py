from django.urls import path
from rest_framework.routers import SimpleRouter

from supervision import api

router = SimpleRouter()
router.register("tasks", api.TaskViewSet, basename="supervision-task")
router.register("obligations", api.ObligationViewSet, basename="supervision-obligation")
router.register("reports", api.ReportViewSet, basename="supervision-report")

urlpatterns = [
    path("evidence/", api.EvidenceUploadView.as_view(), name="supervision-evidence-upload"),
    path("status/evaluate/", api.EvaluateView.as_view(), name="supervision-evaluate"),
    *router.urls,
]
