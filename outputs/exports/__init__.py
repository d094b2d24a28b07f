"""Run folders a GIS or spreadsheet user opens directly (``run``: CSV, workbook, GeoJSON,
manifest)."""

from .run import export_run

__all__ = ["export_run"]
