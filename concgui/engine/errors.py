"""The engine's error for bad input: a leaf module every other engine module may import."""

from __future__ import annotations


class ConfigError(ValueError):
    """Invalid user input, with a message meant for the user."""
