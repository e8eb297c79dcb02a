"""Footprint run and result tables (filled in by the footprint issue)."""
