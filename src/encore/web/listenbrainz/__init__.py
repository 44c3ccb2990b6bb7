"""The ListenBrainz-compatible face: /1/submit-listens, /1/delete-listen, /1/validate-token, /1/user/{name}/...,
/1/stats/user/{name}/..."""

from encore.web.listenbrainz._capture import SUBMIT_PATH, make_submit_endpoint
from encore.web.listenbrainz._payload import MAX_PAYLOAD_SIZE
from encore.web.listenbrainz._routes import router
from encore.web.listenbrainz._stats import router as stats_router
from encore.web.listenbrainz._token_routes import router as token_router

routers = (router, stats_router, token_router)

__all__ = ["MAX_PAYLOAD_SIZE", "SUBMIT_PATH", "make_submit_endpoint", "router", "routers", "token_router"]
