"""/docs and /openapi.json for developers: the OAuth flows, the scopes, what is Encore's own."""

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from swagger_ui_bundle import swagger_ui_path

from encore.web._pages import STATIC_DIR, ServedFiles

SWAGGER_UI_URL = "/static/swagger-ui"

INTRO = """
Encore speaks the **Spotify Web API** under `/v1`: point an existing client at this server
(spotipy: `sp.prefix = "https://<server>/v1/"`, and its OAuth URLs at `/authorize` and `/api/token`).

**Getting a token.** Register an app at [/developer](/developer) (name and exact redirect URIs; the client
secret is shown once). Then use the authorization code flow with PKCE (S256):
`GET /authorize?response_type=code&client_id=...&redirect_uri=...&scope=...&state=...`
`&code_challenge=...&code_challenge_method=S256`
— `state` is optional, as at Spotify (send one: it is your app's CSRF check) and comes back unchanged;
the redirect URI must match a registered one exactly.
Exchange the code at `POST /api/token` (form-encoded). Codes are single-use: a replayed code also revokes
every token it issued. Refresh tokens rotate. Catalogue endpoints also accept client-credentials tokens.
Revoke with `POST /api/token/revoke` (RFC 7009). Listeners see and revoke granted apps at /developer.

**Scopes.** Ask for the scopes listed below. A Spotify scope Encore has nothing behind (`streaming`,
`app-remote-control`, `ugc-image-upload`, `playlist-read-collaborative`, `user-read-playback-position`) is
accepted and named back in the token's `scope`, as spotipy and other Spotify clients expect every scope they
asked for there, but it opens nothing: no endpoint sits behind it. Any other word is refused with
`invalid_scope`, as Spotify refuses it: sent back to your registered redirect URI with your `state`.

**Player.** Encore has no Spotify Connect: `/v1/me/player` and `/currently-playing` answer 204, devices and
the queue are empty, and every command is 404 with `"reason": "NO_ACTIVE_DEVICE"`, as Spotify answers a
listener with no device open.

**Objects** follow Spotify's field names. `uri` is `spotify:<type>:<id>`, as Spotify writes it, so a client
passes it back as it would a Spotify URI (spotipy refuses any other scheme before it sends); every input that
takes a URI reads `encore:<type>:<id>` too, which Encore wrote before. Ids are 22 base62 characters;
`href`, `next` and `previous` are absolute; `external_urls` links the Encore player (also under the key
`spotify` so existing code keeps working). Unsupported Spotify fields are present with neutral values
(`popularity: 0`, `available_markets: []`). `album_type` is Spotify's album, single or compilation (an EP is a
single); an artist's albums carry `album_group` and read `include_groups` (`appears_on`: albums of others the
artist is featured on or has tracks on). Search takes Spotify's every type; `show`, `episode` and `audiobook`
answer empty pages, and only the types asked for are in the answer.

**Parameters Encore has no use for.** `market` is checked as Spotify checks it (`from_token` or a two-letter
country code, else 400 "Invalid market code") and changes nothing: Encore has one market. `fields` on
`/v1/playlists/{id}` is accepted and the whole object is sent: a superset of what was asked, which a client reads
as it reads Spotify's filtered answer (the filter only saves bytes; Encore's playlists send 100 items at most).

**Errors** are `{"error": {"status": 400, "message": "..."}}`: 400 bad input, 401 bad/expired/revoked
token, 403 missing scope, 404 unknown (or someone else's private) object or path, 405 a method the path
does not take (with `Allow`), 429 rate limited with `Retry-After` seconds. Each app has its own limit per
30-second window. `/v1/recommendations` refuses a tunable attribute (`target_energy`...) outside Spotify's
range for it, though it does not read them.

**Encore additions** are tagged *(Encore)*: the developer-app and grant endpoints under `/api`.
Buy links (`/v1/albums/{id}/buy-links`, `/v1/tracks/{id}/buy-links`) are Encore's own too: any token.
"""


def describe(app: FastAPI, *, scopes: Mapping[str, str]) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=INTRO, routes=app.routes)
        schema.setdefault("components", {})["securitySchemes"] = {
            "encoreOAuth": {
                "type": "oauth2",
                "description": "Bearer tokens from Encore's OAuth 2.0 server (PKCE S256 for public clients).",
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": "/authorize",
                        "tokenUrl": "/api/token",
                        "refreshUrl": "/api/token",
                        "scopes": dict(scopes),
                    },
                    "clientCredentials": {"tokenUrl": "/api/token", "scopes": {}},
                },
            }
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def serve_docs(app: FastAPI) -> None:
    """/docs: Swagger UI from the packaged bundle, under Encore's own CSP (its start-up is a file, not inline).

    Call before `/static` is mounted: the first mount whose prefix matches a path answers it.
    """
    app.mount(SWAGGER_UI_URL, ServedFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.api_route("/docs", methods=["GET", "HEAD"], include_in_schema=False)  # link checkers HEAD first
    def docs_page() -> FileResponse:
        page = f"{STATIC_DIR}/developer/docs.html"
        return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})
