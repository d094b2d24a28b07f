"""The page: levers on the left; result, compare and analyses tabs on the right.

Component ids are stable (the browser test and the callbacks use them). ``page(desk)`` is called
on every page load, so each browser tab gets its own session id.
"""

from __future__ import annotations

from dash import dcc, html

import optimizer
from optimizer import CAPACITY_UNITS, CLUSTER_TYPES

from .levers import OBJECTIVES, objective_supported
from .views import TYPE_NOUNS

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
          overflow-y: auto; overflow-x: hidden; }
.levers h3 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #1f3a5f;
             margin: 14px 0 6px; border-bottom: 1px solid #e3e6ea; padding-bottom: 3px; }
.levers label { display: block; margin: 6px 0 2px; color: #444; }
.levers input[type=number], .levers input[type=text] { width: 100%; box-sizing: border-box;
          padding: 4px 6px; border: 1px solid #c8ccd2; border-radius: 4px; font-size: 13px; }
.row { display: flex; gap: 6px; align-items: center; }
.row > * { flex: 1; }
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
iframe.map { width: 100%; height: 540px; border: 0; border-radius: 6px; background: #eef; }
.buttons { display: flex; gap: 6px; margin-top: 10px; flex-wrap: wrap; }
button { background: #1f3a5f; color: white; border: 0; border-radius: 4px; padding: 6px 12px;
         font-size: 13px; cursor: pointer; }
button.secondary { background: #e3e6ea; color: #222; }
button:disabled { opacity: .45; cursor: default; }
.error { color: #b00020; font-size: 13px; margin-top: 6px; white-space: pre-wrap; }
.status { font-size: 13px; color: #333; margin-top: 6px; min-height: 18px; }
progress { width: 100%; height: 10px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
table.cmp { border-collapse: collapse; width: 100%; font-size: 13px; }
table.cmp th, table.cmp td { border-bottom: 1px solid #e3e6ea; padding: 4px 8px; text-align: right; }
table.cmp th:first-child, table.cmp td:first-child { text-align: left; }
.why li { margin: 3px 0; font-size: 13px; }
.overrides { font-size: 12px; color: #444; margin-top: 4px; }
.upload { border: 1px dashed #9aa3ad; border-radius: 4px; padding: 6px; text-align: center;
          color: #555; cursor: pointer; margin-top: 6px; }
"""

INDEX = (
    """<!DOCTYPE html>
<html lang="en"><head>{%metas%}<title>clustersite: planner's desk</title>{%favicon%}{%css%}
<style>"""
    + CSS
    + """</style></head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body></html>"""
)


GRAPH_CONFIG = {"displayModeBar": False}
EMPTY_FIGURE = {
    "data": [],
    "layout": {
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "height": 300,
        "annotations": [
            {"text": "solve a scenario", "showarrow": False, "font": {"color": "#888"}}
        ],
    },
}


def _number(id_: str, value: float | None = None, step: float | str = "any", **kw) -> dcc.Input:
    return dcc.Input(id=id_, type="number", value=value, step=step, debounce=True, **kw)


def lever_panel(data) -> html.Div:
    """The lever form (values are filled from the chosen scenario by a callback)."""
    zones = [{"label": "none", "value": ""}] + [{"label": z, "value": z} for z in data.zones]
    states = [
        {"label": f"{data.regions.at[r, 'name']} ({r})", "value": r} for r in data.regions.index
    ]
    targets, zone_rows = [], []
    for k in CLUSTER_TYPES:
        targets += [
            html.Label(f"{TYPE_NOUNS[k]} [{CAPACITY_UNITS[k]}]", htmlFor=f"target-{k}"),
            _number(f"target-{k}", min=0),
        ]
        zone_rows += [
            html.Label(TYPE_NOUNS[k]),
            html.Div(
                [
                    dcc.Dropdown(id=f"zone-{k}", options=zones, clearable=False),
                    dcc.Dropdown(
                        id=f"mode-{k}",
                        options=[{"label": m, "value": m} for m in ("restrict", "favour")],
                        clearable=False,
                    ),
                ],
                className="row",
            ),
        ]
    objective_note = (
        "the siting minimises this cost view"
        if objective_supported()
        else "this model version minimises system cost only"
    )
    return html.Div(
        [
            html.H3("Scenario"),
            dcc.Dropdown(id="scenario", clearable=False),
            dcc.Upload(
                id="upload",
                children=html.Div("Upload a scenario TOML (drop or click)"),
                className="upload",
                accept=".toml",
            ),
            html.Label("Name", htmlFor="name"),
            dcc.Input(id="name", type="text", debounce=True),
            html.Label("Objective view"),
            dcc.RadioItems(
                id="objective",
                options=[
                    {"label": f" {o}", "value": o, "disabled": not objective_supported()}
                    for o in OBJECTIVES
                ],
                inline=True,
            ),
            html.Div(objective_note, className="overrides"),
            html.H3("National targets"),
            *targets,
            html.H3("Designated zones"),
            *zone_rows,
            html.H3("Policy"),
            html.Label("Green-lane factor (share of usual permitting months in the zone)"),
            dcc.Slider(id="green", min=0, max=1, step=0.05, marks={0: "0", 0.5: "0.5", 1: "1"}),
            html.Label("Federal co-investment: lower cost of capital [fraction]"),
            dcc.Slider(
                id="coinvest",
                min=0,
                max=0.05,
                step=0.005,
                marks={0: "0", 0.02: "2 pp", 0.05: "5 pp"},
            ),
            dcc.Checklist(
                id="credit45x", options=[{"label": " 45X manufacturing credit", "value": "on"}]
            ),
            html.H3("Multipliers (all states)"),
            html.Div(
                [
                    html.Div([html.Label("Power price ×"), _number("power", min=0)]),
                    html.Div([html.Label("Wage ×"), _number("wage", min=0)]),
                ],
                className="row",
            ),
            html.H3("By state or zone"),
            html.Div(
                [
                    dcc.Dropdown(
                        id="state-table",
                        options=[
                            {
                                "label": "State incentive [share of capex]",
                                "value": "state_incentives",
                            },
                            {"label": "Power price ×", "value": "power_price_by_region"},
                            {"label": "Wage ×", "value": "wage_by_region"},
                        ],
                        value="state_incentives",
                        clearable=False,
                    ),
                ]
            ),
            dcc.Dropdown(
                id="state-where",
                options=[{"label": f"zone: {z}", "value": f"zone:{z}"} for z in data.zones]
                + states,
                placeholder="state or zone",
            ),
            html.Div(
                [
                    _number("state-value", min=0, placeholder="value"),
                    html.Button("Set", id="state-set", className="secondary"),
                    html.Button("Clear", id="state-clear", className="secondary"),
                ],
                className="row",
                style={"marginTop": "4px"},
            ),
            html.Div(id="state-overrides", className="overrides"),
            html.H3("Excluded states"),
            dcc.Dropdown(id="excluded", options=states, multi=True, placeholder="none"),
            html.Div(
                [
                    html.Button("Solve", id="solve"),
                    html.Button("Cancel", id="cancel", className="secondary", disabled=True),
                ],
                className="buttons",
            ),
            html.Progress(id="progress", style={"visibility": "hidden"}),
            html.Div(id="status", className="status"),
            html.Div(id="error", className="error"),
            html.Div(
                [
                    html.Button("Scenario TOML", id="get-toml", className="secondary"),
                    html.Button("Run folder (zip)", id="get-zip", className="secondary"),
                ],
                className="buttons",
            ),
            dcc.Download(id="download"),
        ],
        className="levers",
    )


def result_tab() -> dcc.Tab:
    """KPI cards, the map, two charts and "why this state"."""
    return dcc.Tab(
        label="Result",
        value="result",
        children=[
            html.Div(id="cards", className="cards", style={"margin": "10px 0"}),
            html.Div(html.Iframe(id="map", className="map"), className="panel"),
            html.Div(
                [
                    html.Div(
                        dcc.Graph(id="cost-chart", figure=EMPTY_FIGURE, config=GRAPH_CONFIG),
                        className="panel",
                    ),
                    html.Div(
                        dcc.Graph(id="capacity-chart", figure=EMPTY_FIGURE, config=GRAPH_CONFIG),
                        className="panel",
                    ),
                ],
                className="charts",
            ),
            html.Div(
                [html.H4("Why these states"), html.Ul(id="why", className="why")], className="panel"
            ),
        ],
    )


def compare_tab() -> dcc.Tab:
    """Two scenario pickers, the side-by-side maps, indicators and cost chart."""
    return dcc.Tab(
        label="Compare",
        value="compare",
        children=[
            html.Div(
                [
                    html.Div(
                        [
                            dcc.Dropdown(id="cmp-a", value="builtin:great-lakes", clearable=False),
                            dcc.Dropdown(id="cmp-b", value="builtin:south", clearable=False),
                            html.Button("Compare", id="cmp-go"),
                        ],
                        className="row",
                    ),
                    html.Div(id="cmp-error", className="error"),
                ],
                className="panel",
                style={"marginTop": "10px"},
            ),
            html.Div(html.Iframe(id="cmp-map", className="map"), className="panel"),
            html.Div(
                [
                    html.Div(id="cmp-table", className="panel"),
                    html.Div(
                        dcc.Graph(id="cmp-chart", figure=EMPTY_FIGURE, config=GRAPH_CONFIG),
                        className="panel",
                    ),
                ],
                className="charts",
            ),
        ],
    )


def analysis_tab() -> dcc.Tab:
    """Regret or a small Monte Carlo on the current result, in the background."""
    return dcc.Tab(
        label="Regret and Monte Carlo",
        value="analysis",
        children=[
            html.Div(
                [
                    html.P(
                        "Runs on the scenario of the current result. Regret: the extra annual "
                        "cost of forcing a minimum-scale cluster into each state. Monte Carlo: "
                        "Latin-hypercube samples of the cost ranges; P(cluster sited) by state."
                    ),
                    html.Div(
                        [
                            dcc.RadioItems(
                                id="an-kind",
                                options=[
                                    {"label": " regret", "value": "regret"},
                                    {"label": " Monte Carlo", "value": "montecarlo"},
                                ],
                                value="regret",
                                inline=True,
                            ),
                            dcc.Dropdown(
                                id="an-type",
                                options=[
                                    {"label": TYPE_NOUNS[k], "value": k} for k in CLUSTER_TYPES
                                ],
                                value="battery",
                                clearable=False,
                            ),
                            html.Div([html.Label("runs"), _number("an-runs", 20, step=1, min=1)]),
                            html.Div([html.Label("seed"), _number("an-seed", 0, step=1, min=0)]),
                        ],
                        className="row",
                    ),
                    html.Div(
                        [
                            html.Button("Run", id="an-go"),
                            html.Button(
                                "Cancel", id="an-cancel", className="secondary", disabled=True
                            ),
                        ],
                        className="buttons",
                    ),
                    html.Progress(id="an-progress", max=1, style={"visibility": "hidden"}),
                    html.Div(id="an-status", className="status"),
                    html.Div(id="an-error", className="error"),
                ],
                className="panel",
                style={"marginTop": "10px"},
            ),
            html.Div(html.Iframe(id="an-map", className="map"), className="panel"),
            html.Div(
                [html.Ul(id="an-why", className="why"), html.Div(id="an-table")], className="panel"
            ),
        ],
    )


def page(desk) -> html.Div:
    """The whole page for one browser tab (a new session each load)."""
    session = desk.sessions.new()
    return html.Div(
        [
            dcc.Store(id="session", data=session.id),
            dcc.Interval(id="tick", interval=250, disabled=True),
            dcc.Interval(id="an-tick", interval=500, disabled=True),
            html.Header(
                [
                    html.H1("clustersite: planner's desk"),
                    html.Span(
                        "Where should the US build battery-cell, NdFeB-magnet and solar-module "
                        f"clusters? Built-in scenarios: {', '.join(optimizer.builtin_scenarios())}."
                    ),
                ]
            ),
            html.Div(
                [
                    lever_panel(desk.data),
                    html.Div(
                        dcc.Tabs(
                            id="tabs",
                            value="result",
                            children=[result_tab(), compare_tab(), analysis_tab()],
                        ),
                        className="main",
                    ),
                ],
                className="desk",
            ),
        ]
    )


__all__ = ["INDEX", "page"]
