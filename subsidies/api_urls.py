from django.urls import include, path
from rest_framework.routers import SimpleRouter

from subsidies import api

router = SimpleRouter()
router.register("enterprises", api.EnterpriseViewSet, basename="subsidies-enterprise")
router.register("applications", api.ApplicationViewSet, basename="subsidies-application")

urlpatterns = [
    path("evaluate/", api.EvaluateView.as_view(), name="subsidies-evaluate"),
    path("catalogue/", api.CatalogueView.as_view(), name="subsidies-catalogue"),
    path("match/", api.MatchView.as_view(), name="subsidies-match"),
    path("enterprises/<id:pk>/records/<str:kind>/", api.RecordCreateView.as_view(), name="subsidies-record"),
    path("applications/<id:pk>/attachments/", api.AttachmentView.as_view(), name="subsidies-attachments"),
    path("applications/<id:pk>/<str:action>/", api.ApplicationActionView.as_view(), name="subsidies-action"),
    path("", include(router.urls)),
]
