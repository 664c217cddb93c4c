"""The public self-service knowledge search (第十六条 "自助查询"): no sign-in needed, public
entries only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hotline import selectors


def kb_public(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    results = selectors.knowledge_search(None, q, limit=20, public_only=True) if q else []
    return render(request, "hotline/kb_public.html", {"q": q, "results": results})
