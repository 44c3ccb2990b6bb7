"""The security report: who logged in (and failed to) from where, what was changed, what left the server,
between two instants. What an operator needs to tell users what happened."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from encore.accounts import User
from encore.audit import _kinds as kinds
from encore.audit._models import AuditEvent
from encore.audit._service import EventFilter, EventView, list_events

MAX_LISTED = 10_000  # changes and exports listed one by one; a report is read by a person


@dataclass
class Logins:
    account: str | None  # None: failed attempts at usernames that do not exist
    logins: int = 0
    failures: int = 0
    refused: int = 0  # the right password for a stopped account: its owner (or whoever has it), not a guesser
    addresses: dict[str, int] = field(default_factory=dict)  # client address -> attempts (both kinds)
    first: datetime | None = None
    last: datetime | None = None


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    logins: list[Logins]  # busiest first
    changes: list[EventView]  # oldest first
    exports: list[EventView]


def _logins(session: Session, since: datetime, until: datetime) -> list[Logins]:
    subject = aliased(User)
    rows = session.execute(
        select(
            subject.username,
            AuditEvent.kind,
            AuditEvent.client_ip,
            func.count(),
            func.min(AuditEvent.at),
            func.max(AuditEvent.at),
        )
        .outerjoin(subject, subject.id == AuditEvent.subject_id)
        .where(
            AuditEvent.kind.in_([kinds.LOGIN, kinds.LOGIN_FAILED, kinds.LOGIN_REFUSED]),
            AuditEvent.at >= since,
            AuditEvent.at < until,
        )
        .group_by(subject.username, AuditEvent.kind, AuditEvent.client_ip)
    ).all()
    out: dict[str | None, Logins] = {}
    for account, kind, ip, count, first, last in rows:
        row = out.setdefault(account, Logins(account))
        if kind == kinds.LOGIN:
            row.logins += count
        elif kind == kinds.LOGIN_REFUSED:
            row.refused += count
        else:
            row.failures += count
        row.addresses[ip] = row.addresses.get(ip, 0) + count
        row.first = first if row.first is None else min(row.first, first)
        row.last = last if row.last is None else max(row.last, last)
    return sorted(out.values(), key=_busiest)


def _busiest(row: Logins) -> tuple[int, bool, str]:
    return -(row.logins + row.failures + row.refused), row.account is None, row.account or ""


def security_report(session: Session, *, since: datetime, until: datetime) -> Report:
    def listed(which: frozenset[str]) -> list[EventView]:
        where = EventFilter(since=since, until=until, kinds=which, limit=MAX_LISTED)
        return list(reversed(list_events(session, where=where)))

    return Report(since, until, _logins(session, since, until), listed(kinds.CHANGES), listed(kinds.EXPORTS))
