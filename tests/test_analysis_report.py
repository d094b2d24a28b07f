"""The analysis writers (``outputs.analysis_report``): chart geometry, report content taken from the
results, escaping of data and scenario text, the map's reason overlay. Tiny instance of
``test_regret``; nothing here goes through the command line."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

import optimizer
from optimizer.analyses.parameters import scenario_lever, tech_parameter, zone_multiplier
from optimizer.analyses.sweep import sweep
from optimizer.runs.parallel import SerialExecutor
from outputs.formatting import esc
from outputs.maps.scenario import render_html, scenario_map
from outputs.reports import analysis as ar
from tests.test_regret import tiny_case, tiny_scenario

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return tiny_case(tmp_path_factory.mktemp("tiny_report"), zones={"west": ["A"], "east": ["B"]})


@pytest.fixture(scope="module")
def regret_result(tiny):
    scenario, data, tech = tiny
    return optimizer.regret(scenario, "battery", data, tech, executor=SerialExecutor())


@pytest.fixture(scope="module")
def hostile(tiny):
    """The tiny data with region B renamed to a script tag, and a scenario describing itself so."""
    scenario, data, tech = tiny
    table = data.regions.copy()
    table.loc["B", "name"] = HOSTILE
    return tiny_scenario(description=f"desc {HOSTILE}"), dataclasses.replace(data, regions=table)


def tornado_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "parameter": ["wage <x>", "power"],
            "unit": ["", "multiplier"],
            "base_value": [1.0, 1.0],
            "low_value": [0.8, 0.8],
            "high_value": [1.2, 1.2],
            "base_kpi": [100.0, 100.0],
            "delta_low": [-40.0, -5.0],
            "delta_high": [20.0, 10.0],
            "swing": [60.0, 15.0],
        }
    )


def test_tornado_svg_bars_from_the_base():
    svg = ar.tornado_svg(tornado_table(), unit="USD/yr", title="cost")
    groups = re.findall(r'<g class="cs-tornado-bar" data-parameter="([^"]+)">(.*?)</g>', svg)
    assert [name for name, _ in groups] == ["wage &lt;x&gt;", "power"]
    bars = {}
    for name, body in groups:
        for level, x, width, delta in re.findall(
            r'<rect class="cs-(low|high)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" '
            r'height="10" fill="#\w+" data-delta="([^"]+)"',
            body,
        ):
            bars[(name, level)] = (float(x), float(width), float(delta))
    assert len(bars) == 4
    # every bar touches the base line; a negative change extends left of it, a positive right
    x0 = bars[("power", "high")][0]
    for x, width, delta in bars.values():
        if delta < 0:
            assert x + width == pytest.approx(x0, abs=0.11)
        else:
            assert x == pytest.approx(x0, abs=0.11)
    # lengths are proportional to the changes
    unit = bars[("wage &lt;x&gt;", "low")][1] / 40
    for _x, width, delta in bars.values():
        assert width == pytest.approx(abs(delta) * unit, abs=0.11)
    assert "0.8: −USD 40/yr" in svg and "1.2: +USD 20/yr" in svg  # labelled with the values
    assert "<x>" not in svg


def test_tornado_tables_sorted_and_without_empty_kpis(tiny):
    scenario, data, tech = tiny
    params = [
        scenario_lever(scenario, "multipliers.power_price", 0.8, 1.2, relative=True),
        tech_parameter(tech, "battery", "electricity_mwh_per_unit"),
        zone_multiplier(data, "wage", "east", 0.5, 1.5),
    ]
    result = sweep(scenario, params, data, tech, executor=SerialExecutor())
    table = ar.tornado_tables(result)
    assert list(dict.fromkeys(table["kpi"])) == ["total_annual_cost", "levelized_cost:battery"]
    for _, group in table.groupby("kpi"):
        assert group["swing"].is_monotonic_decreasing
    assert (table["kpi_unit"].unique() == ["USD/yr", "USD/GWh"]).all()
    # wage in B ×0.5 makes B cheaper than A: sites move, and the map layers show the change
    assert ar.top_moving_parameter(result, table) == "wage@east"
    layers = ar.sweep_layers(result, "wage@east")
    (name,) = layers
    assert name == "Change in new battery capacity [GWh/yr]: wage@east low (0.5)"
    assert layers[name].to_dict() == pytest.approx({"A": -25.0, "B": 25.0})


def test_histogram_counts_and_percentiles():
    values = [1.0, 2.0, 2.5, 3.0, 10.0, float("nan")]
    svg = ar.histogram_svg(values, unit="USD/yr", title="cost", bins=3)
    counts = [int(c) for c in re.findall(r'class="cs-hist-bar"[^>]*data-count="(\d+)"', svg)]
    assert counts == [4, 0, 1]
    for q in (5, 50, 95):
        assert f'class="cs-p{q}"' in svg
    assert "5 runs, 3 bins" in svg
    assert "no solved runs" in ar.histogram_svg([float("nan")])


def test_regret_report_content(regret_result, tiny):
    scenario, data, _ = tiny
    page = ar.regret_report(regret_result, data, scenario, with_map=False)
    rows = re.findall(r'<tr class="cs-regret-row" data-type="battery" data-region="(\w)">', page)
    assert rows == ["A", "B", "C"]
    # excluded regions grouped by reason, the reason text escaped
    for region_id in ("D", "E"):
        reason = regret_result.table.set_index("region_id").loc[region_id, "reason"]
        assert esc(reason) in page
        assert f'data-regions="{region_id}"' in page
    # the cost-term breakdown: B saves labour and pays for power; C pays a second site
    breakdown = page[page.index("<h3>Why") :]
    assert "Region B (B), #2 of 3" in breakdown and "Region C (C), #3 of 3" in breakdown
    assert "+USD 2,500,000/yr" in breakdown and "−USD 1,250,000/yr" in breakdown
    assert "+USD 1,000,000/yr" in breakdown  # C's fixed site cost
    assert "<b>+USD 1,250,000/yr</b>" in breakdown and "<b>+USD 4,000,000/yr</b>" in breakdown
    assert "None: every run solved." in page


def test_written_regret_escapes_data_and_scenario_text(tmp_path, regret_result, tiny, hostile):
    _, _, tech = tiny
    scenario, data = hostile
    base = optimizer.solve(scenario, data, tech, with_duals=False)
    written = ar.write_regret(tmp_path, regret_result, data, scenario, base=base)
    assert written == ["regret.csv", "failures.csv", "map.html", "report.html"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in page
    assert f"{esc(HOSTILE)} (B)" in page and f"desc {esc(HOSTILE)}" in page
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert HOSTILE not in html
    table = pd.read_csv(tmp_path / "regret.csv")
    assert table["regret_usd_per_yr"].tolist()[:3] == pytest.approx([0.0, 1.25e6, 4e6])


def test_reason_overlay_precedes_the_layer_control(regret_result, tiny):
    scenario, data, tech = tiny
    base = optimizer.solve(scenario, data, tech, with_duals=False)
    m = scenario_map(base, data, extra_layers=ar.regret_layers(regret_result))
    ar.add_reason_overlay(m, data, ar.cannot_host(regret_result, "battery"), "Cannot host x")
    html = render_html(m)
    assert html.count('"cs-cannot-host"') == 1
    group = re.search(r'"Cannot host x" : (feature_group_\w+)', html).group(1)
    assert html.index(f"var {group} = L.featureGroup(") < html.index("L.control.layers(")
    reasons = regret_result.table.set_index("region_id")["reason"]
    assert reasons["D"] == "labor cap: minimum scale needs 500 jobs, 50 can still be hired"
    assert reasons["D"] in html and reasons["E"] in html


def test_montecarlo_report_and_layers(tiny):
    scenario, data, tech = tiny
    result = optimizer.monte_carlo(scenario, 12, 3, data, tech, executor=SerialExecutor())
    layers = ar.probability_layers(result)
    assert list(layers) == ["P(site) battery", "P(site) magnet", "P(site) solar"]
    assert layers["P(site) battery"]["B"] == pytest.approx(2 / 12)
    page = ar.montecarlo_report(result, data, scenario, with_map=False)
    row = re.search(r"<tr><td class=l>Region B \(B\)</td>(.*?)</tr>", page).group(1)
    assert "<td>16.7%</td>" in row
    assert "regions never chosen are left out (3 of 5)" in page
    cost = result.summary.loc["total_annual_cost"]
    assert ar.fmt_usd_short(cost["p50"]).removeprefix("USD ") in page
    # KPIs by their labels, per-unit costs per kWh as on every other page (not USD/GWh)
    row = re.search(
        r'<tr><td class=l><span title="levelized_cost_battery">Levelized cost, battery cells'
        r"</span></td><td class=l>USD/kWh</td>(.*?)</tr>",
        page,
    )
    assert row is not None and "USD/GWh" not in page
    p50 = result.summary.loc["levelized_cost_battery", "p50"] / 1e6
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[6] == (f"{p50:,.3f}" if p50 < 1 else f"{p50:,.2f}")  # runs, mean, …, p50
    assert '<span title="total_annual_cost">Cost minimised (scenario view)</span>' in page
    counts = [int(c) for c in re.findall(r'data-count="(\d+)"', page)]
    assert sum(counts) == 12


def test_break_even_writer(tmp_path, tiny):
    scenario, data, tech = tiny
    west = tiny_scenario(name="west", zones={"battery": {"zone": "west", "mode": "restrict"}})
    east = tiny_scenario(name="east", zones={"battery": {"zone": "east", "mode": "restrict"}})
    price = zone_multiplier(data, "power_price", "west", 0.5, 2.0)
    found = optimizer.break_even(west, east, price, data, tech, tol=1e-4)
    assert ar.write_breakeven(tmp_path, found, price, data, west) == [
        "breakeven.csv",
        "report.html",
    ]
    table = pd.read_csv(tmp_path / "breakeven.csv")
    assert list(table.columns) == [
        "parameter",
        "value",
        "kpi_a",
        "kpi_b",
        "difference",
        "cheaper",
        "status_a",
        "status_b",
        "scenario_a",
        "scenario_b",
        "kpi",
    ]
    assert (table["parameter"] == "power_price@west").all() and len(table) == len(found.evaluations)
    assert set(table["status_a"]) | set(table["status_b"]) == {"optimal"}
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    label = "Power price multiplier, west zone"  # the parameter for people, its id beside it
    assert f"The ranking flips at {label} = {found.value:.6g}." in page
    assert f"Parameter: {label} (<code>power_price@west</code>)" in page
    x = float(re.search(r'<line class="cs-flip" x1="([\d.]+)"', page).group(1))
    left, width = 140.0, 760.0 - 140.0 - 20.0
    assert x == pytest.approx(left + (found.value - 0.5) / 1.5 * width, abs=0.06)


@pytest.mark.parametrize(
    ("value", "unit", "short", "text"),
    [
        (1_250_000.0, "USD/yr", False, "+USD 1,250,000/yr"),
        (-2.5e6, "USD/yr", True, "−USD 2.5 million/yr"),
        (0.2, "USD/yr", False, "0"),
        (0.012, "fraction", False, "+1.2 pp"),
        (-3.0, "GWh/yr", False, "−3 GWh/yr"),
        (np.nan, "USD/yr", False, "n/a"),
    ],
)
def test_fmt_signed(value, unit, short, text):
    assert ar.fmt_signed(value, unit, short=short) == text
