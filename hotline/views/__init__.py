"""HTML pages of the hotline app (server-rendered, zh-hans, htmx)."""

from hotline.views.panel import dashboard_panel

__all__ = ["dashboard_panel"]
