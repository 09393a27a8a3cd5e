"""Configuration: TOML files -> one frozen, validated `Config`.

`load_config(path)` is the only entry point; it raises `ConfigError` whose
lines read `FILE: dotted.path: message`.
"""

from monitor.settings.errors import ConfigError
from monitor.settings.load import load_config
from monitor.settings.models import Config

__all__ = ["Config", "ConfigError", "load_config"]
