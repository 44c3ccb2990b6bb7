"""The keyring: one row per key generation. A key is derived from the server secret and the row's salt,
so the table alone (a database leak) reveals no key."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime


class SigningKey(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    salt: Mapped[str] = mapped_column(String(64))  # "" for kid 0: the derivations Encore used before rotation
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retire_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None while current
    # when `encore keys edge-ready` saw nginx accept this key's edge URLs; None: nginx may not hold it yet
    edge_ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
