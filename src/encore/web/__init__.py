"""The faces on HTTP: the player's JSON API, pages and static files, and the audio byte path.

This is the only package that imports FastAPI or Starlette.

The app's names load on first use (PEP 562): `encore serve --workers N`'s supervising process needs only
`log_config`, and importing the app there cost ~1.8 s of CPU at each start for routes it never serves (its
workers import `encore.web:serve_app` themselves).
"""

from typing import TYPE_CHECKING, Any

from encore.web._log_lines import log_config

if TYPE_CHECKING:
    from encore.web._app import EncoreASGI, create_api, create_app, serve_app

__all__ = ["EncoreASGI", "create_api", "create_app", "log_config", "serve_app"]
_FROM_APP = frozenset(__all__) - {"log_config"}


def __getattr__(name: str) -> Any:
    if name in _FROM_APP:
        from encore.web import _app

        return getattr(_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
