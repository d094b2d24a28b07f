#!/usr/bin/env python3
"""Audit the citation URLs of the embedded data tables by the kind of their host.

Usage (from the repository root)::

    python regions/tools/audit_citations.py            # counts by class, lists blog/aggregator rows
    python regions/tools/audit_citations.py --all      # also the generated and skipped tables
    python regions/tools/audit_citations.py FILE.csv   # audit one table (any of the formats below)

Every figure in ``optimizer/data/*.csv`` and ``regions/data/*.csv`` carries a citation. The
aim is a *primary* citation: the publisher of the figure itself. Each row's citation is classed
by the host of its ``url`` column (``source``/``url`` in ``vehicle_production.csv``) and by the
names its ``citation`` text gives ("... via Visual Capitalist"):

- ``primary``: a government agency (any ``.gov``/``.mil`` host, and the hosts in
  ``PRIMARY_HOSTS``: federal statistics, state agencies, statute texts, national labs, the
  IEA, a foreign geological survey); a company's own site, newsroom or SEC filing; a
  peer-reviewed paper, a university repository or a research data set;
- ``press``: reputable news and trade press, analysts' and price-reporting agencies' own
  pages, industry associations' and economic-development bodies' own pages, professional
  (law, accounting) firms' client notes (``PRESS_HOSTS``);
- ``blog``: a blog, wiki, vendor blog, fan site, document-sharing site, content farm or news
  aggregator that republishes other publishers' text (``BLOG_HOSTS``, plus any host ending
  in one of ``BLOG_SUFFIXES``), or a citation whose text names one (``BLOG_NAMES``);
- ``unclassified``: a host in none of the lists (add it to one; the test suite fails on it);
- ``none``: no URL (an assumption or a derived figure without a source of its own).

A host matches a list entry if it equals the entry or ends with ``"." + entry``; a leading
``www.`` and a trailing dot are ignored. A row takes the worst class of its URL host and its
citation text (blog < unclassified < press < primary). URLs quoted in a ``note`` usually name
the copy a figure was read from (FORMAT.md asks for that) and are listed with ``--notes``, not
classed.

Scope (``SCOPE``): not ``permitting.csv``/``permitting_evidence.csv`` (audited separately) and
not the tables written by a build tool (``GENERATED``: ``counties.csv`` by
``build_counties.py``; ``customers.csv``, ``customer_events.csv``, ``jv_partners.csv`` by
``build_customers.py``; ``demand.csv`` by ``build_demand.py``), whose citations change only
with their tool. ``regions.csv`` has no citation columns (its sources are rows of
``sources.csv``).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DATA_DIRS = (ROOT / "optimizer" / "data", ROOT / "regions" / "data")

SKIPPED = ("permitting.csv", "permitting_evidence.csv")
GENERATED = (
    "counties.csv",
    "customers.csv",
    "customer_events.csv",
    "jv_partners.csv",
    "demand.csv",
)

# Columns naming a row, by table (the allow-list in tests/test_citations.py uses them).
KEY_COLUMNS = {
    "credit_45x_schedule.csv": ("credit", "first_year"),
    "parameters.csv": ("parameter",),
    "technologies.csv": ("cluster_type", "parameter"),
    "facilities.csv": ("facility_id",),
    "facility_events.csv": ("facility_id", "event", "date"),
    "import_gateways.csv": ("gateway_id",),
    "mineral_prices.csv": ("mineral",),
    "mineral_sources.csv": ("source_id", "mineral"),
    "sources.csv": ("table", "column", "region_id", "url"),
    "vehicle_production.csv": ("state", "year"),
    "vehicle_plant_output.csv": ("plant_id", "year", "measure"),
}
URL_COLUMNS = ("url",)
CITATION_COLUMNS = ("citation", "source")

# ---- host lists -------------------------------------------------------------------------
# fmt: off
# Government suffixes: federal and state agencies, military.
PRIMARY_SUFFIXES = ("gov", "mil")
PRIMARY_HOSTS = frozenset(
    {
        # statistics, statutes and research
        "everycrsreport.com",  # verbatim copies of Congressional Research Service reports
        "law.cornell.edu",  # US Code text (LII), the statute itself
        "ngu.no",  # Geological Survey of Norway (state agency)
        "iea.org",
        "doi.org",  # peer-reviewed papers by DOI
        "dspace.mit.edu",  # MIT theses and reports
        "cleaninvestmentmonitor.org",  # Rhodium Group / MIT CEEPR facility data set
        "github.com",  # data and replication packages of labs and studies (PNNL, U. Michigan)
        "about.bnef.com",  # BloombergNEF's own survey release
        # companies' own releases through their wire services
        "businesswire.com",
        "globenewswire.com",
        "prnewswire.com",
        # companies' own sites and newsrooms
        "albemarlekingsmountain.com",
        "bluemountainpv.com",
        "carolina-lithium.com",
        "daimlertruck.com",
        "eaglemine.com",
        "enelnorthamerica.com",
        "fcx.com",
        "firstsolar.com",
        "ford.com",
        "gm.com",
        "illuminateusa.com",
        "lundinmining.com",
        "mpmaterials.com",
        "noveon.co",
        "resolutioncopper.com",
        "sec.gov",
        "seia.org",  # SEIA's own Solar Market Insight releases
        "ucore.com",
        "unitedpowerpartners.com",
        "toyota.co.jp",  # Toyota Motor Corporation's own newsroom
        "kiageorgia.com",  # Kia's Georgia plant's own newsroom
    }
)
PRESS_HOSTS = frozenset(
    {
        # general and business news
        "apnews.com", "bloomberg.com", "reuters.com", "cbsnews.com", "livemint.com",
        "benzinga.com", "justthenews.com", "crainsdetroit.com", "daytondailynews.com",
        "toledoblade.com", "decaturdaily.com", "bgdailynews.com", "businessjournaldaily.com",
        "capitol-beat.org", "clarksvillenow.com", "columbiabasinherald.com",
        "cowboystatedaily.com", "lawrencekstimes.com", "nooga.com", "timberjay.com",
        "yumanewsnow.com", "greenvillebusinessmag.com", "businesslive.co.za", "koreadailyus.com", "legalnews.com",
        "ajc.com",  # Atlanta Journal-Constitution
        "koreaherald.com",  # Korean English-language daily
        "messagemedia.co",  # Mille Lacs Messenger (local newspaper)
        "alabamanewscenter.com",  # Alabama Power's news service
        "kentucky.com",  # Lexington Herald-Leader
        "abqjournal.com",  # Albuquerque Journal
        "kob.com",  # KOB 4, Albuquerque NBC station
        "energycapitalhtx.com",  # Houston energy business news (InnovationMap / Houston Business Journal group)
        "ajupress.com",  # Aju Business Daily (Korean business daily, English edition)
        "devdiscourse.com",  # Indian news site carrying agency (PTI) reports
        "mercomindia.com",  # Mercom, clean-energy trade news
        "washingtonpost.com", "usatoday.com", "businessinsider.com", "tennessean.com",
        "greenvilleonline.com", "tuscaloosanews.com", "al.com", "lagrangenews.com",
        "nationthailand.com",
        # local radio and television
        "k105.com", "kcnonline.com", "krdo.com", "lpm.org", "wamwamfm.com", "wbko.com",
        "wcluradio.com", "wfae.org", "wkbn.com", "wkzo.com", "wtoc.com", "wtol.com", "wvpe.org",
        "wyso.org", "fox2detroit.com", "abc15.com", "wfmj.com",
        "nbcconnecticut.com",  # NBC station carrying CNBC reports
        # trade press: automotive, batteries, energy, solar
        "autonews.com", "automotiveworld.com", "wardsauto.com", "ai-online.com",
        "automotive-fleet.com", "kbb.com", "thefabricator.com", "just-auto.com", "cbtnews.com", "insideevs.com",
        "electrek.co", "greencarcongress.com", "truckandbusbuilder.com", "telematicswire.net",
        "evengineeringonline.com", "energy-storage.news", "essdaily.com", "utilitydive.com",
        "energytech.com", "nsenergybusiness.com", "hartenergy.com", "thinkgeoenergy.com",
        "pv-magazine.com", "pv-magazine-usa.com", "pv-tech.org", "solarindustrymag.com",
        "taiyangnews.info", "altenergymag.com", "pv-magazine-australia.com",
        # trade press: manufacturing, construction, sites
        "manufacturingdive.com", "industryweek.com", "assemblymag.com", "plantservices.com",
        "manufacturing.net", "industrialheating.com", "industrialinfo.com", "industryintel.com",
        "enr.com", "constructionreviewonline.com", "businessfacilities.com",
        "areadevelopment.com", "d2pmagazine.com", "evertiq.com", "silicon.co.uk",
        "pm-review.com", "cen.acs.org", "indianchemicalnews.com", "freightwaves.com",
        "environmentalleader.com", "bicmagazine.com", "dbusiness.com",
        "automotivepowertraintechnologyinternational.com",
        # trade press: mining and metals; analysts and price-reporting agencies
        "mining.com", "miningnewsnorth.com", "northernminer.com", "mining-journal.com",
        "metaltechnews.com", "creamermedia.com", "kitco.com", "resourceworld.com",
        "kallanish.com", "argusmedia.com", "benchmarkminerals.com", "crugroup.com", "fastmarkets.com",
        "gbreports.com",  # Global Business Reports interviews with the companies' managers
        # associations and economic-development bodies (their own pages)
        "michauto.org", "bcatoday.org", "spartanburg.com", "lawtonedc.com",
        # professional firms' client notes on statutes
        "eidebailly.com", "perkinscoie.com", "blankrome.com", "orrick.com",
    }
)
BLOG_HOSTS = frozenset(
    {
        # aggregators of maps, charts and statistics
        "visualcapitalist.com", "voronoiapp.com", "statista.com", "chemanalyst.com",
        "vanadiumprice.com",
        # wikis and document-sharing sites
        "wikipedia.org", "wikibooks.org", "scribd.com", "docslib.org",
        # blogs, vendor blogs, fan sites, newsletters
        "medium.com", "wordpress.com", "deespaek.com", "proton-engineering.eu",
        "help.copper.fyi", "evwind.es", "evxl.co", "teslarati.com", "gmauthority.com",
        "fordauthority.com", "rareearthexchanges.com", "metalnomist.com",
        "americanexperiment.org", "relevantresearch.ch", "lawandenvironment.com",
        "anzaplan.com", "nrinvesting.com", "autoworldjournal.com", "batteryfrontline.com",
        # news and press-release aggregators, content farms and copy sites
        "investingnews.com", "investing.com", "finanznachrichten.de", "assetroom.net",
        "minelistings.com", "miningir.com", "mqworld.com", "oilandgaspress.com",
        "gcprojectcenter.com", "newsengine.co", "reportify.ai", "energyplatform.news",
        "energynews.pro", "esg-investing.com", "korea-bbc.com", "stocknews24.com",
        "usatimes247.com", "starglobalnews.com", "buildingtexasshow.com", "self-law.org",
        "litmetric.com", "nenpower.com", "loveradar.lat", "rbtfl.xyz", "qianchen-food.com",
        "wungiel.pl", "bartin.biz", "stoneholdings.co.za",
    }
)
BLOG_SUFFIXES = ("blogspot.com", "wordpress.com", "medium.com", "substack.com")
# Names in citation text that mark a figure read from a blog or aggregator.
BLOG_NAMES = (
    "visual capitalist", "voronoi", "statista", "wikipedia", "wikibooks", "deespaek",
    "investing news", "finanznachrichten", "yliwu", "rare earth exchanges",
)
# fmt: on

CLASSES = ("primary", "press", "blog", "unclassified", "none")
_RANK = {"blog": 0, "unclassified": 1, "press": 2, "primary": 3}
_URL = re.compile(r"https?://[^\s;,|)\"\]]+")


def host_of(url: str) -> str:
    """The host of ``url`` without ``www.`` and a trailing dot, lower case ('' if none)."""
    host = (urlparse(url.strip()).hostname or "").rstrip(".").lower()
    return host.removeprefix("www.")


def _matches(host: str, entries) -> bool:
    return any(host == e or host.endswith("." + e) for e in entries)


def classify_host(host: str) -> str:
    """``primary``, ``press``, ``blog`` or ``unclassified`` for a host (``none`` if blank)."""
    if not host:
        return "none"
    if _matches(host, BLOG_HOSTS) or _matches(host, BLOG_SUFFIXES):
        return "blog"
    if _matches(host, PRIMARY_HOSTS) or host.rsplit(".", 1)[-1] in PRIMARY_SUFFIXES:
        return "primary"
    if _matches(host, PRESS_HOSTS):
        return "press"
    return "unclassified"


def blog_names(citation: str) -> list[str]:
    """The blog/aggregator names (``BLOG_NAMES``) the citation text gives."""
    text = citation.lower()
    return [name for name in BLOG_NAMES if name in text]


def classify_row(url: str, citation: str = "") -> tuple[str, str]:
    """(class, reason) of one citation: the worse of its URL host and its text."""
    hosts = [host_of(u) for u in _URL.findall(url)] or ([host_of(url)] if url.strip() else [])
    classes = [(classify_host(h), h) for h in hosts if h]
    named = blog_names(citation)
    if named:
        classes.append(("blog", "citation names " + ", ".join(named)))
    if not classes:
        return "none", ""
    return min(classes, key=lambda c: _RANK[c[0]])


def read_table(path: Path) -> pd.DataFrame:
    """A table as text (csv module: a row with extra cells keeps them in its last column)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    fixed = [r[: len(header) - 1] + [",".join(r[len(header) - 1 :])] for r in body]
    return pd.DataFrame(fixed, columns=header, dtype=str)


