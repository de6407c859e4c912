"""Turning the resolved spec into chart text: Go conditions, the Jinja environment, files."""
