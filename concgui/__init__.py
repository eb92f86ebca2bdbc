"""concgui: see Python concurrency (serial vs threads vs processes), live."""

__version__ = "0.1.0"
