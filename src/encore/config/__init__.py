"""Settings: one typed object, read from `ENCORE_*` variables and an optional TOML file."""

from encore.config._settings import DEFAULT_SECRET_KEY, Settings, SettingsError, load_settings

__all__ = ["DEFAULT_SECRET_KEY", "Settings", "SettingsError", "load_settings"]
