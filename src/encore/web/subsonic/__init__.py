"""The Subsonic / OpenSubsonic API, so existing mobile and desktop apps play Encore."""

from encore.web.subsonic._asgi import is_rest_get, make_rest_endpoint
from encore.web.subsonic._router import router

__all__ = ["is_rest_get", "make_rest_endpoint", "router"]
