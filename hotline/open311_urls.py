"""Open311 GeoReport v2 (mounted at /open311/v2/ by portal.urls)."""

from django.urls import path, re_path

from hotline import open311 as v

urlpatterns = [
    path("discovery.json", v.DiscoveryView.as_view(), name="open311-discovery"),
    path("services.json", v.ServiceListView.as_view(), name="open311-services"),
    path("services/<slug:code>.json", v.ServiceDefinitionView.as_view(), name="open311-service"),
    path("requests.json", v.RequestsView.as_view(), name="open311-requests"),
    path("requests/<str:pk>.json", v.RequestDetailView.as_view(), name="open311-request"),
    path("tokens/<str:token>.json", v.TokenView.as_view(), name="open311-token"),
    re_path(r"^(?P<path>.+)\.xml$", v.UnsupportedFormatView.as_view(), name="open311-xml"),
]
