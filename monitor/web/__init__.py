"""The support lead's web desk: the queue by deadline, one case with its reply editor, the
event history, the dashboard, and Slack's approve/reject buttons.

    from monitor.web import create_app, serve
    server = serve(app)          # app: monitor.app.App; a thread serving web.host:web.port
    server.stop()

Server-rendered pages (Flask, autoescaping Jinja templates under monitor/web/templates, apart
from the reply templates), a little JavaScript for countdowns, keyboard shortcuts and the
length counter, and Chart.js for the dashboard, all served from monitor/web/static.
"""
from monitor.web.auth import hash_password, hash_password_command
from monitor.web.factory import create_app
from monitor.web.server import DeskServer, serve

__all__ = ["create_app", "serve", "DeskServer", "hash_password", "hash_password_command"]
