"""The inputs of a hindcast as known on its as-of date, and the leaks it cannot avoid.

``regions.known.known_at`` restricts the region data (permitting evidence, demand, mineral
sources by their status then) and lists the region figures published later; this module adds
the technology side:

- **45X** (``credit_45x_schedule.csv``): the credit was enacted by the Inflation Reduction Act,
  P.L. 117-169, signed 16 August 2022 (``CREDIT_45X_ENACTED``); a hindcast before that date
  leaves it out.
- **technology and global parameters** (``technologies.csv``, ``parameters.csv``): one vintage
  each; a figure whose vintage names a year after the as-of date is a leak of at least the time
  from the as-of date to 1 January of that year (the files record years, not publication dates).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from regions.known import LEAK_COLUMNS, not_before

from ..model.technology import TechnologyData

CREDIT_45X_ENACTED = date(2022, 8, 16)
"""Inflation Reduction Act of 2022, P.L. 117-169 (H.R. 5376, 117th Congress), signed
16 August 2022 (https://www.congress.gov/bill/117th-congress/house-bill/5376); section 13502
created the 45X advanced manufacturing production credit."""


def technology_leaks(tech: TechnologyData, as_of: date) -> pd.DataFrame:
    """One row per technology or global figure whose vintage names a year after ``as_of``
    (``LEAK_COLUMNS``; ``at_least`` True: the publication is at least that late)."""
    rows = []
    for cluster_type, figure in tech.figures():
        if figure.name.startswith("credit_45x"):
            continue
        published = not_before(figure.vintage)
        if published is None or published <= as_of:
            continue
        where = "parameters.csv" if cluster_type is None else "technologies.csv"
        item = figure.name if cluster_type is None else f"{cluster_type} {figure.name}"
        rows.append(
            {
                "input": where,
                "item": item,
                "describes": str(figure.vintage),
                "published": published,
                "at_least": True,
                "later_by_days": (published - as_of).days,
                "handling": "used: no earlier vintage in the data",
            }
        )
    return pd.DataFrame(rows, columns=LEAK_COLUMNS)


def credit_known(as_of: date) -> bool:
    """Whether the 45X credit had been enacted by ``as_of``."""
    return as_of >= CREDIT_45X_ENACTED
