"""Outputs of a phased build-out: tables by period, a map with one layer per year, the report."""
