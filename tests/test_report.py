"""The comparison report: content taken from the Results, escaping, offline, atomic write."""

from __future__ import annotations

import html as htmlmod
import re
from collections import Counter

import pytest

from optimizer import CLUSTER_TYPES, load_technology
from outputs.maps import offline
from outputs.maps.scenario import site_count
from outputs.reports import compare as report
from outputs.reports.labels import kpi_value
from outputs.reports.summary import summary

ROW = re.compile(
    r'<tr class="cs-site-row" data-scenario="([^"]+)" data-type="([^"]+)" data-region="([^"]+)">'
    r"(.*?)</tr>"
)
SRCDOC = re.compile(r'<iframe class="dual"[^>]*srcdoc="([^"]*)"')


@pytest.fixture(scope="module")
def ordered(results):
    return [results["baseline"], results["great-lakes"], results["south"]]


@pytest.fixture(scope="module")
def page(ordered, data) -> str:
    return report.comparison_report(ordered, data, pair=(1, 2))


def test_title_names_and_summary(page, ordered, data):
    assert "<h1>Cluster siting: baseline vs great-lakes vs south</h1>" in page
    assert '<h2 id="map">Map: great-lakes (left) and south (right)</h2>' in page
    for sentence in summary(ordered, data):
        assert f"<li>{htmlmod.escape(sentence)}</li>" in page


def test_kpi_values_formatted(page, ordered):
    for result in ordered:
        cost = result.kpi("total_annual_cost")
        assert f"<td>USD {cost / 1e9:,.2f} bn/yr</td>" in page
        assert f"<td>{result.kpi('jobs'):,.0f} jobs</td>" in page
        battery = result.kpi("new_capacity", "battery")
        assert f"<td>{battery:,.0f} GWh/yr</td>" in page
        lcoe = result.kpi("levelized_cost", "battery") / 1e6  # USD/GWh → USD/kWh
        assert f"<td>USD {lcoe:,.2f}/kWh</td>" in page
    assert "<td class=l>Levelized cost, battery cells</td><td class=l>USD/kWh</td>" in page
    assert "<td class=l>Levelized cost, solar modules</td><td class=l>USD/W</td>" in page
    assert "<td class=l>Levelized cost, NdFeB magnets</td><td class=l>USD/kg</td>" in page
    assert "levelized_cost" not in re.sub(
        r'data-kpi="[^"]*"', "", page.split('<h2 id="key-figures">Key figures')[1]
    )
    diff = ordered[2].kpi("total_annual_cost") - ordered[0].kpi("total_annual_cost")
    sign = "+" if diff > 0 else "−"
    assert f"{sign}{kpi_value(abs(diff), 'USD/yr', 'total_annual_cost')}" in page


def test_charts_draw_the_results(page, ordered):
    bars = re.findall(
        r'<rect class="cs-bar" data-category="([^"]*)" data-series="([^"]*)" data-value="([^"]*)"',
        page,
    )
    for result in ordered:
        name = result.scenario.name
        labour = [float(v) for c, s, v in bars if c == name and s == "Labour"]
        assert labour == [pytest.approx(result.sites["cost_labor_usd_per_yr"].sum(), rel=1e-5)]
        jobs = [float(v) for c, s, v in bars if c == "all states" and s == name]
        assert jobs == [pytest.approx(result.kpi("jobs"), rel=1e-5)]
    assert "Annual cost by state" in page and "Public outlay (transfers) by instrument" in page


def test_what_differs_and_why_leads_the_report(page, ordered):
    section = page[
        page.index('<section class="differs" id="differs">') : page.index(
            '<h2 id="summary">Summary</h2>'
        )
    ]
    gap = ordered[2].kpi("system_cost") - ordered[1].kpi("system_cost")
    more = "more" if gap > 0 else "less"
    assert (
        f"south costs the country {kpi_value(abs(gap), 'USD/yr')} {more} than great-lakes"
        in section
    )
    assert "Investors in south pay" in section  # the investor view, with its transfers named
    assert "mostly" in section and "transfers, not savings" in section


