#!/usr/bin/env bash
# Regenerate outputs/assets/vendor/ from the npm registry: the JS/CSS that folium 0.20 loads from
# CDNs, at the versions folium references, with each package's licence, plus MANIFEST.json
# (CDN url -> local file, package@version, sha256) that outputs/offline.py reads.
#
# Usage: bash outputs/tools/vendor_assets.sh        (needs npm and python3; run from anywhere)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="$(cd "$HERE/.." && pwd)/assets/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# package@version | files to copy from the package (relative to package/) | licence file
PACKAGES=(
  "leaflet@1.9.3|dist/leaflet.js dist/leaflet.css dist/images/layers.png dist/images/layers-2x.png dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png|LICENSE"
  "jquery@3.7.1|dist/jquery.min.js|LICENSE.txt"
  "bootstrap@5.2.2|dist/js/bootstrap.bundle.min.js dist/css/bootstrap.min.css|LICENSE"
  "leaflet.awesome-markers@2.0.4|dist/leaflet.awesome-markers.js|LICENSE"
  "leaflet.markercluster@1.1.0|dist/leaflet.markercluster.js dist/MarkerCluster.css dist/MarkerCluster.Default.css|MIT-LICENCE.txt"
  "leaflet.sync@0.2.4|L.Map.Sync.js|LICENSE"
)

rm -rf "$DEST"
mkdir -p "$DEST/stubs"
for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r spec files licence <<<"$entry"
  (cd "$WORK" && npm pack --silent "$spec" >/dev/null)
  tgz="$(ls "$WORK"/*.tgz)"
  mkdir -p "$WORK/x"
  tar xzf "$tgz" -C "$WORK/x"
  for f in $files; do
    # keep the path below dist/ so that relative url(images/...) in CSS still resolves
    rel="${f#dist/}"
    mkdir -p "$DEST/$spec/$(dirname "$rel")"
    cp "$WORK/x/package/$f" "$DEST/$spec/$rel"
  done
  cp "$WORK/x/package/$licence" "$DEST/$spec/LICENSE"
  rm -rf "$WORK/x" "$tgz"
done

# Stubs for CDN stylesheets whose content the clustersite maps never use (icon fonts, glyphicons,
# rotated awesome-marker icons). Replacing them keeps the vendored size small; see README.md.
for stub in fontawesome-free-6.2.0-all.min.css bootstrap-glyphicons-3.0.0.css leaflet.awesome.rotate.min.css \
  leaflet.awesome-markers-2.0.2.css; do
  printf '/* clustersite offline stub for %s: not used by clustersite maps (no icon fonts). */\n' "$stub" \
    >"$DEST/stubs/$stub"
done

python3 - "$DEST" <<'PY'
import hashlib, json, sys
from pathlib import Path

dest = Path(sys.argv[1])
assets = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": ("leaflet@1.9.3/leaflet.js", "BSD-2-Clause", ""),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": ("leaflet@1.9.3/leaflet.css", "BSD-2-Clause", ""),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery@3.7.1/jquery.min.js", "MIT", ""),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": ("bootstrap@5.2.2/js/bootstrap.bundle.min.js", "MIT", ""),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": ("bootstrap@5.2.2/css/bootstrap.min.css", "MIT", ""),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": ("leaflet.awesome-markers@2.0.4/leaflet.awesome-markers.js", "MIT", "CDN serves 2.0.2, which is not on the npm registry; 2.0.4 is the nearest published version"),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": ("stubs/leaflet.awesome-markers-2.0.2.css", "", "stub: awesome-marker icons (which need Font Awesome) are not used by clustersite maps"),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": ("leaflet.markercluster@1.1.0/leaflet.markercluster.js", "MIT", ""),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": ("leaflet.markercluster@1.1.0/MarkerCluster.css", "MIT", ""),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": ("leaflet.markercluster@1.1.0/MarkerCluster.Default.css", "MIT", ""),
    "https://cdn.jsdelivr.net/gh/jieter/Leaflet.Sync/L.Map.Sync.min.js": ("leaflet.sync@0.2.4/L.Map.Sync.js", "MIT", "CDN serves the unversioned GitHub head (minified); npm leaflet.sync@0.2.4 is the latest release"),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": ("stubs/fontawesome-free-6.2.0-all.min.css", "", "stub: Font Awesome icons are not used by clustersite maps"),
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": ("stubs/bootstrap-glyphicons-3.0.0.css", "", "stub: glyphicons are not used by clustersite maps"),
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": ("stubs/leaflet.awesome.rotate.min.css", "", "stub: rotated awesome-marker icons are not used by clustersite maps"),
}


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


out = {"assets": {}, "files": {}}
for url, (file, licence, note) in assets.items():
    path = dest / file
    package = file.split("/")[0] if not file.startswith("stubs/") else ""
    out["assets"][url] = {"file": file, "package": package, "licence": licence, "sha256": sha(path), "note": note}
for path in sorted(dest.rglob("*")):
    if path.is_file() and path.name != "MANIFEST.json" and path.name != "README.md":
        out["files"][path.relative_to(dest).as_posix()] = sha(path)
(dest / "MANIFEST.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
PY

cat >"$DEST/README.md" <<'MD'
# Vendored map assets

Regenerated by `outputs/tools/vendor_assets.sh` from the npm registry. `MANIFEST.json` maps each
CDN URL that folium 0.20 writes into a map to the local copy (package@version, sha256);
`outputs/offline.py` inlines these files when a map or report is written with `offline=True`.

| package | licence | files |
| --- | --- | --- |
| leaflet@1.9.3 | BSD-2-Clause (`leaflet@1.9.3/LICENSE`) | leaflet.js, leaflet.css, images/ |
| jquery@3.7.1 | MIT (`jquery@3.7.1/LICENSE`) | jquery.min.js |
| bootstrap@5.2.2 | MIT (`bootstrap@5.2.2/LICENSE`) | js/bootstrap.bundle.min.js, css/bootstrap.min.css |
| leaflet.awesome-markers@2.0.4 | MIT (`leaflet.awesome-markers@2.0.4/LICENSE`) | JS only (the CDN serves 2.0.2, not published on npm) |
| leaflet.markercluster@1.1.0 | MIT (`leaflet.markercluster@1.1.0/LICENSE`) | JS, CSS |
| leaflet.sync@0.2.4 | MIT (`leaflet.sync@0.2.4/LICENSE`) | L.Map.Sync.js (the CDN serves the unversioned GitHub head) |

Stubs (`stubs/`): Font Awesome 6.2.0 CSS (and its web fonts), Bootstrap 3 glyphicons CSS, the
Leaflet.awesome-markers CSS (and its marker sprites) and folium's awesome-rotate CSS are replaced
by empty stylesheets. clustersite maps draw circle markers and DivIcons only, so no icon font or
marker sprite is needed; a map that used `folium.Icon` markers would show them online but not in
an offline file.
MD
echo "vendored into $DEST: $(du -sh "$DEST" | cut -f1)"
