"""an app's resume of a deleted play is a record of its own kind, not among the listener's jobs

Revision ID: fix29a_1
Revises: lead28_1

Before fix29a, each "now playing" an app sent again for a play the listener deleted left a `history.forget_play` job
marked `resumed`, listed among the listener's jobs (review28a L5: twelve resends pushed an import out of the twenty
`GET /api/me/jobs` shows). Such a record is now of the kind `history.forget_resumed`, registered unlisted; this
upgrade moves the older ones to it, so they leave the list too. Every forget check reads both kinds alike, and reads
a record from before as one resume. The downgrade moves them all back (their payload still says `resumed`, which the
code before reads): a later record stands for several resumes by its latest, which that code pairs as it paired the
latest resume's own job.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fix29a_1"
down_revision: str | None = "lead28_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLAY, _RESUMED = "history.forget_play", "history.forget_resumed"
_MARKED = '%"resumed": true%'  # json.dumps's own spelling, which wrote every payload


def upgrade() -> None:
    op.get_bind().execute(
        sa.text("UPDATE jobs SET kind = :resumed WHERE kind = :play AND payload LIKE :marked").bindparams(
            resumed=_RESUMED, play=_PLAY, marked=_MARKED
        )
    )


def downgrade() -> None:
    op.get_bind().execute(
        sa.text("UPDATE jobs SET kind = :play WHERE kind = :resumed").bindparams(resumed=_RESUMED, play=_PLAY)
    )
