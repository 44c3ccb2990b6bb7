"""Conditional GET for images named by their content: a client that holds the ETag `/art/` sent asks with
If-None-Match and gets 304 with no body, so the web's day-long freshness costs a revalidation, not the image again.

Only `/art/` answers 304. Subsonic's getCoverArt also sends an ETag with its hour-long freshness, but it never
reads If-None-Match: a stale cover there is fetched again whole (review23n F10)."""


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` or is `*` (RFC 9110 §13.1.2: the weak comparison, so a
    `W/` prefix on either side is ignored). A header that names nothing Encore sent matches nothing."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in (t.strip() for t in if_none_match.split(",")))
