"""Build the Dash app and serve it on a loopback address.

Dash serves React, its components and plotly.js from the installed package (``serve_locally``),
and map pages inline the vendored Leaflet, so the app works without internet. The version check
of Dash's developer tools (the one remote call it could make) is off.
"""

from __future__ import annotations

import sys
import threading
import webbrowser
from collections.abc import Callable

from flask import Response, abort

from .desk import Desk

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def create_app(desk: Desk):
    """The Dash app of ``desk`` (its Flask server is ``app.server``)."""
    from dash import Dash

    from .callbacks import register
    from .layout import INDEX, page
    from .tabs import register as register_tabs

    app = Dash(
        __name__,
        title="clustersite: planner's desk",
        serve_locally=True,
        include_assets_files=False,
        update_title=None,
    )
    app.enable_dev_tools(
        debug=False,
        dev_tools_ui=False,
        dev_tools_props_check=False,
        dev_tools_hot_reload=False,
        dev_tools_disable_version_check=True,
        dev_tools_silence_routes_logging=True,
    )
    app.index_string = INDEX
    app.layout = lambda: page(desk)
    register(app, desk)
    register_tabs(app, desk)

    @app.server.route("/desk/map/<key>")
    def map_page(key: str):
        page_html = desk.map_page(key)
        if page_html is None:
            abort(404)
        return Response(page_html, mimetype="text/html")

    @app.server.route("/desk/run/<job_id>/<name>")
    def run_file(job_id: str, name: str):
        path = desk.run_file(job_id, name)
        if path is None:
            abort(404)
        kind = "text/html" if path.suffix == ".html" else "text/plain"
        return Response(path.read_bytes(), mimetype=kind)

    return app


class PortInUse(OSError):
    """The port asked for is taken (by another app or a second ``clustersite app``)."""


def check_port(host: str, port: int) -> None:
    """Raise PortInUse at once when ``host:port`` cannot be bound (0: any free port is fine)."""
    import errno
    import socket

    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUse(exc.errno, f"port {port} on {host} is in use") from None
            raise


def make_server(desk: Desk, host: str = "127.0.0.1", port: int = 0):
    """A threaded WSGI server of the app on ``host:port`` (0: a free port); not started."""
    if host not in LOOPBACK:
        raise ValueError(f"the app listens on loopback only ({', '.join(LOOPBACK)}), not {host!r}")
    from werkzeug.serving import make_server as werkzeug_server

    app = create_app(desk)
    return werkzeug_server(host, port, app.server, threaded=True)


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: str | None = None,
    open_browser: bool = True,
    announce: Callable[[str], None] | None = None,
    scenarios_dir: str | None = None,
) -> None:
    """Start the app, print its address, open a browser (when asked and one is available), and
    serve until interrupted. A port in use raises PortInUse before anything is loaded."""
    check_port(host, port)
    desk = Desk(data_dir, scenarios_dir=scenarios_dir)
    desk.pool.warm()
    try:
        server = make_server(desk, host, port)
    except OSError as exc:  # taken in the meantime
        desk.close()
        raise PortInUse(exc.errno, f"port {port} on {host} is in use") from None
    url = f"http://{host}:{server.server_port}/"
    say = announce or (lambda text: print(text, flush=True))
    say(f"clustersite app: {url}  (Ctrl+C stops); saved scenarios: {desk.library.folder}")
    if open_browser:
        threading.Thread(target=_open, args=(url,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        desk.close()


def _open(url: str) -> None:
    try:
        if not webbrowser.open(url):
            print("no browser found; open the address above", file=sys.stderr, flush=True)
    except webbrowser.Error:
        print("no browser found; open the address above", file=sys.stderr, flush=True)


__all__ = ["PortInUse", "check_port", "create_app", "make_server", "serve"]
