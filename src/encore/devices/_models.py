"""One row per device a listener connected: hashed API key, encrypted app password."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, TimestampMixin, UTCDateTime
from encore.kernel import new_public_id


class Device(TimestampMixin, Base):
    __tablename__ = "devices"
    __table_args__ = (Index("ix_devices_user", "user_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the API key: the key is shown once and a database leak reveals no key.
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Fernet token of the app password. Token auth (md5(password + salt)) needs the plain text,
    # so it is encrypted with a key derived from the server secret, never hashed.
    app_password_enc: Mapped[str] = mapped_column(Text)
    # The keyring key it is sealed under (a Fernet token does not say): a server whose kept keys predate it
    # reads the keyring again at once. None: sealed before this was recorded; the next rotation records it.
    app_password_kid: Mapped[int | None] = mapped_column(Integer)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    epoch: Mapped[int] = mapped_column(Integer, default=0)  # the generation it was issued under (sign-out)
