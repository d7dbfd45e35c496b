"""Slack alert delivery, through the real requests client against a fake Slack on 127.0.0.1."""
from __future__ import annotations

import logging
import traceback
from datetime import datetime, timedelta, timezone

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.alerts import (
    AlertDeliveryError,
    AlertSink,
    LogSink,
    SlackBotSink,
    SlackMessage,
    SlackWebhookSink,
    build_sink,
    next_attempt_delay,
    render_blocks,
)
from monitor.clock import FakeClock
from monitor.models import Alert, AlertKind
from monitor.secrets import Secret
from monitor.settings import AlertSettings, SlackSettings
from tests.fakes.slack_server import BOT_TOKEN, WEBHOOK_PATH, FakeSlack

WEBHOOK_ENV = "REPLYWATCH_TEST_SLACK_WEBHOOK"
TOKEN_ENV = "REPLYWATCH_TEST_SLACK_TOKEN"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
HOSTILE = "Refund me <!channel> <!here> @everyone & see <https://evil.example|click here> > now"


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False  # a developer's proxy settings must not catch 127.0.0.1
    yield session
    session.close()


@pytest.fixture
def webhook(slack, http, monkeypatch):
    monkeypatch.setenv(WEBHOOK_ENV, slack.webhook_url)
    return SlackWebhookSink(Secret(WEBHOOK_ENV), session=http, timeout=2, clock=FakeClock(NOW))


@pytest.fixture
def bot(slack, http, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, BOT_TOKEN)
    return SlackBotSink(
        Secret(TOKEN_ENV), "#alerts", api_url=slack.api_url, session=http, timeout=2, clock=FakeClock(NOW)
    )


def make_alert(**fields) -> Alert:
    values = dict(
        kind=AlertKind.URGENT,
        title="Urgent complaint on reddit",
        dedupe_key="urgent:reddit:t3_abc",
        text="My parcel never arrived and nobody answers.",
        source="reddit",
        url="https://www.reddit.com/r/acme/comments/abc/",
        case_id=7,
        case_url="http://127.0.0.1:8080/cases/7",
        deadline_at=NOW + timedelta(minutes=45),
        urgency=85,
        language="en",
        author="u/angry_customer",
    )
    values.update(fields)
    return Alert(**values)


