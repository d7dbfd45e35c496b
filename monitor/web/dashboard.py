"""/dashboard: mentions by source and sentiment over time, time to first response, answers within
the deadline and breaches, per source, as charts and as tables.

Charts are drawn in the browser by Chart.js, vendored in static/vendor (MIT, see NOTICE.txt) and
served by the desk itself: users of a self-hosted desk may have no internet, and nothing is
fetched from a CDN. Chart.js over a server-side SVG library (pygal): it is the most widely used
and actively maintained charting library, it needs no inline <style> or script (so the strict
Content-Security-Policy stays as it is), and it only reads numbers from a JSON data block the
template escapes. The tables below the charts carry the same numbers for screen readers, for
copying, and for browsers without JavaScript.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from monitor.store.reports import UNITS, UNJUDGED, bucket_start, buckets
from monitor.web.context import desk

bp = Blueprint("dashboard", __name__)
PERIODS = {1: "hour", 7: "day", 30: "day"}
LABELS = ["negative", "neutral", "positive", UNJUDGED]


@bp.get("/dashboard")
def dashboard():
    d = desk()
    days = request.args.get("days", 7, type=int)
    days = days if days in PERIODS else 7
    unit = PERIODS[days]
    until = d.clock.now()
    # whole buckets: the last 24 hours, or today and the days before it
    steps_back = 23 if unit == "hour" else days - 1
    since = bucket_start(until, unit) - steps_back * UNITS[unit]
    volume = d.reports.volume(since, until, unit)
    stats = d.reports.source_stats(since, until, until)
    overall = d.reports.overall(stats, since, until)
    steps = buckets(since, until, unit)
    sources = sorted({source for (_, source, _) in volume} | {s.source for s in stats})

    def series(match) -> list[int]:
        return [sum(n for (at, source, label), n in volume.items() if at == step and match(source, label))
                for step in steps]

    by_label = {label: series(lambda s, lab, label=label: lab == label) for label in LABELS}
    by_source = {name: series(lambda s, lab, name=name: s == name) for name in sources}
    fmt = "%d %b %H:00" if unit == "hour" else "%a %d %b"
    rows = [
        {"label": step.strftime(fmt), "labels": {k: v[i] for k, v in by_label.items()},
         "sources": {k: v[i] for k, v in by_source.items()}}
        for i, step in enumerate(steps)
    ]
    chart = {
        "steps": [r["label"] for r in rows],
        # lists of pairs, not objects: the JSON keeps this order (tojson sorts object keys)
        "by_label": [[k, v] for k, v in by_label.items() if k != UNJUDGED or any(v)],
        "by_source": [[k, v] for k, v in by_source.items()],
        "per_source": {
            "sources": [s.source for s in stats],
            "on_time": [s.on_time for s in stats],
            "breaches": [s.breaches for s in stats],
            "median_minutes": [round(s.median_response_seconds / 60, 1) if s.median_response_seconds is not None
                               else None for s in stats],
        },
    }
    return render_template(
        "dashboard.html", days=days, periods=PERIODS, unit=unit, rows=rows, stats=stats, overall=overall,
        chart=chart, label_names=[k for k, _ in chart["by_label"]], source_names=sources, since=since, until=until,
    )
