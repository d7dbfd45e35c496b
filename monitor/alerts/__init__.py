"""Alerts for the team: where they go (`build_sink`) and how they look in Slack.

    sink = build_sink(settings.alerts, session=session)
    sink.send(alert)    # or AlertDeliveryError(retry_after=..., permanent=...)
"""
from __future__ import annotations

import logging

import requests

from monitor.alerts.backoff import next_attempt_delay
from monitor.alerts.blocks import render_blocks
from monitor.alerts.sinks import AlertDeliveryError, AlertSink, LogSink
from monitor.alerts.slack import SlackBotSink, SlackMessage, SlackWebhookSink
from monitor.clock import Clock
from monitor.settings import AlertSettings

__all__ = [
    "AlertDeliveryError",
    "AlertSink",
    "LogSink",
    "SlackBotSink",
    "SlackMessage",
    "SlackWebhookSink",
    "build_sink",
    "next_attempt_delay",
    "render_blocks",
]

log = logging.getLogger(__name__)


def build_sink(
    alert_settings: AlertSettings,
    *,
    session: requests.Session | None = None,
    clock: Clock | None = None,
) -> AlertSink:
    """The bot sink when a bot token and channel are set, else the webhook, else the log."""
    slack = alert_settings.slack
    if not slack.enabled:
        return LogSink()
    # buttons only when Slack can deliver the presses back to the desk
    actions = slack.signing_secret is not None or slack.socket_mode
    common = {"session": session, "timeout": slack.timeout_seconds, "clock": clock, "actions": actions}
    if slack.bot_token is not None and slack.channel:
        return SlackBotSink(slack.bot_token, slack.channel, api_url=slack.api_url, **common)
    if slack.webhook_url is not None:
        return SlackWebhookSink(slack.webhook_url, **common)
    log.warning(
        "alerts.slack: enabled, but no bot_token with a channel and no webhook_url; "
        "alerts go to the log"
    )
    return LogSink()
