"""Secrets are references to environment variables, never values in a committed file.

In config.toml a secret is written `{ env = "SLACK_WEBHOOK_URL" }`. The value is read from the
environment only when it is used, and a `Secret` never shows its value in repr, str or logs.
"""
from __future__ import annotations

import os
import re
from typing import Any

from pydantic_core import core_schema

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MissingSecret(Exception):
    pass


class Secret:
    __slots__ = ("env",)

    def __init__(self, env: str):
        if not _ENV_NAME.match(env):
            raise ValueError(f"not an environment variable name: {env!r}")
        self.env = env

    def is_set(self) -> bool:
        return bool(os.environ.get(self.env))

    def get(self) -> str:
        value = os.environ.get(self.env)
        if not value:
            raise MissingSecret(f"environment variable {self.env} is not set")
        return value

    def __repr__(self) -> str:
        return f"Secret(env={self.env!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.env == self.env

    def __hash__(self) -> int:
        return hash(self.env)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        def validate(value: Any) -> "Secret":
            if isinstance(value, Secret):
                return value
            if isinstance(value, dict) and set(value) == {"env"} and isinstance(value["env"], str):
                return cls(value["env"])
            raise ValueError(
                'a secret must be a reference to an environment variable, '
                'written { env = "NAME" } (values are never stored in config files)'
            )

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda s: {"env": s.env}),
        )


def mask(text: str, secrets: list[Secret]) -> str:
    """Replace any secret value that slipped into `text` (an error message, say) by ***."""
    for secret in secrets:
        value = os.environ.get(secret.env)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text
