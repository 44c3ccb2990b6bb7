"""The web edge's side of the audit log: who is calling from where, recorded with the action."""

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from encore import audit
from encore.accounts import User
from encore.db import transaction
from encore.web._client_ip import client_ip
from encore.web._deps import container


def client_of(request: Request) -> audit.Client:
    return audit.Client(
        ip=client_ip(request),  # the configured trusted proxies' view, as the login throttle sees it
        user_agent=request.headers.get("user-agent", ""),
    )


def note(
    request: Request,
    session: Session,
    kind: str,
    *,
    actor: User | None,
    subject_id: int | None = None,
    subject_public_id: str | None = None,
    **details: Any,
) -> None:
    """Record `kind` in the request's transaction (a failed action rolls its event back with it)."""
    audit.record(
        session,
        kind=kind,
        now=container(request).clock.now(),
        actor_id=actor.id if actor else None,
        subject_id=subject_id,
        subject_public_id=subject_public_id,
        client=client_of(request),
        details=details,
    )


def note_apart(request: Request, kind: str, *, actor: User, **details: Any) -> None:
    """Record `kind` in a transaction of its own: for actions that commit their own work (uploads run the
    ingest pipeline, which writes in its own transactions), after that work is done."""
    with transaction(container(request).sessions) as session:
        note(request, session, kind, actor=actor, **details)
