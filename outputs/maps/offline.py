"""Self-contained HTML (the default): replace the CDN ``<script src>``/``<link href>`` tags folium
writes with the vendored files (``outputs/assets/vendor``, listed in its ``MANIFEST.json``) inlined.

Images referenced by vendored CSS (``url(images/…)``) become ``data:`` URIs, so a page opens with
no network. Maps have no tile layer unless asked for (``--tiles``): the state polygons are the
basemap. ``--cdn`` keeps the CDN links instead (smaller files that need internet).
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

VENDOR_DIR = Path(__file__).parent.parent / "assets" / "vendor"
MANIFEST_PATH = VENDOR_DIR / "MANIFEST.json"

_SCRIPT_TAG = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*[\"'](?P<url>[^\"']+)[\"'][^>]*>\s*</script\s*>", re.IGNORECASE
)
_LINK_TAG = re.compile(
    r"<link\b[^>]*?\bhref\s*=\s*[\"'](?P<url>[^\"']+)[\"'][^>]*?/?>", re.IGNORECASE
)
_ASSET_TAG = re.compile(
    _SCRIPT_TAG.pattern.replace("?P<url>", "?P<surl>")
    + "|"
    + _LINK_TAG.pattern.replace("?P<url>", "?P<lurl>"),
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"url\(\s*(?P<q>[\"']?)(?P<ref>[^\"')]+)(?P=q)\s*\)")
_SOURCE_MAP = re.compile(
    r"^\s*(//[#@] sourceMappingURL=.*|/\*[#@] sourceMappingURL=.*?\*/)\s*$", re.M
)


class OfflineAssetError(ValueError):
    """A remote asset has no vendored copy, or a vendored file is missing or altered."""


@dataclass(frozen=True)
class Asset:
    """One vendored file standing in for a CDN URL."""

    url: str
    path: Path
    package: str
    sha256: str
    note: str


@lru_cache(maxsize=1)
def manifest() -> dict[str, Asset]:
    """The vendored assets by CDN URL, read from ``MANIFEST.json``."""
    doc = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    return {
        url: Asset(url, VENDOR_DIR / row["file"], row["package"], row["sha256"], row["note"])
        for url, row in doc["assets"].items()
    }


def _is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def remote_assets(html: str) -> list[str]:
    """URLs of remote ``<script src>`` and stylesheet ``<link href>`` tags in ``html``."""
    urls = [m["url"] for m in _SCRIPT_TAG.finditer(html)]
    urls += [m["url"] for m in _LINK_TAG.finditer(html) if _is_stylesheet(m.group(0))]
    return [u for u in urls if _is_remote(u)]


def _is_stylesheet(tag: str) -> bool:
    return re.search(r"\brel\s*=\s*[\"']?stylesheet", tag, re.IGNORECASE) is not None


@lru_cache(maxsize=64)
def _read(url: str) -> str:
    asset = manifest().get(url)
    if asset is None:
        raise OfflineAssetError(
            f"no vendored copy of {url}; add it to outputs/tools/vendor_assets.sh and re-run it"
        )
    try:
        raw = asset.path.read_bytes()
    except FileNotFoundError:
        raise OfflineAssetError(f"vendored file {asset.path} for {url} is missing") from None
    if hashlib.sha256(raw).hexdigest() != asset.sha256:
        raise OfflineAssetError(f"vendored file {asset.path} does not match MANIFEST.json sha256")
    text = _SOURCE_MAP.sub("", raw.decode("utf-8"))
    if asset.path.suffix == ".css":
        text = _embed_css_urls(text, asset.path.parent)
    return text


def _embed_css_urls(css: str, folder: Path) -> str:
    """Replace relative ``url(...)`` references in CSS with ``data:`` URIs of vendored files."""

    def embed(match: re.Match[str]) -> str:
        ref = match["ref"].strip()
        if ref.startswith(("data:", "#")) or _is_remote(ref):
            return match.group(0)
        path = (folder / ref.split("?")[0].split("#")[0]).resolve()
        if not path.is_relative_to(VENDOR_DIR.resolve()) or not path.is_file():
            raise OfflineAssetError(f"CSS in {folder} references {ref}, which is not vendored")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{data}")'

    return _CSS_URL.sub(embed, css)


def inline_assets(html: str) -> str:
    """Return ``html`` with every remote script and stylesheet replaced by its vendored content.

    Raises OfflineAssetError if a remote asset has no vendored copy, so an "offline" file never
    silently depends on the network.
    """

    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        if match["surl"] is not None:
            url = match["surl"]
            if not _is_remote(url):
                return tag
            body = re.sub(r"</(script)", r"<\\/\1", _read(url), flags=re.IGNORECASE)
            return f"<script>/* {url} (vendored) */\n{body}\n</script>"
        url = match["lurl"]
        if not (_is_remote(url) and _is_stylesheet(tag)):
            return tag
        body = re.sub(r"</(style)", r"<\\/\1", _read(url), flags=re.IGNORECASE)
        return f"<style>/* {url} (vendored) */\n{body}\n</style>"

    # one pass over the original tags, so text inside inlined files is never rewritten
    return _ASSET_TAG.sub(replace, html)


def vendored_size_bytes() -> int:
    """Total size of the vendored folder [bytes]."""
    return sum(p.stat().st_size for p in VENDOR_DIR.rglob("*") if p.is_file())
