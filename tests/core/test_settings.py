"""Configuration: typed, validated at start-up, errors that name the key, secrets never shown."""
from __future__ import annotations

import pytest

from monitor.secrets import Secret, mask
from monitor.settings import ConfigError, load_settings
from tests.conftest import REPO


def write(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_without_a_file(tmp_path):
    settings = load_settings(write(tmp_path, ""), environ={})
    assert settings.deadlines.response_minutes == 60
    assert settings.database.url.startswith("sqlite:///")
    assert settings.judge.model == "default"


def test_shipped_config_is_valid_and_enables_only_the_demo():
    settings = load_settings(REPO / "config.toml", environ={})
    assert list(settings.enabled_sources()) == ["demo"]
    # every real source is present (off), so users see what can be configured
    assert {"reddit", "twitter", "trustpilot", "app_store"} <= set(settings.source_settings())


def test_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"deadlines\.respons_minutes: unknown key"):
        load_settings(write(tmp_path, "[deadlines]\nrespons_minutes = 30\n"), environ={})


def test_wrong_type_names_key_and_expectation(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, '[deadlines]\nresponse_minutes = "soon"\n'), environ={})
    assert "deadlines.response_minutes" in str(err.value)
    assert "integer" in str(err.value)


def test_unknown_source_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"sources\.myspace: unknown source"):
        load_settings(write(tmp_path, "[sources.myspace]\nenabled = true\n"), environ={})


def test_bad_source_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"sources\.demo\.release_secs: unknown key"):
        load_settings(write(tmp_path, "[sources.demo]\nrelease_secs = 3\n"), environ={})


def test_missing_secret_of_enabled_component_stops_with_its_key(tmp_path):
    cfg = write(tmp_path, '[alerts.slack]\nenabled = true\nwebhook_url = { env = "RW_TEST_HOOK" }\n')
    with pytest.raises(ConfigError, match=r"alerts\.slack\.webhook_url: environment variable RW_TEST_HOOK is not set"):
        load_settings(cfg, environ={})
    settings = load_settings(cfg, environ={"RW_TEST_HOOK": "https://hooks.example/T/B/secretvalue"})
    assert settings.alerts.slack.webhook_url == Secret("RW_TEST_HOOK")


def test_secret_written_as_a_value_is_refused_without_echoing_it(tmp_path):
    cfg = write(tmp_path, '[alerts.slack]\nwebhook_url = "https://hooks.example/T/B/supersecret123"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, environ={})
    assert "alerts.slack.webhook_url" in str(err.value)
    assert "supersecret123" not in str(err.value)


def test_secret_repr_and_mask_never_show_the_value(monkeypatch):
    monkeypatch.setenv("RW_TEST_TOKEN", "xoxb-very-secret")
    secret = Secret("RW_TEST_TOKEN")
    assert "xoxb" not in repr(secret) and "xoxb" not in str(secret)
    assert secret.get() == "xoxb-very-secret"
    assert mask("failed calling xoxb-very-secret", [secret]) == "failed calling ***"


def test_environment_overrides_file_and_flags_override_environment(tmp_path):
    cfg = write(tmp_path, "[deadlines]\nresponse_minutes = 30\n[database]\nurl = \"sqlite:///a.db\"\n")
    env = {"REPLYWATCH_DEADLINES__RESPONSE_MINUTES": "45", "REPLYWATCH_DATABASE__URL": "sqlite:///b.db"}
    settings = load_settings(cfg, environ=env, overrides={"database": {"url": "sqlite:///c.db"}})
    assert settings.deadlines.response_minutes == 45
    assert settings.database.url == "sqlite:///c.db"


def test_config_path_from_environment_variable(tmp_path, monkeypatch):
    cfg = write(tmp_path, "[app]\nbrand = \"Globex\"\n")
    monkeypatch.setenv("REPLYWATCH_CONFIG", str(cfg))
    assert load_settings().app.brand == "Globex"


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_invalid_toml_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[deadlines\n"), environ={})


def test_socket_mode_needs_an_app_token():
    import os

    slack = {"enabled": True, "webhook_url": {"env": "HOOK"}, "socket_mode": True}
    with pytest.raises(ConfigError, match=r"alerts\.slack\.app_token: required with socket_mode"):
        load_settings(os.devnull, overrides={"alerts": {"slack": slack}}, environ={"HOOK": "https://x"})
    slack["app_token"] = {"env": "SLACK_APP_TOKEN"}
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN is not set"):
        load_settings(os.devnull, overrides={"alerts": {"slack": slack}}, environ={"HOOK": "https://x"})
