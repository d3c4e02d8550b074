"""Alinea's service: HTTP API, settings, database plumbing and the ``alinea`` command line."""

__version__ = "0.1.0"
