from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register()
def vendor_assets_built(app_configs: Any, **kwargs: Any) -> list[Warning]:
    missing = [
        name
        for name in ("htmx.min.js", "chart.umd.js")
        if not (settings.BASE_DIR / "static" / "vendor" / name).exists()
    ]
    if missing:
        return [
            Warning(
                f"Front-end assets missing: {', '.join(missing)}",
                hint="Run `make assets` (npm ci && npm run build) to copy them from node_modules into static/vendor/.",
                id="portal.W001",
            )
        ]
    return []
