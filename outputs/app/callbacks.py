"""Dash callbacks: widgets → ``Desk`` calls → widgets. No model logic here."""

from __future__ import annotations

import base64

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update  # noqa: F401

from optimizer import CLUSTER_TYPES

from .desk import Desk
from .jobs import Job
from .levers import set_for_regions
from .state import error_line
from .views import compare_rows, cost_figure, jobs_figure, kpi_cards, why_rows

LEVER_IDS = [
    "name",
    "objective",
    *(f"target-{k}" for k in CLUSTER_TYPES),
    *(f"zone-{k}" for k in CLUSTER_TYPES),
    *(f"mode-{k}" for k in CLUSTER_TYPES),
    "green",
    "coinvest",
    "credit45x",
    "power",
    "wage",
    "excluded",
]
TABLE_LABELS = {
    "state_incentives": "incentive",
    "power_price_by_region": "power ×",
    "wage_by_region": "wage ×",
}
HIDDEN, SHOWN = {"visibility": "hidden"}, {"visibility": "visible"}


def map_src(key: str | None) -> str:
    """The URL of a map page served by the app."""
    return f"/desk/map/{key}" if key else "about:blank"


def form_values(levers: dict) -> list:
    """Widget values (in LEVER_IDS order) of a levers dict."""
    zones = levers["zones"]
    return [
        levers["name"],
        levers["objective"],
        *(levers["targets"].get(k) for k in CLUSTER_TYPES),
        *(zones[k]["zone"] for k in CLUSTER_TYPES),
        *(zones[k]["mode"] for k in CLUSTER_TYPES),
        levers["green_lane_factor"],
        levers["co_investment_rate_reduction"],
        ["on"] if levers["apply_45x"] else [],
        levers["power_price"],
        levers["wage"],
        levers["excluded_regions"],
    ]


def form_levers(values: list, session_levers: dict) -> dict:
    """A levers dict from widget values (LEVER_IDS order) and the tab's per-state tables."""
    v = dict(zip(LEVER_IDS, values, strict=True))
    levers = dict(session_levers)
    levers.update(
        name=v["name"],
        objective=v["objective"],
        targets={k: v[f"target-{k}"] for k in CLUSTER_TYPES if v[f"target-{k}"] is not None},
        zones={k: {"zone": v[f"zone-{k}"] or "", "mode": v[f"mode-{k}"]} for k in CLUSTER_TYPES},
        green_lane_factor=v["green"],
        co_investment_rate_reduction=v["coinvest"],
        apply_45x="on" in (v["credit45x"] or []),
        power_price=v["power"],
        wage=v["wage"],
        excluded_regions=list(v["excluded"] or []),
    )
    for key in ("green_lane_factor", "co_investment_rate_reduction", "power_price", "wage"):
        if levers[key] is None:
            levers[key] = session_levers[key]
    return levers


def overrides_text(levers: dict) -> list:
    """The per-state entries of a levers dict as short lines."""
    lines = []
    for table, label in TABLE_LABELS.items():
        entries = levers.get(table) or {}
        if entries:
            lines.append(
                html.Div(f"{label}: " + ", ".join(f"{r} {v:g}" for r, v in entries.items()))
            )
    return lines or [html.Div("no per-state entries")]


def card(item: dict) -> html.Div:
    kind = item["id"].removeprefix("new-")
    return html.Div(
        [
            html.Div(item["label"], className="label"),
            html.Div(item["value"], className="value"),
            html.Div(item["note"], className="note"),
        ],
        className=f"card {kind}",
        id=f"card-{item['id']}",
    )


