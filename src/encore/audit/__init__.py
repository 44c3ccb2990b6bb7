"""The audit log of security events: log-ins, credential and account changes, admin and label actions,
exports. Faces call `record` in the transaction of the action; listeners read their own, admins all."""

from encore.audit import _kinds as kinds
from encore.audit._flood import FloodGate
from encore.audit._models import AuditEvent
from encore.audit._report import Logins, Report, security_report
from encore.audit._service import (
    CSV_FIELDS,
    Client,
    EventFilter,
    EventView,
    list_events,
    record,
    recorded,
    to_csv,
    to_rows,
)

__all__ = [
    "CSV_FIELDS",
    "AuditEvent",
    "Client",
    "EventFilter",
    "EventView",
    "FloodGate",
    "Logins",
    "Report",
    "kinds",
    "list_events",
    "record",
    "recorded",
    "security_report",
    "to_csv",
    "to_rows",
]
