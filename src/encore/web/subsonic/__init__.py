"""The Subsonic / OpenSubsonic API, so existing mobile and desktop apps play Encore."""

from encore.web.subsonic._asgi import is_rest_get, make_rest_endpoint
from encore.web.subsonic._asked import answer_format, asked, form_kind
from encore.web.subsonic._envelope import SubsonicError, error_response
from encore.web.subsonic._router import router

__all__ = [
    "SubsonicError",
    "answer_format",
    "asked",
    "error_response",
    "form_kind",
    "is_rest_get",
    "make_rest_endpoint",
    "router",
]
