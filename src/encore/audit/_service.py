"""Record security events and read them back, filtered. Takes a Session, never commits."""

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from encore.accounts import User
from encore.audit._models import AuditEvent
from encore.kernel import ValidationFailed, in_epoch, spreadsheet_text

MAX_DETAILS = 4000  # a details object is a few ids and names; anything bigger is cut, never refused


@dataclass(frozen=True)
class Client:
    """Where a request came from, as the web edge saw it (the CLI records none)."""

    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class EventView:
    id: int
    at: datetime
    kind: str
    actor: str | None  # username
    subject: str | None
    client_ip: str
    user_agent: str
    details: dict[str, Any]


@dataclass(frozen=True)
class EventFilter:
    """`account` matches the actor or the subject; `kind` matches itself and its children ("admin" matches
    "admin.premium_granted"); times are [since, until)."""

    account_id: int | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = 100
    kinds: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if any(t is not None and not in_epoch(t) for t in (self.since, self.until)):
            raise ValidationFailed("since and until are instants between 1970 and 9999", code="bad_range")


def record(
    session: Session,
    *,
    kind: str,
    now: datetime,
    actor_id: int | None,
    subject_id: int | None = None,
    subject_public_id: str | None = None,
    client: Client | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """One INSERT in the caller's transaction: the event exists exactly when the action it records does.
    The subject defaults to the actor; admin routes that name an account by public id pass that instead."""
    if subject_id is None and subject_public_id is not None:
        subject_id = session.scalar(select(User.id).where(User.public_id == subject_public_id))
    text = json.dumps(dict(details or {}), default=str, separators=(",", ":"))
    if len(text) > MAX_DETAILS:
        text = json.dumps({"truncated": text[:MAX_DETAILS]})
    client = client or Client()
    session.add(
        AuditEvent(
            at=now,
            actor_id=actor_id,
            subject_id=subject_id if subject_id is not None else actor_id,
            kind=kind,
            client_ip=client.ip[:64],
            user_agent=client.user_agent[:300],
            details=text,
        )
    )


def recorded(session: Session, *, kind: str, key: str, value: str) -> bool:
    """Whether an event of `kind` whose details hold `key` = `value` is recorded already: for an event to record
    once per thing it is about (an invoice), not once per request that finds it again."""
    pair = json.dumps({key: value}, separators=(",", ":"))[1:-1]  # as `record` writes it, quotes included
    found = select(AuditEvent.id).where(AuditEvent.kind == kind, AuditEvent.details.contains(pair, autoescape=True))
    return session.scalar(found.limit(1)) is not None


def _query(f: EventFilter) -> Select[AuditEvent, str, str]:
    actor, subject = aliased(User), aliased(User)
    q = (
        select(AuditEvent, actor.username, subject.username)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(subject, subject.id == AuditEvent.subject_id)
    )
    if f.account_id is not None:
        q = q.where(or_(AuditEvent.actor_id == f.account_id, AuditEvent.subject_id == f.account_id))
    if f.kind:
        q = q.where(or_(AuditEvent.kind == f.kind, AuditEvent.kind.startswith(f.kind + ".", autoescape=True)))
    if f.kinds:
        q = q.where(AuditEvent.kind.in_(sorted(f.kinds)))
    if f.since is not None:
        q = q.where(AuditEvent.at >= f.since)
    if f.until is not None:
        q = q.where(AuditEvent.at < f.until)
    if f.before_id is not None:
        q = q.where(AuditEvent.id < f.before_id)
    return q.order_by(AuditEvent.id.desc()).limit(f.limit)


def list_events(session: Session, *, where: EventFilter) -> list[EventView]:
    """Newest first; page on with `before_id` = the last id seen."""
    return [
        EventView(e.id, e.at, e.kind, a, s, e.client_ip, e.user_agent, json.loads(e.details or "{}"))
        for e, a, s in session.execute(_query(where))
    ]


CSV_FIELDS = ("id", "at", "kind", "actor", "subject", "client_ip", "user_agent", "details")


def _cell(value: object) -> str:
    # A spreadsheet must not run a formula from a user agent or a username.
    return spreadsheet_text("" if value is None else str(value))


def to_rows(events: list[EventView]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "kind": e.kind,
            "actor": e.actor,
            "subject": e.subject,
            "client_ip": e.client_ip,
            "user_agent": e.user_agent,
            "details": e.details,
        }
        for e in events
    ]


def to_csv(events: list[EventView]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for row in to_rows(events):
        row["details"] = json.dumps(row["details"], separators=(",", ":"))
        writer.writerow([_cell(row[name]) for name in CSV_FIELDS])
    return out.getvalue()
