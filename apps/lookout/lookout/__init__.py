"""Lookout: a self-hosted observability platform (reference app for chartgen)."""

__version__ = "1.4.2"
