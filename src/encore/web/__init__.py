"""The faces on HTTP: the player's JSON API, pages and static files, and the audio byte path.

This is the only package that imports FastAPI or Starlette.
"""

from encore.web._app import EncoreASGI, create_api, create_app, serve_app
from encore.web._log_lines import log_config

__all__ = ["EncoreASGI", "create_api", "create_app", "log_config", "serve_app"]
