"""Dash callbacks of the Compare and Analyses tabs: widgets → ``Desk`` calls → widgets."""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from .analyses import KINDS
from .callbacks import session_of
from .components import banner_block
from .desk import Desk
from .state import error_line

HIDDEN, SHOWN = {"visibility": "hidden"}, {"visibility": "visible"}
GRAPH_CONFIG = {"displayModeBar": False}


def map_src(key: str | None) -> str:
    """The URL of a map page served by the app."""
    return f"/desk/map/{key}" if key else "about:blank"


def run_src(job_id: str, name: str = "report.html") -> str:
    """The URL of a file of an analysis run folder served by the app."""
    return f"/desk/run/{job_id}/{name}"


def delta_table(comparison) -> html.Table:
    """The delta table of a Comparison (cells coloured: red costs more, green less)."""
    head = html.Tr([html.Th(h) for h in comparison.headers])
    rows = [
        html.Tr(
            [html.Td(row["label"])]
            + [html.Td(c["text"], className=c["cls"] or None) for c in row["cells"]],
            **{"data-kpi": row["kpi"], "data-scope": row["scope"]},
        )
        for row in comparison.rows
    ]
    return html.Table([head, *rows], className="cmp", id="cmp-delta")


def register(app: Dash, desk: Desk) -> None:
    """Attach the Compare and Analyses callbacks to ``app``."""

    @app.callback(
        Output("cmp-choices", "options"),
        Output("an-other", "options"),
        Output("an-params", "options"),
        Output("an-parameter", "options"),
        Input("tabs", "value"),
        State("session", "data"),
    )
    def options(_tab, sid):
        session = session_of(desk, sid)
        choices = [{"label": k, "value": v} for k, v in desk.comparable(session).items()]
        result = desk.result(session.result_key)
        scenario = result.scenario if result is not None else session.base
        names = desk.analyses.parameter_choices(scenario)
        parameters = [{"label": n, "value": n} for n in names]
        return choices, choices, parameters, parameters

    @app.callback(
        Output("cmp-table", "children"),
        Output("cmp-waterfalls", "children"),
        Output("cmp-map", "src"),
        Output("cmp-banner", "children"),
        Output("cmp-status", "children"),
        Output("cmp-error", "children"),
        Input("cmp-go", "n_clicks"),
        State("cmp-choices", "value"),
        State("session", "data"),
        prevent_initial_call=True,
    )
    def compare(_go, choices, sid):
        try:
            comparison = desk.compare(session_of(desk, sid), list(choices or []))
        except Exception as exc:  # noqa: BLE001
            return (*[no_update] * 5, error_line(exc))
        graphs = [
            html.Div(
                dcc.Graph(figure=f, config=GRAPH_CONFIG, className="waterfall"), className="panel"
            )
            for f in comparison.waterfalls
        ]
        what = "present values" if comparison.phased else "annual figures"
        return (
            delta_table(comparison),
            graphs,
            map_src(comparison.map_key),
            banner_block(comparison.banner),
            f"{len(comparison.labels)} scenarios compared ({what}); reference: "
            f"{comparison.labels[0]}",
            "",
        )

    @app.callback(
        Output("cmp-download", "data"),
        Output("cmp-error", "children", allow_duplicate=True),
        Input("cmp-report", "n_clicks"),
        State("cmp-choices", "value"),
        State("session", "data"),
        prevent_initial_call=True,
    )
    def compare_report(_go, choices, sid):
        try:
            name, payload = desk.compare_report(session_of(desk, sid), list(choices or []))
        except Exception as exc:  # noqa: BLE001
            return no_update, error_line(exc)
        return dcc.send_bytes(payload, name), ""

    @app.callback(
        *[Output(f"an-opts-{k}", "style") for k in KINDS],
        Input("an-kind", "value"),
    )
    def show_options(kind):
        return [{"display": "block" if k == kind else "none"} for k in KINDS]

    @app.callback(
        Output("an-tick", "disabled"),
        Output("an-progress", "style"),
        Output("an-progress", "value"),
        Output("an-status", "children"),
        Output("an-error", "children"),
        Output("an-go", "disabled"),
        Output("an-cancel", "disabled"),
        Output("an-report", "src"),
        Input("an-go", "n_clicks"),
        Input("an-cancel", "n_clicks"),
        Input("an-tick", "n_intervals"),
        State("an-kind", "value"),
        State("an-type", "value"),
        State("an-regions", "value"),
        State("an-runs", "value"),
        State("an-seed", "value"),
        State("an-params", "value"),
        State("an-other", "value"),
        State("an-parameter", "value"),
        State("an-grid", "value"),
        State("an-asof", "value"),
        State("an-until", "value"),
        State("an-slacks", "value"),
        State("an-goals", "value"),
        State("session", "data"),
        prevent_initial_call=True,
    )
    def analysis_flow(_go, _cancel, _tick, kind, *args):
        *values, sid = args
        names = ("cluster_type", "regions", "runs", "seed", "parameters", "other", "parameter")
        names += ("grid", "as_of", "until", "slacks", "goals")
        options = dict(zip(names, values, strict=True))
        session = session_of(desk, sid)
        trigger = ctx.triggered_id
        try:
            if trigger == "an-go":
                job = desk.start_analysis(session, kind, **options)
                return (False, SHOWN, 0, job.text(), "", True, False, no_update)
            job = session.analysis_job
            if job is None:
                return (True, HIDDEN, 0, "", "", False, True, no_update)
            if trigger == "an-cancel":
                job.cancel()
            if job.running:
                return (False, SHOWN, job.fraction or 0, job.text(), "", True, False, no_update)
            if job.status != "done":
                return (True, HIDDEN, 0, job.text(), job.error, False, True, no_update)
        except Exception as exc:  # noqa: BLE001
            return (True, HIDDEN, 0, "", error_line(exc), False, True, no_update)
        return (True, HIDDEN, 1, job.text(), "", False, True, run_src(job.id))


__all__ = ["delta_table", "register", "run_src"]
