"""where a release's cover came from: a file's embedded art, or the label's choice in its portal

Revision ID: fix30a_1
Revises: lead29_1

An operator's (re-)ingest of a file with embedded art replaced the cover a label had uploaded for its release
(review29c L1): the row did not say whose choice the cover was. `albums.artwork_origin` now does ("file" | "label",
None while there is no cover); a file's art never replaces a label's (`catalog.offer_file_art`).

Existing covers: "label" when the newest cover edit the audit holds for the album (`label.edit` with "cover" among
its fields) names the album's current art, or names none (edits before 95e69377 did not record the key; a file's
art replacing a label's cover since then is the less likely case, and keeping a label's choice the safer error);
"file" for every other cover. The downgrade drops the column.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fix30a_1"
down_revision: str | None = "lead29_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("albums", sa.Column("artwork_origin", sa.String(5), nullable=True))  # in place
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE albums SET artwork_origin = 'file' WHERE artwork_key IS NOT NULL"))
    newest: dict[str, str | None] = {}  # album public id -> the key its newest cover edit names (None: unnamed)
    edits = conn.execute(
        sa.text("SELECT details FROM audit_events WHERE kind = 'label.edit' AND details LIKE '%cover%' ORDER BY id")
    )
    for (details,) in edits:
        said = json.loads(details or "{}")
        if isinstance(said, dict) and "cover" in (said.get("fields") or []) and isinstance(said.get("album"), str):
            newest[said["album"]] = said.get("artwork") if isinstance(said.get("artwork"), str) else None
    chosen = sa.text(
        "UPDATE albums SET artwork_origin = 'label' WHERE public_id = :album AND artwork_key IS NOT NULL"
        " AND (:key IS NULL OR artwork_key = :key)"
    )
    for album, key in newest.items():
        conn.execute(chosen.bindparams(sa.bindparam("key", type_=sa.String())), {"album": album, "key": key})


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE albums DROP COLUMN artwork_origin")  # in place, as 0050's downgrade
    else:
        op.drop_column("albums", "artwork_origin")
