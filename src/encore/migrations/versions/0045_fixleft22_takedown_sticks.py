"""albums remember the operator's takedown, so that their label cannot publish them again

Revision ID: fixleft22_1
Revises: money22_1

A label's portal (Publish again) republished a release the operator had taken down (`encore catalog withdraw`),
and only the audit log said who withdrew it last. The takedown is now a column, set by the operator's withdraw
(the status it found) and cleared by `encore catalog restore`; while it is set the label's publish is refused.
Rows from before: a withdrawn album whose last withdrawal in the audit log is the operator's (as restore read it
until now) was taken down from published (the operator withdrew published albums only). The downgrade drops the
column (the older code reads the audit log again).
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fixleft22_1"
down_revision: str | None = "money22_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The album's public id in an event's details, as written or cut by the audit log's bound into an escaped string.
_ALBUM = re.compile(r'\\?"album\\?":\\?"([A-Za-z0-9_-]+)')


def upgrade() -> None:
    op.add_column("albums", sa.Column("taken_down_from", sa.String(length=10), nullable=True))  # in place
    bind = op.get_bind()
    events = bind.execute(
        sa.text(
            "SELECT kind, details FROM audit_events WHERE kind IN ('catalog.withdrawn', 'label.withdrawn') "
            "ORDER BY at, id"
        )
    )
    last: dict[str, str] = {}
    for kind, details in events:
        if (found := _ALBUM.search(details or "")) is not None:
            last[found.group(1)] = kind
    taken = [album for album, kind in last.items() if kind == "catalog.withdrawn"]
    for album in taken:
        bind.execute(
            sa.text(
                "UPDATE albums SET taken_down_from = 'published' WHERE public_id = :album AND status = 'withdrawn'"
            ),
            {"album": album},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite >= 3.35): a batch rebuild drops the table, and with foreign keys on that deletes
        # every track, rendition and playlist item that refers to it (as drafts_1's downgrade says)
        op.execute("ALTER TABLE albums DROP COLUMN taken_down_from")
    else:
        op.drop_column("albums", "taken_down_from")
