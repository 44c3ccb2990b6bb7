"""OAuth 2.0 for developer apps: registration, authorization code + PKCE, client credentials, refresh
rotation, revocation (authlib's RFC 6749 / 7009 / 7636 grants), and bearer-token checks for /v1."""

from encore.oauth._access import Access, InvalidToken, check_access, check_bearer
from encore.oauth._adapters import HttpCall, OAuthReply
from encore.oauth._apps import (
    AppView,
    GrantView,
    NewApp,
    app_by_client_id,
    delete_app,
    list_apps,
    list_grants,
    record_usage,
    register_app,
    revoke_all,
    revoke_grant,
)
from encore.oauth._models import OAuthApp, OAuthCode, OAuthToken
from encore.oauth._policy import RATE_WINDOW_S, Decision, check_redirect_uri, redirect_matches
from encore.oauth._rates import AppRates
from encore.oauth._refresh import GrantReplayed
from encore.oauth._scopes import (
    SCOPES,
    SPOTIFY_ONLY,
    ScopeDecision,
    decide_scopes,
    parse_scope,
    playlist_modify_scopes,
    unknown_scopes,
)
from encore.oauth._server import (
    ConsentRequest,
    OAuthProblem,
    authorize,
    check_authorization,
    revocation_endpoint,
    scope_refused_redirect,
    token_endpoint,
)

__all__ = [
    "RATE_WINDOW_S",
    "SCOPES",
    "SPOTIFY_ONLY",
    "Access",
    "AppRates",
    "AppView",
    "ConsentRequest",
    "Decision",
    "GrantReplayed",
    "GrantView",
    "HttpCall",
    "InvalidToken",
    "NewApp",
    "OAuthApp",
    "OAuthCode",
    "OAuthProblem",
    "OAuthReply",
    "OAuthToken",
    "ScopeDecision",
    "app_by_client_id",
    "authorize",
    "check_access",
    "check_authorization",
    "check_bearer",
    "check_redirect_uri",
    "decide_scopes",
    "delete_app",
    "list_apps",
    "list_grants",
    "parse_scope",
    "playlist_modify_scopes",
    "record_usage",
    "redirect_matches",
    "register_app",
    "revocation_endpoint",
    "revoke_all",
    "revoke_grant",
    "scope_refused_redirect",
    "token_endpoint",
    "unknown_scopes",
]
