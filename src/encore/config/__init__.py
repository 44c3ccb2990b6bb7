"""Settings: one typed object, read from `ENCORE_*` variables and an optional TOML file."""

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
    "known_env_names",
    "load_settings",
    "unknown_env_reasons",
]
