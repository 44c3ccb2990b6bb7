"""The Subsonic / OpenSubsonic API, so existing mobile and desktop apps play Encore."""

from encore.web.subsonic._router import router

__all__ = ["router"]
