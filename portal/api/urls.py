from django.urls import include, path
from rest_framework.routers import SimpleRouter

from portal.api.views import OrgUnitViewSet, TokenView

router = SimpleRouter()
router.register("org/units", OrgUnitViewSet, basename="orgunit")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
    path("disaster/", include("disaster.api_urls")),
    path("hotline/", include("hotline.api_urls")),
    path("subsidies/", include("subsidies.api_urls")),
    path("assistance/", include("assistance.api_urls")),
    path("supervision/", include("supervision.api_urls")),
]
