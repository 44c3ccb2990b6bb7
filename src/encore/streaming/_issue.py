"""Hand out a signed stream URL for a track the user asked for."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.catalog import Rendition, track_row
from encore.config import Settings
from encore.kernel import NotFound
from encore.keys import Keyring
from encore.streaming._decide import MIME, choose_rendition
from encore.streaming._signing import edge_secret_for, sign_edge_url, sign_stream_url, stream_key_for


@dataclass(frozen=True)
class IssuedStream:
    url: str
    expires_at: datetime
    rendition: str
    mime: str
    gain_db: float


def issue_stream_url(
    session: Session,
    *,
    settings: Settings,
    user_public_id: str,
    track_public_id: str,
    requested: str | None,
    data_saver: bool,
    now: datetime,
    keyring: Keyring,
    counted: bool = False,
    generation: int = 0,
) -> IssuedStream:
    """A signed URL for the track's best rendition. `counted` URLs are always served by Encore's own byte
    path, even in edge mode: a free listener's ad clock charges what that path sends, which nginx cannot
    report (so Premium listeners, whose audio costs no ad time, are the ones served by the edge).
    `generation` is the account's sign-out generation (`accounts.issue_epoch`): the URL stops when the account
    is signed out (embedded byte path; nginx's edge URLs run to their expiry)."""
    track = track_row(session, track_id=track_public_id)
    renditions = {r.kind: r for r in session.scalars(select(Rendition).where(Rendition.track_id == track.id))}
    choice = choose_rendition(requested=requested, available=frozenset(renditions), data_saver=data_saver)
    if choice.kind is None:
        raise NotFound(f"no playable rendition ({choice.reason})", code=choice.reason)
    expires_at = (now + timedelta(seconds=settings.stream_url_ttl_s)).astimezone(UTC)
    expires = int(expires_at.timestamp())
    secret = settings.secret_key.get_secret_value()
    active = keyring.active  # signed with the current key; older URLs keep working through the grace period
    # nginx knows only the keys of the config it runs: an edge URL takes the newest key it was seen to accept,
    # and with none (a leaked key retired at once) Encore's own byte path serves until nginx is reloaded
    edge = keyring.for_edge(now, until=expires_at) if settings.streaming_mode == "edge" and not counted else None
    if edge is not None:
        signed = sign_edge_url(
            secret=edge_secret_for(secret, edge),
            user=user_public_id,
            media_path=renditions[choice.kind].media_path,
            expires=expires,
            kid=edge.kid,
        )
        url = settings.edge_base_url.rstrip("/") + signed.path
    else:
        url = sign_stream_url(
            key=stream_key_for(secret, active),
            kid=active.kid,
            user=user_public_id,
            track=track.public_id,
            rendition=choice.kind,
            expires=expires,
            generation=generation,
        ).path
    return IssuedStream(url, expires_at, choice.kind, MIME[choice.kind], track.gain_db)
