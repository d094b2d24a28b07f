"""Domestic means mined or recycled at home: a refinery of imported feed is no domestic supply.

Worked on the tiny instance (one mineral, lithium at 10,000 USD/t; the gateway sits at A's
representative point). A battery target of 30 units at A needs 30 t of lithium a year. A refinery
beside the gateway in A ships at the same price, so the model may use it freely; what changes with
its feed origin is only what the domestic-share rule counts. With a 50 % rule:

- refinery converting imported ore: domestic tonnes 0, so the rule misses 0.5 × 30 = 15 t
  (share gap 15 t, domestic share 0) however much the refinery ships;
- the same refinery with domestic feed: at least 15 t come from it, gap 0, share ≥ 50 %.
"""

from __future__ import annotations

import pytest

import optimizer
import regions
from regions.errors import DataValidationError
from tests import tiny


def refinery(feed_origin: str, kind: str = "refinery", tonnes: float = 100) -> list:
    lon, lat = tiny.rep_point("A")
    return [
        "ref-a", "Refinery", "", kind, "lithium", "A", lat, lon, tonnes, "sourced",
        "operating", 2020, "test", "", "", "", "", feed_origin,
    ]  # fmt: skip


def solve_with(tmp_path, feed_origin: str):
    data, tech = tiny.load(tmp_path, domestic=[refinery(feed_origin)])
    scenario = tiny.scenario(30, minerals={"min_domestic_share": {"lithium": 0.5}})
    return optimizer.solve(scenario, data, tech)


def share_gap(result) -> float:
    unmet = result.unmet.set_index("item")
    return float(unmet.at["domestic share of lithium", "amount"]) if len(unmet) else 0.0


def test_a_refinery_of_imported_feed_does_not_meet_a_domestic_share_rule(tmp_path):
    result = solve_with(tmp_path, "imported")
    assert result.kpi("domestic_mineral_share", "lithium") == pytest.approx(0.0)
    assert share_gap(result) == pytest.approx(15.0)


def test_the_same_refinery_with_domestic_feed_meets_it(tmp_path):
    result = solve_with(tmp_path, "domestic")
    assert result.kpi("domestic_mineral_share", "lithium") >= 0.5 - 1e-9
    assert "domestic share of lithium" not in set(result.unmet.get("item", []))


def test_recycled_feed_counts_as_domestic(tmp_path):
    data, tech = tiny.load(tmp_path, domestic=[refinery("recycled", kind="recycler")])
    assert bool(data.mineral_sources.set_index("source_id").at["ref-a", "domestic_feed"])


def test_unknown_feed_does_not_count(tmp_path):
    result = solve_with(tmp_path, "unknown")
    assert share_gap(result) == pytest.approx(15.0)


def test_a_refinery_without_its_feed_origin_is_an_error_naming_line_and_field(tmp_path):
    folder = tiny.write_data(tmp_path / "data", domestic=[refinery("")])
    with pytest.raises(DataValidationError) as err:
        regions.load(folder)
    text = str(err.value)
    assert "mineral_sources.csv" in text and "line 2" in text and "feed_origin" in text


def test_a_mine_cannot_claim_imported_feed(tmp_path):
    row = refinery("imported", kind="mine")
    folder = tiny.write_data(tmp_path / "data", domestic=[row])
    with pytest.raises(DataValidationError, match="mines at home"):
        regions.load(folder)


def test_builtin_lithium_refineries_of_imported_feed_are_not_domestic():
    data = regions.load(None)
    sources = data.mineral_sources.set_index(["source_id", "mineral"])
    for source_id in ("tesla-robstown", "livent-bessemer-city", "tennessee-lithium"):
        assert not bool(sources.at[(source_id, "lithium"), "domestic_feed"]), source_id
    assert not bool(sources.at[("element25-louisiana", "manganese"), "domestic_feed"])
    assert bool(sources.at[("thacker-pass", "lithium"), "domestic_feed"])
    lithium = sources.xs("lithium", level="mineral")
    imported = lithium.loc[~lithium["domestic_feed"].astype(bool), "capacity_t_per_yr"].sum()
    assert imported == pytest.approx(13_207 + 26_414 + 30_000)
