"""A forgotten verified stream stops naming its listener even to whoever holds the server's secret key, once no
copy of its play can still arrive (review24 F3).

`play_key` is a keyed hash of listener, track and first byte (`_verified.play_key`), and the row keeps the track
and the first byte: with the database and ENCORE_SECRET_KEY, one hash per account re-links a row whose `user_id`
forgetting set NULL. The key is also the row's duplicate guard against a later copy of the same play: a record
kept in the outbox, written at most KEPT_LONGEST after its first byte. So a de-identified row keeps its key that
long, then the daily REKEY job replaces it with a random one starting REKEYED (no hash's hex has a colon, so a
re-keyed row is never redone). A copy arriving later still (an operator's `encore outbox retry`, an edge log read
again) meets its play by track and exact first byte among the re-keyed rows (`write_verified_stream`).
"""

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from encore.db import transaction
from encore.jobs import JobContext
from encore.playback._outbox import KEPT_LONGEST
from encore.playback._verified import REKEYED, VerifiedStream

REKEY, REKEY_KEY = "playback.rekey_forgotten", "all"
REKEY_CHUNK = 1_000  # rows re-keyed per transaction


def rekey_forgotten_streams(
    session: Session, *, before: datetime, since: datetime | None, limit: int
) -> list[datetime]:
    """Give at most `limit` de-identified streams whose first byte is at or after `since` (None: any) and before
    `before` a random key, oldest first; their first bytes (the next call's `since` is the last)."""
    where = [
        VerifiedStream.user_id.is_(None),
        VerifiedStream.first_byte_at < before,
        VerifiedStream.play_key.not_like(f"{REKEYED}%"),
    ]
    if since is not None:
        where.append(VerifiedStream.first_byte_at >= since)  # ties included: those done are excluded by their key
    query = select(VerifiedStream.id, VerifiedStream.first_byte_at).where(*where)
    rows = session.execute(query.order_by(VerifiedStream.first_byte_at).limit(limit)).all()
    if rows:
        keys = [{"id": row.id, "play_key": REKEYED + secrets.token_hex(24)} for row in rows]
        session.execute(update(VerifiedStream), keys)  # by primary key, one statement per row
    return [row.first_byte_at for row in rows]


def run_rekey(ctx: JobContext) -> dict[str, Any]:
    before = ctx.clock.now() - KEPT_LONGEST
    done, since = 0, None
    while True:
        with transaction(ctx.sessions) as session:
            ats = rekey_forgotten_streams(session, before=before, since=since, limit=REKEY_CHUNK)
        done += len(ats)
        ctx.progress(done, None, f"{done:,} forgotten streams re-keyed")
        if len(ats) < REKEY_CHUNK:
            return {"rekeyed": done}
        since = ats[-1]


HANDLERS = {REKEY: run_rekey}
