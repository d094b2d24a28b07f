"""Small pieces shared by the map layers: safe links and representative points."""

from __future__ import annotations

import re

from regions import RegionData

from ..formatting import esc


def _safe_href(url: object) -> str | None:
    text = str(url or "").strip()
    return esc(text) if re.match(r"https?://", text, re.IGNORECASE) else None


def _link(label: object, url: object) -> str:
    href = _safe_href(url)
    if href is None:
        return esc(label)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{esc(label)}</a>'


def _rep_point(data: RegionData, region_id: str) -> tuple[float, float]:
    regions = data.regions
    return float(regions.at[region_id, "rep_lat"]), float(regions.at[region_id, "rep_lon"])
