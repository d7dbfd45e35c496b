"""One typed settings object, declared once and validated at start-up.

Precedence: defaults < config.toml < REPLYWATCH_<SECTION>__<KEY> environment variables <
command-line flags. An unknown key, a wrong type or a missing secret of an enabled component
stops the program with a message naming the key and what was expected.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.secrets import Secret

ENV_PREFIX = "REPLYWATCH_"
CONFIG_ENV = "REPLYWATCH_CONFIG"


class ConfigError(Exception):
    """A configuration problem a human must fix; the message names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppSettings(_Section):
    brand: str = Field("Acme", description="The brand the team answers for.")
    desk_url: str = Field(
        "http://127.0.0.1:8080", description="Public address of the web desk (links in Slack)."
    )
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")


class DatabaseSettings(_Section):
    url: str = Field("sqlite:///replywatch.db", description="SQLAlchemy URL (SQLite or PostgreSQL).")


class JudgeSettings(_Section):
    model: str = Field(
        "default",
        description='"default" (packaged encoder + trained head), a Hugging Face model id, or a local directory.',
    )
    threshold: float = Field(
        0.5, ge=0, le=1, description="Minimum negative score for a mention to need a response."
    )
    batch_size: int = Field(32, gt=0, le=1024)
    max_length: int = Field(128, gt=8, le=512, description="Tokens per text (longer is truncated).")
    languages: list[str] | None = Field(
        None, description="Languages the model covers (ISO 639-1); default: what the model declares."
    )
    threads: int | None = Field(None, gt=0, description="Torch threads (default: all cores).")
    backend: Literal["torch", "onnx-int8"] = Field(
        "torch", description='Inference backend; "onnx-int8" (install the "onnx" extra) works only with model = "default".'
    )


class DeadlineSettings(_Section):
    response_minutes: int = Field(60, gt=0, description="Time allowed for a first response.")
    warning_minutes: int = Field(15, ge=0, description="Warn this long before the deadline.")
    sweep_seconds: float = Field(60, gt=0, description="How often the deadline sweeper runs.")


class DraftSettings(_Section):
    signature: str = Field("Alex, Acme Support", description="Who signs the replies.")
    private_channel: str = Field(
        "support@acme.example", description="Where customers are invited to share details."
    )
    template_dir: str | None = Field(None, description="Directory of custom reply templates.")


class SlackSettings(_Section):
    enabled: bool = False
    webhook_url: Secret | None = Field(None, description="Incoming-webhook URL (secret).")
    bot_token: Secret | None = Field(None, description="Bot token for chat.postMessage (secret).")
    channel: str | None = Field(None, description="Channel for chat.postMessage.")
    api_url: str = Field("https://slack.com/api", description="Slack Web API base URL.")
    timeout_seconds: float = Field(10, gt=0)
    signing_secret: Secret | None = Field(
        None, description="Signing secret that verifies Slack's button requests (secret)."
    )
    socket_mode: bool = Field(False, description="Receive button presses over Socket Mode (no public URL).")
    app_token: Secret | None = Field(None, description="App-level token (xapp-...) for Socket Mode (secret).")


class AlertSettings(_Section):
    slack: SlackSettings = SlackSettings()
    urgent_at: int = Field(70, ge=0, le=100, description="Urgency from which a complaint alerts at once.")
    spike_count: int = Field(5, gt=0, description="Negative mentions within spike_minutes that make a spike.")
    spike_minutes: int = Field(15, gt=0)
    retry_seconds: float = Field(30, gt=0, description="First retry delay of an undelivered alert.")


class SchedulerSettings(_Section):
    jitter_seconds: float = Field(5, ge=0, description="Random delay added to each poll.")
    lease_seconds: float = Field(600, gt=0, description="How long a poll holds its source lock.")


class WebUser(_Section):
    password_hash: str = Field(description="Hash from `replywatch hash-password` (never the password).")
    role: Literal["approver", "viewer"] = Field("approver", description="Viewers cannot approve or reject.")


