"""The page: levers on the left; a red banner of rules missed, then the result, compare and
analyses tabs on the right.

Component ids are stable (the browser tests and the callbacks use them). ``page(desk)`` is
called on every page load; the tab's session id is kept in the browser's session storage, so a
reload of the page comes back to the same scenario, levers and result.
"""

from __future__ import annotations

import uuid

from dash import dcc, html

from optimizer import CAPACITY_UNITS, CLUSTER_TYPES

from .analyses import KIND_LABELS, KINDS
from .levers import OBJECTIVES, objective_supported
from .state import desk_builtins
from .style import INDEX
from .views import TYPE_NOUNS

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


def _text(id_: str, value: str = "", **kw) -> dcc.Input:
    """A text box for a number: the app reads what was typed and refuses a bad value with the
    command line's message (a number box would pass nothing on and keep the old value)."""
    return dcc.Input(id=id_, type="text", value=value, debounce=True, **kw)


def lever_panel(desk) -> html.Div:
    """The lever form (values are filled from the chosen scenario by a callback)."""
    data = desk.data
    zones = [{"label": "none", "value": ""}] + [{"label": z, "value": z} for z in data.zones]
    states = [
        {"label": f"{data.regions.at[r, 'name']} ({r})", "value": r} for r in data.regions.index
    ]
    targets, zone_rows = [], []
    for k in CLUSTER_TYPES:
        targets += [
            html.Label(f"{TYPE_NOUNS[k]} [{CAPACITY_UNITS[k]}]", htmlFor=f"target-{k}"),
            _text(f"target-{k}", inputMode="decimal"),
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
            html.Div(
                "An edited scenario is called '<name> (edited)'; type a name to rename it.",
                className="hint",
            ),
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
                    html.Div([html.Label("Power price ×"), _text("power", inputMode="decimal")]),
                    html.Div([html.Label("Wage ×"), _text("wage", inputMode="decimal")]),
                ],
                className="row",
            ),
            html.H3("By state or zone"),
            dcc.Dropdown(
                id="state-table",
                options=[
                    {"label": "State incentive [share of capex]", "value": "state_incentives"},
                    {"label": "Power price ×", "value": "power_price_by_region"},
                    {"label": "Wage ×", "value": "wage_by_region"},
                ],
                value="state_incentives",
                clearable=False,
            ),
            dcc.Dropdown(
                id="state-where",
                options=[{"label": f"zone: {z}", "value": f"zone:{z}"} for z in data.zones]
                + states,
                placeholder="state or zone",
            ),
            html.Div(
                [
                    _text("state-value", placeholder="value"),
                    html.Button("Set", id="state-set", className="secondary"),
                    html.Button("Clear", id="state-clear", className="secondary"),
                ],
                className="row",
                style={"marginTop": "4px"},
            ),
            html.Div(id="state-overrides", className="overrides"),
            html.H3("Excluded states"),
            dcc.Dropdown(id="excluded", options=states, multi=True, placeholder="none"),
            html.H3("Forced sites"),
            html.Div(id="forced", className="overrides"),
            html.Div(
                "Click a state on the map to exclude it or force a site there.",
                className="hint",
            ),
            html.Button("Clear forced sites", id="forced-clear", className="secondary"),
            html.Div(
                [
                    html.Button("Solve", id="solve"),
                    html.Button("Cancel", id="cancel", className="secondary", disabled=True),
                    html.Button("Save", id="save", className="secondary"),
                ],
                className="buttons",
            ),
            html.Progress(id="progress", style={"visibility": "hidden"}),
            html.Div(id="status", className="status"),
            html.Div(id="error", className="error"),
            html.Div(
                f"Saved scenarios: {desk.library.folder} (clustersite run FILE runs them)",
                id="saved-folder",
                className="hint",
            ),
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
    """Two or more scenarios: delta table, difference charts, side-by-side map, the report."""
    return dcc.Tab(
        label="Compare",
        value="compare",
        children=[
            html.Div(
                [
                    dcc.Dropdown(
                        id="cmp-choices",
                        multi=True,
                        value=["builtin:great-lakes", "builtin:south"],
                        placeholder="two or more scenarios; the first is the reference",
                    ),
                    html.Div(
                        [
                            html.Button("Compare", id="cmp-go"),
                            html.Button(
                                "Download the comparison report",
                                id="cmp-report",
                                className="secondary",
                            ),
                        ],
                        className="buttons",
                    ),
                    html.Div(id="cmp-status", className="status"),
                    html.Div(id="cmp-error", className="error"),
                    dcc.Download(id="cmp-download"),
                ],
                className="panel",
                style={"marginTop": "10px"},
            ),
            html.Div(id="cmp-banner"),
            html.Div(html.Div(id="cmp-table", className="tablebox"), className="panel"),
            html.Div(id="cmp-waterfalls"),
            html.Div(html.Iframe(id="cmp-map", className="map"), className="panel"),
        ],
    )


