"""Dash callbacks of the lever panel and the result tab: widgets → ``Desk`` calls → widgets.
No model logic here. (The compare and analyses tabs: ``tabs``.)"""

from __future__ import annotations

import base64

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from optimizer import CLUSTER_TYPES

from .components import banner_block
from .desk import Desk
from .jobs import Job
from .levers import set_for_regions
from .state import error_line
from .views import banner, cost_figure, jobs_figure, kpi_cards, why_rows

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


def _text(value: object) -> str:
    """A number as the text box shows it (``1080.0`` → ``'1080'``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def form_values(levers: dict) -> list:
    """Widget values (in LEVER_IDS order) of a levers dict."""
    zones = levers["zones"]
    return [
        levers["name"],
        levers["objective"],
        *(_text(levers["targets"].get(k)) for k in CLUSTER_TYPES),
        *(zones[k]["zone"] for k in CLUSTER_TYPES),
        *(zones[k]["mode"] for k in CLUSTER_TYPES),
        levers["green_lane_factor"],
        levers["co_investment_rate_reduction"],
        ["on"] if levers["apply_45x"] else [],
        _text(levers["power_price"]),
        _text(levers["wage"]),
        levers["excluded_regions"],
    ]


def form_levers(values: list, session_levers: dict) -> dict:
    """A levers dict from widget values (LEVER_IDS order) and the tab's per-state tables and
    forced sites. Text is passed on as typed: a bad value is refused when the scenario is built,
    with the command line's message."""
    v = dict(zip(LEVER_IDS, values, strict=True))
    levers = dict(session_levers)
    levers.update(
        name=v["name"],
        objective=v["objective"],
        targets={k: v[f"target-{k}"] for k in CLUSTER_TYPES if k in session_levers["targets"]},
        zones={k: {"zone": v[f"zone-{k}"] or "", "mode": v[f"mode-{k}"]} for k in CLUSTER_TYPES},
        green_lane_factor=v["green"],
        co_investment_rate_reduction=v["coinvest"],
        apply_45x="on" in (v["credit45x"] or []),
        power_price=v["power"],
        wage=v["wage"],
        excluded_regions=list(v["excluded"] or []),
    )
    for key in ("green_lane_factor", "co_investment_rate_reduction"):
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


def forced_text(levers: dict) -> list:
    """The forced sites of a levers dict, one line each."""
    forced = levers.get("forced") or []
    return [html.Div(f"{r}: a {k} site") for r, k in forced] or [html.Div("none")]


def apply_action(levers: dict, action: dict) -> dict:
    """``levers`` with a map action applied: exclude a state, or force a site of a type there
    (and no longer exclude it)."""
    levers = dict(levers)
    region = str(action.get("region") or "")
    if action.get("action") == "exclude" and region:
        levers["excluded_regions"] = sorted({*levers.get("excluded_regions", []), region})
        levers["forced"] = [f for f in levers.get("forced", []) if f[0] != region]
    elif action.get("action") == "force" and region and action.get("type") in CLUSTER_TYPES:
        pair = [region, action["type"]]
        forced = [list(f) for f in levers.get("forced", [])]
        levers["forced"] = forced + ([pair] if pair not in forced else [])
        levers["excluded_regions"] = [r for r in levers.get("excluded_regions", []) if r != region]
    return levers


