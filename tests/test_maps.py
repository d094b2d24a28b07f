"""Scenario maps: markers, popups, layers, zones, escaping, offline assets, atomic save."""

from __future__ import annotations

import hashlib
import json
import os
import re

import pandas as pd
import pytest

import optimizer
from outputs.formatting import fmt_capacity, fmt_usd
from outputs.maps import offline
from outputs.maps import scenario as maps
from outputs.maps.flows import flow_width
from outputs.maps.shading import tick_label

SITE_MARKER = re.compile(r'"cs-site cs-site-(\w+) cs-region-([\w-]+)"')  # outputs.maps.batched


@pytest.fixture(scope="module")
def html(results, data) -> dict[str, str]:
    """Online HTML of each built-in scenario's map."""
    return {name: maps.render_html(maps.scenario_map(r, data)) for name, r in results.items()}


def placed(result: optimizer.Result) -> pd.DataFrame:
    return result.sites[result.sites["new_capacity"] > 0]


@pytest.mark.parametrize("name", ["baseline", "great-lakes", "south"])
def test_one_marker_per_site(html, results, name):
    sites = placed(results[name])
    markers = SITE_MARKER.findall(html[name])
    assert len(sites) > 0
    assert len(markers) == len(sites) == maps.site_count(results[name])
    assert sorted(markers) == sorted(zip(sites["cluster_type"], sites["region_id"], strict=True))


def test_popup_shows_capacity_jobs_and_every_cost_term(html, results, data):
    result = results["south"]
    page = html["south"]
    for _, site in placed(result).iterrows():
        unit = optimizer.CAPACITY_UNITS[site["cluster_type"]]
        capacity = site["new_capacity"]
        expected = fmt_capacity(capacity, site["cluster_type"])
        number, shown_unit = expected.rsplit(" ", 1)
        assert shown_unit == unit
        assert float(number.replace(",", "")) == pytest.approx(capacity, rel=5e-3)
        assert f"<th>New capacity</th><td>{expected}</td>" in page
        popup = maps.site_popup_html(site, data)
        assert popup in page
        assert f"<th>New jobs</th><td>{site['jobs']:,.0f}</td>" in popup
        cost_columns = [c for c in result.sites.columns if c.startswith("cost_")]
        assert len(cost_columns) >= 10
        for column in cost_columns:
            assert fmt_usd(site[column]) in (f"USD {site[column]:,.0f}", "USD 0")
            assert f"<td>{fmt_usd(site[column])}</td>" in popup
        assert f"<b>{fmt_usd(site['total_cost_usd_per_yr'])}</b>" in popup


LAYER_ENTRY = re.compile(r'^\s*("[^"]*") : (?:feature_group|tile_layer)_\w+,$', re.M)
"""One entry of the layer control (folium writes one per line)."""


def test_layers_few_grouped_and_with_units(html):
    page = html["great-lakes"]
    control = page[page.index("_layers = {") : page.index("L.control.layers(")]
    base, overlays = control.split("overlays :", 1)
    assert [json.loads(n) for n in LAYER_ENTRY.findall(base)] == [
        maps.NO_SHADING,
        "New jobs [jobs]",
        "Power price [USD/MWh]",
        "Manufacturing employment [jobs]",
        "Permitting [months]",
    ]
    assert [json.loads(n) for n in LAYER_ENTRY.findall(overlays)] == [
        maps.ZONES_LAYER,
        maps.FACILITIES_LAYER,
        "Mineral sources and import ports",
        "Flows: minerals in [t/yr], products out",
        maps.SITES_LAYER,
    ]
    # the baseline designates no zone: one entry fewer; at most 10 on every scenario map
    assert all(len(LAYER_ENTRY.findall(p)) <= 10 for p in html.values())


def test_permitting_tooltip_shows_the_evidence_count(html):
    page = html["baseline"]
    # tooltips are JSON in the page (<br> and the en dash escaped); CA has three pieces of
    # evidence, CO borrows (Mountain division base, range of all evidenced states)
    br, dash = r"\u003cbr\u003e", r"\u2013"
    assert f"Permitting [months]: 9{br}range 5.9{dash}12 months; evidence: 3 pieces" in page
    assert f"Permitting [months]: 4.5{br}range 1.5{dash}18 months; evidence: none, borrowed" in page
    # other layers carry no evidence line
    assert f"Power price [USD/MWh]: 186{br}" not in page


def test_extra_layers_are_switchable_choropleths(results, data):
    regret = pd.Series({"MI": 1.5e6, "TN": 2.5e6}, name="regret")
    m = maps.scenario_map(
        results["baseline"], data, extra_layers={"Siting regret [USD/yr]": regret}
    )
    page = maps.render_html(m)
    assert '"Siting regret [USD/yr]" :' in page
    assert "Siting regret [USD/yr]: 2,500,000" in page


