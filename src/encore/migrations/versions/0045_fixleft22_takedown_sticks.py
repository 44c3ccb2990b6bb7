"""albums remember the operator's takedown, so that their label cannot publish them again

Revision ID: fixleft22_1
Revises: money22_1

A label's portal (Publish again) republished a release the operator had taken down (`encore catalog withdraw`),
and only the audit log said who withdrew it last. The takedown is now a column, set by the operator's withdraw
(the status it found) and cleared by `encore catalog restore`; while it is set the label's publish is refused.
Rows from before: a withdrawn album whose last withdrawal in the audit log is the operator's (as restore read it
until now), and not restored since, was taken down from published (the operator withdrew published albums only).
The downgrade drops the column (the older code reads the audit log again).

Down and up again (review23 F6): since this revision the operator can take down a release its label had withdrawn,
and restoring that leaves it withdrawn. The withdraw's event therefore records the status it found ("from", right
after the album), which the upgrade reads (an event without it is older, and was taken down from published), and a
later `catalog.restored` lifts the takedown. Changing this landed upgrade changes the result only for events the
code of this revision writes: older logs (no "from"; a restore was always followed by the album published, so a
withdrawn one had a later withdrawal) come out as before.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fixleft22_1"
down_revision: str | None = "money22_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The album's public id in an event's details, as written or cut by the audit log's bound into an escaped string,
# and the status a takedown found when it follows the album at once (a title cannot put it there, nor fake it).
_ALBUM = re.compile(r'\\?"album\\?":\\?"([A-Za-z0-9_-]+)\\?"(?:,\\?"from\\?":\\?"(published|withdrawn)\\?")?')


def upgrade() -> None:
    op.add_column("albums", sa.Column("taken_down_from", sa.String(length=10), nullable=True))  # in place
    bind = op.get_bind()
    events = bind.execute(
        sa.text(
            "SELECT kind, details FROM audit_events "
            "WHERE kind IN ('catalog.withdrawn', 'catalog.restored', 'label.withdrawn') ORDER BY at, id"
        )
    )
    # album -> the status its takedown found, or None once its label withdrew it or the operator restored it
    taken: dict[str, str | None] = {}
    for kind, details in events:
        if (found := _ALBUM.search(details or "")) is not None:
            taken[found.group(1)] = (found.group(2) or "published") if kind == "catalog.withdrawn" else None
    for album, status in taken.items():
        if status is None:
            continue
        bind.execute(
            sa.text("UPDATE albums SET taken_down_from = :found WHERE public_id = :album AND status = 'withdrawn'"),
            {"album": album, "found": status},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite >= 3.35): a batch rebuild drops the table, and with foreign keys on that deletes
        # every track, rendition and playlist item that refers to it (as drafts_1's downgrade says)
        op.execute("ALTER TABLE albums DROP COLUMN taken_down_from")
    else:
        op.drop_column("albums", "taken_down_from")
