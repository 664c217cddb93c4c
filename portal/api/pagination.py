"""Keyset (cursor) pagination: `{"results", "next", "previous"}` with no COUNT(*), so a list
over millions of rows costs the same on page 1 and page 1000."""

from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"
