"""Configuration: Alertmanager-compatible YAML schema, loading with file:line errors, `tocsin check`."""

from tocsin.config.errors import ConfigError, ConfigProblem, ConfigWarning
from tocsin.config.loader import load_config_file, load_config_text
from tocsin.config.model import Config, GlobalConfig
from tocsin.config.notifiers import Receiver, WebhookConfig
from tocsin.config.routing import InhibitRule, Route
from tocsin.config.timeintervals import TimeIntervalDef

__all__ = [
    "Config",
    "ConfigError",
    "ConfigProblem",
    "ConfigWarning",
    "GlobalConfig",
    "InhibitRule",
    "Receiver",
    "Route",
    "TimeIntervalDef",
    "WebhookConfig",
    "load_config_file",
    "load_config_text",
]
