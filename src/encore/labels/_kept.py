"""An open month's statement, computed once and shared by every worker and node (review19 F3).

Computing a month reads every counted stream of it for all labels (seconds of CPU at millions of plays), and
every label's dashboard asks for the current month on each load; `for_label` only filters (and counts) the lines, so one
computation serves every label. It is kept on the shared state (`encore.state`) under the month and the terms:

- fresh for FRESH_S: every read in that time answers it, stamped `as_of` (the dashboard says "as of …": an open
  month is provisional anyway, and streams keep arriving every second, so a version moved by each write would
  keep nothing on a busy server);
- then one request at a time recomputes it (a lease per month: single flight). Meanwhile the others answer the
  older one, kept for STALE_S, or, when there is none yet, wait for the one being computed, up to WAIT_S, and
  are told to come back (503, Retry-After) past that.

A closed month is stored in the database and never comes here.
"""

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta

from encore.labels._statement_model import Adjustment, Line, Statement
from encore.state import Doc, SharedState, StateBusy

FRESH_S = 600.0  # an open month's statement is recomputed at most once per ten minutes
STALE_S = 3600.0  # an older one is still answered while the next is being computed
LEASE_S = 600.0  # a computation's lease; it lapses by itself if its worker dies
WAIT_S = 30.0  # how long a request with nothing to answer waits for the month being computed
POLL_S = 0.1


class StatementBusy(StateBusy):
    """This month's statement is being computed and none is kept yet: try again in a moment (503)."""


def _key(month: str, currency: str, payout_share_pct: int) -> str:
    return f"labels:statement:{month}:{currency}:{payout_share_pct}"


def _doc(s: Statement) -> Doc:
    fields = asdict(s)
    fields["lines"] = [list(asdict(ln).values()) for ln in s.lines]
    fields["adjustments"] = [
        [
            a.for_month,
            a.subscription_cents,
            a.user_centric_unallocated_cents,
            [list(asdict(ln).values()) for ln in a.lines],
        ]
        for a in s.adjustments
    ]
    fields["closed_at"] = None
    fields["as_of"] = s.as_of.isoformat() if s.as_of else None
    return fields


def _statement(doc: Doc) -> Statement:
    lines = [Line(*row) for row in doc["lines"]]
    as_of = datetime.fromisoformat(doc["as_of"]) if doc.get("as_of") else None
    adjustments = [Adjustment(m, c, u, [Line(*row) for row in rows]) for m, c, u, rows in doc.get("adjustments", [])]
    return Statement(**{**doc, "lines": lines, "as_of": as_of, "adjustments": adjustments})


def _put(state: SharedState, key: str, doc: Doc) -> None:
    state.update([key], lambda _docs: ([doc], None), ttl_s=[STALE_S])


def kept_open_month(
    state: SharedState, *, month: str, currency: str, payout_share_pct: int, now: datetime,
    compute: Callable[[], Statement],
) -> Statement:  # fmt: skip
    """The open month's statement as kept (fresh), else computed once by this request (single flight)."""
    key = _key(month, currency, payout_share_pct)
    fresh_from = now - timedelta(seconds=FRESH_S)
    doc = state.get(key)
    kept = _statement(doc) if doc is not None else None
    if kept is not None and kept.as_of is not None and kept.as_of > fresh_from:
        return kept
    deadline = time.monotonic() + WAIT_S
    while True:
        lease = state.acquire(f"lease:{key}", limit=1, lease_s=LEASE_S)
        if lease is not None:
            try:
                doc = state.get(key)  # the one who held the lease may have just kept it
                if doc is not None and (done := _statement(doc)).as_of is not None and done.as_of > fresh_from:
                    return done
                made = compute()
                _put(state, key, _doc(made))
                return made
            finally:
                state.release(lease)
        if kept is not None:
            return kept  # someone is computing the next one: answer the older one, its `as_of` says when
        if time.monotonic() >= deadline:
            raise StatementBusy("this month's statement is being computed; try again in a moment")
        time.sleep(POLL_S)
        if (doc := state.get(key)) is not None:
            return _statement(doc)