def row_key(name: str, row: pd.Series) -> str:
    """``file:key1|key2`` naming a row (first column if the table is not in ``KEY_COLUMNS``)."""
    cols = KEY_COLUMNS.get(name, (row.index[0],))
    return name + ":" + "|".join(str(row[c]) for c in cols if c in row.index)


def audit_table(path: Path, name: str | None = None) -> pd.DataFrame:
    """One row per data row that has a URL or citation column: key, host, class, reason."""
    name = name or path.name
    table = read_table(path)
    url_col = next((c for c in URL_COLUMNS if c in table.columns), None)
    cit_col = next((c for c in CITATION_COLUMNS if c in table.columns), None)
    out = []
    if url_col is None and cit_col is None:
        return pd.DataFrame(columns=["file", "line", "key", "host", "class", "reason"])
    for i, row in table.iterrows():
        url = row[url_col] if url_col else ""
        cit = row[cit_col] if cit_col else ""
        cls, reason = classify_row(url, cit)
        out.append(
            {
                "file": name,
                "line": int(i) + 2,
                "key": row_key(name, row),
                "host": host_of(url) if url.strip() else "",
                "class": cls,
                "reason": reason,
            }
        )
    return pd.DataFrame(out, columns=["file", "line", "key", "host", "class", "reason"])


