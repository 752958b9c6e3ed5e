"""A real OpenID Connect provider for the tests, served on a local port in a thread: discovery,
authorization (a form to pick who signs in), token (client secret and PKCE S256 checked), JWKS
and end-session endpoints; ID tokens signed RS256 with joserfc. Knobs let a test make it
misbehave: another audience, an expired token, a token signed with a key not in its JWKS, or a
nonce other than the one asked for."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from flask import Flask, abort, jsonify, redirect, request
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "bar-raiser"
CLIENT_SECRET = "provider-secret"


@dataclass
class Provider:
    url: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: RSAKey = field(default_factory=lambda: _signing_key("provider"))
    # Same kid, another key: what a forger who cannot read the provider's key would sign with.
    rogue_key: RSAKey = field(default_factory=lambda: _signing_key("rogue"))
    # Misbehaviour, set by a test.
    audience: str | None = None
    lifetime: int = 300
    sign_with_rogue_key: bool = False
    nonce_override: str | None = None
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests_served: int = 0
    ended_sessions: list[dict[str, str]] = field(default_factory=list)

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def add_user(self, subject: str, **claims: Any) -> None:
        self.users[subject] = claims

    def id_token(self, subject: str, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": subject,
            "aud": self.audience or CLIENT_ID,
            "iat": now if self.lifetime > 0 else now - 3600,
            "exp": now + self.lifetime,
            **self.users[subject],
        }
        if nonce is not None or self.nonce_override:
            claims["nonce"] = self.nonce_override or nonce
        key = self.rogue_key if self.sign_with_rogue_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "good"}, claims, key)


@functools.cache
def _signing_key(name: str) -> RSAKey:
    """One key per name for the whole run: generating RSA keys is slow."""
    return RSAKey.generate_key(2048, {"kid": "good"})


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def provider_app(provider: Provider) -> Flask:
    app = Flask("test-provider")

    @app.before_request
    def count() -> None:
        provider.requests_served += 1

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(
            issuer=provider.url,
            authorization_endpoint=f"{provider.url}/authorize",
            token_endpoint=f"{provider.url}/token",
            jwks_uri=f"{provider.url}/jwks",
            end_session_endpoint=f"{provider.url}/logout",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(keys=[provider.key.as_dict(private=False)])

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
            abort(400, "unknown client or response type")
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            abort(400, "PKCE with S256 is required")
        if request.method == "GET":
            options = "".join(
                f'<button name="sub" value="{sub}">Sign in as {sub}</button>'
                for sub in provider.users
            )
            return f"<html><body><h1>Test provider</h1><form method=post>{options}</form></body>"
        subject = request.form["sub"]
        code = secrets.token_urlsafe(16)
        provider.codes[code] = {
            "sub": subject,
            "nonce": args.get("nonce"),
            "challenge": args["code_challenge"],
            "redirect_uri": args["redirect_uri"],
        }
        query = urlencode({"code": code, "state": args.get("state", "")})
        return redirect(f"{args['redirect_uri']}?{query}")

    @app.post("/token")
    def token():
        form = request.form
        auth = request.authorization
        client_id = auth.username if auth else form.get("client_id")
        secret = auth.password if auth else form.get("client_secret")
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return jsonify(error="invalid_client"), 401
        grant = provider.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return jsonify(error="invalid_grant"), 400
        if _s256(form.get("code_verifier", "")) != grant["challenge"]:
            return jsonify(error="invalid_grant", error_description="PKCE verifier"), 400
        return jsonify(
            access_token=secrets.token_urlsafe(16),
            token_type="Bearer",
            expires_in=300,
            id_token=provider.id_token(grant["sub"], grant["nonce"]),
        )

    @app.get("/logout")
    def logout():
        provider.ended_sessions.append(dict(request.args))
        back = request.args.get("post_logout_redirect_uri")
        return redirect(back) if back else ("signed out", 200)

    return app


@contextmanager
def running_provider() -> Iterator[Provider]:
    provider = Provider()
    server = make_server("127.0.0.1", 0, provider_app(provider), threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


SSO_KEYS = ("OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_DISPLAY_NAME")


@contextmanager
def configured_provider(app: Flask) -> Iterator[Provider]:
    """A running provider, and `app` set to sign in through it (as "Acme ID") meanwhile."""
    with running_provider() as running:
        saved = {key: app.config[key] for key in SSO_KEYS}
        app.config.update(
            OIDC_DISCOVERY_URL=running.discovery_url,
            OIDC_CLIENT_ID=CLIENT_ID,
            OIDC_CLIENT_SECRET=CLIENT_SECRET,
            OIDC_DISPLAY_NAME="Acme ID",
        )
        app.extensions.pop("identity.oidc", None)
        try:
            yield running
        finally:
            app.config.update(saved)
            app.extensions.pop("identity.oidc", None)


def start_sign_in(client: FlaskClient) -> str:
    """The provider's authorization URL the app redirects to."""
    response = client.get("/login/sso")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def pick_at_provider(authorize_url: str, subject: str) -> str:
    """Sign in at the provider as `subject`; the callback (path and query) it sends back."""
    answer = requests.post(authorize_url, data={"sub": subject}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    parts = urlsplit(answer.headers["Location"])
    return f"{parts.path}?{parts.query}"


def sso_login(client: FlaskClient, subject: str):
    """The whole round trip; the app's answer to the callback."""
    return client.get(pick_at_provider(start_sign_in(client), subject))


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
