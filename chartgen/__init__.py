"""chartgen: generate a self-hosted app's Helm chart from its pydantic settings models."""

__version__ = "0.1.0"
