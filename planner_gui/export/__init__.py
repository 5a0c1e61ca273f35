"""Exports: map and chart PNG, report PDF, and the Export menu."""
