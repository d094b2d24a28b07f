"""Citation audit (``regions/tools/audit_citations.py``): host classes and the shrinking allow-list.

The allow-list of rows still cited to a blog or aggregator is ``tests/citation_allowlist.txt``
(commented there, one row key a line); it may only shrink.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from regions.tools import audit_citations as ac

ALLOW_LIST = Path(__file__).with_name("citation_allowlist.txt")


def _allowed() -> set[str]:
    keys = set()
    for line in ALLOW_LIST.read_text(encoding="utf-8").splitlines():
        key = line.split("  #", 1)[0].strip()
        if key and not key.startswith("#"):
            keys.add(key)
    return keys


@pytest.mark.parametrize(
    ("host", "cls"),
    [
        ("www.bls.gov", "primary"),
        ("kystats.ky.gov", "primary"),  # a state agency, by the .gov suffix
        ("pubs.usgs.gov", "primary"),
        ("fcx.com.", "primary"),  # trailing dot ignored
        ("www.businesswire.com", "primary"),
        ("www.reuters.com", "press"),
        ("pv-magazine-usa.com", "press"),
        ("www.visualcapitalist.com", "blog"),
        ("en.m.wikipedia.org", "blog"),
        ("climateerinvest.blogspot.com", "blog"),
        ("example.invalid", "unclassified"),
        ("", "none"),
    ],
)
def test_classify_host(host, cls):
    assert ac.classify_host(host.rstrip(".").removeprefix("www.") if host else host) == cls
    assert ac.classify_host(ac.host_of(f"https://{host}/x") if host else "") == cls


def test_audit_tiny_table(tmp_path):
    path = tmp_path / "parameters.csv"
    path.write_text(
        "parameter,unit,low,base,high,kind,citation,url,vintage,note\n"
        "a,x,1,1,1,sourced,US BLS CES,https://www.bls.gov/sae/,2025,\n"
        "b,x,1,1,1,sourced,Reuters,https://www.reuters.com/a,2025,\n"
        "c,x,1,1,1,sourced,Map,https://www.voronoiapp.com/maps/x,2025,\n"
        'd,x,1,1,1,sourced,"BLS via Visual Capitalist, Apr 2025",https://www.bls.gov/sae/,2025,\n'
        "e,x,1,1,1,assumption,,,2026,\n"
        "f,x,1,1,1,sourced,Someone,https://example.invalid/p,2025,see https://x.blogspot.com/\n",
        encoding="utf-8",
    )
    result = ac.audit_table(path)
    assert dict(zip(result["key"], result["class"], strict=True)) == {
        "parameters.csv:a": "primary",
        "parameters.csv:b": "press",
        "parameters.csv:c": "blog",
        "parameters.csv:d": "blog",  # the citation text names the aggregator
        "parameters.csv:e": "none",
        "parameters.csv:f": "unclassified",  # a URL in the note is not the citation
    }
    assert result.set_index("key").loc["parameters.csv:d", "reason"] == (
        "citation names visual capitalist"
    )
    out = io.StringIO()
    ac.report(result, out=out)
    text = out.getvalue()
    assert "  blog             2" in text and "  primary          1" in text
    assert "parameters.csv:c" in text and "parameters.csv:a " not in text
    assert ac.note_urls(path) == [("parameters.csv", 7, "x.blogspot.com", "blog")]


def test_host_lists_do_not_overlap():
    assert not ac.PRIMARY_HOSTS & ac.PRESS_HOSTS
    assert not ac.PRIMARY_HOSTS & ac.BLOG_HOSTS
    assert not ac.PRESS_HOSTS & ac.BLOG_HOSTS


def test_scope_skips_generated_and_permitting_tables():
    names = {p.name for p in ac.scope()}
    assert {"parameters.csv", "technologies.csv", "facilities.csv", "sources.csv"} <= names
    assert not names & set(ac.SKIPPED + ac.GENERATED)


def test_embedded_citations_blog_only_on_allow_list():
    result = ac.audit(ac.scope())
    unclassified = result[result["class"] == "unclassified"]
    assert unclassified.empty, "classify these hosts in audit_citations.py:\n" + "\n".join(
        f"{r.file}:{r.line} {r.host}" for r in unclassified.itertuples()
    )
    blog = result[result["class"] == "blog"]
    assert not blog["key"].duplicated().any()
    allowed = _allowed()
    new = sorted(set(blog["key"]) - allowed)
    assert not new, (
        "blog/aggregator citation(s) not on the allow-list (cite a primary source):\n"
        + ("\n".join(new))
    )
    stale = sorted(allowed - set(blog["key"]))
    assert not stale, "no longer blog-cited; delete from citation_allowlist.txt:\n" + "\n".join(
        stale
    )
