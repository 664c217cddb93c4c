"""Which date windows the order list sorts from their own rows (selectors.in_past_window)."""

from datetime import date

from hotline.selectors import OrderFilters, in_past_window

TODAY = date(2026, 11, 25)


def window(start: str | None, end: str | None) -> OrderFilters:
    return OrderFilters(
        received_from=date.fromisoformat(start) if start else None,
        received_to=date.fromisoformat(end) if end else None,
    )


def test_a_closed_month_long_ago_is_a_past_window() -> None:
    assert in_past_window(window("2025-01-01", "2025-01-31"), TODAY)


def test_recent_open_or_long_windows_keep_the_id_walk() -> None:
    assert not in_past_window(window("2026-08-27", "2026-11-25"), TODAY)  # ends today
    assert not in_past_window(window("2025-01-01", None), TODAY)  # open-ended
    assert not in_past_window(window(None, "2025-01-31"), TODAY)
    assert not in_past_window(window("2024-01-01", "2025-01-31"), TODAY)  # more than 3 months
    assert not in_past_window(window("2025-02-01", "2025-01-01"), TODAY)  # empty