def session_of(desk: Desk, sid: str | None):
    """The tab's session; nothing to do before the page has its id (no stray sessions)."""
    if not sid:
        raise PreventUpdate
    return desk.sessions.get(sid)


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
        Output("forced", "children", allow_duplicate=True),
        Output("error", "children", allow_duplicate=True),
        Input("scenario", "value"),
        Input("upload", "contents"),
        Input("session", "data"),
        State("upload", "filename"),
        prevent_initial_call="initial_duplicate",
    )
    def choose_scenario(choice, contents, sid, filename):
        session = session_of(desk, sid)
        error = ""
        try:
            if ctx.triggered_id == "upload" and contents:
                content = base64.b64decode(contents.split(",", 1)[1])
                desk.upload(session, filename, content)
            elif ctx.triggered_id == "scenario" and choice and choice != session.choice:
                desk.choose(session, choice)
        except Exception as exc:  # noqa: BLE001 - shown as the CLI's one line
            error = error_line(exc)
        return (
            desk.choices(session),
            session.choice,
            *form_values(session.levers),
            overrides_text(session.levers),
            forced_text(session.levers),
            error,
        )

    @app.callback(
        Output("state-overrides", "children", allow_duplicate=True),
        Output("error", "children", allow_duplicate=True),
        Input("state-set", "n_clicks"),
        Input("state-clear", "n_clicks"),
        State("state-table", "value"),
        State("state-where", "value"),
        State("state-value", "value"),
        State("session", "data"),
        prevent_initial_call=True,
    )
    def set_per_state(_set, _clear, table, where, value, sid):
        session = session_of(desk, sid)
        if not where:
            return no_update, "choose a state or zone first"
        regions = (
            desk.data.zone_members(where.removeprefix("zone:"))
            if where.startswith("zone:")
            else [where]
        )
        if ctx.triggered_id == "state-set":
            try:
                number = float(str(value).strip())
            except ValueError:
                return no_update, f"per-state value: {str(value).strip()!r} is not a number"
            levers = set_for_regions(session.levers, table, regions, number)
            try:  # refused as the command line refuses it (range, finiteness)
                desk.scenario(session, levers)
            except Exception as exc:  # noqa: BLE001
                return no_update, error_line(exc)
            session.levers = levers
        else:
            session.levers = set_for_regions(session.levers, table, regions, None)
        return overrides_text(session.levers), ""

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
        Output("banner", "children"),
        Output("excluded", "value", allow_duplicate=True),
        Output("forced", "children", allow_duplicate=True),
        Output("name", "value", allow_duplicate=True),
        Input("solve", "n_clicks"),
        Input("cancel", "n_clicks"),
        Input("tick", "n_intervals"),
        Input("map-action", "data"),
        Input("forced-clear", "n_clicks"),
        Input("session", "data"),
        *lever_states,
        prevent_initial_call="initial_duplicate",
    )
    def solve_flow(_solve, _cancel, _tick, action, _clear, sid, *values):
        session = session_of(desk, sid)
        trigger = ctx.triggered_id
        if trigger == "session":  # the tab's id arrived (from session storage): a first load
            trigger = None
        job: Job | None = session.solve_job
        idle = (True, HIDDEN)
        keep = [no_update] * 9
        try:
            if trigger == "cancel" and job is not None:
                job.cancel()
                return (*idle, "cancelling…", "", False, True, *keep)
            if trigger in (None, "solve", "map-action", "forced-clear"):
                levers = session.levers if trigger is None else form_levers(values, session.levers)
                if trigger == "map-action" and action:
                    levers = apply_action(levers, action)
                if trigger == "forced-clear":
                    levers = dict(levers, forced=[])
                job = desk.solve(session, levers)
                if job is not None:
                    form = [levers["excluded_regions"], forced_text(levers), no_update]
                    return (False, SHOWN, job.text(), "", True, False, *[no_update] * 6, *form)
            elif job is not None and job.running:
                return (False, SHOWN, job.text(), "", True, False, *keep)
        except Exception as exc:  # noqa: BLE001 - shown as the CLI's one line
            return (*idle, "", error_line(exc), False, True, *keep)
        if job is not None and job.status in ("failed", "cancelled") and trigger == "tick":
            return (*idle, job.text(), job.error, False, True, *keep)
        result = desk.result(session.result_key)
        if result is None:
            return (*idle, "", "", False, True, *keep)
        status = (
            job.text()
            if trigger == "tick" and job is not None
            else f"{result.scenario.name}: from the cache (unchanged scenario)"
        )
        levers = session.levers
        return (
            *idle,
            status,
            "",
            False,
            True,
            [card(c) for c in kpi_cards(result)],
            map_src(session.result_key),
            cost_figure({result.scenario.name: result}),
            jobs_figure(result, desk.data_for(result)),
            [html.Li(s) for s in why_rows(result, data=desk.data_for(result))]
            or [html.Li("Run regret (Analyses tab) to see the runner-up states.")],
            banner_block(banner(result)),
            levers.get("excluded_regions", []),
            forced_text(levers),
            result.scenario.name,
        )

    @app.callback(
        Output("scenario", "options", allow_duplicate=True),
        Output("scenario", "value", allow_duplicate=True),
        Output("status", "children", allow_duplicate=True),
        Output("error", "children", allow_duplicate=True),
        Input("save", "n_clicks"),
        *lever_states,
        State("session", "data"),
        prevent_initial_call=True,
    )
    def save(_save, *args):
        *values, sid = args
        session = session_of(desk, sid)
        try:
            path = desk.save(session, form_levers(values, session.levers))
        except Exception as exc:  # noqa: BLE001
            return no_update, no_update, "", error_line(exc)
        return desk.choices(session), session.choice, f"saved: {path}", ""

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
        session = session_of(desk, sid)
        try:
            if ctx.triggered_id == "get-toml":
                name, text = desk.toml(session, form_levers(values, session.levers))
                return dict(content=text, filename=name, type="application/toml"), ""
            name, payload = desk.zip(session)
            return dcc.send_bytes(payload, name), ""
        except Exception as exc:  # noqa: BLE001
            return no_update, error_line(exc)


__all__ = ["LEVER_IDS", "apply_action", "form_levers", "form_values", "register"]
