"""entitlements ads exclusives buy clicks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 13:55:33.451455
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ad_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("listened_ms", sa.Integer(), nullable=False),
        sa.Column("last_track_id", sa.Integer(), nullable=True),
        sa.Column("last_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_duration_ms", sa.Integer(), nullable=False),
        sa.Column("last_ad_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ad_clocks_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_clocks")),
        sa.UniqueConstraint("user_id", name=op.f("uq_ad_clocks_user_id")),
    )
    op.create_table(
        "redeem_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("redeemed_by", sa.Integer(), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_redeem_codes_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["redeemed_by"], ["users.id"], name=op.f("fk_redeem_codes_redeemed_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redeem_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_redeem_codes_code_hash")),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_customer_id", sa.String(length=100), nullable=True),
        sa.Column("trial_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("provider_customer_id", name=op.f("uq_subscriptions_provider_customer_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_subscriptions_user_id")),
    )
    op.create_table(
        "ad_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=22), nullable=False),
        sa.Column("advertiser", sa.String(length=200), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("budget_impressions", sa.Integer(), nullable=False),
        sa.Column("cpm_cents", sa.Integer(), nullable=False),
        sa.Column("genres", sa.String(length=500), nullable=False),
        sa.Column("hour_from", sa.Integer(), nullable=True),
        sa.Column("hour_to", sa.Integer(), nullable=True),
        sa.Column("freq_cap_per_day", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_ad_campaigns_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_campaigns")),
        sa.UniqueConstraint("public_id", name=op.f("uq_ad_campaigns_public_id")),
    )
    op.create_table(
        "buy_clicks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.Column("album_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("label_id", sa.Integer(), nullable=True),
        sa.Column("retailer", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name=op.f("fk_buy_clicks_album_id_albums"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name=op.f("fk_buy_clicks_label_id_labels"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_buy_clicks_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_buy_clicks_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buy_clicks")),
    )
    with op.batch_alter_table("buy_clicks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_buy_clicks_album_id"), ["album_id"], unique=False)
        batch_op.create_index("ix_buy_clicks_label_at", ["label_id", "at"], unique=False)

    op.create_table(
        "exclusives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=22), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=True),
        sa.Column("album_id", sa.Integer(), nullable=True),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("availability", sa.String(length=10), nullable=False),
        sa.Column("release_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name=op.f("fk_exclusives_album_id_albums"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artists.id"], name=op.f("fk_exclusives_artist_id_artists"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name=op.f("fk_exclusives_label_id_labels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_exclusives_track_id_tracks"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusives")),
        sa.UniqueConstraint("public_id", name=op.f("uq_exclusives_public_id")),
        sa.UniqueConstraint("track_id", name=op.f("uq_exclusives_track_id")),
    )
    with op.batch_alter_table("exclusives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exclusives_album_id"), ["album_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exclusives_artist_id"), ["artist_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exclusives_label_id"), ["label_id"], unique=False)

    op.create_table(
        "ad_breaks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=22), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["ad_campaigns.id"], name=op.f("fk_ad_breaks_campaign_id_ad_campaigns"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ad_breaks_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ad_breaks")),
        sa.UniqueConstraint("public_id", name=op.f("uq_ad_breaks_public_id")),
    )
    with op.batch_alter_table("ad_breaks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ad_breaks_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index("ix_ad_breaks_user_issued", ["user_id", "issued_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ad_breaks", schema=None) as batch_op:
        batch_op.drop_index("ix_ad_breaks_user_issued")
        batch_op.drop_index(batch_op.f("ix_ad_breaks_campaign_id"))

    op.drop_table("ad_breaks")
    with op.batch_alter_table("exclusives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exclusives_label_id"))
        batch_op.drop_index(batch_op.f("ix_exclusives_artist_id"))
        batch_op.drop_index(batch_op.f("ix_exclusives_album_id"))

    op.drop_table("exclusives")
    with op.batch_alter_table("buy_clicks", schema=None) as batch_op:
        batch_op.drop_index("ix_buy_clicks_label_at")
        batch_op.drop_index(batch_op.f("ix_buy_clicks_album_id"))

    op.drop_table("buy_clicks")
    op.drop_table("ad_campaigns")
    op.drop_table("subscriptions")
    op.drop_table("redeem_codes")
    op.drop_table("ad_clocks")
