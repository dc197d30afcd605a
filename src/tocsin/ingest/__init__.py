"""Accepting signals: validation and normalisation of incoming alerts and events."""
