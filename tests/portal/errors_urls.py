"""URLs of tests/portal/test_server_errors.py: the portal's own, plus views that fail."""

from django.db import OperationalError
from django.urls import path

from portal.urls import handler500
from portal.urls import urlpatterns as portal_urlpatterns


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def bug(request):
    raise ZeroDivisionError("a bug")


urlpatterns = [
    path("api/v1/test/database-gone/", database_gone),
    path("open311/v2/test/database-gone/", database_gone),
    path("test/database-gone/", database_gone),
    path("test/bug/", bug),
    *portal_urlpatterns,
]
__all__ = ["handler500", "urlpatterns"]
