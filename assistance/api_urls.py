from django.urls import include, path
from rest_framework.routers import SimpleRouter

from assistance import api

router = SimpleRouter()
router.register("households", api.HouseholdViewSet, basename="assistance-household")
router.register("applications", api.ApplicationViewSet, basename="assistance-application")
router.register("warnings", api.WarningViewSet, basename="assistance-warning")
router.register("aid", api.AidViewSet, basename="assistance-aid")

urlpatterns = [
    path("classify/", api.ClassifyView.as_view(), name="assistance-classify"),
    path("persons/<id:pk>/unmask/", api.PersonUnmaskView.as_view(), name="assistance-person-unmask"),
    path("", include(router.urls)),
]
