"""The mixes job (`discovery.mixes`, daily after training): every listener's mixes that are due, one
listener per short transaction (a failure or a retry redoes only what is still due: idempotent). The daily
run is PARTS jobs, each the listeners whose id % PARTS is its part, so several `encore worker` processes
(or nodes) build at once; the key "all" (payload {}) builds everyone in one job."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.db import transaction
from encore.discovery._mix_models import Mix
from encore.discovery._mix_policy import KINDS, due
from encore.discovery._mix_shared import Shared
from encore.discovery._mixes import build_mixes
from encore.jobs import JobContext

MIXES, MIXES_KEY = "discovery.mixes", "all"
PARTS = 4  # daily parts: up to four worker processes share the run; with one they run one after another


def daily_parts() -> list[tuple[str, dict[str, int]]]:
    """(key, payload) of each part of the daily run."""
    return [(f"part-{part}-of-{PARTS}", {"part": part, "parts": PARTS}) for part in range(PARTS)]


def due_kinds(session: Session, *, user_id: int, now: datetime) -> list[str]:
    built: dict[str, datetime] = {}
    for kind, at in session.execute(select(Mix.kind, Mix.built_at).where(Mix.user_id == user_id)):
        built[kind] = min(at, built.get(kind, at))
    return [k for k in KINDS if due(k, built_at=built.get(k), now=now).allowed]


def build_all(sessions: Any, *, now: datetime, report: Any = None, part: int = 0, parts: int = 1) -> dict[str, int]:
    """Every active listener's due mixes (of one part: ids with id % parts == part). `sessions` is a
    sessionmaker; `report(done, total)` is optional."""
    if not 0 <= part < parts:
        raise ValueError(f"part {part} of {parts}")
    active = select(User.id).where(User.is_active.is_(True), User.id % parts == part).order_by(User.id)
    with sessions() as s:
        users: Sequence[int] = list(s.scalars(active))
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
    part, parts = int(ctx.payload.get("part", 0)), int(ctx.payload.get("parts", 1))
    return build_all(
        ctx.sessions,
        now=ctx.clock.now(),
        part=part,
        parts=parts,
        report=lambda d, t: ctx.progress(d, t, "Making mixes"),
    )
