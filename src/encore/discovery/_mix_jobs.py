"""The mixes job (`discovery.mixes`, daily after training): every listener's mixes that are due, one
listener per short transaction (a failure or a retry redoes only what is still due: idempotent)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.db import transaction
from encore.discovery._mix_models import Mix
from encore.discovery._mix_policy import KINDS, due
from encore.discovery._mixes import Shared, build_mixes
from encore.jobs import JobContext

MIXES, MIXES_KEY = "discovery.mixes", "all"
BATCH = 500


def due_kinds(session: Session, *, user_id: int, now: datetime) -> list[str]:
    built: dict[str, datetime] = {}
    for kind, at in session.execute(select(Mix.kind, Mix.built_at).where(Mix.user_id == user_id)):
        built[kind] = min(at, built.get(kind, at))
    return [k for k in KINDS if due(k, built_at=built.get(k), now=now).allowed]


def build_all(sessions: Any, *, now: datetime, report: Any = None) -> dict[str, int]:
    """Every active listener's due mixes. `sessions` is a sessionmaker; `report(done, total)` is optional."""
    with sessions() as s:
        users: Sequence[int] = list(s.scalars(select(User.id).where(User.is_active.is_(True)).order_by(User.id)))
    shared = Shared()  # what does not depend on the listener: read once per run
    stats = {"listeners": len(users), "built": 0, "mixes": 0}
    for done, user_id in enumerate(users, start=1):
        with transaction(sessions) as session:
            kinds = due_kinds(session, user_id=user_id, now=now)
            if kinds:
                stats["mixes"] += len(build_mixes(session, user_id=user_id, now=now, kinds=kinds, shared=shared))
                stats["built"] += 1
        if report is not None:
            report(done, len(users))
    return stats


def run_mixes(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0, None, "Making mixes", force=True)
    return build_all(ctx.sessions, now=ctx.clock.now(), report=lambda d, t: ctx.progress(d, t, "Making mixes"))
