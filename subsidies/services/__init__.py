"""Every write of the subsidies app (and the catalogue look-ups they share)."""