def text_fields(node) -> list[str]:
    """Every string Slack will parse as text: the fallback and each text object."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(text_fields(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(text_fields(item))
    return found


def failure(sink, alert=None) -> AlertDeliveryError:
    with pytest.raises(AlertDeliveryError) as info:
        sink.send(alert or make_alert())
    return info.value


# --- delivery -------------------------------------------------------------------------------


def test_webhook_delivery_posts_blocks_as_json(slack, webhook):
    webhook.send(make_alert())

    [request] = slack.requests
    assert request.method == "POST" and request.path == WEBHOOK_PATH
    assert request.header("Content-Type") == "application/json"
    assert request.json["text"].startswith("🚨 Urgent complaint")
    assert [b["type"] for b in request.json["blocks"]][0] == "header"
    assert "My parcel never arrived" in " ".join(text_fields(request.json))
    assert request.json["unfurl_links"] is False


def test_bot_delivery_sends_bearer_token_and_channel(slack, bot):
    message = bot.post(make_alert())

    [request] = slack.requests
    assert request.path == "/api/chat.postMessage"
    assert request.header("Authorization") == f"Bearer {BOT_TOKEN}"
    assert request.json["channel"] == "#alerts"
    assert request.json["blocks"] and request.json["text"]
    assert message == SlackMessage(channel="#alerts", ts="1700000000.000100")


def test_bot_send_satisfies_the_sink_protocol(slack, bot, webhook):
    assert isinstance(bot, AlertSink) and isinstance(webhook, AlertSink) and isinstance(LogSink(), AlertSink)
    assert bot.send(make_alert()) is None
    assert len(slack.messages) == 1


# --- failures, sorted -------------------------------------------------------------------------


def test_webhook_rate_limit_raises_with_retry_after(slack, webhook):
    slack.respond(429, "rate_limited", headers={"Retry-After": "7"})

    error = failure(webhook)

    assert error.retry_after == 7 and not error.permanent


def test_bot_rate_limit_raises_with_retry_after(slack, bot):
    slack.respond(429, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": "7"})

    error = failure(bot)

    assert error.retry_after == 7 and not error.permanent
    assert "ratelimited" in str(error)


def test_bot_ratelimited_in_a_200_answer_still_honours_retry_after(slack, bot):
    slack.respond(200, {"ok": False, "error": "ratelimited"}, headers={"Retry-After": "3"})

    assert failure(bot).retry_after == 3


def test_rate_limit_without_retry_after_leaves_the_delay_to_backoff(slack, bot):
    slack.respond(429, {"ok": False, "error": "ratelimited"})

    error = failure(bot)

    assert error.retry_after is None and not error.permanent


def test_wrong_bot_token_is_permanent(slack, bot, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "xoxb-not-the-right-token")

    error = failure(bot)

    assert error.permanent
    assert "invalid_auth" in str(error)


@pytest.mark.parametrize(
    "code",
    ["invalid_auth", "not_authed", "channel_not_found", "account_inactive", "token_revoked",
     "no_permission", "not_in_channel", "some_code_slack_adds_later"],
)
def test_bot_refusals_are_permanent(slack, bot, code):
    slack.respond(200, {"ok": False, "error": code})

    error = failure(bot)

    assert error.permanent and error.retry_after is None
    assert code in str(error)


@pytest.mark.parametrize("code", ["internal_error", "fatal_error", "service_unavailable", "request_timeout"])
def test_bot_errors_on_slacks_side_are_transient(slack, bot, code):
    slack.respond(200, {"ok": False, "error": code})

    assert not failure(bot).permanent


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(slack, webhook, bot, status):
    slack.respond(status, "rollup_error", times=2)

    for sink in (webhook, bot):
        error = failure(sink)
        assert not error.permanent and error.retry_after is None
        assert str(status) in str(error)


def test_bot_answer_that_is_not_slacks_json_is_transient(slack, bot):
    slack.respond(200, "<html>captive portal</html>")

    error = failure(bot)

    assert not error.permanent
    assert "captive" not in str(error)


@pytest.mark.parametrize(
    "status, body",
    [(400, "invalid_payload"), (400, "no_text"), (403, "invalid_token"), (403, "action_prohibited"),
     (404, "no_service"), (404, "channel_not_found"), (410, "channel_is_archived")],
)
def test_webhook_refusals_are_permanent(slack, webhook, status, body):
    slack.respond(status, body)

    error = failure(webhook)

    assert error.permanent
    assert f"HTTP {status} {body}" in str(error)


def test_webhook_error_body_that_is_not_a_code_is_not_echoed(slack, webhook):
    slack.respond(403, f"<html>denied for {slack.webhook_url}</html>")

    error = failure(webhook)

    assert error.permanent and str(error).startswith("slack webhook: HTTP 403 (")
    assert WEBHOOK_PATH not in str(error)


def test_timeout_is_transient(slack, webhook, bot):
    slack.hang(30, times=2)
    webhook.timeout = bot.timeout = 0.2

    for sink in (webhook, bot):
        error = failure(sink)
        assert not error.permanent
        assert "timed out" in str(error)


def test_connection_refused_is_transient(slack, webhook):
    slack.stop()  # nothing listens on the port any more

    error = failure(webhook)

    assert not error.permanent


def test_redirect_is_not_followed(slack, bot):
    slack.respond(302, b"", headers={"Location": "http://127.0.0.1:9/elsewhere"})

    error = failure(bot)

    assert error.permanent
    assert len(slack.requests) == 1


def test_unset_secret_is_permanent_and_names_the_variable(http, monkeypatch):
    monkeypatch.delenv(WEBHOOK_ENV, raising=False)
    sink = SlackWebhookSink(Secret(WEBHOOK_ENV), session=http)

    error = failure(sink)

    assert error.permanent and WEBHOOK_ENV in str(error)


# --- secrets ------------------------------------------------------------------------------------


def everything_said(error: AlertDeliveryError, caplog) -> str:
    """The exception as any logger or traceback would print it, and every captured log line."""
    printed = "".join(traceback.format_exception(error))
    logs = "\n".join(r.getMessage() for r in caplog.records)  # urllib3's DEBUG lines too
    return "\n".join([str(error), repr(error), printed, logs])


@pytest.mark.parametrize("scenario", ["refused", "timeout", "server_error", "gone", "bad_url"])
def test_webhook_url_never_appears_in_errors_or_logs(slack, webhook, monkeypatch, caplog, scenario):
    caplog.set_level(logging.DEBUG)
    secret_url = slack.webhook_url
    if scenario == "refused":
        slack.stop()
    elif scenario == "timeout":
        slack.hang(30)
        webhook.timeout = 0.2
    elif scenario == "server_error":
        slack.respond(500, f"error for {secret_url}")
    elif scenario == "gone":
        slack.respond(404, "no_service")
    else:
        secret_url = slack.webhook_url.replace("http://", "http://[bad-host")
        monkeypatch.setenv(WEBHOOK_ENV, secret_url)

    error = failure(webhook)
    LogSink().send(make_alert(kind=AlertKind.HEALTH, title=f"slack: failing ({error})"))

    said = everything_said(error, caplog)
    assert secret_url not in said
    assert WEBHOOK_PATH not in said  # requests quotes just the path: the secret part
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__  # no chained requests error


def test_bot_token_never_appears_in_errors_or_logs(slack, bot, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    errors = []
    slack.respond(200, {"ok": False, "error": "invalid_auth"})
    errors.append(failure(bot))
    slack.stop()
    errors.append(failure(bot))
    monkeypatch.setenv(TOKEN_ENV, "xoxb-has\x01a-control-char")  # requests refuses the header
    errors.append(failure(bot))

    for error, token in zip(errors, [BOT_TOKEN, BOT_TOKEN, "xoxb-has\x01a-control-char"]):
        said = everything_said(error, caplog)
        assert token not in said and repr(token)[1:-1] not in said
        assert "xoxb-" not in said


# --- the message itself -----------------------------------------------------------------------


def test_hostile_text_is_escaped_and_neither_pings_nor_links(slack, webhook):
    webhook.send(make_alert(text=HOSTILE, author="<!subteam^S123>", title="<@U123> says"))

    fields = text_fields(slack.requests[0].json)
    joined = "\n".join(fields)
    for forbidden in ("<!channel>", "<!here>", "<https://evil", "<!subteam", "<@U123>", "@everyone"):
        assert forbidden not in joined
    assert "&lt;!channel&gt;" in joined and "&amp; see" in joined
    assert "&lt;https://evil.example|click here&gt;" in joined


def test_customer_text_is_quoted_and_truncated():
    payload = render_blocks(make_alert(text="word " * 400), now=NOW)

    quote = payload["blocks"][2]["text"]["text"]
    assert quote.startswith("> word")
    assert quote.endswith("…") and len(quote) <= 510


def test_context_line_has_source_author_language_urgency_and_local_deadline():
    deadline = datetime(2026, 1, 1, 12, 45, tzinfo=timezone.utc)
    payload = render_blocks(make_alert(deadline_at=deadline), now=NOW)

    [context] = [b for b in payload["blocks"] if b["type"] == "context"]
    line = context["elements"][0]["text"]
    for part in ("reddit", "u/angry_customer", "en", "85/100"):
        assert part in line
    epoch = int(deadline.timestamp())
    assert f"<!date^{epoch}^{{date_short_pretty}} {{time}}|2026-01-01 12:45 UTC>" in line


@pytest.mark.parametrize(
    "kind, header",
    [(AlertKind.URGENT, "🚨 Urgent complaint"), (AlertKind.WARNING, "⏳ Deadline in 14 min"),
     (AlertKind.BREACH, "❌ Deadline breached"), (AlertKind.SPIKE, "📈 Negative spike"),
     (AlertKind.HEALTH, "🩺 Source health")],
)
def test_header_names_the_kind(kind, header):
    clock = FakeClock(NOW)
    alert = make_alert(kind=kind, deadline_at=NOW + timedelta(minutes=14))

    payload = render_blocks(alert, now=clock.now())

    assert payload["blocks"][0]["text"]["text"] == f"{header} · reddit"
    assert payload["text"].startswith(header)


def test_warning_counts_minutes_from_the_time_of_delivery(slack, webhook):
    webhook.clock.advance(minutes=10)

    webhook.send(make_alert(kind=AlertKind.WARNING, deadline_at=NOW + timedelta(minutes=15)))

    assert slack.requests[0].json["blocks"][0]["text"]["text"].startswith("⏳ Deadline in 5 min")


def test_links_to_post_and_desk():
    payload = render_blocks(make_alert(), now=NOW)

    joined = "\n".join(text_fields(payload))
    assert "<https://www.reddit.com/r/acme/comments/abc/|View post>" in joined
    assert "<http://127.0.0.1:8080/cases/7|Open in desk>" in joined


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "slack://open", "ftp://x.example/a", "//evil.example", "not a url", ""]
)
def test_links_other_than_http_are_dropped(url):
    payload = render_blocks(make_alert(url=url, case_url=None), now=NOW)

    assert "View post" not in "\n".join(text_fields(payload))


def test_link_characters_that_would_relabel_a_link_are_encoded():
    payload = render_blocks(make_alert(url="https://x.example/a|Pay here>?q=1&b=2", case_url=None), now=NOW)

    joined = "\n".join(text_fields(payload))
    assert "<https://x.example/a%7CPay%20here%3E?q=1&amp;b=2|View post>" in joined


def test_health_alert_without_optional_fields_renders_valid_blocks():
    alert = Alert(kind=AlertKind.HEALTH, title="reddit: failing (401)", dedupe_key="health:reddit:1")

    payload = render_blocks(alert, now=NOW)

    assert [b["type"] for b in payload["blocks"]] == ["header", "section"]
    assert payload["text"] == "🩺 Source health: reddit: failing (401)"


# Slack's control characters, mention words and line breaks, mixed into arbitrary text
hostile_text = st.lists(
    st.one_of(st.sampled_from(["<", ">", "&", "|", "!", "^", "@", "\n", " ", "channel", "http://"]),
              st.characters()),
    max_size=1500,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    text=hostile_text,
    title=hostile_text,
    author=st.one_of(st.none(), hostile_text),
    source=st.one_of(st.none(), hostile_text),
)
def test_any_input_stays_within_slack_limits_and_has_no_markup(text, title, author, source):
    alert = Alert(kind=AlertKind.URGENT, title=title, dedupe_key="k", text=text, author=author,
                  source=source, language="en")

    payload = render_blocks(alert, now=NOW)

    header = payload["blocks"][0]["text"]["text"]
    assert 0 < len(header) <= 150
    for block in payload["blocks"][1:]:
        for field in text_fields(block):
            assert 0 < len(field) <= 3000
    for field in text_fields(payload):
        assert "<" not in field  # no link, mention or date came from the input


# --- choosing a sink, and the log fallback ------------------------------------------------------


def slack_settings(**fields) -> AlertSettings:
    return AlertSettings(slack=SlackSettings(**fields))


def test_build_sink_prefers_the_bot_when_a_token_and_channel_are_set(slack, http, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, BOT_TOKEN)
    settings_ = slack_settings(
        enabled=True, bot_token={"env": TOKEN_ENV}, channel="#alerts",
        webhook_url={"env": WEBHOOK_ENV}, api_url=slack.api_url, timeout_seconds=3,
    )

    sink = build_sink(settings_, session=http)
    sink.send(make_alert())

    assert isinstance(sink, SlackBotSink) and sink.timeout == 3
    assert slack.requests[0].path == "/api/chat.postMessage"


def test_build_sink_uses_the_webhook_without_a_bot_token(http):
    sink = build_sink(slack_settings(enabled=True, webhook_url={"env": WEBHOOK_ENV}), session=http)

    assert isinstance(sink, SlackWebhookSink) and sink.session is http


def test_build_sink_logs_when_slack_is_disabled():
    assert isinstance(build_sink(slack_settings(enabled=False, webhook_url={"env": WEBHOOK_ENV})), LogSink)


def test_build_sink_falls_back_to_the_log_and_says_why_when_slack_is_half_set(caplog):
    sink = build_sink(slack_settings(enabled=True, bot_token={"env": TOKEN_ENV}))  # no channel

    assert isinstance(sink, LogSink)
    assert "alerts go to the log" in caplog.text


def test_log_sink_writes_one_readable_line(caplog):
    caplog.set_level(logging.INFO, logger="replywatch.alerts")

    LogSink().send(make_alert(text="line one\nFAKE LOG LINE\n\tthree"))

    [record] = caplog.records
    message = record.getMessage()
    assert record.name == "replywatch.alerts" and record.levelno == logging.WARNING
    assert "\n" not in message
    assert message.startswith("alert [urgent] Urgent complaint on reddit source=reddit")
    assert "text='line one FAKE LOG LINE three'" in message


# --- back-off -----------------------------------------------------------------------------------


def test_backoff_grows_with_each_attempt():
    half = lambda: 0.5  # noqa: E731  (the middle of the jitter range)

    delays = [next_attempt_delay(n, None, 30, rand=half) for n in range(1, 6)]

    assert delays == [22.5, 45, 90, 180, 360]


def test_backoff_is_capped_at_fifteen_minutes():
    assert next_attempt_delay(50, None, 30, rand=lambda: 0.999) <= 900
    assert next_attempt_delay(10_000, None, 30) <= 900


def test_backoff_never_undercuts_retry_after():
    assert next_attempt_delay(1, 7, 1) == 7
    assert next_attempt_delay(1, 3600, 30) == 3600  # Slack's word beats our cap
    assert next_attempt_delay(5, 7, 30, rand=lambda: 0.0) == 240


@given(
    attempts=st.integers(min_value=-3, max_value=10_000),
    retry_after=st.one_of(st.none(), st.floats(min_value=0, max_value=10_000)),
    base=st.floats(min_value=0.1, max_value=600),
)
def test_backoff_stays_between_half_the_ceiling_and_the_ceiling(attempts, retry_after, base):
    delay = next_attempt_delay(attempts, retry_after, base)

    ceiling = min(900, base * 2 ** min(max(attempts, 1) - 1, 64))
    assert ceiling / 2 <= delay or delay == retry_after
    assert delay <= max(ceiling, retry_after or 0)
    assert delay >= (retry_after or 0)


def test_case_alerts_carry_buttons_only_when_asked():
    from monitor.alerts.blocks import render_blocks
    from monitor.models import Alert, AlertKind

    alert = Alert(kind=AlertKind.URGENT, title="t", dedupe_key="k", text="x", case_id=7,
                  case_url="https://desk.example/items/7")
    plain = render_blocks(alert)
    with_buttons = render_blocks(alert, actions=True)
    assert not any(b["type"] == "actions" for b in plain["blocks"])
    actions = [b for b in with_buttons["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["approve", "edit", "reject"]
    assert actions[0]["elements"][0]["value"] == "7"