def test_zone_outline_only_for_designated_zones(html):
    assert "cs-zone" not in html["baseline"]
    assert '"cs-zone cs-zone-great-lakes"' in html["great-lakes"]
    assert "cs-zone-south" not in html["great-lakes"]
    assert '"cs-zone cs-zone-south"' in html["south"]
    assert "cs-zone-great-lakes" not in html["south"]
    assert (
        "Designated zone: south (battery: restrict; magnet: favour; solar: favour)" in html["south"]
    )


def test_title_block_names_scenario_dates_and_kpis(html, results):
    page = html["south"].replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    result = results["south"]
    assert "Scenario: south" in page
    assert result.scenario.description in page
    assert f"Facilities as of {result.scenario.facilities_as_of}" in page
    assert "state boundaries 2016" in page
    jobs = result.kpi("jobs")
    assert f"<td>{jobs:,.0f}</td>" in page
    share = result.kpi("domestic_mineral_share")
    assert f"<td>{100 * share:.1f}%</td>" in page


def test_hostile_region_name_is_escaped(hostile):
    result = hostile.results["baseline"]
    assert hostile.region_id in set(placed(result)["region_id"])
    page = maps.render_html(maps.scenario_map(result, hostile.data, offline=False))  # CDN links
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert hostile.name not in page
    lowered = page.lower()
    # JSON-encoded strings must not decode to a live tag either
    assert "\\u003cscript\\u003ealert" not in lowered
    assert "<script>alert" not in lowered
    assert lowered.count("<script") == lowered.count("</script>")


def test_offline_map_is_self_contained(results, data):
    m = maps.scenario_map(results["south"], data, offline=True)
    online = m.get_root().render()
    remote = offline.remote_assets(online)
    assert remote and set(remote) <= set(offline.manifest())
    page = maps.render_html(m)  # built offline: assets inlined
    assert offline.remote_assets(page) == []
    assert "/* https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js (vendored) */" in page
    assert 'url("data:image/png;base64,' in page  # leaflet.css images embedded


def test_every_cdn_asset_folium_writes_is_vendored(results, data):
    pages = [
        maps.scenario_map(results["baseline"], data).get_root().render(),
        maps.dual_map(results["great-lakes"], results["south"], data).get_root().render(),
    ]
    for page in pages:
        missing = set(offline.remote_assets(page)) - set(offline.manifest())
        assert not missing


def test_vendored_files_match_manifest_and_stay_small():
    doc = json.loads(offline.MANIFEST_PATH.read_text(encoding="utf-8"))
    for rel, digest in doc["files"].items():
        assert hashlib.sha256((offline.VENDOR_DIR / rel).read_bytes()).hexdigest() == digest, rel
    for asset in offline.manifest().values():
        assert asset.path.is_file()
        if asset.package:
            assert (offline.VENDOR_DIR / asset.package / "LICENSE").is_file()
    assert offline.vendored_size_bytes() < 2_000_000


def test_inline_refuses_unknown_remote_asset():
    page = '<html><head><script src="https://example.invalid/x.js"></script></head></html>'
    with pytest.raises(offline.OfflineAssetError, match="no vendored copy"):
        offline.inline_assets(page)


def test_save_map_is_atomic(results, data, tmp_path, monkeypatch):
    m = maps.scenario_map(results["baseline"], data)
    path = maps.save_map(m, tmp_path / "map.html")
    assert path == tmp_path / "map.html"
    first = path.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        maps.save_map(m, tmp_path / "map.html", offline=True)
    assert path.read_text(encoding="utf-8") == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_analysis_map_opens_on_its_own_layer(results, data):
    from outputs.maps.legend import LegendBox

    layer = "Siting regret battery [USD/yr]"
    values = pd.Series({"OH": 88_364_839.0, "TX": 0.0})
    m = maps.scenario_map(results["south"], data, extra_layers={layer: values})
    (legend,) = [c for c in m._children.values() if isinstance(c, LegendBox)]  # one legend
    assert legend.initial == layer
    assert "<span>88.4 M</span>" in legend.shading[layer]  # rounded tick
    assert '<div class="cs-unit">USD/yr</div>' in legend.shading[layer]
    plain = next(
        c
        for c in maps.scenario_map(results["south"], data)._children.values()
        if isinstance(c, LegendBox)
    )
    assert plain.initial == maps.JOBS_LAYER


def test_info_panel_folds_and_flows_have_a_legend(results, data):
    from outputs.maps.legend import LegendBox

    result = results["south"]
    assert maps.title_html(result, data, compact=True).startswith('<details class="cs-info">')
    m = maps.scenario_map(result, data)
    page = maps.render_html(m, offline=False)
    assert 'cs-info\\"\\u003e\\u003csummary' in page  # folded on the map: no "open"
    (legend,) = [c for c in m._children.values() if isinstance(c, LegendBox)]
    flows = legend.toggled["Flows: minerals in [t/yr], products out"]
    assert legend.initially_on == ["Flows: minerals in [t/yr], products out"]  # on at first
    largest = result.flows["tonnes_per_yr"].max()
    assert "Minerals in [t/yr]" in flows and f"{tick_label(largest)}</span>" not in flows
    assert f"> {tick_label(largest)}" in flows and "Products out" in flows
    assert flow_width(largest, largest) == 8.0
