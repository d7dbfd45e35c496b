"""Serving the desk from the daemon: waitress (a production WSGI server, pure Python) in a
thread, stoppable, so `replywatch run` and `replywatch demo` serve it beside the scheduler.

    server = serve(app)            # web.host / web.port; port 0 picks a free port (tests)
    print(server.url)
    ...
    server.stop()
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

log = logging.getLogger("replywatch.web")


class DeskServer:
    """A waitress server on its own thread; `stop()` closes it from any thread."""

    def __init__(self, wsgi_app: Any, host: str, port: int, *, threads: int = 4):
        self._server = create_server(wsgi_app, host=host, port=port, threads=threads, ident="replywatch",
                                     clear_untrusted_proxy_headers=True)
        self.host = host
        self.port = int(self._server.effective_port)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web-desk", daemon=True)

    def start(self) -> "DeskServer":
        self._thread.start()
        log.info("web desk: %s", self.url)
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:
            if not self._stopping.is_set():
                raise

    def stop(self, timeout: float = 5) -> None:
        """Stop accepting, close connections, let running requests finish (up to `timeout`)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        server = self._server
        # asyncore objects belong to the server's loop thread: the trigger runs these there
        server.trigger.pull_trigger(lambda: wasyncore.dispatcher.close(server))  # stop accepting
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=timeout)  # running requests end
        server.trigger.pull_trigger(self._close_all)  # an empty map ends the loop
        self._thread.join(timeout)

    def _close_all(self) -> None:
        for channel in list(self._server._map.values()):
            channel.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


def serve(app: Any, host: str | None = None, port: int | None = None, *, threads: int = 4) -> DeskServer:
    """Start serving the desk. `app` is a `monitor.app.App` (the desk is built from it) or a
    ready WSGI application; host and port default to web.host and web.port."""
    from flask import Flask

    from monitor.web.factory import create_app

    wsgi = app if isinstance(app, Flask) else create_app(app)
    web = app.extensions["replywatch"].settings.web if isinstance(app, Flask) else app.settings.web
    return DeskServer(wsgi, host or web.host, web.port if port is None else port, threads=threads).start()
