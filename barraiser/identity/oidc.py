"""The OpenID Connect client (Authlib): authorization code flow with PKCE (S256), state and
nonce, and the ID token checked for issuer, audience, expiry and signature (from the JWKS).

Nothing here touches the network when the app starts: the client is made on the first login and
reads the provider's discovery document then. A provider that cannot be reached is an
`ProviderUnavailable`, which the views turn into a 503 page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from ..lazy import lazy_module

if TYPE_CHECKING:
    import requests
    from authlib.integrations import base_client, flask_client
    from joserfc import errors as jose_errors
else:  # imported at the first single sign-on, not at start-up (see barraiser.lazy)
    requests = lazy_module("requests")
    base_client = lazy_module("authlib.integrations.base_client")
    flask_client = lazy_module("authlib.integrations.flask_client")
    jose_errors = lazy_module("joserfc.errors")

# Leeway for the clocks of the provider and this server when checking exp and iat.
CLOCK_LEEWAY_SECONDS = 60


class ProviderUnavailable(Exception):
    """The identity provider did not answer, or answered with something that is not OIDC."""


class SignInFailed(Exception):
    """The provider's answer did not prove who is signing in (state, nonce, audience, expiry,
    signature, or an error the provider sent back)."""


def is_configured(app: Flask) -> bool:
    return bool(app.config.get("OIDC_DISCOVERY_URL") and app.config.get("OIDC_CLIENT_ID"))


def client() -> flask_client.FlaskOAuth2App:
    """This app's client for its configured provider, made once per configuration; the
    discovery document it fetches on first use is kept with it."""
    config = current_app.config
    key = (config["OIDC_DISCOVERY_URL"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"])
    clients: dict[tuple[str, str, str], flask_client.FlaskOAuth2App] = (
        current_app.extensions.setdefault("identity.oidc", {})
    )
    if key not in clients:
        oauth = flask_client.OAuth(current_app._get_current_object())  # type: ignore[attr-defined]
        oauth.register(
            "provider",
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=config["OIDC_DISCOVERY_URL"],
            client_kwargs={
                "scope": config["OIDC_SCOPES"],
                "code_challenge_method": "S256",
                "default_timeout": config["OIDC_TIMEOUT_SECONDS"],
            },
        )
        clients[key] = oauth.create_client("provider")
    return clients[key]


def _metadata(provider: flask_client.FlaskOAuth2App) -> dict[str, Any]:
    try:
        metadata = provider.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error
    for needed in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not metadata.get(needed):
            provider.server_metadata.clear()  # read it again next time
            raise ProviderUnavailable(f"the discovery document has no {needed}")
    return metadata


def authorize_redirect(redirect_uri: str):
    """The redirect to the provider's login page; state, nonce and PKCE verifier stay in the
    session for the callback."""
    provider = client()
    _metadata(provider)
    return provider.authorize_redirect(redirect_uri)


def complete_sign_in() -> tuple[dict[str, Any], str]:
    """The checked ID token's claims and the raw ID token (for the logout hint), from the
    callback's request."""
    provider = client()
    _metadata(provider)
    try:
        token = provider.authorize_access_token(leeway=CLOCK_LEEWAY_SECONDS)
    except requests.RequestException as error:
        raise ProviderUnavailable(str(error)) from error
    except (
        base_client.OAuthError,
        jose_errors.JoseError,
        ValueError,
        KeyError,
        TypeError,
    ) as error:
        raise SignInFailed(_reason(error)) from error
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise SignInFailed("the provider sent no ID token")
    return dict(claims), token["id_token"]


def _reason(error: Exception) -> str:
    if isinstance(error, base_client.OAuthError):
        return f"{error.error}: {error.description}" if error.description else str(error.error)
    return f"{type(error).__name__}: {error}"


def end_session_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to end the provider's session too, when it offers that; never
    fetches the discovery document just for this."""
    clients = current_app.extensions.get("identity.oidc", {})
    config = current_app.config
    key = (config["OIDC_DISCOVERY_URL"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"])
    provider = clients.get(key)
    if provider is None or not provider.server_metadata.get("end_session_endpoint"):
        return None
    result = provider.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        client_id=config["OIDC_CLIENT_ID"],
    )
    return str(result["url"])
