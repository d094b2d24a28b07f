"""The app page's stylesheet and HTML shell (Dash's ``index_string``): the styles, and the
listener that passes a state action from the map (``mapclick``) to the app's callbacks."""

from __future__ import annotations

from .mapclick import MESSAGE_SOURCE

CSS = """
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       background: #f4f5f7; }
header { background: #1f3a5f; color: white; padding: 10px 18px; display: flex;
         align-items: baseline; gap: 16px; }
header h1 { font-size: 19px; margin: 0; }
header span { opacity: .8; font-size: 13px; }
.desk { display: flex; gap: 12px; padding: 12px; align-items: flex-start; }
.levers { width: 330px; flex: none; background: white; border-radius: 6px; padding: 10px 14px;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); font-size: 13px; max-height: calc(100vh - 80px);
          overflow-y: auto; overflow-x: hidden; box-sizing: border-box; }
.levers h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #1f3a5f;
             margin: 14px 0 6px; border-bottom: 1px solid #e3e6ea; padding-bottom: 3px; }
.levers label { display: block; margin: 6px 0 2px; color: #444; }
.levers input[type=text] { width: 100%; box-sizing: border-box;
          padding: 4px 6px; border: 1px solid #c8ccd2; border-radius: 4px; font-size: 13px; }
.row { display: flex; gap: 6px; align-items: center; }
.row > * { flex: 1; min-width: 0; }
.main { flex: 1; min-width: 0; }
.panel { background: white; border-radius: 6px; padding: 10px 14px; margin-bottom: 12px;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { flex: 1 1 150px; background: white; border-radius: 6px; padding: 8px 12px;
        box-shadow: 0 1px 3px rgba(0,0,0,.12); border-top: 3px solid #1f3a5f; }
.card .label { font-size: 12px; color: #555; }
.card .value { font-size: 20px; font-weight: 600; margin: 2px 0; }
.card .note { font-size: 11px; color: #666; }
.card.battery { border-top-color: #1b7837; } .card.magnet { border-top-color: #762a83; }
.card.solar { border-top-color: #e66101; }
.card.rule { border: 2px solid #b3261e; border-top-width: 3px; color: #5f1410; }
.banner { background: #fdecea; border: 2px solid #b3261e; color: #5f1410; border-radius: 6px;
          padding: 8px 14px; margin-bottom: 10px; font-size: 13px; }
.banner ul { margin: 4px 0 0; padding-left: 18px; }
iframe.map { width: 100%; height: 540px; border: 0; border-radius: 6px; background: #eef; }
iframe.report { width: 100%; height: 760px; border: 0; border-radius: 6px; background: white; }
.buttons { display: flex; gap: 6px; margin-top: 10px; flex-wrap: wrap; }
button { background: #1f3a5f; color: white; border: 0; border-radius: 4px; padding: 6px 12px;
         font-size: 13px; cursor: pointer; }
button.secondary { background: #e3e6ea; color: #222; }
button:disabled { opacity: .45; cursor: default; }
.error { color: #b00020; font-size: 13px; margin-top: 6px; white-space: pre-wrap; }
.status { font-size: 13px; color: #333; margin-top: 6px; min-height: 18px; }
.hint { font-size: 11px; color: #666; margin-top: 2px; }
progress { width: 100%; height: 10px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
table.cmp { border-collapse: collapse; width: 100%; font-size: 13px; }
table.cmp th, table.cmp td { border-bottom: 1px solid #e3e6ea; padding: 4px 8px; text-align: right; }
table.cmp th:first-child, table.cmp td:first-child { text-align: left; }
table.cmp td.pos { color: #a4260e; } table.cmp td.neg { color: #0a6b2d; }
.tablebox { max-width: 100%; overflow-x: auto; }
.why li { margin: 3px 0; font-size: 13px; }
.overrides { font-size: 12px; color: #444; margin-top: 4px; }
.upload { border: 1px dashed #9aa3ad; border-radius: 4px; padding: 6px; text-align: center;
          color: #555; cursor: pointer; margin-top: 6px; }
.options { margin-top: 8px; }
"""

LISTENER = (
    """<script>
window.addEventListener('message', function (e) {
  var d = e.data;
  if (e.origin !== window.location.origin || !d || d.source !== '"""
    + MESSAGE_SOURCE
    + """') { return; }
  if (window.dash_clientside && window.dash_clientside.set_props) {
    window.dash_clientside.set_props('map-action', {data: {action: d.action, region: d.region,
      type: d.type, at: Date.now()}});
  }
});
</script>"""
)

INDEX = (
    """<!DOCTYPE html>
<html lang="en"><head>{%metas%}<title>clustersite: planner's desk</title>{%favicon%}{%css%}
<style>"""
    + CSS
    + """</style></head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer>"""
    + LISTENER
    + """</body></html>"""
)

__all__ = ["CSS", "INDEX", "LISTENER"]
