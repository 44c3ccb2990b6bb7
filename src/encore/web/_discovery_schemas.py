"""Wire shapes of the discovery settings."""

from pydantic import BaseModel

from encore import discovery
from encore.web._schemas import Strict


class DiscoveryPatch(Strict):
    contribute: bool | None = None
    autoplay: bool | None = None


class DiscoverySettings(BaseModel):
    contribute: bool
    autoplay: bool

    @classmethod
    def of(cls, prefs: discovery.Preferences) -> "DiscoverySettings":
        return cls(contribute=prefs.contribute, autoplay=prefs.autoplay)
