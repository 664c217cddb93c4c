"""Every write of the disaster app (style.md: one door per state change)."""
