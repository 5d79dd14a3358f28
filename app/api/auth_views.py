"""POST /auth/login, /auth/refresh, /auth/logout, /auth/logout-everywhere."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from app.api import bp
from app.api.endpoint import operation
from app.api.schemas import LoginIn, RefreshIn, TokenOut
from app.api.security import api_actor, current_api_user, token_settings
from app.extensions import db_session, limiter
from app.services import auth, tokens


def _login_limit() -> str:
    return current_app.config["API_LOGIN_RATE_LIMIT"]


def _refresh_limit() -> str:
    return current_app.config["API_REFRESH_RATE_LIMIT"]


def _tokens(pair: tokens.TokenPair) -> Any:
    body = TokenOut(access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in)
    resp = jsonify(body.model_dump(mode="json"))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@operation(bp, "POST", "/auth/login", permission="public", tag="auth", body=LoginIn, response=TokenOut,
           envelope=False, errors=(401, 413, 415, 422), summary="Exchange email and password for tokens")
@limiter.limit(_login_limit, override_defaults=False)
def login(body: LoginIn) -> Any:
    cfg = current_app.config
    policy = auth.LoginPolicy(cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCK_MINUTES"])
    pair = tokens.login(db_session(), api_actor(), body.email, body.password, policy, token_settings(), body.otp)
    return _tokens(pair)


@operation(bp, "POST", "/auth/refresh", permission="public", tag="auth", body=RefreshIn, response=TokenOut,
           envelope=False, errors=(401, 413, 415, 422),
           summary="Rotate a refresh token", description="Each refresh token works once; reuse revokes its family.")
@limiter.limit(_refresh_limit, override_defaults=False)
def refresh(body: RefreshIn) -> Any:
    return _tokens(tokens.refresh(db_session(), api_actor(), body.refresh_token, token_settings()))


@operation(bp, "POST", "/auth/logout", permission="public", tag="auth", body=RefreshIn, status=204,
           errors=(413, 415, 422), summary="Revoke a refresh token and its family")
@limiter.limit(_refresh_limit, override_defaults=False)
def logout(body: RefreshIn) -> Any:
    tokens.logout(db_session(), api_actor(), body.refresh_token)
    return "", 204


@operation(bp, "POST", "/auth/logout-everywhere", permission="authenticated", tag="auth", status=204,
           errors=(409, 422), summary="End every session and token of the signed-in user")
def logout_everywhere() -> Any:
    tokens.logout_everywhere(db_session(), api_actor(), current_api_user())
    return "", 204
