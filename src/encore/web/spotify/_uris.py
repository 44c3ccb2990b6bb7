"""/v1's URIs, the one owner of their scheme: written `spotify:<type>:<id>`, read in either scheme.

Spotify's Web API names every object by a `spotify:` URI, and its clients check that scheme before they send
anything: spotipy refuses any other with "Unsupported URL / URI." (review25c H1), so an answer's `uri` passed back
into `playlist_add_items` or `track` must be `spotify:`. Encore's ids are its own; the scheme says only which
API's grammar the URI follows. Every input that takes a URI also reads `encore:`, which /v1 wrote before
session 25, so a client that stored one keeps working."""

WRITTEN = "spotify"
READ = frozenset((WRITTEN, "encore"))


def uri(kind: str, public_id: str) -> str:
    return f"{WRITTEN}:{kind}:{public_id}"


def split(value: str) -> tuple[str, str] | None:
    """`(kind, id)` of a URI in a scheme /v1 reads, else None (the id is checked by whoever reads it)."""
    parts = value.split(":")
    if len(parts) != 3 or parts[0] not in READ:
        return None
    return parts[1], parts[2]
