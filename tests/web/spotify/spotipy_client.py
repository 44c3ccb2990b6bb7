"""spotipy from PyPI, unmodified except `prefix` and its OAuth URLs, logged in through Encore's consent."""

import httpx
import spotipy
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyPKCE

from tests.support.live import LiveServer
from tests.web.spotify.flows import ALL_SCOPES, CSRF, REDIRECT, register_app


def pkce_client(live: LiveServer, http: httpx.Client, *, scope: str = ALL_SCOPES) -> spotipy.Spotify:
    """The PKCE flow as spotipy runs it, the consent given by the logged-in listener of `http`."""
    app = register_app(http, name="spotipy app")
    auth = SpotifyPKCE(
        client_id=app.client_id,
        redirect_uri=REDIRECT,
        scope=scope,
        state="state-123",
        cache_handler=MemoryCacheHandler(),
        open_browser=False,
    )
    auth.OAUTH_AUTHORIZE_URL = f"{live.base_url}/authorize"
    auth.OAUTH_TOKEN_URL = f"{live.base_url}/api/token"
    url = auth.get_authorize_url()
    assert url.startswith(f"{live.base_url}/authorize?")
    # The consent step, as the logged-in listener's browser would do it (the page's own JSON calls).
    query = url.split("?", 1)[1]
    assert http.get(url).status_code == 200  # the consent page itself
    shown = http.get(f"/api/oauth/consent?{query}")
    assert shown.status_code == 200, shown.text
    assert {s["scope"] for s in shown.json()["scopes"]} == set(scope.split())
    answer = http.post("/api/oauth/authorize", json={"query": query, "approve": True}, headers=CSRF)
    redirect = answer.json()["redirect"]
    assert redirect.startswith(REDIRECT + "?")
    state, code = auth.parse_auth_response_url(redirect)
    assert state == "state-123"
    auth.get_access_token(code)
    sp = spotipy.Spotify(auth_manager=auth, retries=0)
    sp.prefix = f"{live.base_url}/v1/"
    return sp
