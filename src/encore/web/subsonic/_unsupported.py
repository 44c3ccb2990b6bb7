"""What Encore has none of, said in Subsonic's terms: the scan status, empty lists, refusals with a reason.

Apps (DSub, Symfonium, Feishin, Substreamer) call several of these at start-up, and some stop at an HTTP 404.
A question Encore can answer truthfully gets its answer: there are no internet radio stations, podcasts,
bookmarks, shares or chat messages, and the catalogue is never being scanned (uploads are catalogued as they
arrive). An action Encore cannot take is a Subsonic error in the asked format with HTTP 200, as clients expect:
50 where the user record already says the role is off (jukebox, sharing), 70 for an item that cannot exist,
0 with the reason otherwise.
"""

from encore import library
from encore.web.subsonic._context import Ctx, Handler, method
from encore.web.subsonic._envelope import GENERIC, NOT_AUTHORIZED, NOT_FOUND, Payload, SubsonicError

# Questions whose true answer is an empty list: the method and its (empty) response.
EMPTY: dict[str, Payload] = {
    "getInternetRadioStations": {"internetRadioStations": {"internetRadioStation": []}},
    "getPodcasts": {"podcasts": {"channel": []}},
    "getNewestPodcasts": {"newestPodcasts": {"episode": []}},
    "getBookmarks": {"bookmarks": {"bookmark": []}},
    "getShares": {"shares": {"share": []}},
    "getChatMessages": {"chatMessages": {"chatMessage": []}},
    "getVideos": {"videos": {"video": []}},
}

_WEB = "in Encore's web player"
# Methods Encore answers with an error: the method, the Subsonic code, the reason.
REFUSED: dict[str, tuple[int, str]] = {
    "jukeboxControl": (NOT_AUTHORIZED, "Encore has no jukebox: it plays on your own devices"),
    "createShare": (NOT_AUTHORIZED, f"sharing is not offered over Subsonic: share {_WEB}"),
    "updateShare": (NOT_AUTHORIZED, f"sharing is not offered over Subsonic: share {_WEB}"),
    "deleteShare": (NOT_FOUND, "no such share"),
    "createBookmark": (GENERIC, "Encore keeps no bookmarks: it resumes from the play queue (savePlayQueue)"),
    "deleteBookmark": (NOT_FOUND, "no such bookmark"),
    "getPodcastEpisode": (NOT_FOUND, "no such podcast episode"),
    "getVideoInfo": (NOT_FOUND, "no such video"),
    "addChatMessage": (GENERIC, "Encore has no chat"),
    "search": (GENERIC, "search is not implemented by Encore: use search3"),
}
for _name in (
    "refreshPodcasts",
    "createPodcastChannel",
    "deletePodcastChannel",
    "deletePodcastEpisode",
    "downloadPodcastEpisode",
):
    REFUSED[_name] = (GENERIC, "Encore has no podcasts")
for _name in ("createInternetRadioStation", "updateInternetRadioStation", "deleteInternetRadioStation"):
    REFUSED[_name] = (GENERIC, "Encore has no internet radio stations")
for _name in ("getUsers", "createUser", "updateUser", "deleteUser", "changePassword"):
    REFUSED[_name] = (GENERIC, f"accounts are managed {_WEB}")
for _name in ("hls", "getCaptions"):
    REFUSED[_name] = (GENERIC, "Encore has no videos")


def _scan_status(ctx: Ctx) -> Payload:
    return {"scanStatus": {"scanning": False, "count": library.catalogue_track_count(ctx.session)}}


@method("getScanStatus")
def get_scan_status(ctx: Ctx) -> Payload:
    return _scan_status(ctx)


@method("startScan")
def start_scan(ctx: Ctx) -> Payload:
    """Starts nothing: Encore has no music folder to walk. What a scan would report is already true."""
    return _scan_status(ctx)


def _answer(payload: Payload) -> Handler:
    def handler(_ctx: Ctx) -> Payload:
        return payload

    return handler


def _refuse(code: int, message: str) -> Handler:
    def handler(_ctx: Ctx) -> Payload:
        raise SubsonicError(code, message)

    return handler


for _name, _payload in EMPTY.items():
    method(_name)(_answer(_payload))
for _name, (_code, _message) in REFUSED.items():
    method(_name)(_refuse(_code, _message))