class WebSettings(_Section):
    enabled: bool = Field(True, description="Serve the web desk from `replywatch run`.")
    host: str = Field("127.0.0.1", description="Address the desk listens on.")
    port: int = Field(8080, gt=0, lt=65536)
    secret_key: Secret | None = Field(
        None, description="Key that signs session cookies (secret); without it sessions end at restart."
    )
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set when served over HTTPS).")
    users: dict[str, WebUser] = Field(default_factory=dict, description="Desk logins by user name.")
    login_attempts: int = Field(5, gt=0, description="Failed logins allowed per user and address...")
    login_window_seconds: int = Field(300, gt=0, description="...within this many seconds.")


class Settings(_Section):
    app: AppSettings = AppSettings()
    database: DatabaseSettings = DatabaseSettings()
    judge: JudgeSettings = JudgeSettings()
    deadlines: DeadlineSettings = DeadlineSettings()
    drafts: DraftSettings = DraftSettings()
    alerts: AlertSettings = AlertSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    web: WebSettings = WebSettings()
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def source_settings(self) -> dict[str, Any]:
        """Each [sources.NAME] section validated by that source's own Settings model."""
        from sources.registry import source_class

        out = {}
        for name, raw in self.sources.items():
            try:
                cls = source_class(name)
            except KeyError as exc:
                raise ConfigError(f"sources.{name}: {exc.args[0]}") from None
            try:
                out[name] = cls.Settings.model_validate(raw)
            except ValidationError as exc:
                raise ConfigError(_describe(exc, prefix=f"sources.{name}")) from None
        return out

    def enabled_sources(self) -> dict[str, Any]:
        return {n: s for n, s in self.source_settings().items() if s.enabled}


def _describe(exc: ValidationError, prefix: str = "") -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        if err["type"] == "extra_forbidden":
            lines.append(f"{key}: unknown key")
        else:
            got = err.get("input")
            # a value typed where a secret reference belongs is itself a secret: never echo it
            secretish = "secret" in err["msg"] or any(w in key for w in ("token", "secret", "password", "webhook"))
            shown = "" if secretish or isinstance(got, (dict, Secret)) else f" (got {got!r})"
            lines.append(f"{key}: {err['msg']}{shown}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    """REPLYWATCH_DATABASE__URL=... -> {"database": {"url": "..."}} (values parsed as TOML)."""
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name or name == CONFIG_ENV:
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX):].split("__")]
        try:
            parsed = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            parsed = value
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = parsed
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def config_path(explicit: str | os.PathLike | None = None) -> Path | None:
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    local = Path("config.toml")
    return local if local.exists() else None


def load_settings(
    path: str | os.PathLike | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    require_secrets: bool = True,
) -> Settings:
    environ = dict(os.environ if environ is None else environ)
    data: dict[str, Any] = {}
    found = config_path(path)
    if found is not None:
        try:
            data = tomllib.loads(found.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {found}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{found}: not valid TOML: {exc}") from None
    data = _merge(data, _env_overrides(environ))
    data = _merge(data, overrides or {})
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    enabled = settings.enabled_sources()  # validates every source section
    if require_secrets:
        _require_secrets(settings, enabled, environ)
    return settings


def _require_secrets(settings: Settings, enabled: dict[str, Any], environ: dict[str, str]) -> None:
    missing = []
    for name, section in enabled.items():
        for key, value in section:
            if isinstance(value, Secret) and not environ.get(value.env):
                missing.append(f"sources.{name}.{key}: environment variable {value.env} is not set")
    slack = settings.alerts.slack
    if slack.enabled:
        refs = [("webhook_url", slack.webhook_url), ("bot_token", slack.bot_token)]
        configured = [(k, s) for k, s in refs if s is not None]
        if not configured:
            missing.append("alerts.slack: enabled, but neither webhook_url nor bot_token is set")
        for key, secret in configured:
            if not environ.get(secret.env):
                missing.append(f"alerts.slack.{key}: environment variable {secret.env} is not set")
        if slack.bot_token is not None and not slack.channel:
            missing.append("alerts.slack.channel: required with bot_token")
        if slack.socket_mode and slack.app_token is None:
            missing.append("alerts.slack.app_token: required with socket_mode (an app-level token, xapp-...)")
        elif slack.socket_mode and not environ.get(slack.app_token.env):
            missing.append(f"alerts.slack.app_token: environment variable {slack.app_token.env} is not set")
    if missing:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(missing))
