"""Tocsin: alerting and operations automation, drop-in compatible with Alertmanager."""

__version__ = "0.1.0"
