"""Settings: one typed object, read from `ENCORE_*` variables and an optional TOML file."""

from encore.config._public_address import Unnamed, is_loopback, served_base, unnamed_public_address
from encore.config._settings import (
    DEFAULT_SECRET_KEY,
    Settings,
    SettingsError,
    known_env_names,
    load_settings,
    unknown_env_reasons,
)

__all__ = [
    "DEFAULT_SECRET_KEY",
    "Settings",
    "SettingsError",
    "Unnamed",
    "is_loopback",
    "known_env_names",
    "load_settings",
    "served_base",
    "unknown_env_reasons",
    "unnamed_public_address",
]