def test_site_table_rows_equal_result_sites(page, ordered, data):
    rows = ROW.findall(page)
    by_scenario = Counter(r[0] for r in rows)
    for result in ordered:
        name = result.scenario.name
        sites = result.sites[result.sites["new_capacity"] > 0]
        assert by_scenario[name] == len(sites) == site_count(result)
        got = sorted((t, r) for s, t, r, _ in rows if s == name)
        assert got == sorted(zip(sites["cluster_type"], sites["region_id"], strict=True))
        for _, site in sites.iterrows():
            cells = next(
                c
                for s, t, r, c in rows
                if (s, t, r) == (name, site["cluster_type"], site["region_id"])
            )
            region_name = data.regions.at[site["region_id"], "name"]
            assert f"{region_name} ({site['region_id']})" in cells
            assert f"<td>{site['jobs']:,.0f}</td>" in cells
            assert f"<td>USD {site['total_cost_usd_per_yr']:,.0f}</td>" in cells
    assert all(t in CLUSTER_TYPES for _, t, _, _ in rows)


def test_evidence_and_solver_sections(page, ordered, data):
    kinds = Counter(data.sources["kind"])
    tech_kinds = Counter(f.kind for _, f in load_technology().figures())
    section = page[
        page.index('<h2 id="evidence">Evidence</h2>') : page.index(
            '<h2 id="solver">Solver reports</h2>'
        )
    ]
    columns = re.findall(r"<th>([^<]+)</th>", section[: section.index("<h3>Data health")])
    for label, counts in (
        ("region dataset columns (sources table)", kinds),
        ("technology and cost figures", tech_kinds),
    ):
        row = re.search(rf"<tr><td class=l>{re.escape(label)}</td>(.*?)</tr>", section)
        numbers = [int(x) for x in re.findall(r"<td>(\d+)</td>", row.group(1))]
        assert numbers == [counts.get(k, 0) for k in columns[:-1]] + [sum(counts.values())]
    assert f"Labelled assumptions ({kinds['assumption'] + tech_kinds['assumption']})" in section
    solver = page[page.index('<h2 id="solver">Solver reports</h2>') :]
    for result in ordered:
        assert f"<td class=l>{result.scenario.name}</td><td class=l>optimal</td>" in solver
        assert f"USD {result.report.objective:,.0f}" in solver


def test_hostile_names_are_escaped_in_report(hostile):
    pair = [hostile.results["baseline"], hostile.results["south"]]
    page = report.comparison_report(pair, hostile.data)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (" in page  # site table cell
    assert hostile.name not in page
    assert page.lower().count("<script") == 0  # the report itself runs no script
    inner = htmlmod.unescape(SRCDOC.search(page).group(1))
    assert hostile.name not in inner
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in inner


def test_offline_report_needs_no_network(ordered, data):
    page = report.comparison_report(ordered[1:], data, offline=True)
    assert offline.remote_assets(page) == []
    inner = htmlmod.unescape(SRCDOC.search(page).group(1))
    assert inner.count("cs-site cs-site-") == site_count(ordered[1]) + site_count(ordered[2])
    assert offline.remote_assets(inner) == []
    cdn = report.comparison_report(ordered[1:], data, offline=False)
    online = htmlmod.unescape(SRCDOC.search(cdn).group(1))
    assert "https://cdn.jsdelivr.net/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js" in online


def test_write_report_is_atomic_and_validates_pair(ordered, data, tmp_path):
    folder = tmp_path / "out"
    path = report.write_report(ordered[:2], data, folder)
    assert path == folder / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    report.write_report(ordered[:2], data, folder, pair=(1, 0))
    assert sorted(p.name for p in folder.iterdir()) == ["report.html"]
    with pytest.raises(ValueError, match="two different results"):
        report.comparison_report(ordered, data, pair=(1, 1))
    with pytest.raises(ValueError, match="two different results"):
        report.comparison_report(ordered, data, pair=(0, 3))
    with pytest.raises(ValueError, match="at least two"):
        report.comparison_report(ordered[:1], data)


def test_evidence_section_has_the_data_health_table(page, ordered, data):
    from regions.audit import figure_counts, stale_statuses

    as_of = ordered[0].scenario.facilities_as_of
    section = page[
        page.index('<h2 id="evidence">Evidence</h2>') : page.index(
            '<h2 id="solver">Solver reports</h2>'
        )
    ]
    assert f"Data health by table and mission factor (facilities as of {as_of})" in section
    counts = figure_counts(data, as_of)
    permitting = counts[(counts["table"] == "permitting.csv")].iloc[0]
    assert (
        f"<td class=l>permitting.csv</td><td class=l>permitting</td><td>{permitting['sourced']:,}</td>"
        in section
    )
    assert f"{len(stale_statuses(data, as_of))} facility statuses rest on evidence older" in section
