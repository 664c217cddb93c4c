from django.urls import include, path
from rest_framework.routers import SimpleRouter

from hotline.api import KnowledgeSearchView, OrderViewSet

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="hotline-order")

urlpatterns = [
    path("knowledge/", KnowledgeSearchView.as_view(), name="hotline-knowledge-search"),
    path("", include(router.urls)),
]