def register(app: Dash, desk: Desk) -> None:
    """Attach every callback of the page to ``app``."""
    lever_outputs = [Output(i, "value", allow_duplicate=True) for i in LEVER_IDS]
    lever_states = [State(i, "value") for i in LEVER_IDS]

    @app.callback(
        Output("scenario", "options"),
        Output("scenario", "value"),
        *lever_outputs,
        Output("state-overrides", "children", allow_duplicate=True),
        Output("error", "children", allow_duplicate=True),
        Input("scenario", "value"),
        Input("upload", "contents"),
        State("upload", "filename"),
        State("session", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def choose_scenario(name, contents, filename, sid):
        session = desk.sessions.get(sid)
        error = ""
        try:
            if ctx.triggered_id == "upload" and contents:
                content = base64.b64decode(contents.split(",", 1)[1])
                desk.upload(session, filename, content)
            elif name and name != session.base.name:
                desk.choose(session, name)
        except Exception as exc:  # noqa: BLE001 - shown as the CLI's one line
            error = error_line(exc)
        names = list(session.scenarios())
        return (
            names,
            session.base.name,
            *form_values(session.levers),
            overrides_text(session.levers),
            error,
        )

    @app.callback(
        Output("state-overrides", "children", allow_duplicate=True),
        Input("state-set", "n_clicks"),
        Input("state-clear", "n_clicks"),
        State("state-table", "value"),
        State("state-where", "value"),
        State("state-value", "value"),
        State("session", "data"),
        prevent_initial_call=True,
    )
    def set_per_state(_set, _clear, table, where, value, sid):
        session = desk.sessions.get(sid)
        if not where:
            return no_update
        regions = (
            desk.data.zone_members(where.removeprefix("zone:"))
            if where.startswith("zone:")
            else [where]
        )
        if ctx.triggered_id == "state-set" and value is None:
            return no_update
        value = value if ctx.triggered_id == "state-set" else None
        session.levers = set_for_regions(session.levers, table, regions, value)
        return overrides_text(session.levers)

    @app.callback(
        Output("tick", "disabled"),
        Output("progress", "style"),
        Output("status", "children"),
        Output("error", "children", allow_duplicate=True),
        Output("solve", "disabled"),
        Output("cancel", "disabled"),
        Output("cards", "children"),
        Output("map", "src"),
        Output("cost-chart", "figure"),
        Output("capacity-chart", "figure"),
        Output("why", "children"),
        Input("solve", "n_clicks"),
        Input("cancel", "n_clicks"),
        Input("tick", "n_intervals"),
        *lever_states,
        State("session", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def solve_flow(_solve, _cancel, _tick, *args):
        *values, sid = args
        session = desk.sessions.get(sid)
        trigger = ctx.triggered_id
        job: Job | None = session.solve_job
        idle = (True, HIDDEN)
        try:
            if trigger == "cancel" and job is not None:
                job.cancel()
                return (*idle, "cancelling…", "", False, True, *([no_update] * 5))
            if trigger in (None, "solve"):
                levers = session.levers if trigger is None else form_levers(values, session.levers)
                job = desk.solve(session, levers)
                if job is not None:
                    return (False, SHOWN, job.text(), "", True, False, *([no_update] * 5))
            elif job is not None and job.running:
                return (False, SHOWN, job.text(), "", True, False, *([no_update] * 5))
        except Exception as exc:  # noqa: BLE001 - shown as the CLI's one line
            return (*idle, "", error_line(exc), False, True, *([no_update] * 5))
        if job is not None and job.status in ("failed", "cancelled") and trigger == "tick":
            return (*idle, job.text(), job.error, False, True, *([no_update] * 5))
        result = desk.result(session.result_key)
        if result is None:
            return (*idle, "", "", False, True, *([no_update] * 5))
        status = (
            job.text()
            if trigger == "tick" and job is not None
            else f"{result.scenario.name}: from the cache (unchanged scenario)"
        )
        return (
            *idle,
            status,
            "",
            False,
            True,
            [card(c) for c in kpi_cards(result)],
            map_src(session.result_key),
            cost_figure({result.scenario.name: result}),
            jobs_figure(result, desk.data),
            [html.Li(s) for s in why_rows(result, data=desk.data)]
            or [html.Li("Run regret (Regret and Monte Carlo tab) to see the runner-up states.")],
        )

    @app.callback(
        Output("cmp-a", "options"),
        Output("cmp-b", "options"),
        Input("tabs", "value"),
        State("session", "data"),
    )
    def compare_options(_tab, sid):
        options = [
            {"label": k, "value": v} for k, v in desk.comparable(desk.sessions.get(sid)).items()
        ]
        return options, options

    @app.callback(
        Output("cmp-map", "src"),
        Output("cmp-table", "children"),
        Output("cmp-chart", "figure"),
        Output("cmp-error", "children"),
        Input("cmp-go", "n_clicks"),
        State("cmp-a", "value"),
        State("cmp-b", "value"),
        State("session", "data"),
        prevent_initial_call=True,
    )
    def compare(_go, a, b, sid):
        try:
            left, right, page = desk.compare(desk.sessions.get(sid), a, b)
        except Exception as exc:  # noqa: BLE001
            return no_update, no_update, no_update, error_line(exc)
        names = [left.scenario.name, right.scenario.name]
        if names[0] == names[1]:
            names = [f"{names[0]} (A)", f"{names[1]} (B)"]
        rows = compare_rows(left, right)
        table = html.Table(
            [
                html.Tr(
                    [html.Th("Indicator"), html.Th(names[0]), html.Th(names[1]), html.Th("B − A")]
                )
            ]
            + [
                html.Tr([html.Td(r["label"]), html.Td(r["a"]), html.Td(r["b"]), html.Td(r["diff"])])
                for r in rows
            ],
            className="cmp",
        )
        return map_src(page), table, cost_figure(dict(zip(names, (left, right), strict=True))), ""

    @app.callback(
        Output("an-tick", "disabled"),
        Output("an-progress", "style"),
        Output("an-progress", "value"),
        Output("an-status", "children"),
        Output("an-error", "children"),
        Output("an-go", "disabled"),
        Output("an-cancel", "disabled"),
        Output("an-map", "src"),
        Output("an-why", "children"),
        Input("an-go", "n_clicks"),
        Input("an-cancel", "n_clicks"),
        Input("an-tick", "n_intervals"),
        State("an-kind", "value"),
        State("an-type", "value"),
        State("an-runs", "value"),
        State("an-seed", "value"),
        State("session", "data"),
        prevent_initial_call=True,
    )
    def analysis_flow(_go, _cancel, _tick, kind, cluster_type, runs, seed, sid):
        session = desk.sessions.get(sid)
        trigger = ctx.triggered_id
        keep = [no_update, no_update]
        try:
            if trigger == "an-go":
                job = desk.start_analysis(session, kind, cluster_type, runs or 20, seed or 0)
                return (False, SHOWN, 0, job.text(), "", True, False, *keep)
            job = session.analysis_job
            if job is None:
                return (True, HIDDEN, 0, "", "", False, True, *keep)
            if trigger == "an-cancel":
                job.cancel()
            if job.running:
                return (False, SHOWN, job.fraction or 0, job.text(), "", True, False, *keep)
            if job.status != "done":
                return (True, HIDDEN, 0, job.text(), job.error, False, True, *keep)
            found, key = job.result
            why = why_rows(desk.result(key), found, desk.data) if job.kind == "regret" else []
            if job.kind == "montecarlo":
                top = found.probability.sort_values("probability", ascending=False).head(8)
                why = [
                    f"{r.cluster_type} in {r.region_id}: sited in {r.probability:.0%} of runs"
                    for r in top.itertuples()
                ]
            page = desk.analysis_map(job)
        except Exception as exc:  # noqa: BLE001
            return (True, HIDDEN, 0, "", error_line(exc), False, True, *keep)
        return (
            True,
            HIDDEN,
            1,
            job.text(),
            "",
            False,
            True,
            map_src(page),
            [html.Li(s) for s in why],
        )

    @app.callback(
        Output("download", "data"),
        Output("error", "children", allow_duplicate=True),
        Input("get-toml", "n_clicks"),
        Input("get-zip", "n_clicks"),
        *lever_states,
        State("session", "data"),
        prevent_initial_call=True,
    )
    def download(_toml, _zip, *args):
        *values, sid = args
        session = desk.sessions.get(sid)
        try:
            if ctx.triggered_id == "get-toml":
                name, text = desk.toml(session, form_levers(values, session.levers))
                return dict(content=text, filename=name, type="application/toml"), ""
            name, payload = desk.zip(session)
            return dcc.send_bytes(payload, name), ""
        except Exception as exc:  # noqa: BLE001
            return no_update, error_line(exc)


__all__ = ["LEVER_IDS", "form_levers", "form_values", "register"]
