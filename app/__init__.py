"""Touchpoint: collects NPS, CES and CSAT answers and serves rolling scores."""

__version__ = "0.1.0"
