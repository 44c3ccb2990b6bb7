"""Scopes modelled on Spotify's, with the words the consent page shows for each."""

from dataclasses import dataclass

SCOPES: dict[str, str] = {
    "user-read-private": "See your display name and account details",
    "user-read-email": "See your email address",
    "user-top-read": "See your top artists and tracks",
    "user-read-recently-played": "See what you played recently",
    "user-library-read": "See your saved tracks, albums and artists",
    "user-library-modify": "Save and remove tracks, albums and artists in your library",
    "playlist-read-private": "See your private playlists",
    "playlist-modify-public": "Create, edit and follow your public playlists",
    "playlist-modify-private": "Create and edit your private playlists",
    "user-read-playback-state": "See what you are playing",
    "user-read-currently-playing": "See the track you are playing",
    "user-modify-playback-state": "Send play, pause and skip commands (Encore has no remote devices: none is obeyed)",
    "user-follow-read": "See the artists you follow",
    "user-follow-modify": "Follow and unfollow artists for you",
}


# Spotify's scopes that Encore has nothing behind (no Web Playback SDK, no App Remote, no image uploads, no
# collaborative playlists, no podcasts' resume points). Asked for, they are accepted and named back in the token's
# scope, with nothing behind them: see `decide_scopes`. Spotify's partner-only scopes (user-soa-*, user-manage-*,
# user-create-partner) are not here: an ordinary Spotify app asking for them is refused by Spotify, and so by Encore.
SPOTIFY_ONLY = frozenset(
    (
        "streaming",
        "app-remote-control",
        "ugc-image-upload",
        "playlist-read-collaborative",
        "user-read-playback-position",
    )
)


@dataclass(frozen=True)
class ScopeDecision:
    """What an authorization request's `scope` gets: `granted` (Encore's, in canonical order), `not_granted`
    (Spotify's scopes Encore cannot serve), and `unknown` words, which refuse the whole request."""

    granted: list[str]
    not_granted: list[str]
    unknown: list[str]

    @property
    def token_scope(self) -> str:
        """The scope a token carries: Encore's granted ones, then the Spotify-only ones asked for. Naming those
        opens nothing, as no endpoint of Encore exists behind them to check them (no player SDK, no remote, no
        image upload, no collaborative playlist or podcast); leaving them out made spotipy (whose
        `validate_token` wants every scope it asked for in the token's) throw every token away and ask the
        listener to consent again on each call (review32c M1)."""
        return " ".join([*self.granted, *self.not_granted])

    @property
    def reason(self) -> str:
        return f"unknown scope: {' '.join(w[:40] for w in self.unknown[:5])}" if self.unknown else ""


def decide_scopes(scope: str | None) -> ScopeDecision:
    """F8's decision. RFC 6749 §3.3 lets a server grant less than asked (and then name what it granted in the
    token response's `scope`, §5.1); Spotify refuses a request naming a scope it does not know ("Illegal
    scope", enforced strictly for apps since its February 2026 changes). Encore does both, by kind of word:
    a word that is no scope at all (a typo, "admin") refuses the request with invalid_scope, as on Spotify, so
    the developer sees the mistake; a real Spotify scope Encore has nothing behind is accepted and named in the
    token's scope (`ScopeDecision.token_scope`) though it gives nothing, so an app written for Spotify (many ask
    for `streaming`) still works with what Encore offers; the consent page tells the listener which they are."""
    words = set((scope or "").split())
    return ScopeDecision(
        granted=parse_scope(scope),
        not_granted=sorted(words & SPOTIFY_ONLY),
        unknown=sorted(words - set(SCOPES) - SPOTIFY_ONLY),
    )


def parse_scope(scope: str | None) -> list[str]:
    """Known scopes in a canonical order; the rest is `decide_scopes`'s to judge."""
    words = set((scope or "").split())
    return [s for s in SCOPES if s in words]


def unknown_scopes(scope: str | None) -> list[str]:
    return decide_scopes(scope).unknown


def playlist_modify_scopes(*, public_now: bool, public_after: bool | None) -> list[str]:
    """The modify scopes a change needs: the one for the playlist as it is, and the one for what it
    becomes (making a private playlist public needs playlist-modify-public too, as on Spotify)."""
    scopes = {"playlist-modify-public" if public_now else "playlist-modify-private"}
    if public_after is not None:
        scopes.add("playlist-modify-public" if public_after else "playlist-modify-private")
    return sorted(scopes)
