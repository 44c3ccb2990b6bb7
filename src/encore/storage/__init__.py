"""The media store: server-named files under one root, written atomically."""

from encore.storage._store import MediaStore, StoreError

__all__ = ["MediaStore", "StoreError"]
