"""Factor-set tables (filled in by the footprint issue)."""
