"""spotipy from PyPI, unmodified except `prefix` and its OAuth URLs, logged in through Encore's consent."""

import httpx
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyOAuth, SpotifyPKCE

from encore.oauth import SPOTIFY_ONLY
from tests.support.live import LiveServer
from tests.web.spotify.flows import ALL_SCOPES, CSRF, REDIRECT, register_app


def pkce_client(
    live: LiveServer, http: httpx.Client, *, scope: str = ALL_SCOPES, state: str | None = "state-123"
) -> spotipy.Spotify:
    """The PKCE flow as spotipy runs it, the consent given by the logged-in listener of `http`; `state=None` is
    spotipy's default (no state sent)."""
    app = register_app(http, name="spotipy app")
    auth = SpotifyPKCE(
        client_id=app.client_id,
        redirect_uri=REDIRECT,
        scope=scope,
        state=state,
        cache_handler=MemoryCacheHandler(),
        open_browser=False,
    )
    return _consented(live, http, auth, scope, state)


def code_client(live: LiveServer, http: httpx.Client, *, scope: str = ALL_SCOPES) -> spotipy.Spotify:
    """spotipy's authorization code flow with a client secret (`SpotifyOAuth`), its defaults: no PKCE, no state."""
    app = register_app(http, name="spotipy secret app")
    auth = SpotifyOAuth(
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=REDIRECT,
        scope=scope,
        cache_handler=MemoryCacheHandler(),
        open_browser=False,
    )
    return _consented(live, http, auth, scope, None)


def _consented(
    live: LiveServer, http: httpx.Client, auth: SpotifyPKCE | SpotifyOAuth, scope: str, state: str | None
) -> spotipy.Spotify:
    auth.OAUTH_AUTHORIZE_URL = f"{live.base_url}/authorize"
    auth.OAUTH_TOKEN_URL = f"{live.base_url}/api/token"
    url = auth.get_authorize_url()
    assert url.startswith(f"{live.base_url}/authorize?")
    # The consent step, as the logged-in listener's browser would do it (the page's own JSON calls).
    query = url.split("?", 1)[1]
    assert http.get(url).status_code == 200  # the consent page itself
    shown = http.get(f"/api/oauth/consent?{query}")
    assert shown.status_code == 200, shown.text
    assert {s["scope"] for s in shown.json()["scopes"]} == set(scope.split()) - SPOTIFY_ONLY
    answer = http.post("/api/oauth/authorize", json={"query": query, "approve": True}, headers=CSRF)
    assert answer.status_code == 200, answer.text
    redirect = answer.json()["redirect"]
    assert redirect.startswith(REDIRECT + "?")
    got_state, code = auth.parse_auth_response_url(redirect)
    assert got_state == state  # echoed unchanged, or none sent back when none was asked with
    if isinstance(auth, SpotifyOAuth):
        auth.get_access_token(code, as_dict=False, check_cache=False)  # as_dict=True is deprecated (a warning)
    else:
        auth.get_access_token(code, check_cache=False)
    sp = spotipy.Spotify(auth_manager=auth, retries=0)
    sp.prefix = f"{live.base_url}/v1/"
    return sp
