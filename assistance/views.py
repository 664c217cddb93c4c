from typing import Any


def worklist_panel(request: Any) -> dict[str, Any] | None:
    return None