def _option(kind: str, children: list) -> html.Div:
    return html.Div(children, id=f"an-opts-{kind}", className="options")


def analysis_tab(desk) -> dcc.Tab:
    """Every analysis of the command line on the current result, in the background."""
    states = [{"label": f"{n} ({r})", "value": r} for r, n in desk.data.regions["name"].items()]
    zones = list(desk.data.zones)
    goals = ["min_overlap", "max_states", *(f"max_zone:{z}" for z in zones)]
    return dcc.Tab(
        label="Analyses",
        value="analysis",
        children=[
            html.Div(
                [
                    html.P(
                        "Runs on the scenario of the current result, as the command line does, "
                        "and shows the report it writes."
                    ),
                    dcc.RadioItems(
                        id="an-kind",
                        options=[{"label": f" {KIND_LABELS[k]}", "value": k} for k in KINDS],
                        value="regret",
                        inline=True,
                    ),
                    _option(
                        "regret",
                        [
                            dcc.Dropdown(
                                id="an-type",
                                options=[
                                    {"label": TYPE_NOUNS[k], "value": k} for k in CLUSTER_TYPES
                                ],
                                value="battery",
                                clearable=False,
                            ),
                            dcc.Dropdown(
                                id="an-regions",
                                options=states,
                                multi=True,
                                placeholder="every state (or choose some)",
                            ),
                        ],
                    ),
                    _option(
                        "montecarlo",
                        [
                            html.Div(
                                [
                                    html.Div([html.Label("runs"), _text("an-runs", "20")]),
                                    html.Div([html.Label("seed"), _text("an-seed", "0")]),
                                ],
                                className="row",
                            )
                        ],
                    ),
                    _option(
                        "sweep",
                        [
                            html.Label("parameters (default: the scenario's levers)"),
                            dcc.Dropdown(id="an-params", multi=True),
                        ],
                    ),
                    _option(
                        "breakeven",
                        [
                            html.Label("scenario B"),
                            dcc.Dropdown(id="an-other"),
                            html.Label("parameter"),
                            dcc.Dropdown(id="an-parameter"),
                            html.Label("values across the bounds first (grid)"),
                            _text("an-grid", "5"),
                        ],
                    ),
                    _option(
                        "hindcast",
                        [
                            html.Div(
                                [
                                    html.Div([html.Label("as of"), _text("an-asof", "2020-12-31")]),
                                    html.Div(
                                        [html.Label("until"), _text("an-until", "2024-12-31")]
                                    ),
                                ],
                                className="row",
                            )
                        ],
                    ),
                    _option(
                        "alternatives",
                        [
                            html.Label("cost slacks (fractions of the optimum)"),
                            _text("an-slacks", "0.01,0.02,0.05"),
                            html.Label("goals"),
                            dcc.Dropdown(
                                id="an-goals",
                                options=[{"label": g, "value": g} for g in goals],
                                value=["min_overlap", "max_states"],
                                multi=True,
                            ),
                        ],
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
            html.Div(html.Iframe(id="an-report", className="report"), className="panel"),
        ],
    )


def page(desk) -> html.Div:
    """The whole page for one browser tab. Its session is made on first use (Dash may build
    the layout more often than a page loads)."""
    return html.Div(
        [
            dcc.Store(id="session", data=uuid.uuid4().hex, storage_type="session"),
            dcc.Store(id="map-action"),
            dcc.Interval(id="tick", interval=250, disabled=True),
            dcc.Interval(id="an-tick", interval=500, disabled=True),
            html.Header(
                [
                    html.H1("clustersite: planner's desk"),
                    html.Span(
                        "Where should the US build battery-cell, NdFeB-magnet and solar-module "
                        f"clusters? Built-in scenarios: {', '.join(desk_builtins())}."
                    ),
                ]
            ),
            html.Div(
                [
                    lever_panel(desk),
                    html.Div(
                        [
                            html.Div(id="banner"),
                            dcc.Tabs(
                                id="tabs",
                                value="result",
                                children=[result_tab(), compare_tab(), analysis_tab(desk)],
                            ),
                        ],
                        className="main",
                    ),
                ],
                className="desk",
            ),
        ]
    )


__all__ = ["EMPTY_FIGURE", "INDEX", "page"]
