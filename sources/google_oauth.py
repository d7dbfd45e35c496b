"""Bearer tokens for Google's APIs (Play Developer API, Business Profile API).

Three ways, checked in this order:
1. `access_token`: a ready token from the environment (they expire after about an hour, so this
   suits a quick try or an outside refresher, e.g. `gcloud auth print-access-token`).
2. `oauth_client_id` + `oauth_client_secret` + `oauth_refresh_token`: an OAuth client of your
   Google Cloud project and a refresh token granted once by the account owner (for example with
   the OAuth 2.0 Playground). The token is refreshed here with plain HTTP, as Google documents
   for installed apps ("Refreshing an access token"), and reused until shortly before it expires.
3. `service_account_file` (Google Play only): the path of a service account's JSON key; this
   needs the optional `google-auth` package, imported only then.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field, model_validator

from monitor.clock import Clock
from monitor.secrets import Secret
from sources.errors import NotConfigured, SourceConfigError, TransientSourceError
from sources.http import PoliteSession
from sources.review_http import HttpUrl, PagedSettings, require_secrets, secret_value

REFRESH_MARGIN = timedelta(seconds=60)


class GoogleAuthSettings(PagedSettings):
    access_token: Secret | None = Field(
        None, description='A ready OAuth access token, as { env = "NAME" } (expires hourly).')
    oauth_client_id: Secret | None = Field(None, description="OAuth client id, for refreshing tokens.")
    oauth_client_secret: Secret | None = Field(None, description="OAuth client secret, for refreshing tokens.")
    oauth_refresh_token: Secret | None = Field(
        None, description="Refresh token granted by the account owner for this client and scope.")
    token_url: HttpUrl = Field("https://oauth2.googleapis.com/token", description="Google's OAuth token endpoint.")

    @model_validator(mode="after")
    def _refresh_trio(self) -> "GoogleAuthSettings":
        trio = (self.oauth_client_id, self.oauth_client_secret, self.oauth_refresh_token)
        if any(trio) and not all(trio):
            raise ValueError("oauth_client_id, oauth_client_secret and oauth_refresh_token go together")
        return self

    def has_credentials(self) -> bool:
        return bool(self.access_token or self.oauth_refresh_token or getattr(self, "service_account_file", None))


class GoogleToken:
    def __init__(self, settings: GoogleAuthSettings, http: PoliteSession, clock: Clock, *,
                 what: str, scope: str):
        self.settings = settings
        self.http = http
        self.clock = clock
        self.what = what
        self.scope = scope
        self._token: str | None = None
        self._expires = None
        self._service_account: Any = None
        require_secrets(what, access_token=settings.access_token, oauth_client_id=settings.oauth_client_id,
                        oauth_client_secret=settings.oauth_client_secret,
                        oauth_refresh_token=settings.oauth_refresh_token,
                        service_account_file=getattr(settings, "service_account_file", None))
        if getattr(settings, "service_account_file", None) and not (settings.access_token or settings.oauth_refresh_token):
            try:
                import google.auth.transport.requests  # noqa: F401
                from google.oauth2 import service_account  # noqa: F401
            except ImportError:
                raise NotConfigured(
                    f"{what}: service_account_file needs the google-auth package "
                    "(pip install google-auth); or configure access_token or an OAuth refresh token"
                ) from None

    def get(self) -> str:
        s = self.settings
        if s.access_token is not None:
            return secret_value(s.access_token, self.what)
        if self._token and self._expires and self.clock.now() < self._expires - REFRESH_MARGIN:
            return self._token
        if s.oauth_refresh_token is not None:
            return self._refresh()
        return self._from_service_account()

    def _refresh(self) -> str:
        s = self.settings
        assert s.oauth_client_id and s.oauth_client_secret and s.oauth_refresh_token
        response = self.http.request("POST", s.token_url, what=f"{self.what} token refresh", data={
            "client_id": secret_value(s.oauth_client_id, self.what),
            "client_secret": secret_value(s.oauth_client_secret, self.what),
            "refresh_token": secret_value(s.oauth_refresh_token, self.what),
            "grant_type": "refresh_token",
        })
        try:
            body = response.json()
            token = body["access_token"]
            if not isinstance(token, str) or not token:
                raise ValueError("empty access_token")
            expires = self.clock.now() + timedelta(seconds=float(body.get("expires_in", 3600)))
        except (ValueError, TypeError, KeyError, OverflowError):
            raise TransientSourceError(f"{self.what}: the token endpoint answered without an access_token") from None
        self._token, self._expires = token, expires
        return token

    def _from_service_account(self) -> str:
        import google.auth.exceptions
        import google.auth.transport.requests
        from google.oauth2 import service_account

        path = secret_value(self.settings.service_account_file, self.what)  # type: ignore[attr-defined]
        try:
            if self._service_account is None:
                self._service_account = service_account.Credentials.from_service_account_file(
                    path, scopes=[self.scope])
            creds = self._service_account
            if not creds.valid:
                creds.refresh(google.auth.transport.requests.Request(session=self.http.session))
        except (OSError, ValueError) as exc:
            raise SourceConfigError(f"{self.what}: cannot use the service account key file ({type(exc).__name__})") from None
        except google.auth.exceptions.RefreshError as exc:
            raise SourceConfigError(f"{self.what}: Google refused the service account ({exc})") from None
        except google.auth.exceptions.TransportError:
            raise TransientSourceError(f"{self.what}: cannot reach Google's token endpoint") from None
        return creds.token
