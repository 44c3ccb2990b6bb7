"""Scopes modelled on Spotify's, with the words the consent page shows for each."""

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
}


def parse_scope(scope: str | None) -> list[str]:
    """Known scopes in a canonical order; unknown words are the caller's to reject."""
    words = set((scope or "").split())
    return [s for s in SCOPES if s in words]


def unknown_scopes(scope: str | None) -> list[str]:
    return sorted(set((scope or "").split()) - set(SCOPES))


def playlist_modify_scopes(*, public_now: bool, public_after: bool | None) -> list[str]:
    """The modify scopes a change needs: the one for the playlist as it is, and the one for what it
    becomes (making a private playlist public needs playlist-modify-public too, as on Spotify)."""
    scopes = {"playlist-modify-public" if public_now else "playlist-modify-private"}
    if public_after is not None:
        scopes.add("playlist-modify-public" if public_after else "playlist-modify-private")
    return sorted(scopes)
