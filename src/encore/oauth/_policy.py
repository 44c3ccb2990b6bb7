"""Pure decisions: redirect URIs and the token endpoints' requests. No database, no clock of their own."""

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

MAX_REDIRECT_URIS = 10
RATE_WINDOW_S = 30.0
# How long after a refresh token was rotated a second use of it is taken for the same client's own racing
# request (two threads, two processes sharing one cache), not for a thief. Truly simultaneous refreshes are
# settled by the database (one conditional UPDATE claims the token), and each request's time is taken as it
# arrives, so this only covers a second request sent just after the first was answered. Kept short: a thief who
# copied a token cache and refreshes just before the app keeps the grant if the app follows within it (review15;
# it was 10 s). Okta's default is 30 s; Auth0 advises the shortest that works.
ROTATION_RACE = timedelta(seconds=2)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    retry_after: int = 0


# Schemes that are no app's callback: the browser would run code or show local content under them (javascript,
# vbscript, data, blob, filesystem, about, view-source, file), or they name a network protocol, not an app.
_NOT_AN_APP = frozenset(
    {"javascript", "vbscript", "data", "blob", "filesystem", "about", "view-source", "file"}
    | {"ftp", "ftps", "sftp", "ws", "wss", "gopher", "mailto", "tel", "sms", "news", "nntp"}
)


def check_redirect_uri(uri: str) -> Decision:
    """What a developer may register: absolute http(s), no fragment, no wildcard; plain http only for loopback.

    A native app may also register a private-use scheme (RFC 8252 §7.1: `com.example.app:/oauth2redirect`,
    reverse-DNS recommended; `myapp://callback` is accepted too, as Spotify's dashboard accepts it), except the
    schemes in `_NOT_AN_APP`. Such a URI is matched exactly like any other; the app proves it is the one that
    asked with PKCE (RFC 8252 §8.1), since another app could claim the same scheme on the device."""
    if len(uri) > 2000 or any(c.isspace() or not c.isprintable() for c in uri):  # NUL is not a space
        return Decision(False, "redirect URI too long or contains spaces or control characters")
    if not _quotable(uri):  # what an authorization request may carry (parameter_problem): one rule for both
        return Decision(False, "redirect URI must be ASCII without quotes or backslashes: percent-encode the rest")
    if "*" in uri:  # harmless (a `*` matches only itself) but it promised a wildcard Encore never honours
        return Decision(False, "redirect URI must not contain '*': Encore matches redirect URIs exactly, no wildcards")
    try:
        parts = urlsplit(uri)
        _port = parts.port  # a port out of range, or an unclosed IPv6 bracket, is no URL (probe17b: a 500)
    except ValueError:
        return Decision(False, "redirect URI is not a valid URL (its host or port cannot be read)")
    if parts.fragment:
        return Decision(False, "redirect URI must not contain a fragment")
    if parts.scheme in _NOT_AN_APP:
        return Decision(False, f"redirect URI scheme {parts.scheme!r} is not allowed: use https or an app's own scheme")
    if parts.scheme not in ("http", "https"):
        if not parts.scheme or not (parts.netloc or parts.path.strip("/")):
            return Decision(False, "redirect URI must be an absolute https URL or an app's own scheme with a path")
        return Decision(True)
    if not parts.hostname:
        return Decision(False, "redirect URI must be an absolute http(s) URL")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return Decision(False, "plain http is allowed only for loopback redirect URIs")
    return Decision(True)


def redirect_matches(registered: list[str], requested: str) -> bool:
    """Exact string match: no prefixes, no added paths or query strings, no case folding."""
    return requested in registered


# Parameters an error may quote (authlib writes the redirect URI, the scope or the response type into its
# error_description, and refuses to build a description holding '"', '\\' or a character outside printable
# ASCII: RFC 6749 §5.2). Their own grammars (RFC 6749 Appendix A: a URI, scope-token, response-char, grant-name;
# RFC 7636's verifier and challenge; Encore's client ids are URL-safe) already exclude those characters, so a
# request holding one is refused as malformed before authlib reads it, instead of failing as a 500 (probe17).
_QUOTABLE = (
    "client_id",
    "redirect_uri",
    "scope",
    "response_type",
    "grant_type",
    "code_challenge",
    "code_challenge_method",
    "code_verifier",
)


def _quotable(text: str) -> bool:
    return all(" " <= c <= "~" and c not in '"\\' for c in text)


def parameter_problem(params: Mapping[str, list[str]]) -> str | None:
    """Why an authorization or token request's parameters are malformed before they are read, or None."""
    for name in _QUOTABLE:
        if not all(_quotable(value) for value in params.get(name, ())):
            return f"{name} holds a character OAuth 2.0 does not allow in it (a quote, a backslash or non-ASCII)"
    return None


def basic_credentials_problem(authorization: str | None) -> str | None:
    """Why an `Authorization: Basic` header cannot be read as client credentials, or None: its base64 must hold
    UTF-8 `id:secret` (authlib decodes it as UTF-8 and raised, a 500: probe17b)."""
    parts = (authorization or "").split(None, 1)  # as authlib splits it: any whitespace after the scheme
    if len(parts) != 2 or parts[0].lower() != "basic":
        return None
    try:
        text = base64.b64decode(parts[1].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return "the Basic credentials are not base64 of UTF-8 text"
    return None if ":" in text else "the Basic credentials must be client_id:client_secret"


def token_call_problem(url: str, params: Mapping[str, list[str]]) -> str | None:
    """Why a token or revocation request is refused before it is read, or None.

    RFC 6749: its parameters travel in the form body, never the URL, where proxies and logs keep them (a
    client secret, a code, a refresh token), and no parameter may be sent twice (which one would count?)."""
    if urlsplit(url).query:
        return "send the parameters in the form body (application/x-www-form-urlencoded), not in the URL"
    repeated = sorted(name for name, values in params.items() if len(values) > 1)
    if repeated:
        return f"parameter {repeated[0][:40]!r} is sent more than once"
    return parameter_problem(params)


@dataclass(frozen=True)
class Replay:
    """What to do with a refresh token used again after it stopped working (rotated into another, or revoked)."""

    revoke_family: bool
    reason: str


def replayed_refresh(*, rotated_at: datetime | None, now: datetime) -> Replay:
    """RFC 9700 §4.14.2: a rotated refresh token used again means two parties hold it, and the server cannot tell
    which is the thief, so every token of the grant is revoked and the user signs in again. `rotated_at` is
    when the token's successor was issued (None: it was revoked, not rotated). A use within `ROTATION_RACE`
    of the rotation is the client's own concurrent refresh: refused, and the tokens the other request got kept.
    """
    if rotated_at is None:  # never rotated: a sign-out or a withdrawn grant revoked it, no reuse to report (probe16)
        return Replay(True, "this refresh token was revoked (signed out, or access withdrawn): sign in again")
    if now - rotated_at < ROTATION_RACE:
        return Replay(False, "this refresh token was just used by another request: use the tokens it got")
    return Replay(True, "this refresh token was already used: every token of this grant is revoked, sign in again")
