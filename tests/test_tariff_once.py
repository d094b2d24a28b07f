"""The product tariff is counted once: each landed import price equals its cited figure.

The price rows of ``optimizer/data/technologies.csv`` hold the price *before* the product tariff
(``import_price_usd_per_unit``) and the model adds ``import_tariff_pct`` once. The cited figures:

- battery cells: BloombergNEF 2025 survey, global average cell price 74 USD/kWh (a world price,
  no US duty); base tariff 3.4 % MFN + 25 % Section 301 = 28.4 % → 95.016 USD/kWh landed;
- NdFeB magnets: China customs export price 51,400 USD/t (no US duty); Section 301 25 % →
  64,250 USD/t landed;
- solar modules: Anza US delivered median 0.28 USD/W, which *includes* the 14 % duty in force,
  so the landed price is the cited 0.28 USD/W itself (280 M USD/GW), not 0.28 × 1.14.
"""

from __future__ import annotations

import pytest

import optimizer
from optimizer import load_technology
from optimizer.model.technology import DATA_DIR
from regions.errors import DataValidationError
from tests import tiny

CITED_LANDED = {
    # type: (cited figure, cited figure includes the duty?, unit conversion to USD per unit)
    "battery": (74.0, False, 1e6),  # USD/kWh -> USD/GWh
    "magnet": (51_400.0, False, 1.0),  # USD/t
    "solar": (0.28, True, 1e9),  # USD/W -> USD/GW
}


@pytest.mark.parametrize("k", sorted(CITED_LANDED))
def test_landed_price_equals_the_cited_figure_with_the_tariff_once(k):
    tech = load_technology()
    cited, duty_paid, to_unit = CITED_LANDED[k]
    tariff = tech.value(k, "import_tariff_pct") / 100
    expected = cited * to_unit if duty_paid else cited * to_unit * (1 + tariff)
    assert tech.landed_import_price(k) == pytest.approx(expected, rel=1e-6)
    # the double count this replaces: the landed figure multiplied by (1 + tariff) again
    assert tech.landed_import_price(k) < expected * (1 + tariff) - 1e-6 * expected


def test_battery_and_magnet_landed_prices_match_the_figures_the_notes_state():
    tech = load_technology()
    assert tech.landed_import_price("battery") == pytest.approx(95.016e6, rel=1e-9)
    assert tech.landed_import_price("magnet") == pytest.approx(64_250, rel=1e-9)
    assert tech.landed_import_price("solar") == pytest.approx(280e6, rel=1e-6)


def test_a_file_with_the_old_landed_price_row_is_an_error_naming_the_row(tmp_path):
    folder = tiny.write_tech(tmp_path / "tech")
    text = (folder / "technologies.csv").read_text()
    (folder / "technologies.csv").write_text(
        text.replace("import_price_usd_per_unit", "landed_import_price_usd_per_unit")
    )
    with pytest.raises(DataValidationError, match="landed_import_price_usd_per_unit.*before"):
        load_technology(folder)


def test_the_shortfall_penalty_and_import_parity_use_the_landed_price_once(tmp_path):
    data, tech = tiny.load(tmp_path)
    taxed = tech.with_overrides({("battery", "import_tariff_pct"): 25})
    result = optimizer.solve(tiny.scenario(600), data, taxed)
    # 1e6 before the tariff x 1.25, once
    assert result.kpi("landed_import_price", "battery") == pytest.approx(1.25e6)
    assert taxed.shortfall_penalty("battery") == pytest.approx(10 * 1.25e6)


def test_embedded_price_rows_say_they_are_before_the_tariff():
    rows = (DATA_DIR / "technologies.csv").read_text()
    assert "landed_import_price_usd_per_unit" not in rows
    tech = load_technology()
    for k in CITED_LANDED:
        assert "before the product tariff" in tech.tech[k]["import_price_usd_per_unit"].unit