def note_urls(path: Path) -> list[tuple[str, int, str, str]]:
    """(file, line, host, class) of URLs quoted in a table's ``note`` column."""
    table = read_table(path)
    if "note" not in table.columns:
        return []
    return [
        (path.name, int(i) + 2, host_of(u), classify_host(host_of(u)))
        for i, note in table["note"].items()
        for u in _URL.findall(note)
    ]


def scope(include_all: bool = False) -> list[Path]:
    """The embedded tables audited (all of them with ``include_all``)."""
    paths = sorted(p for d in DATA_DIRS for p in d.glob("*.csv"))
    if include_all:
        return paths
    return [p for p in paths if p.name not in SKIPPED + GENERATED]


def audit(paths: list[Path]) -> pd.DataFrame:
    frames = [audit_table(p) for p in paths]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["file", "line", "key", "host", "class", "reason"])
    return pd.concat(frames, ignore_index=True)


def report(result: pd.DataFrame, out=sys.stdout) -> None:
    counts = Counter(result["class"])
    print("citations by class:", file=out)
    for cls in CLASSES:
        print(f"  {cls:<13}{counts.get(cls, 0):>5}", file=out)
    by_file = result.groupby(["file", "class"]).size().unstack(fill_value=0)
    print("\nby table:\n" + by_file.to_string(), file=out)
    for cls in ("blog", "unclassified"):
        rows = result[result["class"] == cls]
        if rows.empty:
            continue
        print(f"\n{cls} rows ({len(rows)}):", file=out)
        for r in rows.itertuples():
            why = r.reason if r.reason != r.host else ""
            print(f"  {r.file}:{r.line}  {r.key}  [{r.host}] {why}".rstrip(), file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="tables to audit (default: embedded)")
    parser.add_argument("--all", action="store_true", help="include generated and skipped tables")
    parser.add_argument("--notes", action="store_true", help="also list URLs quoted in notes")
    args = parser.parse_args(argv)
    paths = args.files or scope(args.all)
    result = audit(paths)
    report(result)
    if args.notes:
        print("\nURLs in notes (copies read, related pages):")
        for name, line, host, cls in (n for p in paths for n in note_urls(p)):
            print(f"  {name}:{line}  [{host}] {cls}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
