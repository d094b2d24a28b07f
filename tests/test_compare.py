"""KPI comparison table and the computed plain-language summary."""

from __future__ import annotations

import dataclasses
import math

import pytest

from optimizer import SolveStatus
from outputs import formatting
from outputs.reports import summary as compare

KPIS = [
    ("total_annual_cost", "all"),
    ("new_capacity", "battery"),
    ("new_capacity", "solar"),
    ("jobs", "all"),
    ("jobs", "zone:south"),
    ("jobs", "zone:great-lakes"),
    ("domestic_mineral_share", "all"),
    ("levelized_cost", "magnet"),
    ("mean_permitting_months", "all"),
]


@pytest.fixture(scope="module")
def ordered(results):
    return [results["baseline"], results["great-lakes"], results["south"]]


def cell(table, column, kpi, scope):
    rows = table[(table["kpi"] == kpi) & (table["scope"] == scope)]
    assert len(rows) == 1, (kpi, scope)
    return rows[column].iloc[0]


def test_kpi_table_values_are_the_results_kpis(ordered):
    table = compare.kpi_table(ordered)
    assert list(table.columns) == [
        "kpi",
        "scope",
        "unit",
        "baseline",
        "great-lakes",
        "south",
        "great-lakes diff vs baseline",
        "south diff vs baseline",
    ]
    keys = {tuple(k) for r in ordered for k in r.kpis[["kpi", "scope", "unit"]].values}
    assert len(table) == len(keys)
    for kpi, scope in KPIS:
        for result in ordered:
            assert cell(table, result.scenario.name, kpi, scope) == result.kpi(kpi, scope)
        for result in ordered[1:]:
            diff = cell(table, f"{result.scenario.name} diff vs baseline", kpi, scope)
            assert diff == result.kpi(kpi, scope) - ordered[0].kpi(kpi, scope)


def test_kpi_table_two_results_and_units(results):
    pair = [results["great-lakes"], results["south"]]
    table = compare.kpi_table(pair)
    assert list(table.columns)[-1] == "diff vs great-lakes" == compare.diff_column(pair, 1)
    assert cell(table, "unit", "total_annual_cost", "all") == "USD/yr"
    assert cell(table, "unit", "new_capacity", "battery") == "GWh/yr"
    expected = results["south"].kpi("jobs", "zone:south") - results["great-lakes"].kpi(
        "jobs", "zone:south"
    )
    assert cell(table, "diff vs great-lakes", "jobs", "zone:south") == expected


def test_kpi_table_disambiguates_equal_names(results):
    table = compare.kpi_table([results["south"], results["south"]])
    assert {"south", "south #2", "diff vs south"} <= set(table.columns)
    assert (table["diff vs south"].fillna(0) == 0).all()
    with pytest.raises(ValueError):
        compare.kpi_table([])


def test_summary_numbers_are_recomputed_from_results(ordered, data):
    base, _, south = ordered
    sentences = compare.summary(ordered, data)
    first = sentences[0]
    assert first.startswith("baseline places ")
    battery = base.sites[
        (base.sites["cluster_type"] == "battery") & (base.sites["new_capacity"] > 0)
    ]
    regions_by_size = battery.sort_values("new_capacity", ascending=False)["region_id"]
    assert f"{battery['new_capacity'].sum():,.0f} GWh/yr of new battery cells in " in first
    shown = list(regions_by_size)[:4]  # the sentence names the four largest, then counts the rest
    more = len(regions_by_size) - len(shown)
    assert "/".join(shown) + (f" and {more} more regions" if more else "") in first
    assert f"{base.kpi('jobs'):,.0f} new jobs" in first
    cost = base.kpi("total_annual_cost")
    assert f"USD {cost / 1e9:,.2f} bn/yr" in first

    south_sentence = next(s for s in sentences if s.startswith("south places"))
    pct = 100 * (south.kpi("total_annual_cost") - cost) / cost
    word = "lower" if pct < 0 else "higher"
    assert f"at {abs(pct):.1f}% {word} total annual cost than baseline" in south_sentence
    delta = south.kpi("jobs", "zone:south") - base.kpi("jobs", "zone:south")
    if round(delta):
        more = "more" if delta > 0 else "fewer"
        assert f"{abs(delta):,.0f} {more} new jobs in the south zone" in south_sentence
    delta_gl = south.kpi("jobs", "zone:great-lakes") - base.kpi("jobs", "zone:great-lakes")
    if round(delta_gl):
        more = "more" if delta_gl > 0 else "fewer"
        assert f"{abs(delta_gl):,.0f} {more} new jobs in the great-lakes zone" in south_sentence
    shares = next(s for s in sentences if s.startswith("Domestic share"))
    for result in ordered:
        share = 100 * result.kpi("domestic_mineral_share")
        assert f"{result.scenario.name} {share:.1f}%" in shares
    assert any(s.startswith("Zone south (GA/TN/KY/AL/NC/SC/MS)") for s in sentences)


def test_summary_reports_a_result_without_solution(results, data):
    south = results["south"]
    failed = dataclasses.replace(
        south,
        report=dataclasses.replace(
            south.report, status=SolveStatus.INFEASIBLE, message="targets exceed capacity"
        ),
    )
    sentences = compare.summary([results["baseline"], failed], data)
    assert any(
        s.startswith("south has no solution (solver status infeasible: targets exceed capacity)")
        for s in sentences
    )


def test_number_formatting():
    assert formatting.fmt_num(27945567822.42) == "27,945,567,822"
    assert formatting.fmt_num(135.0) == "135"
    assert formatting.fmt_num(29.6) == "29.6"
    assert formatting.fmt_num(8.4) == "8.4"
    assert formatting.fmt_num(0.0) == "0"
    assert formatting.fmt_num(-0.0) == "0"
    assert formatting.fmt_num(math.nan) == "n/a"
    assert formatting.fmt_usd(-4016250000.0) == "USD -4,016,250,000"
    assert formatting.fmt_pct(0.40572) == "40.6%"
    assert formatting.fmt_kpi(2.5e7, "USD/yr") == "USD 25,000,000/yr"
    assert formatting.fmt_kpi(0.5, "fraction") == "50.0%"
    assert formatting.fmt_kpi(217, "GWh/yr") == "217 GWh/yr"


def test_esc_covers_html_and_template_literal_specials():
    text = formatting.esc("<a href='x'>\"&`${1}\\</a>")
    assert text == "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&#96;&#36;{1}&#92;&lt;/a&gt;"
    for bad in "<>\"'`$\\":
        assert bad not in text
