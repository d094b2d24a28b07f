"""Phased outputs: the Gantt chart by hand, and ``compare`` on the built-in phased pair."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from optimizer.phased.periods import month_index, online_fraction, online_year
from outputs.cli import main
from outputs.reports.charts import gantt_svg
from tests.test_self_contained import pages


def test_gantt_bars_follow_the_schedule():
    schedule = pd.DataFrame(
        {
            "region_id": ["TN", "MI"],
            "cluster_type": ["battery", "solar"],
            "mode": ["greenfield", "expansion"],
            "decision_year": [2026, 2027],
            "online_year": [2029, 2028],
            "permitting_months": [12.0, 3.2],
            "construction_months": [30.0, 18.0],
            "capacity": [100.0, 4.0],
            "unit": ["GWh/yr", "GW/yr"],
        }
    )
    svg = gantt_svg(schedule, list(range(2026, 2036)), title="t")
    bars = re.findall(r'data-site="([^"]+)" data-decision="(\d+)" data-online="(\d+)"', svg)
    assert bars == [
        ("TN battery (greenfield)", "2026", "2029"),
        ("MI solar (expansion)", "2027", "2028"),
    ]
    # 2026..2035 on 620 px: one year = 62 px; TN waits 3 years (186 px) from x = 230
    assert 'x="230.0" y="44.0" width="186.0"' in svg


def test_compare_phased_pair(tmp_path):
    out = tmp_path / "cmp"
    code = main(["compare", "great-lakes-phased", "south-phased", "--out", str(out), "--quiet"])
    assert code == 0
    html = (out / "report.html").read_text()
    for name in ("great-lakes-phased", "south-phased"):
        schedule = pd.read_csv(out / name / "schedule.csv")
        assert len(schedule) > 0
        # online year = decision + permitting + construction (decisions of the first period
        # are dated at the first month on or after the as-of date 30 June 2026: 1 July; later
        # ones on 1 January), one row per build stage, each stage's capacity added
        for row in schedule.itertuples():
            month = month_index(pd.Timestamp("2026-07-01" if row.decision_year == 2026 else
                                             f"{row.decision_year}-01-01").date())  # fmt: skip
            lag = row.permitting_months + row.construction_months
            assert row.online_year == online_year(month, lag)
            assert row.first_year_share == pytest.approx(
                online_fraction(month, lag, row.online_year)
            )
        totals = schedule.groupby(["region_id", "cluster_type", "mode"])
        assert (totals["capacity"].sum() - totals["capacity_after"].max()).abs().max() < 1e-6
        by_period = pd.read_csv(out / name / "by_period.csv")
        assert sorted(by_period["year"].unique()) == list(range(2026, 2036))
        # before any new plant produces, what existing plants cannot make is imported
        first = by_period[by_period["year"] == 2026].set_index("cluster_type")
        gap = (first["demand"] - first["existing_online"]).clip(lower=0)
        assert (first["imports"] - gap).abs().max() < 1e-6
        page = (out / name / "map.html").read_text()
        years = json.loads(re.search(r"var years = (\[[^\]]*\]);", page).group(1))
        assert years == list(range(2026, 2036))  # the year slider's stops
        built = set(schedule["decision_year"])
        assert {f"cs-year-{y}" for y in built} <= set(re.findall(r"cs-year-20\d\d", page))
        assert html.count('data-site="') >= len(schedule)
        assert name in html
    # every page opens without a network: no CDN scripts, no map tiles
    found = pages(out)
    assert {"report.html", "great-lakes-phased/map.html"} <= set(found)
    assert all(v == [] for v in found.values()), found


def test_phased_report_says_what_differs_with_present_values_and_maps(tmp_path):
    from optimizer.phased.api import solve_phased
    from outputs.phased.report import phased_report

    a, b = solve_phased("great-lakes-phased"), solve_phased("south-phased")
    page = phased_report([a, b], ["gl", "south"])
    gap = b.kpi("present_value", "system") - a.kpi("present_value", "system")
    word = "more" if gap > 0 else "less"
    assert f"south-phased costs the country USD {abs(gap) / 1e9:,.2f} bn {word} than" in page
    rows = re.findall(
        r"<tr><td class=l>(System cost|Investor cost|Public outlay)</td>(.*?)</tr>", page
    )
    assert [r[0] for r in rows] == ["System cost", "Investor cost", "Public outlay"]
    cells = re.findall(r"<td>([^<]*)</td>", rows[0][1])
    assert cells[-1] == ("+" if gap > 0 else "−") + f"USD {abs(gap) / 1e9:,.2f} bn"
    assert '<iframe class="map" title="great-lakes-phased map" src="gl/map.html">' in page
    assert '<nav class="contents">' in page and 'href="#present-values"' in page
    # the Great Lakes zone cannot host the last 0.1 GWh/yr of the 2030 goal (its states at their
    # largest scale); south meets every goal: one banner, naming great-lakes-phased only
    shortfall = a.by_period[a.by_period["goal_shortfall"] > 1e-6]
    assert (
        set(shortfall["cluster_type"]) == {"battery"}
        and (b.by_period["goal_shortfall"] <= 1e-6).all()
    )
    assert page.count('<div class="cs-rule-missed"') == 1
    years = ", ".join(str(int(y)) for y in shortfall["year"])
    assert f"great-lakes-phased misses its battery cells goal in {years}" in page


def test_a_goal_missed_in_a_year_is_a_banner_sentence():
    from types import SimpleNamespace

    from outputs.phased.report import goals_missed

    by_period = pd.DataFrame(
        {
            "year": [2030, 2031, 2032, 2030],
            "cluster_type": ["battery", "battery", "battery", "solar"],
            "goal_shortfall": [0.0, 120.0, 80.5, 0.0],
        }
    )
    result = SimpleNamespace(ok=True, by_period=by_period, scenario=SimpleNamespace(name="p"))
    assert goals_missed(result) == [
        "p misses its battery cells goal in 2031, 2032, by up to 120 GWh/yr in 2031; a penalty "
        "is in its cost (not money spent)"
    ]
    result.by_period = by_period.assign(goal_shortfall=0.0)
    assert goals_missed(result) == []
