"""What every Subsonic handler receives: the session, the caller, the parameters, the container."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi.responses import Response
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.devices import DeviceOwner
from encore.web.subsonic._envelope import Payload
from encore.web.subsonic._params import Params


@dataclass
class Ctx:
    session: Session
    user: DeviceOwner  # the account behind the device credential, as columns
    params: Params
    container: Container
    now: datetime
    client: str
    if_none_match: str | None = None  # the request's header: getCoverArt answers 304 for the image it names


Handler = Callable[[Ctx], Payload | Response]
HANDLERS: dict[str, Handler] = {}
# Methods that write (scrobble, star, play queue, playlists): they run in the write lane (web._threads), so
# writers waiting on the database's lock never hold the threads the hot reads run on.
WRITES: set[str] = set()
# Reads that write nothing of their own and read mostly on the connection's cursor (db.RawStatement) and the
# catalogue's views: they run without the ORM session's transaction (see _router._transaction).
PURE: set[str] = set()


def method(name: str, *, writes: bool = False, pure: bool = False) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name.lower()] = fn
        if writes:
            WRITES.add(name.lower())
        if pure:
            PURE.add(name.lower())
        return fn

    return register
