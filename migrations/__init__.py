"""Alembic's scripts, installed as ``app.migrations`` (see pyproject.toml); never imported."""
