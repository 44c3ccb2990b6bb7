"""The faces on HTTP: the player's JSON API, pages and static files, and the audio byte path.

This is the only package that imports FastAPI or Starlette.
"""

from encore.web._app import EncoreASGI, create_api, create_app, serve_app

__all__ = ["EncoreASGI", "create_api", "create_app", "serve_app"]
